-- Path oracle: builds a heap with known shapes, computes in Lua the BFS
-- distance of chosen objects from the roots (walking tables, keys,
-- metatables, upvalues and user values as the dumper records them), and
-- from _G and package.loaded alone; dumps, asks `luaheap path --json` for
-- each object, and checks the rule: a path from a global or a module when
-- one is at most a step longer than the shortest (then exactly that long,
-- starting at _G or package.loaded), else a shortest path; and that
-- evaluating the printed expression in this very process gives back the
-- very object.
-- usage: analysis_paths.lua LUAHEAP_BINARY SNAPSHOT
local luaheap = require "luaheap"
local cli, snap = arg[1], arg[2]
assert(cli and snap, "usage: analysis_paths.lua LUAHEAP SNAPSHOT")

-- Targets: name -> object, weak so they hold nothing; 'expected' holds only
-- strings and numbers, so neither adds a shorter path to anything.
local targets = setmetatable({}, { __mode = "v" })
local expected = {}

local function build()

-- held by a main-chunk local (2 hops) and a global (3 hops): the global
-- names it in every snapshot, whatever the stack holds
local world = { grid = {} }
_G.World = world
targets.world_grid = world.grid
	local Hero = {}
	Hero.__index = Hero
	function Hero.new(name) return setmetatable({ name = name, bag = {} }, Hero) end
	_G.Hero = Hero

	local timers = {}
	_G.Server = { timers = timers, players = {} }
	for i = 1, 30 do
		local h = Hero.new("p" .. i)
		_G.Server.players[i] = h
		timers[i] = function() return h end
	end
	targets.timer17 = timers[17]
	targets.player3_bag = _G.Server.players[3].bag
	targets.hero_new = Hero.new

	local mailer = { recipients = { {}, {}, { "x" } } }
	package.loaded["game.mailer"] = mailer
	targets.recipient3 = mailer.recipients[3]

	-- only through an upvalue of a closure
	local state = { ticks = 0 }
	_G.handlers = { on_tick = function() state.ticks = state.ticks + 1 end }
	targets.state = state

	-- two routes: a long one and a shortcut
	local deep = {}
	local t = deep
	for _ = 1, 12 do t.next = {}; t = t.next end
	t.payload = { "deep" }
	_G.deep = deep
	_G.short = { via = { t.payload } }
	targets.payload = t.payload
	targets.deep_end = t

	-- odd keys
	local odd = { ["end"] = { [1.5] = { [true] = {} } } }
	_G["not an id"] = odd
	targets.odd = odd["end"][1.5][true]
	_G["with\nnewline"] = { [-7] = {} }
	targets.newline = _G["with\nnewline"][-7]

	-- object keys, and a value behind a metatable
	local k = {}
	_G.keyed = { [k] = { "v" } }
	targets.keyed_value = _G.keyed[k]
	targets.key = k
	_G.obj = setmetatable({}, { __index = { secret = {} } })
	targets.secret = getmetatable(_G.obj).__index.secret

	-- a cycle and a coroutine
	local a, b = {}, {}
	a.b, b.a = b, a
	_G.ring = a
	targets.ring_b = b
	_G.co = coroutine.create(function() coroutine.yield() end)
	coroutine.resume(_G.co)
	targets.co = _G.co
	_G.long_chain = { string.rep("k", 100) }
	_G.long_chain[string.rep("k", 100)] = {}
	targets.long_key = _G.long_chain[string.rep("k", 100)]
end
build()

-- held by a main-chunk local (2 hops) and a global (3 hops): the global
-- names it in every snapshot, whatever the stack holds
local world = { grid = {} }
_G.World = world
targets.world_grid = world.grid

-- BFS over what the dumper records. Distances count objects on the path,
-- roots being 1; a Lua closure reaches an upvalue's value through the
-- upvalue object (2 hops), a C closure directly (1 hop).
-- The roots as the dumper has them: the registry, the main thread, the
-- strings' metatable, and the main chunk's frame as it is at the dump
-- (its function and locals).
local function push_roots(push)
	push(debug.getregistry(), 1)
	local main = coroutine.running()
	push(main, 1)
	push(getmetatable(""), 1)
	-- the main chunk's frame as it is at the dump: its function and locals
	local level = 1
	while debug.getinfo(level + 1, "f") do level = level + 1 end
	local mainf = debug.getinfo(level, "f").func
	local i = 1
	while true do
		local name, v = debug.getlocal(level, i)
		if not name then break end
		push(v, 2)
		i = i + 1
	end
	push(mainf, 2)
end

local function bfs(skip, globals_only)
	local dist, queue, head = {}, {}, 1
	local function push(v, d)
		local tv = type(v)
		if (tv == "table" or tv == "function" or tv == "userdata" or
		    tv == "thread" or tv == "string") and dist[v] == nil and
		    not skip[v] then
			if tv == "function" and debug.getinfo(v, "S").what == "C" and
			    debug.getinfo(v, "u").nups == 0 then
				return          -- a light C function: not an object
			end
			dist[v] = d
			queue[#queue + 1] = v
		end
	end
	if globals_only then
		push(_G, 2)
		push(package.loaded, 2)
	else
		push_roots(push)
	end
	while head <= #queue do

		local u = queue[head]
		head = head + 1
		local d = dist[u]
		local tu = type(u)
		if tu == "table" then
			local mt = debug.getmetatable(u)
			local mode = mt and rawget(mt, "__mode") or ""
			local wk, wv = mode:find("k") ~= nil, mode:find("v") ~= nil
			for key, val in next, u do
				if not wk or type(key) == "string" then push(key, d + 1) end
				-- (this heap has no ephemeron worth a path: values of
				-- object keys in weak-key tables are left out)
				local objkey = type(key) == "table" or type(key) == "function"
					or type(key) == "userdata" or type(key) == "thread"
				if (not wv or type(val) == "string") and
				   (not wk or not objkey) then
					push(val, d + 1)
				end
			end
			push(mt, d + 1)
		elseif tu == "function" then
			local c = debug.getinfo(u, "S").what == "C"
			for n = 1, 255 do
				local name, val = debug.getupvalue(u, n)
				if name == nil then break end
				push(val, d + (c and 1 or 2))
			end
		elseif tu == "userdata" then
			push(debug.getmetatable(u), d + 1)
			for n = 1, 255 do
				local val, ok = debug.getuservalue(u, n)
				if not ok then break end
				push(val, d + 1)
			end
		end
	end
	return dist
end

do
	local skip = {}
	skip[skip] = true
	skip[targets] = true
	skip[expected] = true
	local dist, gdist = bfs(skip), bfs(skip, true)
	for name, obj in pairs(targets) do
		local d = assert(dist[obj], name .. " not reached by the Lua BFS")
		if gdist[obj] and gdist[obj] <= d + 1 then
			expected[name] = gdist[obj]
			expected[name .. "@global"] = true
		else
			expected[name] = d
		end
	end
	dist, gdist = nil, nil
end
-- the BFS's own tables must be gone before the dump
collectgarbage()
collectgarbage()
assert(luaheap.dump(snap))

-- A JSON string value after "key": in text, unescaped.
local function json_string(text, key)
	local s = text:find('"' .. key .. '":%s*"')
	if not s then return nil end
	local i = text:find('"', text:find(':', s) + 1, true) + 1
	local out = {}
	while true do
		local c = text:sub(i, i)
		if c == '"' then break end
		if c == "\\" then
			local e = text:sub(i + 1, i + 1)
			if e == "u" then
				out[#out + 1] = utf8.char(tonumber(text:sub(i + 2, i + 5), 16))
				i = i + 6
			else
				out[#out + 1] = ({ n = "\n", t = "\t", r = "\r", b = "\b",
					f = "\f" })[e] or e
				i = i + 2
			end
		else
			out[#out + 1] = c
			i = i + 1
		end
	end
	return table.concat(out)
end

local env = setmetatable({ registry = debug.getregistry() }, { __index = _G })
local failures, evaluated = 0, 0
local names = {}
for name in pairs(targets) do names[#names + 1] = name end
table.sort(names)
for _, name in ipairs(names) do
	local obj = targets[name]
	local addr = string.format("%p", obj)
	local p = assert(io.popen(string.format("%q path --json %q %s", cli, snap, addr)))
	local out = p:read("a")
	p:close()
	local len = tonumber(out:match('"length":%s*(%d+)'))
	local expr = json_string(out, "expr")
	local ok = len == expected[name]
	local why = ok and "" or string.format("length %s, BFS in Lua says %d",
		tostring(len), expected[name])
	if ok and expected[name .. "@global"] and not (expr:find("^_G") or
	    expr:find("^package%.loaded")) then
		ok, why = false, "a global or a module names it a step further"
	end
	if ok and expr and not expr:find("<", 1, true) and
	   not expr:find("\u{2026}", 1, true) then
		local f = load("return " .. expr, "=expr", "t", env)
		local got = f and f()
		ok = rawequal(got, obj)
		evaluated = evaluated + 1
		if not ok then why = "evaluates to " .. tostring(got) end
	end
	print(string.format("%-12s %-4s %2s %s %s", name, ok and "ok" or "FAIL",
		tostring(len), expr, why))
	if not ok then failures = failures + 1 end
end
print(string.format("%d objects, %d expressions evaluated, %d failures",
	#names, evaluated, failures))
-- at least the field-only paths must have been evaluated
assert(evaluated >= 8, "too few evaluable paths")
os.exit(failures == 0 and 0 or 1)

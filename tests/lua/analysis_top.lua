-- Consistency oracle for top and tree on a real heap: totals by type, by
-- class and by object add up to the live heap; rankings are sorted; a
-- group retains at least its biggest instance; in the dominator tree an
-- object's retained size is its own size plus its children's.
-- usage: analysis_top.lua LUAHEAP SNAPSHOT
local json = require "json"
local cli, snap = arg[1], arg[2]

local function build()
	local Unit = { __name = "game.Unit" }
	Unit.__index = Unit
	local Item = {}
	Item.__index = Item
	_G.Item = Item
	_G.world = { units = {}, items = {}, names = {} }
	for i = 1, 300 do
		local u = setmetatable({ id = i, bag = {} }, Unit)
		for j = 1, i % 5 do u.bag[j] = setmetatable({ w = j }, Item) end
		_G.world.units[i] = u
		_G.world.names["unit" .. i] = u
	end
	_G.world.cache = setmetatable({}, { __mode = "v" })
	_G.world.tick = function() return #_G.world.units end
	_G.world.co = coroutine.wrap(function() local keep = {} coroutine.yield(keep) end)
	_G.world.co()
end
build()
assert(require("luaheap").dump(snap))

local function run(args)
	return json.run(string.format("%q %s %q", cli, args, snap))
end
local function sorted(rows, key)
	for i = 2, #rows do
		assert(rows[i - 1][key] >= rows[i][key], key .. " not sorted at row " .. i)
	end
end
local function sum(rows, key)
	local s = 0
	for _, r in ipairs(rows) do s = s + r[key] end
	return s
end

local bytype = run("top --group type -n 0 --json")
local live, nlive = bytype.live_bytes, sum(bytype.rows, "count")
assert(bytype.live_objects == nlive, "live objects")
assert(bytype.bytes == live + bytype.garbage_bytes, "live + garbage = all")
assert(sum(bytype.rows, "self") == live, "types do not add up to the live heap")
sorted(bytype.rows, "retained")
for _, r in ipairs(bytype.rows) do assert(r.retained <= live and r.retained >= r.self) end

local byclass = run("top --group class -n 0 --json")
assert(sum(byclass.rows, "self") == live, "classes do not add up")
assert(sum(byclass.rows, "count") == nlive)
sorted(byclass.rows, "retained")
local names = {}
for _, r in ipairs(byclass.rows) do
	names[r.name] = r
	assert(r.example.retained <= r.retained, r.name .. ": smaller than its biggest instance")
	assert(r.retained <= live)
end
assert(names["game.Unit"].count == 300, "game.Unit count")
assert(names["Item"].count == 600, "Item count")
-- each unit dominates its bag and items (world.units and world.names
-- both hold it, so it is not dominated by either)
assert(names["game.Unit"].retained >= names["game.Unit"].self + names["Item"].self)

local objs = run("top --group none --by self -n 0 --json")
assert(#objs.rows == nlive, "one row per live object")
assert(sum(objs.rows, "self") == live)
sorted(objs.rows, "self")
sorted(run("top --group none --by count -n 50 --json").rows, "count")
for _, r in ipairs(run("top --group function -n 0 --json").rows) do
	assert(r.name:match("^function ") or r.name:match("^cfunction"), r.name)
end

-- the tree below the roots covers the live heap
local roots = run("tree --depth 1 --min-size 0 --json")
assert(roots.nodes[1].retained == live)
local below = 0
for _, n in ipairs(roots.nodes) do
	if n.depth == 1 then below = below + n.retained end
end
assert(below == live, "the roots' subtrees do not add up")

-- retained = self + children's retained, for the 40 biggest objects
local checked = 0
for _, r in ipairs(run("top --group none -n 40 --json").rows) do
	local t = json.run(string.format("%q tree %q %s --depth 1 --min-size 0 --json",
		cli, snap, r.address))
	local kids = 0
	for _, n in ipairs(t.nodes) do
		if n.depth == 1 then kids = kids + n.retained end
	end
	assert(t.nodes[1].retained == r.retained)
	assert(r.self + kids == r.retained, "retained of " .. r.address)
	checked = checked + 1
end
print(string.format("live %d bytes in %d objects, %d classes, %d subtrees checked",
	live, nlive, #byclass.rows, checked))

-- Reachability oracle for weak tables and ephemerons: builds weak-key,
-- weak-value and weak-both tables (values pointing at their own keys,
-- keys kept elsewhere or not, strings as values), dumps WITHOUT collecting,
-- then lets Lua's collector decide. Every probed object must be reachable
-- in `luaheap path --json` exactly when it survived the full collection.
-- usage: analysis_weak.lua LUAHEAP SNAPSHOT
local luaheap = require "luaheap"
local cli, snap = arg[1], arg[2]
collectgarbage("stop")

local probes = setmetatable({}, { __mode = "v" })   -- name -> object
local addrs = {}                                     -- name -> "0x..."

local function probe(name, obj)
	probes[name] = obj
	addrs[name] = string.format("%p", obj)
end

local function build()
	-- ephemerons: the value refers to its key
	local eph = setmetatable({}, { __mode = "k" })
	_G.eph = eph
	_G.kept_keys = {}
	for i = 1, 6 do
		local k, v = { i }, {}
		v.key = k
		eph[k] = v
		probe("eph_key" .. i, k)
		probe("eph_val" .. i, v)
		if i % 2 == 0 then _G.kept_keys[#_G.kept_keys + 1] = k end
	end
	-- an ephemeron chain: k1 -> v1 is the key of v2, and so on; only the
	-- first key is kept, so the whole chain lives
	local chain = setmetatable({}, { __mode = "k" })
	_G.chain = chain
	local k = {}
	_G.chain_head = k
	for i = 1, 5 do
		local v = {}
		chain[k] = v
		probe("chain" .. i, v)
		k = v
	end
	-- weak values: only the ones kept elsewhere live
	local cache = setmetatable({}, { __mode = "v" })
	_G.cache = cache
	_G.kept_values = {}
	for i = 1, 6 do
		local v = { i }
		cache[i] = v
		probe("cache" .. i, v)
		if i % 3 == 0 then _G.kept_values[#_G.kept_values + 1] = v end
	end
	-- weak keys and values: an entry lives only if both are kept
	local both = setmetatable({}, { __mode = "kv" })
	_G.both = both
	local kk, vv = {}, {}
	both[kk] = vv
	_G.both_key = kk
	probe("both_val", vv)
	-- plain garbage, and a strong table for contrast
	probe("garbage", {})
	_G.strong = { {} }
	probe("strong", _G.strong[1])
end
build()
assert(luaheap.dump(snap, { collect = false }))
collectgarbage("collect")
collectgarbage("collect")

local names, failures, alive = {}, 0, 0
for name in pairs(addrs) do names[#names + 1] = name end
table.sort(names)
for _, name in ipairs(names) do
	local p = assert(io.popen(string.format("%q path --json %q %s", cli, snap,
		addrs[name])))
	local out = p:read("a")
	p:close()
	local reachable = out:match('"reachable":%s*(%a+)')
	local lives = probes[name] ~= nil
	if lives then alive = alive + 1 end
	local ok = reachable == tostring(lives)
	print(string.format("%-10s %-5s lua says %s, luaheap says %s", name,
		ok and "ok" or "FAIL", lives and "alive" or "dead", tostring(reachable)))
	if not ok then failures = failures + 1 end
end
print(string.format("%d objects, %d alive, %d failures", #names, alive, failures))
assert(alive > 5 and alive < #names - 5, "the heap must have both kinds")
os.exit(failures == 0 and 0 or 1)

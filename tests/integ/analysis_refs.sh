# The new views against what the program built: `refs` lists every
# referrer of an object with the reference's step (weak ones marked) and,
# with --depth, theirs; `top --class` lists every instance of one class and,
# with --since, which ones are new; coroutines are classed by their body
# function and where they are suspended.
cat > refs.lua <<'LUA'
local luaheap = require "luaheap"
local function park() coroutine.yield() end
Parked = {}; for i = 1, 3 do Parked[i] = coroutine.create(park); coroutine.resume(Parked[i]) end
local Item = { __name = "shop.Item" }
local function item(n) return setmetatable({ n = n }, Item) end
Shop = { items = { item(1), item(2) } }
target = { "the object" }
Holders = { primary = { x = target }, index = { target } }
Seen = setmetatable({ target }, { __mode = "v" })
assert(luaheap.dump("a.snap"))
Shop.items[3] = item(3)
assert(luaheap.dump("b.snap"))
LUA
"$LUAHEAP" run refs.lua
"$LUAHEAP" refs --json b.snap _G.target > r1.json
"$LUAHEAP" refs --json --depth 2 b.snap _G.Holders.index[1] > r2.json
"$LUAHEAP" refs b.snap _G.target > r1.txt
"$LUAHEAP" top --json --class shop.Item --since a.snap b.snap > t.json
cat > check.lua <<'LUA'
local json = require "json"
local function read(p) local f = assert(io.open(p)); local d = json.decode(f:read("a")); f:close(); return d end
local r1, r2, t = read("r1.json"), read("r2.json"), read("t.json")
local seen = {}
for _, r in ipairs(r1.referrers) do seen[r.edge .. "@" .. r.path] = r.weak end
assert(seen[".target@_G"] == false, "_G.target")
assert(seen[".x@_G.Holders.primary"] == false, "Holders.primary.x")
assert(seen["[1]@_G.Holders.index"] == false, "Holders.index[1]")
assert(seen["[1]@_G.Seen"] == true, "the weak table's reference is weak")
-- depth 2: the referrers of Holders.index and Holders.primary follow
local nested = 0
for _, r in ipairs(r2.referrers) do
  for _, q in ipairs(r.referrers or {}) do
    if q.path == "_G.Holders" then nested = nested + 1 end
  end
end
assert(nested == 2, "Holders under both holders: " .. nested)
assert(#t.rows == 3, #t.rows .. " instances")
local new = 0
for _, row in ipairs(t.rows) do
  assert(row.class == "shop.Item" and row.path:find("^_G%.Shop%.items%[%d%]$"), row.path)
  if row.new then new = new + 1; assert(row.path == "_G.Shop.items[3]") end
end
assert(new == 1, new .. " new instances")
LUA
LUA_PATH="$SRC/tests/lua/?.lua" "$LUA" check.lua
grep -q '(weak)' r1.txt
# three parked coroutines, one class: body at line 2, parked at line 2
cls='coroutine of function (refs.lua:2), suspended at refs.lua:2'
"$LUAHEAP" top b.snap | grep -qF "3  $cls"
"$LUAHEAP" top --json --class "$cls" b.snap > co.json
test "$(grep -c '"path":[[:space:]]*"_G.Parked\[[123]\]"' co.json)" -eq 3
# an unknown class is an error naming it
if "$LUAHEAP" top --class no.Such b.snap 2> err.txt; then exit 1; fi
grep -q "no class 'no.Such'" err.txt

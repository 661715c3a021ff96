# Expected-dead objects fold by path, sorted by bytes, obey -n and come
# after the suspects; luaheap's own watch table (which holds a label for
# each of them) is never a suspect, a churn group or a grown table.
cat > dead.lua <<'LUA'
local luaheap = require "luaheap"
Lost, Parked, Done = {}, {}, {}
local function round(r)
  for i = 1, 250 do
    local s = { id = r * 1000 + i, buf = { ("x"):rep(40) .. i } }
    Lost[#Lost + 1] = s                     -- the leak: sessions kept
    luaheap.expect_dead(s, "session " .. s.id)
    local t = { r = r, i = i }
    Parked[#Parked + 1] = t                 -- a smaller one
    luaheap.expect_dead(t, "ticket " .. i)
    Done[#Done + 1] = {}                    -- fine, watched only
    luaheap.watch(Done[#Done], "done " .. i)
  end
end
assert(luaheap.dump("a.snap"))
round(1)
assert(luaheap.dump("b.snap"))
round(2)
assert(luaheap.dump("c.snap"))
LUA
"$LUAHEAP" run dead.lua
cat > check.lua <<'LUA'
local d = require("json").decode(io.read("a"))
local n = tonumber(arg[1])
local dead = d.expect_dead_groups
assert(#dead == (arg[2] == "all" and 2 or 1), #dead .. " expected-dead rows")
assert(dead[1].path == "_G.Lost[*]", "biggest first: " .. dead[1].path)
assert(dead[1].count == 250 * (n - 1), "count " .. dead[1].count)
assert(dead[1].example_address:find("^0x%x+$"))
assert(#d.expect_dead == 500 * (n - 1), "every object is still listed")
local function own(p) return p:find("^registry") ~= nil end
for _, key in ipairs { "suspects", "other_groups" } do
  for _, g in ipairs(d[key]) do assert(not own(g.path), key .. ": " .. g.path) end
end
for _, g in ipairs(d.grown) do assert(not own(g.pattern), "grown: " .. g.pattern) end
assert(d.suspects[1].path:find("^_G%.Lost"), d.suspects[1].path)
LUA
for snaps in "a.snap b.snap" "a.snap b.snap c.snap"; do
	set -- $snaps
	"$LUAHEAP" diff -n 1 "$@" > out.txt
	"$LUAHEAP" diff --json -n 1 "$@" > out.json
	"$LUAHEAP" diff --json -n 0 "$@" > all.json
	LUA_PATH="$SRC/tests/lua/?.lua" "$LUA" check.lua "$#" < out.json
	LUA_PATH="$SRC/tests/lua/?.lua" "$LUA" check.lua "$#" all < all.json
	# text order: suspects, expected dead, grown tables
	s=$(grep -n '^suspects' out.txt | cut -d: -f1)
	e=$(grep -n '^expected dead' out.txt | cut -d: -f1)
	g=$(grep -n '^grown tables' out.txt | cut -d: -f1)
	test "$s" -lt "$e"
	test "$e" -lt "$g"
	test "$(grep -c 'session [0-9]' out.txt)" -le 1
	if grep -v '^registry .* entries' out.txt | grep -q 'registry'; then exit 1; fi
done

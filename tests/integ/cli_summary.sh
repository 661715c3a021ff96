# luaheap summary against what the program did: between two dumps a script
# creates exactly 1000 tables, so the second summary has 1000 more tables,
# every other type count unchanged, and the tables' bytes grew by exactly
# the growth of Lua's own count. Text and JSON report the same numbers.
cat > grow.lua <<'LUA'
local luaheap = require "luaheap"
local holder = {}
for i = 1, 1000 do holder[i] = false end      -- the array part exists already
local a, b = "a.snap", "b.snap"
assert(luaheap.dump(a))
for i = 1, 1000 do holder[i] = {} end
assert(luaheap.dump(b))
LUA
"$LUAHEAP" run grow.lua
"$LUAHEAP" summary --json a.snap > a.json
"$LUAHEAP" summary --json b.snap > b.json
"$LUAHEAP" summary b.snap > b.txt

cat > check.lua <<'LUA'
local function read(path)
  local s = assert(io.open(path)):read("a")
  local r = { by_type = {} }
  for _, k in ipairs { "objects", "edges", "bytes", "vm_overhead_bytes", "lua_total_bytes" } do
    r[k] = assert(tonumber(s:match('\n\t"' .. k .. '":%s*(%d+)')), k)
  end
  for name, c, b in s:gmatch('"(%a+)":%s*{%s*"count":%s*(%d+),%s*"bytes":%s*(%d+)') do
    r.by_type[name] = { count = tonumber(c), bytes = tonumber(b) }
  end
  r.exact = s:match('"exact":%s*true') ~= nil
  return r
end
local a, b = read("a.json"), read("b.json")
for _, r in ipairs { a, b } do
  local n, bytes, types = 0, 0, 0
  for _, t in pairs(r.by_type) do n, bytes, types = n + t.count, bytes + t.bytes, types + 1 end
  assert(types == 8, "eight types")
  assert(n == r.objects, "type counts add up to the objects")
  assert(bytes == r.bytes, "type bytes add up to the bytes")
  assert(r.exact and r.bytes + r.vm_overhead_bytes == r.lua_total_bytes, "accounting")
end
for name, t in pairs(b.by_type) do
  local d = t.count - a.by_type[name].count
  assert(d == (name == "table" and 1000 or 0), name .. " count changed by " .. d)
end
local grown = b.by_type.table.bytes - a.by_type.table.bytes
assert(grown == b.lua_total_bytes - a.lua_total_bytes, "table bytes grew by Lua's growth")
assert(grown > 0 and grown % 1000 == 0)
-- the text report says the same
local text = assert(io.open("b.txt")):read("a")
local function commas(n) return tostring(n):reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", "") end
assert(text:find("\nobjects +" .. commas(b.objects) .. " objects, " .. commas(b.edges) .. " edges"), "objects line")
assert(text:find("\ntable +" .. commas(b.by_type.table.count) .. " "), "table row")
assert(text:find("Lua counts " .. commas(b.lua_total_bytes) .. ": exact\n", 1, true), "accounting line")
print("tables grew by 1000, " .. grown .. " bytes")
LUA
"$LUA" check.lua

# a snapshot read from a pipe (no size known, no seeking) says the same
"$LUA" -e 'assert(require("luaheap").dump("c.json", { format = "json" }))'
for f in b.snap c.json; do
	"$LUAHEAP" summary --json "$f" | grep -v '^	"snapshot":' > file.txt
	cat "$f" | "$LUAHEAP" summary --json /dev/stdin | grep -v '^	"snapshot":' > pipe.txt
	cmp file.txt pipe.txt
done

# colour only on a terminal, and never with NO_COLOR set
esc=$(printf '\033')
if grep -q "$esc" b.txt; then
	echo "escape sequences in redirected output" >&2
	exit 1
fi
if command -v script > /dev/null; then
	script -qc "'$LUAHEAP' summary b.snap" /dev/null > tty.txt
	grep -q "$esc\[1m" tty.txt
	NO_COLOR=1 script -qc "'$LUAHEAP' summary b.snap" /dev/null > tty.txt
	! grep -q "$esc" tty.txt
	grep -q '^objects ' tty.txt
fi

# the weak-table line counts each kind apart: 2 weak-key tables more than
# the heap has without them, 3 weak-value ones, 4 with both
cat > weak.lua <<'LUA'
local luaheap = require "luaheap"
assert(luaheap.dump("w0.snap"))
local keep = {}
for _, n in ipairs { { "k", 2 }, { "v", 3 }, { "kv", 4 } } do
  for _ = 1, n[2] do keep[#keep + 1] = setmetatable({}, { __mode = n[1] }) end
end
assert(luaheap.dump("w1.snap"))
LUA
"$LUAHEAP" run weak.lua
weak_counts() {
	"$LUAHEAP" summary "$1" | sed -n 's/.*weak *\([0-9,]*\) tables with weak keys.*, \([0-9,]*\) with weak values.*, \([0-9,]*\) with both.*/\1 \2 \3/p'
}
set -- $(weak_counts w0.snap) $(weak_counts w1.snap)
test $# -eq 6
test $(($4 - $1)) -eq 2
test $(($5 - $2)) -eq 3
test $(($6 - $3)) -eq 4

# -n 0 lists every retainer, not ten
"$LUAHEAP" summary -n 0 --json b.snap > all.json
LUA_PATH="$SRC/tests/lua/?.lua" "$LUA" -e '
  local d = require("json").decode(io.read("a"))
  assert(#d.retainers > 1000, "only " .. #d.retainers .. " retainers")' < all.json

-- Reads `luaheap top --group none --json` on stdin and prints, for each
-- row, "ID=RETAINED" with ID the node id `luaheap export` gives the object
-- (from the address, as analyzer/heapsnapshot.c's node_ids does when no
-- other object's id collides), space-separated on one line.
local json = require "json"
local doc = json.decode(io.read("a"))
local out = {}
for _, r in ipairs(doc.rows) do
  local addr = math.tointeger(tonumber(r.address:sub(3), 16))
  local k = ((addr >> 3) + (addr >> 34) * 0x9e3779b1) % 0x7ff00000
  out[#out + 1] = ("%d=%d"):format(2 * k + 3,
    math.tointeger(r.retained))
end
print(table.concat(out, " "))

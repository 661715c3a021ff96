-- Reads `luaheap top --group none --json` on stdin and prints, for each
-- row, "ID=RETAINED" with ID the node id `luaheap export` gives the object
-- (2 * (address / 8 mod 2^31) + 1), space-separated on one line.
local json = require "json"
local doc = json.decode(io.read("a"))
local out = {}
for _, r in ipairs(doc.rows) do
  local addr = math.tointeger(tonumber(r.address:sub(3), 16))
  out[#out + 1] = ("%d=%d"):format(2 * ((addr >> 3) & 0x7fffffff) + 1,
    math.tointeger(r.retained))
end
print(table.concat(out, " "))

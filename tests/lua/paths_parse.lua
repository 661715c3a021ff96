-- Every path a command prints is accepted back as OBJECT: reads the JSON
-- documents named on the command line, collects each (path, address) pair
-- they hold ("path" or "example" beside "address" or "example_address",
-- and path's own "expr" of the object), and checks that `luaheap path
-- SNAP PATH` names that very address.
-- usage: paths_parse.lua LUAHEAP SNAPSHOT MAXCHECKS JSON...
local json = require "json"
local cli, snap, max = arg[1], arg[2], tonumber(arg[3])
local pairs_, seen = {}, {}

local function add(path, addr, from)
  if type(path) == "string" and type(addr) == "string" and not seen[path] then
    seen[path] = true
    pairs_[#pairs_ + 1] = { path = path, addr = addr, from = from }
  end
end

local function walk(v, from)
  if type(v) ~= "table" then return end
  add(v.path, v.address, from)
  add(v.example, v.example_address, from)
  for _, x in pairs(v) do walk(x, from) end
end

for i = 4, #arg do
  local f = assert(io.open(arg[i]))
  local doc = json.decode(f:read("a"))
  f:close()
  walk(doc, arg[i])
  if doc.paths and doc.object then
    for _, p in ipairs(doc.paths) do add(p.expr, doc.object.address, arg[i]) end
  end
end
assert(#pairs_ > 0, "no path found in the documents")

local checked, failures, kinds = 0, 0, {}
for i, p in ipairs(pairs_) do
  -- every pair through <...> steps, a spread of the others
  local special = p.path:find("<", 1, true) ~= nil
  if special or i % math.max(1, #pairs_ // max) == 0 then
    local h = assert(io.popen(("%q path --json %q %q 2>&1"):format(cli, snap, p.path)))
    local out = h:read("a")
    h:close()
    local got = out:match('"object":%s*{%s*"address":%s*"(0x%x+)"')
    checked = checked + 1
    if special then kinds[p.path:match("<(%a+)")] = true end
    if got ~= p.addr then
      failures = failures + 1
      print(("FAIL %s (from %s): %s, expected %s"):format(p.path, p.from,
        got or out:gsub("\n", " "), p.addr))
    end
  end
end
local k = {}
for name in pairs(kinds) do k[#k + 1] = name end
table.sort(k)
print(("%d paths, %d checked (steps: %s), %d failures"):format(#pairs_, checked,
  table.concat(k, " "), failures))
os.exit(failures == 0 and 0 or 1)

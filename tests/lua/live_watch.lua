-- Watched objects: five sessions are watched at login and marked
-- expect_dead at logout; one is kept by mistake (Audit.last). Writes
-- OUT/a.snap (all logged in), OUT/b.snap and OUT/b.json (all logged out),
-- and checks in the program itself that watching retains nothing.
-- Usage: live_watch.lua OUT
local luaheap = require "luaheap"
local out = assert(arg[1])

Sessions = {}
Audit = {}
local Config = luaheap.watch({ motd = "hello" }, "config")   -- watched, stays

local probe = setmetatable({}, { __mode = "v" })             -- sees collection
for i = 1, 5 do
  local s = { user = "user" .. i, data = { string.rep("x", 100 + i) } }
  luaheap.watch(s, "session " .. i)
  Sessions[i] = s
  probe[i] = s
end
collectgarbage()
local before = collectgarbage("count")
assert(luaheap.dump(out .. "/a.snap"))

for i = 1, 5 do
  local s = Sessions[i]
  if i == 3 then Audit.last = s end          -- the mistake
  luaheap.expect_dead(s)                     -- keeps the label "session i"
  Sessions[i] = nil
end
collectgarbage()
collectgarbage()
-- watching retained nothing: the dropped sessions are gone
for i = 1, 5 do
  assert((probe[i] ~= nil) == (i == 3), "session " .. i .. " survived its watch")
end
local ok, counts = luaheap.dump(out .. "/b.snap")
assert(ok, counts)
assert(counts.bytes + counts.overhead == counts.total, "accounting")
assert(luaheap.dump(out .. "/b.json", { format = "json" }))
assert(Config.motd == "hello")
assert(not pcall(luaheap.watch, "a string"))
assert(not pcall(luaheap.expect_dead, 42))
print(("watch: kept %p, before %.1f KiB"):format(Audit.last, before))

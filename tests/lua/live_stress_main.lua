-- Runs tests/lua/live_stress.lua in a process of its own, armed or not, for
-- tests/integ/live_stress.sh. Usage: live_stress_main.lua DIR ROUNDS MODE ARM
-- Armed, it stays armed after printing its result until DIR/../stop exists
-- (at most a minute), so that no signal in flight finds it disarmed.
--   MODE: incremental (small steps: the collector is caught in every phase)
--         or generational; ARM: 1 to arm with collect = false, 0 not to.
local luaheap = require "luaheap"
local dir, rounds, mode, armed = arg[1], tonumber(arg[2]), arg[3], arg[4] == "1"
if mode == "incremental" then
  collectgarbage("incremental", 100, 10, 6)
else
  collectgarbage("generational")
end
if armed then
  assert(luaheap.arm { signal = "USR1", dir = dir, collect = false, strings = 16 })
  io.write("armed\n")
  io.stdout:flush()
end
local result = require("live_stress").run(rounds, function() end)
io.write("result ", result, "\n")
io.stdout:flush()
if armed then
  local stop, deadline = dir .. "/../stop", os.time() + 60
  while os.time() < deadline do
    local f = io.open(stop)
    if f then f:close() break end
    luaheap.poll()
    os.execute("sleep 0.05")
  end
  luaheap.disarm()
end

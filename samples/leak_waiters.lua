-- Leak: waiters parked per event name. Each login registers callbacks that
-- wait for quest events in Sched.waiting[event]; the events never fire for
-- players who log out, and logout does not unregister them.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Sched = { waiting = {} }
_G.Sched = Sched

function Sched.wait(event, fn)
  local list = Sched.waiting[event]
  if not list then list = {}; Sched.waiting[event] = list end
  list[#list + 1] = fn
end

game.add_system {
  on_login = function(p)
    local event = "quest_done_" .. (p.id % 7 + 1)
    local reward = { gold = p.id % 100, note = "reward of " .. p.name }
    Sched.wait(event, function() p.gold = (p.gold or 0) + reward.gold end)
  end,
}

harness.run("leak_waiters", game)

-- Leak: a timer that is never cancelled, whose closure holds its owner.
-- Each login schedules a repeating autosave; logout does not cancel it, so
-- the scheduler keeps every player that ever logged in.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Scheduler = { timers = {}, next_id = 1 }
_G.Scheduler = Scheduler

function Scheduler.every(period, fn)
  local id = Scheduler.next_id
  Scheduler.next_id = id + 1
  Scheduler.timers[id] = { period = period, fn = fn }
  return id
end

function Scheduler.cancel(id) Scheduler.timers[id] = nil end

game.add_system {
  on_login = function(p)
    local h = p                                    -- the closure's upvalue
    p.autosave = Scheduler.every(60, function() return h.name end)
  end,
  on_logout = function(p)
    -- bug: Scheduler.cancel(p.autosave) is missing
  end,
}

harness.run("leak_timer", game)

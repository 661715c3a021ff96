-- Control (no leak): balanced login/logout churn with every system cleaning
-- up after itself: sessions closed, timers cancelled, side data removed.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Sessions = { open = {} }
local Timers = { list = {}, next_id = 1 }
_G.Sessions, _G.Timers = Sessions, Timers

game.add_system {
  on_login = function(p)
    Sessions.open[p.id] = { player = p, packets = { "hello" } }
    local id = Timers.next_id
    Timers.next_id = id + 1
    Timers.list[id] = function() return p.name end
    p.timer = id
  end,
  on_logout = function(p)
    Sessions.open[p.id] = nil
    Timers.list[p.timer] = nil
  end,
}

harness.run("control_churn", game)

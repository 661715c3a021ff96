-- Leak: coroutines parked forever. Each login starts a dialogue coroutine
-- that waits for an answer which never comes; the waiting list keeps the
-- parked coroutine, and its stack keeps the player.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Dialogs = { waiting = {} }
_G.Dialogs = Dialogs

local function dialogue(p)
  local speaker = p
  local lines = { "welcome, " .. speaker.name, "choose a class" }
  local answer = coroutine.yield(#lines)            -- parked here forever
  return speaker, answer
end

game.add_system {
  on_login = function(p)
    local co = coroutine.create(dialogue)
    coroutine.resume(co, p)
    Dialogs.waiting[#Dialogs.waiting + 1] = co       -- never resumed or removed
  end,
}

harness.run("leak_coroutine", game)

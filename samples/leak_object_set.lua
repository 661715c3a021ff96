-- Leak: a set keyed by objects. The anti-cheat tracker marks suspicious
-- players with Tracker.flagged[p] = true and never unmarks them; without
-- weak keys the set keeps every flagged player alive.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Tracker = { flagged = {} }                    -- bug: not {__mode = "k"}
_G.Tracker = Tracker

game.add_system {
  on_login = function(p) Tracker.flagged[p] = true end,
}

harness.run("leak_object_set", game)

-- Leak: a side table without weak keys. The achievement tracker hangs
-- extra state on each player object in a table keyed by the player; without
-- __mode = "k" the keys keep every player alive.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Achievements = { progress = {} }             -- bug: not setmetatable(..., {__mode = "k"})
_G.Achievements = Achievements

game.add_system {
  on_login = function(p)
    Achievements.progress[p] = { kills = 0, badges = { "newcomer", "day one" } }
  end,
}

harness.run("leak_side_table", game)

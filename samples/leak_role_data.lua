-- Leak: role data kept beside the role instead of on it. The buff system
-- keeps each player's buffs in its own table keyed by player id, and never
-- clears the entry when the player leaves.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Buffs = { by_player = {} }
_G.Buffs = Buffs

game.add_system {
  on_login = function(p)
    local list = {}
    for i = 1, 5 do list[i] = { kind = "buff" .. i, until_round = i * 10 } end
    Buffs.by_player[p.id] = list
  end,
  -- bug: no on_logout; Buffs.by_player[id] outlives the player
}

harness.run("leak_role_data", game)

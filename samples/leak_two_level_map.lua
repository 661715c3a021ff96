-- Leak: a two-level map. The fog-of-war cache Map.cells[x][y] records every
-- tile a player uncovered and is never trimmed; its rows exist from the
-- start and gain columns forever.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Map = { cells = {} }
_G.Map = Map
for x = 1, 32 do Map.cells[x] = {} end
local col = 0

game.add_system {
  on_login = function(p)
    col = col + 1
    for x = 1, 32, 4 do
      Map.cells[x][col] = { seen_by = p.id, light = (x + col) % 8, marks = { x, col } }
    end
  end,
}

harness.run("leak_two_level_map", game)

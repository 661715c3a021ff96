-- Leak: a secondary index that keeps what the primary table let go. Loot
-- items live two rounds in Items; their removal clears Items[id] but not
-- Index[kind][id], so the index keeps every item ever dropped.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Items, Index = {}, {}
_G.Items, _G.Index = Items, Index
for k = 0, 9 do Index["kind" .. k] = {} end
local next_id, born = 1, {}

game.add_system {
  on_tick = function(round)
    for _ = 1, 12 do
      local id, kind = next_id, "kind" .. next_id % 10
      next_id = next_id + 1
      local item = { id = id, kind = kind, owner = "npc" .. id % 7, stats = { atk = id % 13, def = id % 5 } }
      Items[id] = item
      Index[kind][id] = item
      born[#born + 1] = { id = id, round = round }
    end
    while born[1] and born[1].round <= round - 2 do
      Items[table.remove(born, 1).id] = nil             -- bug: Index[kind][id] stays
    end
  end,
}

harness.run("leak_secondary_index", game)

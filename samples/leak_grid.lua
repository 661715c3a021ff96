-- Leak: a spatial grid of computed keys. Entities are put in the cell
-- World.grid["x:y"] of their position; despawn removes them from the entity
-- list but forgets the cell, so every cell grows a little.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local World = game.World
World.grid, World.entities = {}, {}
local next_id = 1

local function cell_of(x, y) return math.floor(x / 16) .. ":" .. math.floor(y / 16) end

game.add_system {
  on_login = function(p)
    for _ = 1, 2 do
      local id = next_id
      next_id = next_id + 1
      local e = { id = id, x = id * 37 % 128, y = id * 91 % 80, hp = 10, owner = p.id }
      local key = cell_of(e.x, e.y)
      local cell = World.grid[key]
      if not cell then cell = {}; World.grid[key] = cell end
      cell[#cell + 1] = e
      World.entities[id] = e
      p.spawned = p.spawned or {}
      p.spawned[#p.spawned + 1] = id
    end
  end,
  on_logout = function(p)
    for _, id in ipairs(p.spawned) do World.entities[id] = nil end   -- bug: the cell keeps it
  end,
}

harness.run("leak_grid", game)

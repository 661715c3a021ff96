-- Leak: a class-level instance list. The Monster class (a module) records
-- every instance in Monster.instances for debugging; nothing removes them
-- when a monster dies.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

package.preload["mob"] = function()
  local Monster = { __name = "mob.Monster", instances = {} }
  Monster.__index = Monster
  function Monster.new(level)
    local m = setmetatable({ level = level, hp = level * 10, loot = { "bone", "hide" } }, Monster)
    Monster.instances[#Monster.instances + 1] = m      -- bug: never removed
    return m
  end
  return Monster
end
local Monster = require "mob"
local alive = {}

game.add_system {
  on_tick = function(round)
    for i = 1, 8 do alive[#alive + 1] = Monster.new(round % 30 + i) end
    while #alive > 40 do table.remove(alive, 1) end  -- monsters die
  end,
}

harness.run("leak_class_instances", game)

-- Leak: a log of unique strings. Every logout appends a line of text to the
-- audit log, which nothing trims; each line is a new string.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Audit = { lines = {} }
_G.Audit = Audit

game.add_system {
  on_logout = function(p)
    Audit.lines[#Audit.lines + 1] = ("%s (id %d, level %d) left with %d items, hp %d, at tick %d")
      :format(p.name, p.id, p.stats.level, #p.inventory, p.stats.hp, p.id * 3)
  end,
}

harness.run("leak_string_log", game)

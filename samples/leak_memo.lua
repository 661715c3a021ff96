-- Leak: a memo cache without weak values. Name colouring memoises on the
-- full player name, a key that never repeats, so the cache only grows.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local memo = {}                                    -- bug: no __mode = "v"/"k"
local function color(name)
  local c = memo[name]
  if not c then
    c = { name = name, rgb = { #name * 13 % 256, #name * 7 % 256, 90 } }
    memo[name] = c
  end
  return c
end
_G.color = color

game.add_system {
  on_login = function(p) p.color = color(p.name .. "@" .. p.id) end,
}

harness.run("leak_memo", game)

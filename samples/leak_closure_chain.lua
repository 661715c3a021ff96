-- Leak: a closure chain. Every login wraps the save hook in a new closure
-- that calls the previous one, so Hooks.on_save grows into a chain of
-- closures, each keeping its player alive through an upvalue.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Hooks = { on_save = function() end }
_G.Hooks = Hooks

local function wrap(prev, p)
  local extra = { tag = "save of " .. p.name }
  return function(...) extra.n = (extra.n or 0) + 1; return prev(...) end
end

game.add_system {
  on_login = function(p) Hooks.on_save = wrap(Hooks.on_save, p) end,
}

harness.run("leak_closure_chain", game)

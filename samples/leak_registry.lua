-- Leak: registry references never released. A binding stores callbacks in
-- the registry the way luaL_ref does (integer keys) and never calls the
-- luaL_unref equivalent when the player leaves.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local registry = debug.getregistry()
local function ref(v)                              -- what luaL_ref does from C
  local n = #registry + 1
  registry[n] = v
  return n
end

game.add_system {
  on_login = function(p)
    local owner = p
    p.callback_ref = ref(function(event) return owner.name .. ":" .. event end)
  end,
  -- bug: no on_logout calling registry[p.callback_ref] = nil
}

harness.run("leak_registry", game)

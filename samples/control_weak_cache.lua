-- Control (no leak): a memo cache with weak values. Entries vanish once the
-- players holding them are gone.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local cache = setmetatable({}, { __mode = "v" })
_G.NameCache = cache

game.add_system {
  on_login = function(p)
    local c = cache[p.id]           -- integer keys: the same layout every run
    if not c then
      c = { label = p.name .. "@" .. p.id }
      cache[p.id] = c
    end
    p.label = c
  end,
}

harness.run("control_weak_cache", game)

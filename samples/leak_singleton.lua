-- Leak: a singleton that keeps players after logout. The ranking service
-- is a module-level singleton that appends every player it sees and only
-- ever re-sorts, never removes.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Ranking = {}
Ranking.__index = Ranking
local instance
function Ranking.get()
  if not instance then instance = setmetatable({ entries = {} }, Ranking) end
  return instance
end
function Ranking:add(p)
  self.entries[#self.entries + 1] = p     -- holds the whole player
end
package.loaded["game.ranking"] = Ranking

game.add_system {
  on_login = function(p) Ranking.get():add(p) end,
}

-- The module keeps the instance reachable through its own upvalue only.
_G.ranking_service = function() return Ranking.get() end

harness.run("leak_singleton", game)

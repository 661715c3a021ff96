-- Control (no leak): an object pool. Projectiles are taken from Pool.free
-- (or made when it is empty) and given back when they land; the number in
-- flight rises and falls but stays bounded, and the pool caps its spares.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Pool = { free = {}, max_free = 64 }
local Flying = {}
_G.Pool, _G.Flying = Pool, Flying

local function acquire()
  local b = table.remove(Pool.free)
  if not b then b = { pos = { 0, 0 }, trail = {} } end
  return b
end

local function release(b)
  b.trail = {}
  if #Pool.free < Pool.max_free then Pool.free[#Pool.free + 1] = b end
end

game.add_system {
  on_tick = function(round)
    local n = 20 + (round * 13) % 40
    for i = 1, n do
      local b = acquire()
      b.pos[1], b.pos[2] = round, i
      b.trail[1] = "shot " .. round .. "/" .. i
      Flying[#Flying + 1] = b
    end
    while #Flying > 80 do release(table.remove(Flying, 1)) end
  end,
}

harness.run("control_pool", game)

-- Builds a heap shaped like a game server's, of about N collectable objects:
-- a player manager with a class metatable, inventories, quests, timer
-- closures capturing players, a large static config, a weak cache and a few
-- parked coroutines. Used by the benchmarks; returns the root table.
local gen = {}

local Player = { __name = "bench.Player" }
Player.__index = Player
function Player:hit(n) self.stats.hp = self.stats.hp - n end

-- Objects one player adds (tables, strings, closure, upvalue), counted by
-- hand from new_player below; used to size the population.
local PER_PLAYER = 22

local function new_player(id, timers)
  local p = setmetatable({
    id = id,
    name = "player" .. id,                         -- unique string
    stats = { hp = 100, mp = 40, level = id % 70 },
    inventory = {},
    quests = {},
  }, Player)
  for i = 1, 8 do
    p.inventory[i] = { item = i * 13 % 400, count = i, bound = (i % 2 == 0) }
  end
  for i = 1, 3 do
    p.quests[i] = { id = (id + i) % 300, step = i, note = "q" .. id .. "." .. i }
  end
  local owner = p
  timers[#timers + 1] = function() return owner.stats.hp end
  return p
end

function gen.build(n)
  local root = { players = {}, timers = {}, config = {}, cache = setmetatable({}, { __mode = "v" }) }
  -- static config: about a tenth of the heap
  local ncfg = n // 10 // 4
  for i = 1, ncfg do
    root.config["item" .. i] = { name = "Item number " .. i, price = i * 3, tags = { "t" .. i % 17 } }
  end
  local nplayers = (n - ncfg * 3) // PER_PLAYER
  for id = 1, nplayers do
    local p = new_player(id, root.timers)
    root.players[id] = p
    if id % 10 == 0 then root.cache[id] = p.inventory end
  end
  root.coroutines = {}
  for i = 1, 8 do
    local co = coroutine.create(function(x)
      local mine = { i, x }
      while true do x = coroutine.yield(mine) end
    end)
    coroutine.resume(co, i)
    root.coroutines[i] = co
  end
  return root
end

return gen

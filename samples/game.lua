-- A miniature game server shared by the samples: players log in and out,
-- carry inventories and quests, and other systems react through hooks. Each
-- sample plugs one system into the hooks; the leaky ones get it wrong.
local game = {}

local Player = { __name = "game.Player" }
Player.__index = Player

function Player.new(id)
  local p = setmetatable({
    id = id,
    name = "player" .. id,
    inventory = {},
    quests = {},
    stats = { hp = 100, mp = 50, level = 1 + id % 60 },
  }, Player)
  for i = 1, 6 do
    p.inventory[i] = { item = "item" .. (id * 7 + i) % 500, count = i }
  end
  p.quests[1] = { id = id % 40, step = 1, log = { "accepted quest " .. id % 40 } }
  return p
end

function Player:damage(n) self.stats.hp = self.stats.hp - n end

local World = { online = {}, online_count = 0, next_id = 1, hooks = {} }
_G.World = World
game.World = World
game.Player = Player

-- Registers a system: a table with optional on_login(p), on_logout(p),
-- on_tick(round) functions.
function game.add_system(system)
  World.hooks[#World.hooks + 1] = system
end

local function fire(event, ...)
  for _, system in ipairs(World.hooks) do
    local f = system[event]
    if f then f(...) end
  end
end

function game.login()
  local id = World.next_id
  World.next_id = id + 1
  local p = Player.new(id)
  World.online[id] = p
  World.online_count = World.online_count + 1
  fire("on_login", p)
  return p
end

function game.logout(p)
  World.online[p.id] = nil
  World.online_count = World.online_count - 1
  fire("on_logout", p)
end

-- One round: ten players log in, the ten oldest still online log out, so
-- the number of players online stays the same once warm.
local queue, head, tail = {}, 1, 0
function game.tick(round)
  for _ = 1, 10 do
    tail = tail + 1
    queue[tail] = game.login()
  end
  while tail - head + 1 > 50 do
    game.logout(queue[head])
    queue[head] = nil
    head = head + 1
  end
  fire("on_tick", round)
end

package.loaded["game"] = game
return game

-- Control (no leak): an LRU cache with eviction. Profiles looked up by name
-- are cached in Cache.map (a hash) and Cache.order (a doubly linked list);
-- past 300 entries the least recently used one is evicted from both.
package.path = (arg and arg[0] and arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local game = require "game"
local harness = require "harness"

local Cache = { map = {}, size = 0, cap = 300 }
Cache.head = { key = "head" }
Cache.tail = { key = "tail" }
Cache.head.next, Cache.tail.prev = Cache.tail, Cache.head
_G.Cache = Cache

local function unlink(n) n.prev.next, n.next.prev = n.next, n.prev end
local function push_front(n)
  n.next, n.prev = Cache.head.next, Cache.head
  Cache.head.next.prev = n
  Cache.head.next = n
end

function Cache.get(key)
  local n = Cache.map[key]
  if n then unlink(n); push_front(n); return n.value end
  n = { key = key, value = { name = key, rank = #key, bio = "profile of " .. key } }
  Cache.map[key] = n
  push_front(n)
  Cache.size = Cache.size + 1
  if Cache.size > Cache.cap then
    local old = Cache.tail.prev
    unlink(old)
    Cache.map[old.key] = nil
    Cache.size = Cache.size - 1
  end
  return n.value
end

local seed = 1
game.add_system {
  on_tick = function()
    for _ = 1, 40 do
      seed = (seed * 1103515245 + 12345) % 2147483648
      Cache.get("user" .. seed % 5000)
    end
  end,
}

harness.run("control_lru", game)

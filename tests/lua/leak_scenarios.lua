-- More leak shapes than the samples have, for the diff tests: listeners in a
-- module's upvalue, a cache keyed by generated strings, a linked list growing
-- at its head, per-player histories under many old containers, waiter lists
-- under event names written in the program, a set of unique strings, and a
-- control where a ring buffer is overwritten in place. Usage:
-- leak_scenarios.lua SCENARIO; writes a.snap b.snap c.snap here.
local luaheap = require "luaheap"
local bus = require "leak_listeners"
local which = assert(arg[1], "usage: leak_scenarios.lua SCENARIO")
Cache = { by_token = {} }
Players = {}
for i = 1, 50 do Players[i] = { id = i, history = {} } end
head = { n = 0 }
Ring = { slots = {}, next = 1 }
Bus = { waiting = {} }
Seen = {}
local events = { "login", "logout", "trade" }       -- names in the program

local step = {
  listeners = function(k)
    local obj = { k = k, data = { 1, 2, 3 } }
    bus.on("tick", function() return obj end)
  end,
  tokens = function(k)
    Cache.by_token["tok" .. k .. "x"] = { user = k, payload = ("x"):rep(20) .. k }
  end,
  chain = function(k) head = { prev = head, n = k, pad = { k } } end,
  history = function(k)
    local p = Players[k % 50 + 1]
    p.history[#p.history + 1] = { at = k, what = "event " .. k }
  end,
  events = function(k)
    local ev = events[k % 3 + 1]
    local list = Bus.waiting[ev]
    if not list then list = {}; Bus.waiting[ev] = list end
    list[#list + 1] = { k = k, note = "waiting since " .. k }
  end,
  seen = function(k) Seen["visitor " .. k .. " from host" .. k % 97] = true end,
  ring = function(k)
    Ring.slots[Ring.next] = { k = k, text = "entry " .. k }
    Ring.next = Ring.next % 64 + 1
  end,
}
local f = assert(step[which], "unknown scenario")
local round = 0
local function play(n)
  for _ = 1, n do
    round = round + 1
    for i = 1, 10 do
      f(round * 10 + i)
      local garbage = { round, i }
    end
  end
end
play(30)
for _, tag in ipairs { "a", "b", "c" } do
  play(30)
  assert(luaheap.dump(tag .. ".snap"))
end

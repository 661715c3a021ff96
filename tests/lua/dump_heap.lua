-- The accounting oracle's heap: every kind of object and shape the dumper
-- must size (tables of all shapes and weak modes, short/long strings,
-- closures sharing upvalues, C closures with upvalues, userdata, coroutines
-- in every status with locals and open upvalues, pending finalizers), and
-- dumps of it from every kind of place, each checked against Lua's own count:
--   object bytes + VM overhead == collectgarbage("count") * 1024, exactly.
-- Used by tests/integ/dump_heap.sh (Debian's lua5.4) and tests/check_dump.c.
local luaheap = require "luaheap"

local M = {}

-- Builds the heap; everything stays reachable from the returned table.
function M.build()
  local H = {}

  -- tables of every shape
  H.empty = {}
  H.array = { 1, 2, 3, "x", {} }
  H.hash = { a = 1, b = "two", c = {} }
  H.mixed = { 10, 20, 30, k = "v", [2.5] = "float key", [true] = "yes",
              [false] = {}, [print] = "light C function key", [-7] = {},
              [math.huge] = {}, [-math.huge] = "-inf key", [0.1] = {},
              [math.mininteger] = {} }
  H.holes = {}
  for i = 1, 7 do H.holes[i] = i end
  H.holes[7], H.holes[6] = nil, nil
  H.holes_len = #H.holes                 -- lets 'alimit' differ from the size
  H.objkeys = { [{}] = 1, [H.empty] = {}, [function() end] = "function key" }
  H.numbers = { price = 3, ratio = 0.5 } -- string keys with non-object values
  H.big = {}
  for i = 1, 1000 do H.big[i] = i * 2 end
  for i = 1, 300 do H.big["k" .. i] = { i } end

  -- a class and an instance
  local Class = { __name = "test.Class" }
  Class.__index = Class
  function Class.method(self) return self end
  H.Class = Class
  H.instance = setmetatable({ x = 1 }, Class)

  -- weak tables in each mode; 'anchor' keeps keys (and some values) alive
  local anchor = {}
  local wk = setmetatable({}, { __mode = "k" })
  local wv = setmetatable({}, { __mode = "v" })
  local wkv = setmetatable({}, { __mode = "kv" })
  for i = 1, 3 do
    local k, v = { key = i }, { value = i }
    anchor[#anchor + 1] = k
    wk[k] = v                            -- alive through its key only
    wkv[k] = v
    wv[i] = k
  end
  wk.name = "string keys are never weak"
  wv.s = "strings are never cleared"
  wv.gone = {}                           -- cleared by the collection
  H.anchor, H.wk, H.wv, H.wkv = anchor, wk, wv, wkv

  -- strings
  H.short = "short string"
  H.long = string.rep("long string ", 20)
  H.binary = "\0\1\2\255 binary " .. string.rep("\200", 50)

  -- Lua closures sharing an upvalue, nested prototypes
  local shared = { count = 0 }
  H.inc = function() shared.count = shared.count + 1 end
  H.get = function() return shared end
  H.outer = function(a) return function(b) return a + b end end
  H.adder = H.outer(1)

  -- C closures with upvalues
  H.gmatch = string.gmatch("one two three", "%a+")
  H.wrapped = coroutine.wrap(function(...)
    local w = ...
    while true do w = coroutine.yield(w) end
  end)
  H.wrapped("first")

  -- full userdata (with a metatable)
  H.file = io.tmpfile()

  -- coroutines: not started, suspended with locals and an open upvalue,
  -- suspended in a vararg function, finished, failed
  H.fresh = coroutine.create(function(x) return x end)
  H.suspended = coroutine.create(function(a, b)
    local mine = { a, b }
    local text = "a local string"
    local up = { "captured" }
    coroutine.yield(function() return up end)
    return mine, text
  end)
  assert(coroutine.resume(H.suspended, 1, 2))
  H.vararg = coroutine.create(function(...)
    local first = { ... }
    coroutine.yield(#first)
  end)
  assert(coroutine.resume(H.vararg, {}, "two", {}))
  H.dead = coroutine.create(function() end)
  assert(coroutine.resume(H.dead))
  H.failed = coroutine.create(function()
    local doomed = {}
    error({ doomed })
  end)
  assert(not coroutine.resume(H.failed))

  -- an object with a finalizer still reachable
  H.finalized = setmetatable({}, { __gc = function() end })
  return H
end

local function fail(fmt, ...)
  error(string.format(fmt, ...), 2)
end

-- Dumps to 'path' with 'opts' (which must say collect = false) right after
-- two full collections and checks both sides of the invariant exactly.
-- Nothing between collectgarbage("count") and the dump allocates.
function M.exact(path, opts)
  collectgarbage()
  collectgarbage()
  local before = collectgarbage("count") * 1024
  local ok, st = luaheap.dump(path, opts)
  if not ok then fail("dump failed: %s", tostring(st)) end
  if st.bytes + st.overhead ~= st.total then
    fail("%s: object bytes %d + overhead %d ~= total %d", path,
         st.bytes, st.overhead, st.total)
  end
  if st.total ~= before then
    fail("%s: dump total %d ~= collectgarbage('count')*1024 %.0f", path,
         st.total, before)
  end
  return st
end

-- Dumps with a full collection first (the default) and checks the sum.
function M.collected(path, opts)
  local ok, st = luaheap.dump(path, opts)
  if not ok then fail("dump failed: %s", tostring(st)) end
  if st.bytes + st.overhead ~= st.total then
    fail("%s: object bytes %d + overhead %d ~= total %d", path,
         st.bytes, st.overhead, st.total)
  end
  return st
end

-- Dumps from a finalizer while others are pending: the collector cannot
-- run there, the pending objects are roots. Returns the dump's counts.
function M.from_finalizer(path, opts)
  local result, err
  local function gc()
    if result == nil and err == nil then
      local ok, st = luaheap.dump(path, opts)
      if ok then result = st else err = st end
    end
  end
  do
    for i = 1, 5 do setmetatable({ i }, { __gc = gc }) end
  end
  collectgarbage()
  collectgarbage()
  if err then fail("dump from a finalizer failed: %s", err) end
  if not result then fail("no finalizer ran") end
  if result.bytes + result.overhead ~= result.total then
    fail("object bytes %d + overhead %d ~= total %d", result.bytes,
         result.overhead, result.total)
  end
  if result.finalizers ~= 4 then
    fail("%d objects awaiting finalization, 4 expected", result.finalizers)
  end
  return result
end

-- Dumps in the middle of an incremental cycle, without collecting: the
-- dumper steps out of any sweep phase and records the garbage too.
-- Small steps (step multiplier 4, 1 KiB) make the cycle take many steps.
function M.mid_cycle(path, opts)
  collectgarbage("incremental", 200, 4, 10)
  local junk = {}
  for i = 1, 20000 do junk[i] = { i } end
  junk = nil
  local last
  for _ = 1, 60 do
    collectgarbage("step", 0)
    last = M.collected(path, opts)
  end
  collectgarbage("incremental", 200, 100, 13)
  return last
end

-- The whole oracle in one collector mode ("incremental" or
-- "generational"), both encodings, from the main thread, from a running
-- coroutine resumed by another, from a finalizer, mid-cycle.
function M.run(mode, dir)
  collectgarbage(mode)
  HEAP = M.build()
  local n = 0
  for _, format in ipairs { "binary", "json" } do
    local exact_opts = { collect = false, format = format }
    local opts = { format = format }
    local base = dir .. "/" .. mode .. "-" .. format
    local st = M.exact(base .. "-main.snap", exact_opts)
    n = n + st.objects
    M.collected(base .. "-collected.snap", opts)

    local inner = coroutine.create(function()
      local mine = { "inner local" }
      M.exact(base .. "-coroutine.snap", exact_opts)
      return mine
    end)
    local outer = coroutine.create(function()
      local ok, e = coroutine.resume(inner)
      if not ok then error(e, 0) end
    end)
    local ok, e = coroutine.resume(outer)
    if not ok then error(e, 0) end

    M.from_finalizer(base .. "-finalizer.snap", exact_opts)
    if mode == "incremental" then
      M.mid_cycle(base .. "-midcycle.snap", exact_opts)
    end
  end
  HEAP = nil
  return n
end

return M

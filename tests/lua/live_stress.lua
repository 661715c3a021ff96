-- A workload for the live stress test: weak tables of every mode, finalizers
-- that resurrect their objects, coroutines created and abandoned, string
-- churn, watched objects. run(rounds, tick) calls tick() (a C function: a
-- server idle in C) once per round and returns a digest that depends only on
-- what the program computed, never on when the collector ran.
local M = {}

local luaheap = require "luaheap"

function M.run(rounds, tick)
  local digest = 0
  local function mix(v) digest = (digest * 31 + v) % 2147483647 end

  local weak_v = setmetatable({}, { __mode = "v" })
  local weak_k = setmetatable({}, { __mode = "k" })
  local weak_kv = setmetatable({}, { __mode = "kv" })
  local keep = {}                -- what the program holds on to
  local finalized, resurrected = 0, 0
  local Zombies = {}             -- where finalizers put their objects back
  local gcmeta = {
    __gc = function(o)
      finalized = finalized + 1
      if o.resurrect then
        Zombies[#Zombies + 1] = o  -- alive again, without a finalizer now
        resurrected = resurrected + 1
      end
    end,
  }
  local created = 0
  local parked = {}

  for r = 1, rounds do
    -- string churn: built, hashed into the digest, mostly dropped
    local parts = {}
    for i = 1, 20 do
      parts[i] = ("%d:%s"):format(i * r, string.rep(string.char(97 + (i + r) % 26), i % 7 + 1))
    end
    local s = table.concat(parts, ",")
    mix(#s)
    if r % 5 == 0 then keep[#keep + 1] = s .. "!" end

    -- weak tables: entries whose keys or values nobody else holds
    for i = 1, 10 do
      local t = { r = r, i = i }
      weak_v[r * 100 + i] = t
      weak_k[t] = { back = t }           -- an ephemeron pointing at its key
      weak_kv[t] = s
      if i == 1 then keep[#keep + 1] = t end
    end

    -- finalizers, half of them resurrecting
    for i = 1, 4 do
      created = created + 1
      setmetatable({ resurrect = (i % 2 == 0), n = created, pad = { r, i } }, gcmeta)
    end
    if #Zombies > 50 then Zombies = {} end   -- let the resurrected go

    -- coroutines: some finished, some abandoned while suspended
    local co = coroutine.create(function(a)
      local local_table = { a = a, s = s }
      local b = coroutine.yield(#local_table.s)
      return a + b
    end)
    local _, n = coroutine.resume(co, r)
    mix(n)
    if r % 3 == 0 then
      local _, sum = coroutine.resume(co, 1)
      mix(sum)
    else
      parked[#parked + 1] = co            -- abandoned, suspended
      if #parked > 20 then table.remove(parked, 1) end
    end

    -- watched objects: some dropped at once, some kept
    local w = luaheap.watch({ round = r }, "round " .. r)
    if r % 10 == 0 then keep[#keep + 1] = luaheap.expect_dead(w, "kept " .. r) end

    if #keep > 200 then
      for i = 1, 100 do table.remove(keep, 1) end
    end
    tick()
  end

  -- settle: everything not held is finalized; what weak tables keep is
  -- exactly what 'keep' holds
  Zombies = {}
  collectgarbage()
  collectgarbage()
  local wv, wk, wkv = 0, 0, 0
  for _ in pairs(weak_v) do wv = wv + 1 end
  for _ in pairs(weak_k) do wk = wk + 1 end
  for _ in pairs(weak_kv) do wkv = wkv + 1 end
  return ("digest %d finalized %d/%d resurrected %d weak %d %d %d keep %d"):format(
    digest, finalized, created, resurrected, wv, wk, wkv, #keep)
end

return M

-- Measures one dump of a generated game-server heap against one full
-- collection of the same heap, in one process: CPU time ratio, extra peak
-- memory during the dump, and snapshot bytes per object.
-- Usage: (lua5.4 | luaheap run) bench/dump_bench.lua N OUTDIR [LABEL]
package.path = (arg[0]:match("(.*/)") or "./") .. "?.lua;" .. package.path
local luaheap = require "luaheap"
local gen = require "gen_heap"

local n = assert(tonumber(arg[1]), "usage: dump_bench.lua N OUTDIR [LABEL]")
local outdir = arg[2] or "."
local label = arg[3] or "lua"

local function status(key)
  local f = io.open("/proc/self/status")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return tonumber(s:match(key .. ":%s*(%d+)"))
end

local function reset_peak()
  local f = io.open("/proc/self/clear_refs", "w")
  if f then f:write("5") f:close() end
end

HEAP = gen.build(n)
collectgarbage("collect")
collectgarbage("collect")

local t0 = os.clock()
collectgarbage("collect")
local t_gc = os.clock() - t0

local results = {}
for _, fmt in ipairs { "binary", "json" } do
  local path = outdir .. "/bench-" .. label .. "-" .. n .. "." .. fmt
  reset_peak()
  local rss0 = status("VmRSS")
  t0 = os.clock()
  local ok, info = luaheap.dump(path, { format = fmt, collect = false })
  local t = os.clock() - t0
  assert(ok, info)
  local hwm = status("VmHWM")
  local f = assert(io.open(path, "rb"))
  local bytes = f:seek("end")
  f:close()
  local objects = type(info) == "table" and info.objects or nil
  results[#results + 1] = string.format(
    "%-8s %-6s objects %9s  dump/gc %5.2f (dump %.3fs, gc %.3fs)  extra peak %6.2f MiB  %6.1f bytes/object",
    label, fmt, tostring(objects), t / t_gc, t, t_gc,
    (hwm and rss0) and (hwm - rss0) / 1024 or -1, objects and bytes / objects or -1)
  os.remove(path)
end
print(table.concat(results, "\n"))

-- A dump from the bottom of a deep non-tail recursion (70,000 frames by
-- default: more CallInfos than 'nci', an unsigned short, can count), in the
-- main thread and in a coroutine, each checked against Lua's own count
-- (tests/lua/dump_heap.lua's M.exact). Releases whose C stack limit stops
-- Lua recursion earlier (5.4.0-5.4.1: LUAI_MAXCSTACK) are dumped at the
-- deepest level they reach, and say so.
-- Usage: lua5.4 dump_deep_stack.lua DIR [DEPTH]
local M = require "dump_heap"
local dir = assert(arg[1], "usage: dump_deep_stack.lua DIR [DEPTH]")
local depth = tonumber(arg[2]) or 70000

local deepest = 0
local function down(n, path)
  if depth - n > deepest then deepest = depth - n end
  if n == 0 then return M.exact(path, { collect = false }) end
  local st = down(n - 1, path)
  return st                                  -- not a tail call
end

-- Dumps to 'path' from the bottom of the deepest recursion this thread
-- allows, up to 'depth' frames; returns the dump's counts and the depth.
local function deep_dump(path)
  deepest = 0
  local ok, st = pcall(down, depth, path)
  if ok then return st, depth end
  if not tostring(st):find("stack overflow", 1, true) then error(st, 0) end
  local n = deepest - math.min(50, deepest // 2)   -- room for the dump's calls
  io.write(require("luaheap").built_for, ": recursion stops at ", deepest,
           " frames (C stack limit); dumping at ", n, "\n")
  deepest = 0
  return down(n, path), n
end

local st, n = deep_dump(dir .. "/deep-main.snap")
local co = coroutine.create(deep_dump)
local ok, cst, cn = coroutine.resume(co, dir .. "/deep-coroutine.snap")
if not ok then error(cst, 0) end
io.write(("depth %d: main thread %d objects; depth %d: coroutine %d objects; all exact\n"):format(
  n, st.objects, cn, cst.objects))

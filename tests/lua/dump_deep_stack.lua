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

-- The deepest recursion this Lua allows, up to 'depth'.
local function reachable()
  local ok, err = pcall(down, depth, dir .. "/probe.snap")
  if ok then return depth end
  if not tostring(err):find("stack overflow", 1, true) then error(err, 0) end
  return deepest - 50                        -- room for the dump's own calls
end

local n = reachable()
if n < depth then
  io.write(require("luaheap").built_for, ": recursion stops at ", deepest, " frames (C stack limit); dumping at ", n, "\n")
end
depth = n
local st = down(depth, dir .. "/deep-main.snap")
local co = coroutine.create(function() return down(depth, dir .. "/deep-coroutine.snap") end)
local ok, cst = coroutine.resume(co)
if not ok then error(cst, 0) end
io.write(("depth %d: main thread %d objects, coroutine %d objects, both exact\n"):format(
  depth, st.objects, cst.objects))

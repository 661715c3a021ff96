-- The edge oracle's heap: references known in advance, plus what Lua itself
-- says about them (addresses by string.format "%p", a coroutine's locals
-- by debug.getlocal, its line by debug.getinfo), for tests/check_dump.c.
local M = {}

local function addr(o) return string.format("%p", o) end

-- Builds the heap under the global 'Server'; returns the expectations.
function M.build()
  local h = { hp = 100, bag = { "sword" } }
  Server = { timers = {} }
  for i = 1, 5 do Server.timers[i] = function() return i end end
  Server.timers[3] = function() return h.hp end   -- upvalue h
  Server.byobj = { [h] = "value string" }
  Server.keys = { [true] = h, [1.5] = h, [42] = h, [-3] = h }
  Server.mt = { __index = {} }
  Server.obj = setmetatable({}, Server.mt)
  Server.weakv = setmetatable({ h, s = "kept" }, { __mode = "v" })
  Server.weakk = setmetatable({ [h] = {}, name = {} }, { __mode = "k" })
  Server.kvv = {}                                 -- a weak value lives if held
  Server.weakkv = setmetatable({ [h] = Server.kvv }, { __mode = "kv" })
  Server.co = coroutine.create(function(arg)
    local loc = { "in coroutine" }
    local up = { "captured" }
    coroutine.yield(function() return up end)
    return loc, arg
  end)
  local ok, f = coroutine.resume(Server.co, h)
  assert(ok)
  Server.f = f                                     -- shares the open upvalue
  Server.gm = string.gmatch("a b", "%a+")

  local A = {
    h = addr(h), bag = addr(h.bag), sword = addr(h.bag[1]),
    server = addr(Server), timers = addr(Server.timers),
    closure = addr(Server.timers[3]), byobj = addr(Server.byobj),
    value_string = addr(Server.byobj[h]), keys = addr(Server.keys),
    mt = addr(Server.mt), index = addr(Server.mt.__index), obj = addr(Server.obj),
    weakv = addr(Server.weakv), weakk = addr(Server.weakk),
    weakk_value = addr(Server.weakk[h]), weakk_name = addr(Server.weakk.name),
    weakkv = addr(Server.weakkv), weakkv_value = addr(Server.weakkv[h]),
    co = addr(Server.co), gm = addr(Server.gm), kept = addr(Server.weakv.s),
  }
  -- the coroutine's Lua frame is level 1 (level 0 is coroutine.yield)
  A.line = debug.getinfo(Server.co, 1, "l").currentline
  A.locals = {}
  for i = 1, 255 do
    local name, value = debug.getlocal(Server.co, 1, i)
    if not name then break end
    if name:sub(1, 1) ~= "(" and type(value) == "table" then
      A.locals[#A.locals + 1] = { slot = i, name = name, addr = addr(value) }
    end
  end
  A.captured = addr(select(2, debug.getupvalue(f, 1)))
  A.f = addr(f)
  return A
end

return M

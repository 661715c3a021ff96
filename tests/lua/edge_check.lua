-- The edge oracle in Lua, for any interpreter that loads the module (the
-- release matrix runs it with each tree's own lua5.4): builds
-- tests/lua/dump_edges.lua's heap, dumps it as JSON, reads the file back and
-- checks every known reference, with its kind, label and flags, against
-- what Lua itself says (addresses by "%p", locals by debug.getlocal).
-- Usage: lua5.4 edge_check.lua SNAPSHOT.json
local luaheap = require "luaheap"
local json = require "json"
local path = assert(arg[1], "usage: edge_check.lua SNAPSHOT.json")

local A = require("dump_edges").build()
assert(luaheap.dump(path, { format = "json" }))
local f = assert(io.open(path, "rb"))
local snap = json.decode(f:read("a"))
f:close()

local byid = {}
for _, o in ipairs(snap.objects) do byid[o.id] = o end
local function obj(id) return assert(byid[id], "no object " .. tostring(id)) end
local function text(id) return obj(id).text end

local checks = 0
local function check(cond, fmt, ...)
  checks = checks + 1
  if not cond then error(string.format(fmt, ...), 2) end
end

-- The edges of object o that match every field of want (field "key" of a
-- string-keyed field compares the key string's text).
local function edges(o, want)
  local out = {}
  for _, e in ipairs(o.edges or {}) do
    local ok = true
    for k, v in pairs(want) do
      local have = e[k]
      if k == "key" and e.kind == "field" then have = text(e.key) end
      if k == "name" then
        have = e.name and e.name ~= json.null and text(e.name) or nil
      end
      if have ~= v then ok = false break end
    end
    if ok then out[#out + 1] = e end
  end
  return out
end
local function follow(o, want)
  local found = edges(o, want)
  check(#found == 1, "%s %s: %d edges match %s %s", o.type, o.id, #found,
        want.kind, tostring(want.key or want.index or ""))
  return obj(found[1].to), found[1]
end
local function count(o) return #(o.edges or {}) end

-- globals: the registry's array slot 2 (LUA_RIDX_GLOBALS)
local registry = obj(snap.header.registry)
local G = follow(registry, { kind = "array", index = 2 })
local server = follow(G, { kind = "field", key = "Server" })
check(server.id == A.server, "Server is %s, not %s", server.id, A.server)
local timers = follow(server, { kind = "field", key = "timers" })
check(timers.id == A.timers and count(timers) == 5, "timers: %d edges", count(timers))
for i = 1, 5 do
  check(follow(timers, { kind = "array", index = i }).type == "function", "timers[%d]", i)
end

-- [3] -> closure -> <upvalue h> -> upvalue object -> the table
local clo = follow(timers, { kind = "array", index = 3 })
check(clo.id == A.closure and count(clo) == 2, "closure: %d edges", count(clo))
local upv = follow(clo, { kind = "upvalue", index = 1, name = "h" })
check(upv.type == "upvalue" and upv.open == false, "closed upvalue")
local h = follow(upv, { kind = "value" })
check(h.id == A.h, "h")
local proto = follow(clo, { kind = "proto" })
check(proto.type == "proto" and obj(proto.source).type == "string", "proto")
check(text(follow(proto, { kind = "debugname", index = 1 }).id) == "h", "debug name")

-- h = { hp = 100, bag = { "sword" } }
local bag = follow(h, { kind = "field", key = "bag" })
check(bag.id == A.bag, "bag")
check(follow(bag, { kind = "array", index = 1 }).id == A.sword, "sword")
check(#edges(h, { kind = "key" }) == 1 and h.hash_entries == 2, "hp's key edge")
check(text(edges(h, { kind = "key" })[1].to) == "hp", "hp")

-- an object key, booleans, floats, integers
local byobj = obj(A.byobj)
check(follow(byobj, { kind = "key" }).id == A.h, "object key")
check(follow(byobj, { kind = "ofield", key = A.h }).id == A.value_string, "ofield")
local keys = obj(A.keys)
check(follow(keys, { kind = "bfield", key = true }).id == A.h, "bfield")
check(follow(keys, { kind = "nfield", key = 1.5 }).id == A.h, "nfield")
check(follow(keys, { kind = "ifield", key = "42" }).id == A.h, "ifield 42")
check(follow(keys, { kind = "ifield", key = "-3" }).id == A.h, "ifield -3")
check(count(keys) == 4, "keys: %d edges", count(keys))

-- metatables
check(follow(obj(A.obj), { kind = "metatable" }).id == A.mt, "metatable")
check(follow(obj(A.mt), { kind = "field", key = "__index" }).id == A.index, "__index")

-- weak values, weak keys (ephemerons), both
local wv = obj(A.weakv)
local _, e = follow(wv, { kind = "array", index = 1 })
check(wv.weak == "v" and e.to == A.h and e.weak == true, "weak value")
_, e = follow(wv, { kind = "field", key = "s" })
check(e.to == A.kept and e.weak == nil, "strings are never weak")
local wk = obj(A.weakk)
_, e = follow(wk, { kind = "key", to = A.h })
check(wk.weak == "k" and e.weak == true, "weak key")
_, e = follow(wk, { kind = "ofield", key = A.h })
check(e.to == A.weakk_value and e.ephemeron == true, "ephemeron")
_, e = follow(wk, { kind = "field", key = "name" })
check(e.to == A.weakk_name and e.weak == nil and e.ephemeron == nil, "string key")
local wkv = obj(A.weakkv)
_, e = follow(wkv, { kind = "ofield", key = A.h })
check(wkv.weak == "kv" and e.weak == true, "weak key and value")

-- the suspended coroutine: frames, named locals, open upvalue
local co = obj(A.co)
check(co.type == "thread" and co.status == "suspended", "coroutine status")
check(#co.frames == 3 and not co.frames[1].lua and co.frames[2].lua and
      not co.frames[3].lua, "frames: yield, the function, base")
check(co.frames[2].line == A.line, "line %s, expected %d", co.frames[2].line, A.line)
check(#A.locals >= 3, "locals")
for _, l in ipairs(A.locals) do
  check(follow(co, { kind = "stack", frame = 1, slot = l.slot, name = l.name }).id == l.addr,
        "local %s", l.name)
end
local open = follow(co, { kind = "openupval" })
check(open.open == true and follow(open, { kind = "value" }).id == A.captured, "open upvalue")
check(follow(obj(A.f), { kind = "upvalue", index = 1, name = "up" }).id == open.id,
      "shared open upvalue")

-- a C closure's upvalue values
local gm = obj(A.gm)
check(gm.type == "cfunction" and gm.nupvalues == 3 and count(gm) == 3, "gmatch")
check(text(follow(gm, { kind = "upvalue", index = 1 }).id) == "a b", "gmatch subject")
check(text(follow(gm, { kind = "upvalue", index = 2 }).id) == "%a+", "gmatch pattern")
check(follow(gm, { kind = "upvalue", index = 3 }).type == "userdata", "gmatch state")

-- roots: the registry, the main thread, the string metatable
local kinds = {}
for _, r in ipairs(snap.roots) do kinds[r.kind] = r end
check(kinds.registry.to == snap.header.registry, "registry root")
check(kinds.mainthread.to == snap.header.main_thread, "main thread root")
check(follow(obj(kinds.typemt.to), { kind = "field", key = "__index" }).id ==
      follow(G, { kind = "field", key = "string" }).id, "string metatable")

io.write(snap.header.lua_release, ": edge oracle, ", checks, " checks passed\n")

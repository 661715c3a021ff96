-- The small heap that the corruption tests mutate: a class instance, nested
-- tables, a table key, an upvalue, a suspended coroutine, a weak-keyed and a
-- weak-valued table. Dumped as JSON to arg[1].
_G.Hero = setmetatable({}, { __name = 'Hero' })
_G.list = { { 1, 2 }, setmetatable({ x = {} }, Hero), k = { [{}] = 1 } }
local up = {}
_G.f = function() return up end
_G.co = coroutine.create(function(a) local b = {} coroutine.yield(b) end)
coroutine.resume(_G.co, {})
_G.weak = setmetatable({ [{}] = {} }, { __mode = 'k' })
_G.cache = setmetatable({ 'a', {} }, { __mode = 'v' })
assert(require('luaheap').dump(arg[1], { format = 'json' }))

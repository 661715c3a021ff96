-- Deep shapes: a linked list of N tables (_G.list.next.next...) and a table
-- nested N deep (_G.nest[1][1]...), dumped to SNAPSHOT; prints the address
-- of each shape's last table, one per line, for the CLI to look up.
-- usage: analysis_deep.lua SNAPSHOT [N]
local luaheap = require "luaheap"
local snap, n = arg[1], tonumber(arg[2] or 1000000)

local function build()
	local head = {}
	local t = head
	for _ = 2, n do t.next = {}; t = t.next end
	_G.list = head
	local tail = t
	local nest = {}
	t = nest
	for _ = 2, n do t[1] = {}; t = t[1] end
	_G.nest = nest
	return string.format("%p", tail), string.format("%p", t)
end
local list_tail, nest_tail = build()
assert(luaheap.dump(snap))
print(list_tail)
print(nest_tail)

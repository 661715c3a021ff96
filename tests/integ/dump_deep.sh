# Shapes that break recursive dumpers, in Debian's lua5.4: a linked list of
# a million tables and a table nested a million deep. Both dump whole (every
# table counted, the accounting exact) and the CLI's reader loads the file.
"$LUA" -e "
	local M = require 'dump_heap'
	local head
	for i = 1, 1000000 do head = { next = head } end
	LIST = head
	local t = {}
	DEEP = t
	for i = 1, 1000000 do local n = {} t[1] = n t = n end
	local st = M.exact('deep.snap', { collect = false })
	assert(st.objects > 2000000, st.objects)
	io.write('objects ', st.objects, ', edges ', st.edges, '\n')
	assert(st.edges > 2000000, st.edges)
"
"$LUAHEAP" summary deep.snap >/dev/null

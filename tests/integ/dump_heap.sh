# The accounting oracle in Debian's own lua5.4 loading the module: a heap
# with every kind of object, dumped from the main thread, a coroutine, a
# finalizer and mid-cycle, in incremental and generational mode, binary and
# JSON; every dump's object bytes + VM overhead must equal Lua's own count
# (tests/lua/dump_heap.lua asserts it). The CLI's reader then loads each file.
for mode in incremental generational; do
	mkdir -p "$mode"
	"$LUA" -e "local n = require('dump_heap').run('$mode', '$mode')
		io.write('$mode: ', n, ' objects\n')"
done
n=0
for f in incremental/*.snap generational/*.snap; do
	"$LUAHEAP" summary "$f" >/dev/null
	n=$((n + 1))
done
test "$n" -eq 18
# the module reports what it was built for, and refuses nothing here
"$LUA" -e "local l = require 'luaheap'
	assert(l.built_for:match('^Lua 5%.4%.%d+\$'), l.built_for)
	assert(type(l.version) == 'string')"

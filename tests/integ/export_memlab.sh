# A real client reads the export: memlab (from the npm registry) loads the
# heap snapshots luaheap exports of leaky and weak-table samples and of a
# million-object heap; its node and edge counts and its retained sizes of
# the twelve biggest objects must be luaheap's. DevTools' loader rules are
# checked on every file too. Heavy: the normal build only.
. "$SRC/tests/integ_lib.sh"
normal_build_only memlab
need_commands memlab npm node
# memlab is installed once per build tree (its browser is not needed).
mods=$BUILD/memlab/node_modules
if [ ! -d "$mods/@memlab/heap-analysis" ]; then
	mkdir -p "$BUILD/memlab"
	(cd "$BUILD/memlab" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit \
		--no-fund --loglevel=error memlab > npm.log 2>&1) || {
		cat "$BUILD/memlab/npm.log" >&2
		exit 1
	}
fi

mkdir -p lua
"$LUA" "$SRC/samples/leak_timer.lua" lua 40 > /dev/null
"$LUA" "$SRC/samples/control_ephemeron.lua" lua 40 > /dev/null
cp lua/c.snap ephemeron.snap
"$LUA" "$SRC/samples/control_weak_cache.lua" lua 40 > /dev/null
cp lua/c.snap weak.snap
"$LUA" "$SRC/samples/leak_timer.lua" lua 40 > /dev/null
"$LUA" -e "package.path = '$SRC/bench/?.lua;' .. package.path
	HEAP = require('gen_heap').build(1000000)
	assert(require('luaheap').dump('big.snap'))"

for snap in lua/a.snap lua/c.snap ephemeron.snap weak.snap big.snap; do
	"$LUAHEAP" export "$snap" -o out.heapsnapshot > wrote.txt
	nodes=$(sed -n 's/.*: \([0-9]*\) nodes, \([0-9]*\) edges.*/\1/p' wrote.txt)
	edges=$(sed -n 's/.*: \([0-9]*\) nodes, \([0-9]*\) edges.*/\2/p' wrote.txt)
	objects=$("$LUAHEAP" summary --json "$snap" | sed -n 's/^\t"objects":\t\([0-9]*\),*$/\1/p')
	test "$nodes" -eq $((objects + 1))
	node "$SRC/tests/js/devtools_rules.js" out.heapsnapshot
	"$LUAHEAP" top --group none -n 12 --json "$snap" |
		"$LUA" "$SRC/tests/lua/heapsnapshot_ids.lua" > ids.txt
	cp ids.txt "$(basename "$snap" .snap).ids"
	# shellcheck disable=SC2046
	NODE_PATH=$mods node "$SRC/tests/js/memlab_sizes.js" out.heapsnapshot \
		"$nodes" "$edges" $(cat ids.txt) > memlab.txt 2> memlab.err || {
		cat memlab.txt memlab.err >&2
		exit 1
	}
	echo "$snap:"
	sed -n '/^memlab:/,$p' memlab.txt
done
# The same objects keep their ids across snapshots of one process (the
# scheduler and its timers table of leak_timer, its two biggest objects).
test "$(cut -d' ' -f1-2 a.ids | sed 's/=[0-9]*//g')" = \
	"$(cut -d' ' -f1-2 c.ids | sed 's/=[0-9]*//g')"

# The release matrix: for every Lua tree at hand (Debian's 5.4.2, 5.4.4,
# 5.4.7 and 5.4.9 source packages, skynet 1.8.0's patched 5.4.7 from
# $LUAHEAP_LUA_FORKS or ../shared/lua-forks, and any tree listed in
# $LUAHEAP_LUA_TREES), builds that tree's interpreter and the module against
# it (cached in $BUILD/matrix), then with that interpreter runs the
# accounting oracle (every object kind, both collector modes, with and
# without collection), the edge oracle, a dump from the bottom of a
# 70,000-deep recursion and a three-snapshot leak diff; this build's CLI
# reads every snapshot. A tree that cannot be had is skipped with a line
# saying so. Normal build only: it is the suite's heaviest test.
. "$SRC/tests/integ_lib.sh"
normal_build_only "the release matrix"
cache=$BUILD/matrix
mkdir -p "$cache/src"
begin=$(date +%s)
: > trees.txt

# Debian's releases, fetched once into build-deps/releases
sh "$SRC/scripts/fetch-lua-src.sh" > fetched.txt 2> fetch-errors.txt || true
while read -r rel path; do
	if [ "$path" = - ]; then
		echo "skipped debian-$rel: its source package cannot be fetched: $(tail -n 1 fetch-errors.txt)"
	else
		echo "debian-$rel $path" >> trees.txt
	fi
done < fetched.txt

# skynet 1.8.0's tree, never copied into the project
forks=${LUAHEAP_LUA_FORKS:-$SRC/../shared/lua-forks}
skynet=$forks/skynet-1.8.0-lua.tar.gz
if [ -f "$skynet" ]; then
	if [ ! -f "$cache/src/skynet-1.8.0/lgc.h" ]; then
		mkdir -p "$cache/src/skynet-1.8.0"
		tar xzf "$skynet" -C "$cache/src/skynet-1.8.0" --strip-components=1
	fi
	echo "skynet-1.8.0 $cache/src/skynet-1.8.0" >> trees.txt
else
	echo "skipped skynet-1.8.0: no $skynet (set LUAHEAP_LUA_FORKS to its directory)"
fi

# trees of one's own: LUAHEAP_LUA_TREES="/path/a /path/b" (or ':'-separated)
for t in $(echo "${LUAHEAP_LUA_TREES:-}" | tr ':' ' '); do
	if [ -f "$t/lgc.h" ] || [ -f "$t/src/lgc.h" ]; then
		echo "tree-$(basename "$t") $t" >> trees.txt
	else
		echo "skipped $t: not a Lua source tree"
	fi
done

# build NAME TREE: the tree's lua5.4 and the module built against it
build() {
	b=$cache/$1
	only=ON          # the fork's build has the CLI too: 'luaheap run' runs its Lua
	[ "$1" != skynet-1.8.0 ] || only=OFF
	if ! grep -qx "LUAHEAP_MODULE_ONLY:BOOL=$only" "$b/CMakeCache.txt" 2>/dev/null; then
		cmake -S "$SRC" -B "$b" -DLUAHEAP_LUA_SRC="$2" -DLUAHEAP_MODULE_ONLY=$only \
			-DLUAHEAP_TESTS=OFF -DCMAKE_BUILD_TYPE=None -DCMAKE_C_FLAGS=-O1 \
			> "$b.log" 2>&1 || { cat "$b.log" >&2; return 1; }
	fi
	cmake --build "$b" -j 2 >> "$b.log" 2>&1 || { tail -n 30 "$b.log" >&2; return 1; }
}

# check NAME: the oracles with the tree's own interpreter
check() {
	b=$cache/$1
	w=$PWD/$1
	mkdir -p "$w/incremental" "$w/generational" "$w/deep" "$w/leak"
	(
	set -e
	export LUA_CPATH="$b/lua/?.so" LUA_PATH="$SRC/tests/lua/?.lua;$SRC/samples/?.lua"
	cd "$w"
	for mode in incremental generational; do
		"$b/lua5.4" -e "require('dump_heap').run('$mode', '$mode')"
	done
	n=0
	for f in incremental/* generational/*; do
		"$LUAHEAP" summary "$f" > summary.txt
		case $f in *-main.snap) grep -q '^accounting .*: exact$' summary.txt ;; esac
		n=$((n + 1))
	done
	"$b/lua5.4" "$SRC/tests/lua/edge_check.lua" edges.json > edges.txt
	"$LUAHEAP" summary edges.json > /dev/null
	"$b/lua5.4" "$SRC/tests/lua/dump_deep_stack.lua" deep > deep.txt
	"$LUAHEAP" summary deep/deep-main.snap | grep -q '^accounting .*: exact$'
	"$b/lua5.4" "$SRC/samples/leak_timer.lua" leak 40 > /dev/null
	"$LUAHEAP" diff --json leak/a.snap leak/b.snap leak/c.snap > leak.json
	"$b/lua5.4" "$SRC/tests/lua/diff_check.lua" '.timers[*]' < leak.json
	leak=$("$b/lua5.4" -e "local d = require('json').decode(io.read('a'))
		io.write(d.suspects[1].path)" < leak.json)
	release=$("$b/lua5.4" -e "io.write(require('luaheap').built_for)")
	echo "$1 ($release): accounting exact in $n dumps, $(cat edges.txt | sed 's/^[^:]*: //'), $(tail -n 1 deep.txt); leak named: $leak"
	sed -n '1,/^depth/{/^depth/!p}' deep.txt
	)
}

# fork_shared TREE: two states of the fork sharing a function, a string
# and a table; each dump exact, shared objects flagged and never blamed
fork_shared() {
	b=$cache/skynet-1.8.0
	w=$PWD/fork-shared
	mkdir -p "$w"
	(
	set -e
	cc -std=gnu99 -O1 -DLUA_USE_LINUX -I"$1" -I"$SRC/include" -o "$w/fork_shared" \
		"$SRC/tests/fork_shared.c" "$b/dumper/liblhdump.a" "$b/liblhlua.a" -lm -ldl -lpthread
	cd "$w"
	# 'luaheap run' of a CLI built against the fork runs the fork's Lua:
	# the module built against it accepts the layout and dumps exactly
	"$b/luaheap" run --help | grep -q "(Lua 5.4.7, the build the dumper reads)"
	printf '%s\n' 'local l = require "luaheap"' 'S = string.rep("x", 100)' \
		'assert(l.dump("run.snap"))' 'print(l.built_for)' > run.lua
	test "$("$b/luaheap" run run.lua)" = "Lua 5.4.7"
	"$LUAHEAP" summary run.snap | grep -q '^accounting .*: exact$'
	./fork_shared . > out.txt
	for f in a.snap b.snap b1.snap b2.snap b3.snap a3.snap b3.json; do
		"$LUAHEAP" summary "$f" > "$f.txt"
		grep -q '^accounting .*: exact$' "$f.txt"
		grep -q '^shared  *[1-9][0-9,]* objects shared between states' "$f.txt"
	done
	grep -q "not this state's own; 0 bytes of them on its lists" b.snap.txt
	test "$(grep '^shared' b3.snap.txt)" = "$(grep '^shared' b3.json.txt)"
	if grep -q "not this state's own; 0 bytes" a.snap.txt; then
		echo "A's shared objects are on its lists: their bytes must show" >&2
		exit 1
	fi
	"$LUAHEAP" diff --json b1.snap b2.snap b3.snap > diff.json
	"$b/lua5.4" -e "local d = require('json').decode(io.read('a'))
		assert(d.suspect_count == 0, 'a shared object blamed')
		assert(d.grown[1] and d.grown[1].path == '_G.KEEP', 'KEEP did not grow')" < diff.json
	echo "skynet-1.8.0 shared objects: $(grep -c exact out.txt) dumps of two states exact; $(sed -n 's/^shared *//p' b3.snap.txt | cut -d' ' -f1) shared objects recorded in B's last, 0 suspects"
	)
}

# probe MODULE-TREE INTERPRETER-TREE: the module must refuse the other layout
probe() {
	set +e
	LUA_CPATH="$cache/$1/lua/?.so" "$cache/$2/lua5.4" -e 'require "luaheap"' > probe.txt 2>&1
	rc=$?
	set -e
	if [ $rc -eq 1 ] && grep -q "object layout differs" probe.txt &&
	   grep -q "LUAHEAP_LUA_SRC" probe.txt; then
		echo "layout probe: a module built against $1 refuses $2's interpreter: $(head -n 1 probe.txt)"
	else
		echo "FAILED layout probe: module of $1 in $2's lua5.4 exits $rc:" >&2
		cat probe.txt >&2
		return 1
	fi
}

# dump_probe: a host of the fork linking the dumper built for vanilla 5.4.7
# (same release): luaheap_dump must refuse, with the message, no file
dump_probe() {
	mkdir -p dump-probe
	cat > dump-probe/host.c <<'C'
#include <stdio.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "luaheap/dump.h"
int main(void)
{
	char err[1024];
	lua_State *L = luaL_newstate();
	luaL_openlibs(L);
	if (luaheap_dump(L, "host.snap", NULL, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "%s\n", err);
	return 1;
}
C
	(
	set -e
	cd dump-probe
	cc -std=gnu99 -DLUA_USE_LINUX -I"$cache/src/skynet-1.8.0" -I"$SRC/include" -o host host.c \
		"$cache/debian-5.4.7/dumper/liblhdump.a" "$cache/skynet-1.8.0/liblhlua.a" -lm -ldl -lpthread
	rc=0
	./host 2> err.txt || rc=$?
	test $rc -eq 1 && test ! -e host.snap
	grep -q "cannot write snapshot 'host.snap': the running Lua's object layout differs" err.txt
	echo "layout probe at dump time: the dumper built against debian-5.4.7 in a skynet host: $(cat err.txt)"
	)
}

failed=0
while read -r name tree; do
	t0=$(date +%s)
	if ! build "$name" "$tree"; then
		echo "FAILED $name: the build against $tree failed"
		failed=$((failed + 1))
		continue
	fi
	set +e
	check "$name"
	rc=$?
	if [ $rc -eq 0 ] && [ "$name" = skynet-1.8.0 ]; then
		fork_shared "$tree"
		rc=$?
	fi
	set -e
	if [ $rc -ne 0 ]; then
		echo "FAILED $name: see above"
		failed=$((failed + 1))
		continue
	fi
	echo "  $name took $(( $(date +%s) - t0 ))s"
done < trees.txt
if grep -q '^skynet-1.8.0 ' trees.txt && grep -q '^debian-5.4.7 ' trees.txt; then
	probe debian-5.4.7 skynet-1.8.0 || failed=$((failed + 1))
	probe skynet-1.8.0 debian-5.4.7 || failed=$((failed + 1))
	set +e
	dump_probe
	rc=$?
	set -e
	[ $rc -eq 0 ] || failed=$((failed + 1))
else
	echo "skipped the layout probe: it needs both debian-5.4.7 and skynet-1.8.0"
fi
echo "release matrix: $(wc -l < trees.txt) trees, $failed failed, $(( $(date +%s) - begin ))s"
test "$failed" -eq 0

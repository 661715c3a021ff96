#!/bin/sh
# luaheap's benchmark. Prints, each measured in one run on this machine:
#  - dumper: dump CPU time / one full collectgarbage("collect") of the same
#    heap, extra peak memory during the dump, snapshot bytes per object;
#    for Debian's lua5.4 loading the module and for `luaheap run`;
#  - analyzer: time and peak memory of `summary` (and of loading alone) per
#    snapshot, as ratios to the file's size and to reading it;
#  - diff: time of `diff` of two snapshots relative to `summary` of one;
#  - with OLD=BUILD_DIR of an older build: the analysis index against it
#    (bench/index_bench.sh), and the diff against it (bench/diff_bench.sh).
# Usage: sh bench/run.sh [SCALES...]   (default: 100000 1000000 3000000)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build-bench
BUILD_DIR=$build sh "$top/scripts/build.sh" -DCMAKE_BUILD_TYPE=Release -DLUAHEAP_TESTS=OFF >/dev/null
work=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/luaheap-bench.XXXXXX")}
mkdir -p "$work"
scales=${*:-100000 1000000 3000000}
export LUA_CPATH="$build/lua/?.so;;"

echo "== dumper (ratios: dump CPU time / full collection CPU time)"
for n in $scales; do
	lua5.4 "$top/bench/dump_bench.lua" "$n" "$work" lua5.4
	"$build/luaheap" run "$top/bench/dump_bench.lua" "$n" "$work" run
done

echo "== analyzer (CPU times; peak memory of the whole process)"
for n in ${ANALYZE_SCALES:-1000000 10000000}; do
	snap=$work/heap-$n.snap
	later=$work/heap-$n-later.snap
	if [ ! -f "$later" ]; then
		lua5.4 -e "package.path='$top/bench/?.lua;'..package.path
			HEAP = require('gen_heap').build($n)
			local luaheap = require('luaheap')
			assert(luaheap.dump('$snap'))
			for i = 1, $n // 100 do HEAP.timers[#HEAP.timers + 1] = { i, tostring(i) } end
			assert(luaheap.dump('$later'))"
	fi
	"$build/bench_analyze" "$snap"
	"$build/bench_analyze" -p "$snap"   # memory and time of each phase
	# The commands as a user runs them: wall-clock seconds and peak RSS.
	sum=$( { /usr/bin/time -f "%e %M" "$build/luaheap" summary "$snap" > /dev/null; } 2>&1 | tail -n 1)
	dif=$( { /usr/bin/time -f "%e %M" "$build/luaheap" diff "$snap" "$later" > /dev/null; } 2>&1 | tail -n 1)
	echo "$sum $dif" | awk '{ printf "  luaheap summary %.2fs %.0f MiB; luaheap diff of two %.2fs %.0f MiB = %.2fx summary\n", $1, $2/1024, $3, $4/1024, ($1 > 0 ? $3/$1 : 0) }'
done
echo "== pictures (wall-clock seconds and peak RSS, each as a ratio to summary's)"
for n in ${ANALYZE_SCALES:-1000000 10000000}; do
	snap=$work/heap-$n.snap
	later=$work/heap-$n-later.snap
	for what in "summary:summary $snap" \
	    "export:export $snap -o $work/heap-$n.heapsnapshot" \
	    "flame-svg:flame $snap -o $work/heap-$n.svg" \
	    "flame-folded:flame --folded $snap -o $work/heap-$n.folded" \
	    "flame-growth:flame $snap $later -o $work/heap-$n-growth.svg" \
	    "report:report $snap $later -o $work/heap-$n.html"; do
		# shellcheck disable=SC2086
		r=$( { /usr/bin/time -f "%e %M" "$build/luaheap" ${what#*:} > /dev/null; } 2>&1 | tail -n 1)
		echo "$n ${what%%:*} $r"
	done | awk '$2 == "summary" { base = $3 }
		{ printf "  %d objects: %-12s %6.2fs %5.0f MiB = %.2fx summary time\n", $1, $2, $3, $4/1024, (base > 0 ? $3/base : 0) }'
	ls -l "$work/heap-$n.heapsnapshot" "$work/heap-$n.svg" "$work/heap-$n.html" | awk '{ printf "  %s %d bytes\n", $NF, $5 }'
done
# The analysis index against the code before it (OLD: that build's
# directory, e.g. of commit 52ea39d built with scripts/build.sh).
if [ -n "${OLD:-}" ]; then
	sh "$top/bench/index_bench.sh" "$work" ${ANALYZE_SCALES:-1000000 10000000}
	sh "$top/bench/diff_bench.sh" "$work" ${ANALYZE_SCALES:-1000000 10000000}
fi
echo "(files in $work)"

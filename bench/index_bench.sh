#!/bin/sh
# The analysis index against the analysis without it: for each snapshot
# size, wall-clock seconds and peak memory of the first analysis (which
# writes the index) and of later commands (which map it), the index's size,
# and diff times, each next to the same figure of another build (OLD: a
# build directory of the code before the index, e.g. of commit 52ea39d)
# measured in the same run. Wall-clock on a shared machine: compare the
# ratios, and read the load average printed with them.
# Usage: OLD=/path/to/old-build sh bench/index_bench.sh HEAPDIR [SCALES...]
# HEAPDIR holds heap-N.snap and heap-N-later.snap (bench/run.sh makes them).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
new=${NEW:-$top/build-bench}
old=${OLD:?set OLD to the build directory of the code before the index}
dir=$1
shift
scales=${*:-1000000 3000000 10000000}

# wall seconds and peak RSS (KiB) of a command, as "S K"
timed() { /usr/bin/time -f "%e %M" "$@" 2>&1 > /dev/null | tail -n 1; }

echo "== analysis index (wall seconds; peak B/object; load average $(cut -d' ' -f1-3 /proc/loadavg))"
for n in $scales; do
	snap=$dir/heap-$n.snap
	later=$dir/heap-$n-later.snap
	rm -f "$snap.lhindex" "$later.lhindex"
	cat "$snap" "$later" > /dev/null          # both in the page cache
	mb=$(($(stat -c %s "$snap") / 1000000))
	objs=$("$new/bench_analyze" -p "$snap" | tee "$dir/phases-new-$n.txt" | sed -n 's/.*: \([0-9]*\) objects.*/\1/p')
	"$old/bench_analyze" -p "$snap" > "$dir/phases-old-$n.txt"
	echo "-- $n objects requested: $objs objects, $mb MB snapshot"
	echo "   phases (CPU seconds; new | old):"
	paste "$dir/phases-new-$n.txt" "$dir/phases-old-$n.txt" | sed -n '2,$p' |
		awk -F'\t' '{ split($1, a, ";"); split($2, b, ";"); printf "     %-52s | %s\n", $1, b[2] }'
	o=$(timed "$old/luaheap" summary "$snap")
	f=$(timed "$new/luaheap" summary "$snap")      # first: writes the index
	isz=$(stat -c %s "$snap.lhindex")
	echo "$o $f $mb $objs $isz" | awk '{ printf "   first analysis (summary): new %.2fs, %.1f B/obj (index written); old %.2fs, %.1f B/obj = %.2fx (the whole first analysis: %.0f MB of snapshot per second, old %.0f)\n   index %.1f B/object (%.0f MB)\n", $3, $4*1024/$6, $1, $2*1024/$6, $3/$1, $5/$3, $5/$1, $7/$6, $7/1e6 }'
	for v in new old; do
		sed -n 's/^ *load .*; \([0-9.]*\)s$/\1/p' "$dir/phases-$v-$n.txt" |
			awk -v v=$v -v mb=$mb '{ printf "   loading alone (%s): %.0f MB/s of CPU time\n", v, mb / $1 }'
	done
	for cmd in "summary" "top" "path _G" "tree"; do
		set -- $cmd
		c=$1; shift
		w=$(timed "$new/luaheap" "$c" "$snap" "$@")
		p=$(timed "$old/luaheap" "$c" "$snap" "$@")
		echo "$w $p $objs" | awk -v c="$c $*" '{ printf "   later %-10s new %.2fs (%.1f B/obj resident, mostly the mapped index), old %.2fs = %.3fx\n", c, $1, $2*1024/$5, $3, $1/$3 }'
	done
	od=$(timed "$old/luaheap" diff "$snap" "$later")
	rm -f "$snap.lhindex"
	nd1=$(timed "$new/luaheap" diff "$snap" "$later")      # writes both
	nd2=$(timed "$new/luaheap" diff "$snap" "$later")      # maps both
	ns=$(timed "$new/luaheap" summary --no-index "$snap")
	echo "$od $nd1 $nd2 $ns" | awk '{ printf "   diff: old %.2fs; new first %.2fs (%.2fx summary --no-index %.2fs); new indexed %.2fs = %.3fx old\n", $1, $3, $3/$7, $7, $5, $5/$1 }'
	rm -f "$snap.lhindex" "$later.lhindex"
done
echo "(load average after: $(cut -d' ' -f1-3 /proc/loadavg))"

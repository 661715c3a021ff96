#!/bin/sh
# The diff's speed against another build's (OLD: a build directory of the
# code before, e.g. of commit 2add284), measured in the same run: for each
# snapshot size, wall and CPU seconds of `luaheap diff` the first time
# (both analyses computed, both indexes written) and with both indexed,
# `summary --no-index` of one snapshot (the issue's bar: the first diff
# within 2x of it), and lh_diff_compute alone (bench_diff). Each build
# gets its own hard links of the snapshots, so each writes and maps its
# own indexes (bench_diff.c builds with either tree: copy it into the old
# one's bench/ to time its lh_diff_compute too). Wall-clock on a shared machine: read the CPU figures and
# the ratios, and the load average printed with them.
# Usage: OLD=/path/to/old-build sh bench/diff_bench.sh HEAPDIR [SCALES...]
# HEAPDIR holds heap-N.snap and heap-N-later.snap (bench/run.sh makes them).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
new=${NEW:-$top/build-bench}
old=${OLD:?set OLD to the build directory of the code before}
dir=$1
shift
scales=${*:-1000000 3000000 10000000}

# wall, user+system CPU seconds of a command, as "W C"
timed() { /usr/bin/time -f "%e %U %S" "$@" 2>&1 > /dev/null | tail -n 1 |
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }'; }

echo "== diff (seconds, wall and CPU; load average $(cut -d' ' -f1-3 /proc/loadavg))"
for n in $scales; do
	for v in old new; do
		mkdir -p "$dir/$v"
		for f in heap-$n.snap heap-$n-later.snap; do
			rm -f "$dir/$v/$f" "$dir/$v/$f.lhindex"
			ln "$dir/$f" "$dir/$v/$f"
		done
	done
	cat "$dir/heap-$n.snap" "$dir/heap-$n-later.snap" > /dev/null
	echo "-- $n objects"
	for v in old new; do
		eval b=\$$v
		a=$dir/$v/heap-$n.snap
		l=$dir/$v/heap-$n-later.snap
		sum=$(timed "$b/luaheap" summary --no-index "$a")
		first=$(timed "$b/luaheap" diff "$a" "$l")      # writes both indexes
		again=$(timed "$b/luaheap" diff "$a" "$l")      # maps both
		own="nan nan"                   # bench_diff is newer than some builds
		[ ! -x "$b/bench_diff" ] ||
			own=$("$b/bench_diff" "$a" "$l" | sed -n 's/^diff \([0-9.]*\)s wall \([0-9.]*\)s cpu.*/\1 \2/p')
		echo "$v $sum $first $again $own" >> "$dir/diff-$n.txt.tmp"
		echo "$sum $first $again $own" | awk -v v=$v '{ printf "   %s: summary --no-index %.2fs (%.2f cpu); diff first %.2fs (%.2f cpu) = %.2fx summary; indexed %.2fs (%.2f cpu); lh_diff_compute %.2fs (%.2f cpu)\n", v, $1, $2, $3, $4, $3 / $1, $5, $6, $7, $8 }'
	done
	awk '{ w[$1] = $6; c[$1] = $7; dw[$1] = $8; dc[$1] = $9 }
		END { printf "   new/old: diff indexed %.2fx wall, %.2fx cpu; lh_diff_compute %.2fx wall, %.2fx cpu\n",
			w["new"] / w["old"], c["new"] / c["old"], dw["new"] / dw["old"], dc["new"] / dc["old"] }' "$dir/diff-$n.txt.tmp"
	rm -f "$dir/diff-$n.txt.tmp"
	rm -rf "$dir/old" "$dir/new"
done
echo "(load average after: $(cut -d' ' -f1-3 /proc/loadavg))"

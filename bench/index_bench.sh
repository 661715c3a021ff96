#!/bin/sh
# The analysis index of this build (NEW, default build-bench) against
# another build (OLD: the build directory of earlier code, e.g. `git
# archive` of the commit before a change, built Release with
# scripts/build.sh), measured in the same run on the same snapshots: the
# first analysis (summary of an unindexed snapshot, which writes the
# index, and summary --no-index, with its peak memory per object), wall
# and CPU seconds of each later command that maps the index (summary,
# top, path, tree, refs; best of 3 runs), the index size per object (on
# disk, and the file's length: arrays mapped from it leave holes),
# loading alone, and diff times.
# Wall-clock on a shared machine: compare the CPU seconds and the ratios,
# and read the load average printed with them. On a virtual machine whose
# host backs guest memory lazily (free page reporting), the first touch of
# memory the guest has not used for some seconds is 5-20x slower than
# that of memory freed just before (on one such machine: 0.45-0.6 GB/s, against 2.7-8
# GB/s), so the system time of a run depends on what ran before it: the
# first of a series and commands needing more memory than the one before
# (a diff after a summary) pay it; compare runs made in the same order.
# So every run that analyses afresh (each first analysis, each first
# diff) starts after IDLE seconds (default 8) of rest, all from the same
# cold state, and the first diff is compared with the first summary.
# OLD may predate the index (no `luaheap index`): then its first analysis
# is plain `summary`, each of its later commands is a whole analysis (run
# once, not best of 3), and it has no index size.
# Usage: OLD=/path/to/old-build sh bench/index_bench.sh HEAPDIR [SCALES...]
# HEAPDIR holds heap-N.snap and heap-N-later.snap (bench/run.sh makes
# them); DIFF=0 leaves out the diff figures.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
new=${NEW:-$top/build-bench}
old=${OLD:?set OLD to the build directory of the code to compare with}
dir=$1
shift
scales=${*:-1000000 3000000 10000000}
export XDG_CACHE_HOME="$dir/cache"      # the index's records, kept apart

# wall seconds, CPU seconds (user + system) and peak RSS (KiB) of one run
once() {
	/usr/bin/time -f "%e %U %S %M" "$@" 2>&1 > /dev/null | tail -n 1 |
		awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }'
}
# once, after IDLE seconds of rest (see above)
cold() {
	sleep "${IDLE:-8}"
	once "$@"
}
# the same, the run of least wall time of three
best3() {
	{ once "$@"; once "$@"; once "$@"; } | sort -n | head -n 1
}
later() {   # build snapshot: "wall cpu rss" of each later command, a line each
	lb=$1
	ls=$2
	runs=best3
	indexes "$lb" || runs=once
	for cmd in summary top "path _G.HEAP.config" tree "refs _G.HEAP.config"; do
		# shellcheck disable=SC2086
		set -- $cmd
		c=$1
		shift
		if "$lb/luaheap" "$c" --help > /dev/null 2>&1; then
			$runs "$lb/luaheap" "$c" "$ls" "$@"
		else
			echo "- - -"     # a command this build does not have
		fi
	done
}
indexes() { "$1/luaheap" index --help > /dev/null 2>&1; }

echo "== analysis index: new $new, old $old (load average $(cut -d' ' -f1-3 /proc/loadavg))"
for n in $scales; do
	snap=$dir/heap-$n.snap
	later=$dir/heap-$n-later.snap
	rm -rf "$snap.lhindex" "$later.lhindex" "$XDG_CACHE_HOME"
	cat "$snap" "$later" > /dev/null          # both in the page cache
	mb=$(($(stat -c %s "$snap") / 1000000))
	objs=$("$new/bench_analyze" -p "$snap" | tee "$dir/phases-new-$n.txt" | sed -n 's/.*: \([0-9]*\) objects.*/\1/p')
	"$old/bench_analyze" -p "$snap" > "$dir/phases-old-$n.txt"
	echo "-- $n objects requested: $objs objects, $mb MB snapshot"
	for v in new old; do
		sed -n 's/^ *load .*; \([0-9.]*\)s\( CPU \([0-9.]*\)s wall\)*$/\1 \3/p' "$dir/phases-$v-$n.txt" |
			awk -v v=$v -v mb=$mb '{ w = ($2 != "" ? $2 : $1); printf "   loading alone (%s): %.2fs CPU, %.2fs wall, %.0f MB/s\n", v, $1, w, mb / w }'
	done
	# the old build's index first (the formats differ), then the new one
	for v in old new; do
		b=$new
		[ "$v" = new ] || b=$old
		rm -f "$snap.lhindex"
		noidx=--no-index
		indexes "$b" || noidx=
		cold "$b/luaheap" summary $noidx "$snap" > "$dir/noidx-$v.txt"
		cold "$b/luaheap" summary "$snap" > "$dir/first-$v.txt"
		# bytes on disk (the file may have holes), then its length
		stat -c '%b %B %s' "$snap.lhindex" 2> /dev/null |
			awk '{ print $1 * $2, $3 }' > "$dir/isize-$v.txt" || true
		[ -s "$dir/isize-$v.txt" ] || echo 0 0 > "$dir/isize-$v.txt"
		later "$b" "$snap" > "$dir/later-$v.txt"
	done
	paste -d' ' "$dir/first-new.txt" "$dir/first-old.txt" "$dir/noidx-new.txt" "$dir/noidx-old.txt" |
		awk -v o="$objs" '{ printf "   first analysis, writing the index: new %.2fs wall %.2fs CPU %.1f B/obj peak | old %.2fs wall %.2fs CPU %.1f B/obj peak = %.2fx wall\n   first analysis, --no-index:        new %.2fs wall %.2fs CPU %.1f B/obj peak | old %.2fs wall %.2fs CPU %.1f B/obj peak = %.2fx wall\n", $1, $2, $3*1024/o, $4, $5, $6*1024/o, $1/$4, $7, $8, $9*1024/o, $10, $11, $12*1024/o, $7/$10 }'
	paste -d' ' "$dir/isize-new.txt" "$dir/isize-old.txt" |
		awk -v o="$objs" '{ printf "   index on disk: new %.1f B/object (%.0f MB, length %.0f MB) | old ", $1/o, $1/1e6, $2/1e6
			if ($3 > 0) printf "%.1f B/object (length %.0f MB)\n", $3/o, $4/1e6; else print "none" }'
	printf 'summary\ntop\npath\ntree\nrefs\n' | paste -d' ' - "$dir/later-new.txt" "$dir/later-old.txt" |
		awk '{ printf "   later %-8s new %.2fs wall %.2fs CPU | ", $1, $2, $3
			if ($5 == "-") print "old: no such command"
			else printf "old %.2fs wall %.2fs CPU = %.2fx wall, %.2fx CPU\n", $5, $6, $2/$5, ($6 > 0 ? $3/$6 : 0) }'
	if [ "${DIFF:-1}" != 0 ]; then
		rm -f "$snap.lhindex" "$later.lhindex"
		od=$(cold "$old/luaheap" diff "$snap" "$later")    # writes both
		od2=$(once "$old/luaheap" diff "$snap" "$later")   # maps both
		rm -f "$snap.lhindex" "$later.lhindex"
		nd=$(cold "$new/luaheap" diff "$snap" "$later")
		nd2=$(once "$new/luaheap" diff "$snap" "$later")
		echo "$nd $nd2 $od $od2" | awk '{ printf "   diff, writing both indexes: new %.2fs wall | old %.2fs = %.2fx; both indexed: new %.2fs wall %.2fs CPU | old %.2fs wall %.2fs CPU = %.2fx\n", $1, $7, $1/$7, $4, $5, $10, $11, $4/$10 }'
		echo "$nd $od $(cat "$dir/first-new.txt" "$dir/first-old.txt" | tr '\n' ' ')" |
			awk '{ printf "   first diff / first summary (both writing their indexes): new %.2fx | old %.2fx\n", $1/$7, $4/$10 }'
	fi
	rm -rf "$snap.lhindex" "$later.lhindex" "$XDG_CACHE_HOME"
done
echo "(load average after: $(cut -d' ' -f1-3 /proc/loadavg))"

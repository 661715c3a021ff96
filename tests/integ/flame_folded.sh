# Folded stacks parse line by line ("frame;...;frame BYTES", no ';' inside
# a frame, no empty frame) and their weights add up: to the live bytes for
# one snapshot, to the new surviving bytes diff counts for two and three.
mkdir -p lua
"$LUA" "$SRC/samples/leak_timer.lua" lua 40 > /dev/null

check() {   # FILE EXPECTED-SUM
	awk -v want="$2" '
		!/^[^ ].* [0-9]+$/ { print "bad line " NR ": " $0; bad = 1; exit }
		{ stack = $0; sub(/ [0-9]+$/, "", stack)
		  n = split(stack, f, ";")
		  for (i = 1; i <= n; i++) if (f[i] == "") { print "empty frame " NR; bad = 1; exit }
		  sum += $NF; lines++ }
		END { if (bad) exit 1
		      if (sum != want) { print "weights sum to " sum ", not " want; exit 1 }
		      print lines " stacks, " sum " bytes" }' "$1"
}

for snap in lua/a.snap lua/c.snap; do
	"$LUAHEAP" flame --folded "$snap" > one.folded
	live=$("$LUAHEAP" top --json "$snap" | sed -n 's/^\t"live_bytes":\t\([0-9]*\),$/\1/p')
	check one.folded "$live"
done
# the stack of the timers: the scheduler's table (named by the global that
# holds it, or by the main chunk's local), its timers, all the timers
# merged into one frame with their count
grep -Eq '^(<local Scheduler[^;]*>|[^;]*\.Scheduler) table;\.timers table;\[\*\] table ×[0-9]+ ' one.folded

"$LUAHEAP" flame --folded lua/a.snap lua/c.snap > two.folded
new=$("$LUAHEAP" diff --json lua/a.snap lua/c.snap | sed -n 's/^\t"candidate_bytes":\t\([0-9]*\),$/\1/p')
test "$new" -gt 0
check two.folded "$new"
"$LUAHEAP" flame --folded lua/a.snap lua/b.snap lua/c.snap > three.folded
new=$("$LUAHEAP" diff --json lua/a.snap lua/b.snap lua/c.snap | sed -n 's/^\t"candidate_bytes":\t\([0-9]*\),$/\1/p')
check three.folded "$new"

# usage errors name the problem and exit 2
rc=0; "$LUAHEAP" flame > /dev/null 2> err.txt || rc=$?
test $rc -eq 2 && grep -q '^luaheap: no snapshot given' err.txt
rc=0; "$LUAHEAP" flame lua/a.snap --width 5 > /dev/null 2> err.txt || rc=$?
test $rc -eq 2 && grep -q '^luaheap: --width' err.txt

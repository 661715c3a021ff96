# Debian's lua5.4 runs a workload heavy in weak tables, resurrecting
# finalizers, abandoned coroutines and string churn, armed with
# collect = false, while the shell sends it signals at random moments, in
# both collector modes. Every snapshot loads and its accounting is exact,
# and the program computes the same result as without dumps.
. "$SRC/tests/live_lib.sh"
for mode in incremental generational; do
	mkdir "$mode"
	rm -f stop run.out run.err    # before the job starts: it truncates them late
	"$LUA" "$SRC/tests/lua/live_stress_main.lua" "$PWD/$mode" 20000 $mode 0 > ref.out
	"$LUA" "$SRC/tests/lua/live_stress_main.lua" "$PWD/$mode" 20000 $mode 1 > run.out 2> run.err &
	pid=$!
	trap 'kill $pid 2> /dev/null || true' EXIT
	wait_for '^armed' run.out $pid run.err
	sent=0
	# signals until the result is out (the process then waits for 'stop')
	while [ $sent -lt 60 ] && ! grep -qs '^result' run.out; do
		kill -USR1 $pid
		sent=$((sent + 1))
		sleep "0.0$(awk -v s=$sent 'BEGIN { srand(s); printf "%d", 1 + rand() * 4 }')"
	done
	touch stop
	n=0
	while kill -0 $pid 2> /dev/null; do
		n=$((n + 1)); test $n -lt 1200 || { echo "workload did not finish" >&2; exit 1; }
		sleep 0.1
	done
	wait $pid
	trap - EXIT
	test ! -s run.err
	grep '^result ' ref.out > ref.txt
	grep '^result ' run.out > run.txt
	cmp ref.txt run.txt
	echo "$mode: $sent signals, $(ls $mode | wc -l) snapshots"
	test "$(ls $mode | wc -l)" -ge 1
	test -z "$(ls -a $mode | grep '\.tmp')"
	for f in "$mode"/*; do
		"$LUAHEAP" summary --json "$f" > sum.json
		"$LUA" -e '
			local d = require("json").decode(io.read("a"))
			assert(d.bytes + d.vm_overhead_bytes == d.lua_total_bytes,
			       "accounting of " .. arg[0])' < sum.json
	done
done

# A live server armed on a full disk (an 8 KiB tmpfs; skipped where mount is
# not allowed): the server's "no space" reaches `luaheap dump --pid` as a
# message and exit 2, no partial file stays behind, the server goes on.
. "$SRC/tests/live_lib.sh"
export LUAHEAP_RUNDIR="$PWD/run"
mkdir full
mount -t tmpfs -o size=8k,mode=0700 tmpfs "$PWD/full" 2> /dev/null || exit 77
spid=""
cleanup() {
	if [ -n "$spid" ]; then kill $spid 2> /dev/null || true; fi
	umount "$PWD/full" 2> /dev/null || true
}
trap cleanup EXIT
"$LUA" "$SRC/samples/live_server.lua" "$PWD/full" "$PWD/stop" 6000 0.01 > server.out 2> server.err &
spid=$!
n=0
until grep -q '^heartbeat 3 ' server.out; do
	n=$((n + 1)); test $n -lt 600 || { echo "server did not start" >&2; cat server.err >&2; exit 1; }
	sleep 0.1
done
rc=0
"$LUAHEAP" dump --pid $spid --timeout 30 > out.txt 2> err.txt || rc=$?
cat err.txt
test $rc -eq 2
grep -q "process $spid could not write its snapshot: .*No space left on device" err.txt
test ! -s out.txt
test -z "$(ls -A full)"
# still running, stops normally
r=$(sed -n 's/^heartbeat \([0-9]*\) .*/\1/p' server.out | tail -1)
n=0
until grep -q "^heartbeat $((r + 3)) " server.out; do
	n=$((n + 1)); test $n -lt 600 || { echo "server stalled" >&2; exit 1; }
	sleep 0.1
done
touch stop
wait_exit $spid
spid=""
test ! -s server.err
grep -q '^stopped after ' server.out

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
wait_for '^heartbeat 3 ' server.out $spid server.err
rc=0
"$LUAHEAP" dump --pid $spid --timeout 30 > out.txt 2> err.txt || rc=$?
cat err.txt
test $rc -eq 2
grep -q "process $spid could not write its snapshot: .*No space left on device" err.txt
test ! -s out.txt
test -z "$(ls -A full)"
# still running, stops normally
r=$(last_round server.out)
wait_for "^heartbeat $((r + 3)) " server.out $spid server.err
touch stop
wait_exit $spid
spid=""
test ! -s server.err
grep -q '^stopped after ' server.out

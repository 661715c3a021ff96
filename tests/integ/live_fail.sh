# luaheap dump --pid when things go wrong: no such process, a process that
# is not armed, a stale beacon, a timeout while the server waits in C, the
# armed directory removed, two CLIs at once, signals while dumps run. The
# server survives all of it and stops normally. Every wait is bounded.
. "$SRC/tests/live_lib.sh"
export LUAHEAP_RUNDIR="$PWD/run"
mkdir snaps
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# fails unless "$@" exits 2 with a message matching $expect on stderr
fails_with() {
	rc=0
	"$@" > out.txt 2> err.txt || rc=$?
	if [ $rc -ne 2 ] || ! grep -q "$expect" err.txt; then
		echo "expected exit 2 and '$expect', got $rc:" >&2; cat out.txt err.txt >&2; exit 1
	fi
	test ! -s out.txt
}
check_snap() { "$LUAHEAP" summary --no-index "$1" > /dev/null; }

# no such process, and a process that never armed
expect='no process with pid 99999999' fails_with "$LUAHEAP" dump --pid 99999999
sleep 60 & other=$!; pids="$pids $other"
expect="process $other is not armed" fails_with "$LUAHEAP" dump --pid $other --timeout 2
# a beacon left by an earlier process with the same pid is stale
mkdir -m 700 run
printf 'luaheap-arm 2\npid %s\nstart 1\nstate main\nslot 0\nsignal 10\nformat binary\ndir %s\n' $other "$PWD/snaps" > "run/$other.main.arm"
chmod 600 "run/$other.main.arm"
expect='stale' fails_with "$LUAHEAP" dump --pid $other --timeout 2
test ! -e "run/$other.main.arm"
# the files of a process that is gone are removed when it is asked for
kill $other; wait $other 2> /dev/null || true
printf 'luaheap-arm 2\npid %s\nstart 1\nstate main\nslot 0\nsignal 10\nformat binary\ndir %s\n' $other "$PWD/snaps" > "run/$other.main.arm"
echo 'ok x.snap' > "run/$other.main.res.1.2"
expect="no process with pid $other" fails_with "$LUAHEAP" dump --pid $other --timeout 2
test -z "$(ls run | grep "^$other\.")"
# usage errors
expect='no --pid' fails_with "$LUAHEAP" dump
expect='exclude' fails_with "$LUAHEAP" dump --pid 1 -o x --dir y
expect='state name' fails_with "$LUAHEAP" dump --pid 1 --state ../x
expect='list takes no other' fails_with "$LUAHEAP" dump --pid 1 --list --state a

# a server that naps 3 s in C between rounds: a 1 s timeout expires, and
# the request is withdrawn; with time enough the dump arrives
"$LUA" "$SRC/samples/live_server.lua" "$PWD/snaps" "$PWD/stop1" 100 3 > slow.out 2> slow.err &
slow=$!; pids="$pids $slow"
wait_for '^heartbeat 1 ' slow.out
expect='did not answer within 1 s' fails_with "$LUAHEAP" dump --pid $slow --timeout 1
test -z "$(ls run | grep "^$slow\.game\.\(req\|res\|can\)\.")"
# the withdrawn request is never answered: no snapshot for it, later either
r=$(last_round slow.out)
wait_for "^heartbeat $((r + 1)) " slow.out
test -z "$(ls snaps)"
test -z "$(ls run | grep "^$slow\.game\.\(req\|res\|can\)\.")"
s=$("$LUAHEAP" dump --pid $slow --timeout 30)
check_snap "$s"
touch stop1

# a busy server
"$LUA" "$SRC/samples/live_server.lua" "$PWD/snaps" "$PWD/stop2" 6000 0.01 > server.out 2> server.err &
spid=$!; pids="$pids $spid"
wait_for '^heartbeat 5 ' server.out

# the armed directory removed: the server's error reaches the CLI
mv snaps snaps.away
expect="process $spid could not write its snapshot: .*No such file or directory" \
	fails_with "$LUAHEAP" dump --pid $spid --timeout 30
mv snaps.away snaps
r=$(last_round server.out)
wait_for "^heartbeat $((r + 3)) " server.out
s=$("$LUAHEAP" dump --pid $spid --timeout 30)
check_snap "$s"

# a name that would leave the directory is refused by the CLI
expect='plain file name' fails_with "$LUAHEAP" dump --pid $spid --name ../x.snap
"$LUAHEAP" dump --pid $spid --name chosen.json --format json --dir "$PWD" > named.txt
test "$(cat named.txt)" = "$PWD/chosen.json"
head -c 40 chosen.json | grep -q '"format":"luaheap-snapshot"'

# two CLIs at once, while plain signals ask for dumps of their own: each
# CLI gets its own snapshot, no dump starts inside another
"$LUAHEAP" dump --pid $spid --timeout 30 > one.txt 2> one.err &
c1=$!
"$LUAHEAP" dump --pid $spid --timeout 30 > two.txt 2> two.err &
c2=$!
for i in 1 2 3 4 5; do kill -USR1 $spid; done
wait $c1
wait $c2
test -s one.txt && test -s two.txt
test "$(cat one.txt)" != "$(cat two.txt)"
check_snap "$(cat one.txt)"
check_snap "$(cat two.txt)"
# the plain signals were answered too (coalesced: at least one snapshot)
r=$(last_round server.out)
wait_for "^heartbeat $((r + 3)) " server.out
test "$(ls snaps | grep -c '^luaheap-')" -ge 4
for f in snaps/*; do check_snap "$f"; done
test -z "$(ls -a snaps | grep '\.tmp')"

# still alive and well; stops normally
touch stop2
n=0
while kill -0 $spid 2>/dev/null || kill -0 $slow 2>/dev/null; do
	n=$((n + 1)); test $n -lt 600 || { echo "servers did not stop" >&2; exit 1; }
	sleep 0.1
done
wait $spid
wait $slow
trap - EXIT
test ! -s server.err && test ! -s slow.err
grep -q '^stopped after ' server.out
grep -q '^stopped after ' slow.out
test -z "$(ls run)"

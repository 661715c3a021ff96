# The live workflow: Debian's lua5.4 runs samples/live_server.lua with the
# module armed; `luaheap dump --pid` takes two snapshots while it runs, the
# diff of the two names the planted leak, and the server goes on undisturbed
# and stops normally when told to. Every wait is bounded. The run directory
# is the default one, as in real use.
. "$SRC/tests/live_lib.sh"
unset LUAHEAP_RUNDIR
run=/tmp/luaheap-$(id -u)
mkdir snaps out
"$LUA" "$SRC/samples/live_server.lua" "$PWD/snaps" "$PWD/stop" 6000 > server.out 2> server.err &
spid=$!
trap 'kill $spid 2>/dev/null || true' EXIT


wait_for '^armed ' server.out $spid server.err
test -f "$run/$spid.game.arm"
test "$(stat -c %a "$run")" = 700
test "$(stat -c %a "$run/$spid.game.arm")" = 600
# its one armed state, listed: name, format, directory
"$LUAHEAP" dump --pid $spid --list > list.txt
printf 'game\tbinary\t%s\n' "$PWD/snaps" | cmp - list.txt
wait_for '^heartbeat 10 ' server.out $spid server.err

a=$("$LUAHEAP" dump --pid $spid --timeout 30)
case "$a" in "$PWD/snaps/"*) ;; *) echo "unexpected path $a" >&2; exit 1;; esac
test -f "$a"
test "$(stat -c %a "$a")" = 600
r=$(last_round server.out)
wait_for "^heartbeat $((r + 30)) " server.out $spid server.err
b=$("$LUAHEAP" dump --pid $spid -o "$PWD/out/b.snap" --timeout 30)
test "$b" = "$PWD/out/b.snap"
test -f out/b.snap
r=$(last_round server.out)
wait_for "^heartbeat $((r + 5)) " server.out $spid server.err

# the diff of the two live snapshots names the planted leak first
# (--no-index: the armed directory must hold nothing but snapshots)
"$LUAHEAP" diff --no-index --json "$a" out/b.snap > diff.json
"$LUA" "$SRC/tests/lua/diff_check.lua" 'Matchmaker' < diff.json
"$LUA" "$SRC/tests/lua/diff_check.lua" '.waiting[*]' < diff.json
# both snapshots are whole and exact
for s in "$a" out/b.snap; do
	"$LUAHEAP" summary --no-index --json "$s" > sum.json
	"$LUA" -e '
		local d = require("json").decode(io.read("a"))
		assert(d.bytes + d.vm_overhead_bytes == d.lua_total_bytes, "accounting")
		assert(d.objects > 1000)' < sum.json
done
# nothing but snapshots in the armed dir, no requests or results left
test "$(ls snaps | wc -l)" -eq 1
test "$(ls "$run" | grep "^$spid\.")" = "$spid.game.arm"

# stop it: it exits normally, its output shows every round once and in
# order, no error, and disarming removed the beacon
touch stop
wait_exit $spid
trap - EXIT
grep -q '^stopped after ' server.out
test ! -s server.err
awk '/^heartbeat/ { if ($2 != ++n) { print "heartbeat out of order at " NR; exit 1 } }
     !/^(armed|heartbeat|stopped)/ { print "unexpected line: " $0; exit 1 }' server.out
test ! -e "$run/$spid.game.arm"

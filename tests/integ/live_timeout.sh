# `luaheap dump --pid` giving up while the dump it asked for runs: Debian's
# lua5.4 runs a server whose dumps take 1.5 s (a finalizer that the dump's
# own collection runs naps in C). A 0.4 s timeout fails with exit 2; the
# snapshot written after it is removed, and no request, answer, cancel or
# temporary file stays in the run directory. A dump with time enough then
# works, and stopping the server leaves the run directory empty.
. "$SRC/tests/live_lib.sh"
export LUAHEAP_RUNDIR="$PWD/run"
mkdir snaps
cat > slow.lua <<'LUA'
local luaheap = require "luaheap"
local dir, stop = arg[1], arg[2]
assert(luaheap.arm { dir = dir, name = "slow", signal = "USR1" })
collectgarbage "stop"              -- only a dump's collection finalizes
local planted = false
local function plant()
  planted = true
  setmetatable({}, { __gc = function()
    planted = false
    os.execute "sleep 1.5"
  end })
end
io.write("armed\n")
io.stdout:flush()
local round = 0
while true do
  local f = io.open(stop)
  if f then f:close() break end
  if not planted then plant() end
  round = round + 1
  io.write("heartbeat ", round, "\n")
  io.stdout:flush()
  os.execute "sleep 0.05"
end
luaheap.disarm()
io.write("stopped\n")
LUA
"$LUA" slow.lua "$PWD/snaps" "$PWD/stop" > server.out 2> server.err &
spid=$!
trap 'kill $spid 2> /dev/null || true' EXIT
only_beacon() {
	test "$(ls -A run)" = "$spid.slow.arm" || { echo "run directory:" >&2; ls -A run >&2; exit 1; }
}
wait_for '^heartbeat 3$' server.out "" server.err

rc=0
"$LUAHEAP" dump --pid $spid --timeout 0.4 > out.txt 2> err.txt || rc=$?
test $rc -eq 2
grep -q 'did not answer within 0.4 s' err.txt
test ! -s out.txt
# the dump goes on after the command gave up; once the server runs rounds
# again it is over, and nothing of it is left
r=$(last_round server.out)
wait_for "^heartbeat $((r + 3))$" server.out "" server.err
test -z "$(ls -A snaps)"
only_beacon

# with time enough the same request is answered, and leaves only the
# snapshot
s=$("$LUAHEAP" dump --pid $spid --timeout 30)
"$LUAHEAP" summary --no-index "$s" > /dev/null
test "$(ls -A snaps)" = "$(basename "$s")"
only_beacon

touch stop
wait_exit $spid
trap - EXIT
grep -q '^stopped$' server.out
test ! -s server.err
test -z "$(ls -A run)"

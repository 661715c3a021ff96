# export, flame and report on a list and a nest a million tables deep
# (a hundred thousand in the sanitizer build): they work, the flame graph
# stops at its depth cap with every byte still counted, the export is read
# by the DevTools rules check when node is there.
n=1000000
case "${LUAHEAP_SANITIZE:-OFF}" in ON|on|1|TRUE|true) n=100000 ;; esac
"$LUA" "$SRC/tests/lua/analysis_deep.lua" deep.snap "$n" > /dev/null

"$LUAHEAP" export deep.snap -o deep.heapsnapshot > wrote.txt
grep -q "nodes" wrote.txt
if command -v node > /dev/null; then
	node "$SRC/tests/js/devtools_rules.js" deep.heapsnapshot
fi
"$LUAHEAP" flame deep.snap -o deep.svg
rows=$(grep -c '<g class="f"' deep.svg)
test "$rows" -gt 48
test "$rows" -lt 200
"$LUAHEAP" flame --folded deep.snap > deep.folded
live=$("$LUAHEAP" top --json deep.snap | sed -n 's/^\t"live_bytes":\t\([0-9]*\),$/\1/p')
test "$(awk '{ s += $NF } END { print s }' deep.folded)" = "$live"
test "$(awk -F';' '{ if (NF > m) m = NF } END { print m }' deep.folded)" -le 48
"$LUAHEAP" report deep.snap deep.snap -o deep.html
grep -q 'no leak suspected' deep.html

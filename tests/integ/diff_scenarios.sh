# The diff's first suspect names the leaking container for leak shapes the
# samples do not have (see tests/lua/leak_scenarios.lua), with two and with
# three snapshots, and a ring buffer overwritten in place is no suspect.
for case in "listeners listeners" "tokens _G.Cache.by_token[*]" \
	    "chain _G.head" "history _G.Players[*].history[*]" \
	    "events _G.Bus.waiting[*][*]" "seen _G.Seen <key>" "ring none"; do
	set -- $case
	"$LUA" "$SRC/tests/lua/leak_scenarios.lua" "$1"
	"$LUAHEAP" diff --json a.snap b.snap > two.json
	"$LUA" "$SRC/tests/lua/diff_check.lua" "$2" < two.json
	"$LUAHEAP" diff --json a.snap b.snap c.snap > three.json
	"$LUA" "$SRC/tests/lua/diff_check.lua" "$2" < three.json
done

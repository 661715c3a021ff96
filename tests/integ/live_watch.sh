# luaheap.watch / expect_dead: a program drops four watched sessions and
# keeps one by mistake. The snapshot's watch records are exactly the objects
# still alive; `luaheap diff --fail-on-expect-dead` exits 1 and its JSON
# lists exactly the kept session, with its path (and summary says so too).
# Under lua5.4 and luaheap run.
for how in lua run; do
	mkdir "$how"
	if [ "$how" = lua ]; then
		"$LUA" "$SRC/tests/lua/live_watch.lua" "$how" > "$how/out.txt"
	else
		"$LUAHEAP" run "$SRC/tests/lua/live_watch.lua" "$how" > "$how/out.txt"
	fi
	kept=$(sed -n 's/^watch: kept \(0x[0-9a-f]*\),.*/\1/p' "$how/out.txt")
	test -n "$kept"

	# the records: all five sessions and the config while logged in;
	# afterwards only the config and the kept session, marked
	cat > records.lua <<'LUA'
local json = require "json"
local f = assert(io.open(arg[1], "rb"))
local snap = json.decode(f:read("a"))
f:close()
local w = {}
for _, r in ipairs(snap.watch) do w[r.label] = r end
assert(#snap.watch == 2, "watch records: " .. #snap.watch)
assert(w.config and not w.config.expect_dead, "config")
assert(w["session 3"] and w["session 3"].expect_dead, "session 3")
assert(w["session 3"].id == arg[2], w["session 3"].id .. " ~= " .. arg[2])
LUA
	"$LUA" records.lua "$how/b.json" "$kept"
	rc=0
	"$LUAHEAP" diff --json --fail-on-expect-dead "$how/a.snap" "$how/b.snap" > diff.json || rc=$?
	test $rc -eq 1
	cat > dead.lua <<'LUA'
local json = require "json"
local d = json.decode(io.read("a"))
local dead = d.expect_dead
assert(#dead == 1, "expect_dead entries: " .. #dead)
assert(dead[1].label == "session 3", dead[1].label)
assert(dead[1].address == arg[1], dead[1].address)
assert(dead[1].path:find("Audit.last", 1, true), dead[1].path)
LUA
	"$LUA" dead.lua "$kept" < diff.json
	# nothing expected dead in the first snapshot, so no failure there
	"$LUAHEAP" diff --fail-on-expect-dead "$how/a.snap" "$how/a.snap" > /dev/null
	# the text report shows it too
	"$LUAHEAP" diff --fail-on-expect-dead "$how/a.snap" "$how/b.snap" > diff.txt || true
	grep -q 'session 3.*Audit.last' diff.txt
	# summary says so too
	rc=0
	"$LUAHEAP" summary --fail-on-expect-dead "$how/b.snap" > sum.txt || rc=$?
	test $rc -eq 1
	grep -q 'session 3.*Audit.last' sum.txt
	"$LUAHEAP" summary --fail-on-expect-dead "$how/a.snap" > /dev/null
	# exact accounting with the watch table in the heap
	"$LUAHEAP" summary --json "$how/b.snap" | "$LUA" -e '
		local d = require("json").decode(io.read("a"))
		assert(d.bytes + d.vm_overhead_bytes == d.lua_total_bytes)'
done

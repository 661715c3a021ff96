# Sourced by tests/integ/diff_*.sh with $sample = a sample in samples/ and $expect =
# what the first suspect's path must contain ("none" for the controls).
# Runs the sample in Debian's lua5.4 and in `luaheap run`, three snapshots
# each, and checks the two- and three-snapshot diffs.
: "${sample:?}"
: "${expect:?}"
for how in lua run; do
	mkdir -p "$how"
	if [ "$how" = lua ]; then
		"$LUA" "$SRC/samples/$sample.lua" "$how" 60 > /dev/null
	else
		"$LUAHEAP" run "$SRC/samples/$sample.lua" "$how" 60 > /dev/null
	fi
	"$LUAHEAP" diff --json "$how/a.snap" "$how/b.snap" > two.json
	"$LUA" "$SRC/tests/lua/diff_check.lua" "$expect" < two.json
	"$LUAHEAP" diff --json "$how/a.snap" "$how/b.snap" "$how/c.snap" > three.json
	"$LUA" "$SRC/tests/lua/diff_check.lua" "$expect" < three.json
	# the nightly-job threshold agrees with the report
	rc=0
	"$LUAHEAP" diff --fail-if-suspects 0 "$how/a.snap" "$how/b.snap" "$how/c.snap" > /dev/null || rc=$?
	if [ "$expect" = none ]; then test $rc -eq 0; else test $rc -eq 1; fi
done

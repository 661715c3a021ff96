# Paths printed by every command parse back through `path`: summary, top
# (by class and by object), path, tree's examples and diff (suspects, churn,
# grown tables, expected-dead objects) on samples whose paths go through
# upvalues, coroutine stacks, object keys, metatables and locals.
for sample in leak_timer leak_coroutine leak_object_set leak_closure_chain leak_memo; do
	mkdir -p "$sample"
	"$LUAHEAP" run "$SRC/samples/$sample.lua" "$sample" 10 > /dev/null
	c=$sample/c.snap
	"$LUAHEAP" summary --json -n 40 "$c" > s.json
	"$LUAHEAP" top --json -n 40 "$c" > t1.json
	"$LUAHEAP" top --json -n 200 --group none "$c" > t2.json
	"$LUAHEAP" diff --json -n 0 "$sample/a.snap" "$sample/b.snap" "$c" > d.json
	addr=$(sed -n 's/.*"example_address":[[:space:]]*"\(0x[0-9a-f]*\)".*/\1/p' d.json | head -1)
	"$LUAHEAP" path --json -n 5 "$c" "$addr" > p.json
	LUA_PATH="$SRC/tests/lua/?.lua" "$LUA" "$SRC/tests/lua/paths_parse.lua" \
		"$LUAHEAP" "$c" 40 s.json t1.json t2.json d.json p.json
done

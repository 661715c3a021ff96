# top, path and tree on lying snapshots: JSON files with one number or
# address changed (to a neighbour's address, 0, huge values) or cut short.
# Each command must either work (exit 0) or refuse (exit 2) - never crash.
"$LUA" "$SRC/tests/lua/corrupt_heap.lua" base.json
"$LUA" "$SRC/tests/lua/analysis_mutate.lua" base.json 150 m
ok=0 refused=0
for f in m*.json; do
	for cmd in "top $f --group none -n 5" "top $f --group type --json" \
	    "tree $f --depth 3 --min-size 0" "path $f _G.list[2].x -n 3" \
	    "path $f _G.f --json"; do
		rc=0
		# shellcheck disable=SC2086
		"$LUAHEAP" $cmd > out.txt 2> err.txt || rc=$?
		case $rc in
		0) ok=$((ok + 1)) ;;
		2) refused=$((refused + 1))
		   grep -q '^luaheap: ' err.txt ;;
		*) echo "luaheap $cmd: exit $rc" >&2; cat err.txt >&2; exit 1 ;;
		esac
	done
done
echo "$ok runs worked, $refused refused"
test "$ok" -gt 0
test "$refused" -gt 0

# export, flame and report on lying snapshots (JSON files with one number
# or address changed, or cut short): each must work (exit 0) or refuse
# with a message (exit 2), never crash, and never leave a file behind on
# refusal.
"$LUA" "$SRC/tests/lua/corrupt_heap.lua" base.json
"$LUA" "$SRC/tests/lua/analysis_mutate.lua" base.json 80 m
ok=0 refused=0
for f in m*.json; do
	for cmd in "export $f -o out.file" "flame $f -o out.file" \
	    "flame --folded $f -o out.file" "report base.json $f -o out.file"; do
		rc=0
		rm -f out.file
		# shellcheck disable=SC2086
		"$LUAHEAP" $cmd > out.txt 2> err.txt || rc=$?
		case $rc in
		0) ok=$((ok + 1)); test -s out.file ;;
		2) refused=$((refused + 1))
		   grep -q '^luaheap: ' err.txt
		   test ! -e out.file ;;
		*) echo "luaheap $cmd: exit $rc" >&2; cat err.txt >&2; exit 1 ;;
		esac
		test -z "$(ls out.file.tmp.* 2> /dev/null)"
	done
done
echo "$ok runs worked, $refused refused"
test "$ok" -gt 0
test "$refused" -gt 0

# Path oracle: tests/lua/analysis_paths.lua builds a heap, computes BFS
# distances in Lua, dumps, and checks that `luaheap path --json` gives paths
# of exactly that length whose expressions evaluate back to the object; run
# in Debian's lua5.4 with the module and in `luaheap run`.
"$LUA" "$SRC/tests/lua/analysis_paths.lua" "$LUAHEAP" lua.snap
"$LUAHEAP" run "$SRC/tests/lua/analysis_paths.lua" "$LUAHEAP" run.snap

# -n K: the shortcut first, then detours by length; the long way through
# the chain's end is among them, and every path is distinct
"$LUAHEAP" path lua.snap _G.short.via[1] -n 50 --json > many.json
grep '"expr":' many.json | sort | uniq -d > dups.txt
test ! -s dups.txt
test "$(grep -c '"expr":' many.json)" -ge 3
grep '"expr":' many.json | head -1 | grep -q '"_G.short.via\[1\]"'
grep -q '"expr":	"_G.deep.next.next.next.next.next.next.next.next.next.next.next.next.payload"' many.json
grep '"length":' many.json | tr -dc '0-9\n' > lengths.txt
test "$(head -1 lengths.txt)" -eq 5
sort -n -c lengths.txt
grep -q '"length":	16' many.json

# text output names the hops; unknown fields and garbage are clear errors
"$LUAHEAP" path lua.snap Server.timers[17] > one.txt
grep -q '_G.Server.timers\[17\]' one.txt
grep -q 'function' one.txt
if "$LUAHEAP" path lua.snap _G.Server.nope 2> err.txt; then exit 1; fi
grep -q "no field 'nope' in '_G.Server'" err.txt
if "$LUAHEAP" path lua.snap 2> err.txt; then exit 1; fi
grep -q 'usage: luaheap path' err.txt
"$LUAHEAP" path --help | grep -q 'usage: luaheap path SNAPSHOT OBJECT'

# Path oracle: tests/lua/analysis_paths.lua builds a heap, computes BFS
# distances in Lua, dumps, and checks that `luaheap path --json` gives paths
# of exactly that length whose expressions evaluate back to the object; run
# in Debian's lua5.4 with the module and in `luaheap run`.
"$LUA" "$SRC/tests/lua/analysis_paths.lua" "$LUAHEAP" lua.snap
"$LUAHEAP" run "$SRC/tests/lua/analysis_paths.lua" "$LUAHEAP" run.snap

# -n K: the shortcut first, then the long way through the chain's end
"$LUAHEAP" path lua.snap _G.short.via[1] -n 3 --json > two.json
test "$(grep -c '"expr":' two.json)" -eq 2
grep -q '"expr":	"_G.short.via\[1\]"' two.json
grep -q '"expr":	"_G.deep.next.next.next.next.next.next.next.next.next.next.next.next.payload"' two.json
grep '"length":' two.json | tr -d '\t ",' | tr '\n' ' ' | grep -q '^length:5 length:16 $'

# text output names the hops; unknown fields and garbage are clear errors
"$LUAHEAP" path lua.snap Server.timers[17] > one.txt
grep -q '_G.Server.timers\[17\]' one.txt
grep -q 'function' one.txt
if "$LUAHEAP" path lua.snap _G.Server.nope 2> err.txt; then exit 1; fi
grep -q "no field 'nope' in '_G.Server'" err.txt
if "$LUAHEAP" path lua.snap 2> err.txt; then exit 1; fi
grep -q 'usage: luaheap path' err.txt
"$LUAHEAP" path --help | grep -q 'usage: luaheap path SNAPSHOT OBJECT'

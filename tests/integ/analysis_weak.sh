# Reachability oracle for weak tables and ephemerons: a heap dumped without
# collecting, then collected by Lua; objects luaheap calls reachable must be
# exactly those that survived (tests/lua/analysis_weak.lua).
"$LUA" "$SRC/tests/lua/analysis_weak.lua" "$LUAHEAP" lua.snap
"$LUAHEAP" run "$SRC/tests/lua/analysis_weak.lua" "$LUAHEAP" run.snap

# Consistency oracle for top and tree on a real heap (tests/lua/analysis_top.lua):
# totals by type, class and object add up to the live heap, rankings are
# sorted, and retained sizes add up along the dominator tree.
"$LUA" "$SRC/tests/lua/analysis_top.lua" "$LUAHEAP" top.snap

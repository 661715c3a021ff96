# A dump from the bottom of a 70,000-deep non-tail recursion, in the main
# thread and in a coroutine (more call frames than Lua's 16-bit 'nci'
# counts), in Debian's lua5.4: the accounting is exact and the CLI reads it.
mkdir deep
"$LUA" "$SRC/tests/lua/dump_deep_stack.lua" deep > deep.txt
grep -q '^depth 70000: main thread .* depth 70000: coroutine .* all exact$' deep.txt
"$LUAHEAP" summary deep/deep-main.snap | grep -q '^accounting .*: exact$'
"$LUAHEAP" summary deep/deep-coroutine.snap | grep -q '^accounting .*: exact$'

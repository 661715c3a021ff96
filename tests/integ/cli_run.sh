# luaheap run: a script runs in the CLI's own Lua 5.4 as lua5.4 would run it
# (arg, ..., standard libraries, errors with a traceback, exit statuses),
# with the dumper module preloaded even where no C path could find it.
cat > args.lua <<'LUA'
local a, b = ...
assert(a == "one" and b == "two words" and select("#", ...) == 2, "varargs")
assert(arg[0] == "args.lua" and arg[1] == "one" and arg[2] == "two words" and #arg == 2)
assert(arg[-1] == "run" and arg[-2] == "luaheap")
assert(package.preload.luaheap, "module preloaded")
local luaheap = require "luaheap"
assert(luaheap.dump("run.snap"))
print("ran " .. _VERSION)
LUA
LUA_CPATH=/nonexistent/?.so "$LUAHEAP" run args.lua one "two words" > out.txt
grep -qx 'ran Lua 5.4' out.txt
"$LUAHEAP" summary run.snap | grep -q '^accounting .*: exact$'

. "$SRC/tests/integ_lib.sh"
# run FILE STATUS: `luaheap run FILE` exits with STATUS
run() { expect "$2" "$LUAHEAP" run "$1"; }
printf 'local function f() error("boom") end\nf()\n' > boom.lua
run boom.lua 1
grep -qx 'luaheap: boom.lua:1: boom' err.txt
grep -q '^stack traceback:' err.txt
grep -q 'boom.lua:2: in main chunk' err.txt
echo 'error(setmetatable({}, { __tostring = function() return "custom" end }))' > obj.lua
run obj.lua 1
grep -qx 'luaheap: custom' err.txt
echo 'error({})' > table.lua
run table.lua 1
grep -q '^luaheap: (error object is a table value)' err.txt
echo 'io.write("partial"); os.exit(3)' > exit3.lua
run exit3.lua 3
test "$(cat out.txt)" = partial
echo 'x = = 1' > syntax.lua
run syntax.lua 1
grep -q "^luaheap: syntax.lua:1: unexpected symbol near '='" err.txt
run missing.lua 2
grep -q '^luaheap: cannot open missing.lua' err.txt

# options after the script are the script's
echo 'assert(... == "--help" and select(2, ...) == "-x")' > opts.lua
"$LUAHEAP" run opts.lua --help -x
echo 'print("from stdin", arg[0])' | "$LUAHEAP" run - > out.txt
grep -qx 'from stdin	-' out.txt

# the same program gives the same output here and in Debian's lua5.4
cat > same.lua <<'LUA'
local t = {}
for i = 1, 200 do t[#t + 1] = string.format("%d:%x", i * i, i) end
local co = coroutine.wrap(function(n) for i = 1, n do coroutine.yield(i * 2) end end)
print(table.concat(t, ","):len(), co(3), co(), math.type(2^53), utf8.char(233), #arg, ...)
LUA
"$LUAHEAP" run same.lua a b > ours.txt
"$LUA" same.lua a b > theirs.txt
cmp ours.txt theirs.txt

# Ctrl-C stops a running script with a traceback and exit status 1
printf 'local f = io.open("ready", "w") f:close()\nlocal function spin() while true do end end\nspin()\n' > spin.lua
"$LUAHEAP" run spin.lua 2> spin.err &
pid=$!
i=0
while [ ! -f ready ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
test -f ready
kill -INT $pid
set +e
wait $pid
rc=$?
set -e
test $rc -eq 1
grep -q '^luaheap: spin.lua:[0-9]*: interrupted!$' spin.err
grep -q "in local 'spin'" spin.err

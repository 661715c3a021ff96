# The command frame: --help lists the commands, every command answers
# --help, `luaheap help CMD` prints exactly `luaheap CMD --help`, and usage
# mistakes exit 2 with a message on stderr and nothing on stdout.
. "$SRC/tests/integ_lib.sh"

expect 0 "$LUAHEAP" --help
cp out.txt help.txt
grep -q '^usage: luaheap COMMAND \[options\] ARGS' help.txt
grep -q '^  summary ' help.txt
grep -q '^  run ' help.txt
expect 0 "$LUAHEAP" help
cmp out.txt help.txt
n=0
for cmd in $(sed -n 's/^  \([a-z][a-z-]*\)  *.*/\1/p' help.txt); do
	expect 0 "$LUAHEAP" "$cmd" --help
	grep -q "^usage: luaheap $cmd" out.txt
	mv out.txt a.txt
	expect 0 "$LUAHEAP" help "$cmd"
	cmp a.txt out.txt
	expect 0 "$LUAHEAP" "$cmd" -h
	cmp a.txt out.txt
	n=$((n + 1))
done
test $n -ge 2

expect 0 "$LUAHEAP" --version
grep -q '^luaheap [0-9][0-9.]*$' out.txt

expect 2 "$LUAHEAP"
grep -q '^usage: luaheap COMMAND' err.txt
expect 2 "$LUAHEAP" frobnicate
grep -qx "luaheap: 'frobnicate' is not a luaheap command (see 'luaheap --help')" err.txt
expect 2 "$LUAHEAP" help frobnicate
grep -q "'frobnicate' is not a luaheap command" err.txt
expect 2 "$LUAHEAP" --frobnicate
grep -q "^luaheap: unknown option '--frobnicate'" err.txt
expect 2 "$LUAHEAP" summary
grep -qx 'luaheap: no snapshot given' err.txt
grep -q '^usage: luaheap summary' err.txt
test ! -s out.txt
expect 2 "$LUAHEAP" summary --bogus x.snap
grep -qx "luaheap: unknown option '--bogus'" err.txt
expect 2 "$LUAHEAP" summary -x x.snap
grep -qx "luaheap: unknown option '-x'" err.txt
expect 2 "$LUAHEAP" summary a.snap b.snap
grep -qx 'luaheap: too many arguments' err.txt
expect 2 "$LUAHEAP" run
grep -qx 'luaheap: no script given' err.txt
test ! -s out.txt

# a usage mistake prints the synopsis and where the rest is, not the help
for cmd in summary diff top path tree; do
	expect 2 "$LUAHEAP" "$cmd" --bogus x.snap
	grep -q "^usage: luaheap $cmd" err.txt
	grep -qx "run 'luaheap $cmd --help' for more" err.txt
	if grep -q '^Exit status' err.txt; then exit 1; fi
	test "$(wc -l < err.txt)" -le 6
done
expect 2 "$LUAHEAP" --frobnicate
if grep -q '^Commands:' err.txt; then exit 1; fi

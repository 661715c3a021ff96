# The man page and the commands agree: the SYNOPSIS of luaheap(1) lists, for
# every command of `luaheap --help`, exactly its usage line(s), and every
# command in the man page's EXAMPLES runs and succeeds on real snapshots.
man1=$SRC/man/luaheap.1

# roff to text: drop the macros and quotes, unescape \- \(aq \e
unroff() {
	sed -e 's/^\.B[IR]* //' -e 's/^"\(.*\)"$/\1/' -e 's/\\-/-/g' \
	    -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g'
}
# joins continuation lines (those starting with blanks, unless they start
# another form of the command: "   luaheap top ...") and squeezes blanks
join_lines() {
	awk '/^[ \t]+luaheap / { sub(/^[ \t]+/, "") }
	     /^[ \t]/ { sub(/^[ \t]+/, ""); line = line " " $0; next }
	     { if (line != "") print line; line = $0 }
	     END { if (line != "") print line }' | tr -s ' '
}

sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' "$man1" | sed -n '/^\.nf/,/^\.fi/p' |
	grep -v '^\.nf\|^\.fi' | unroff | join_lines > synopsis.txt
"$LUAHEAP" --help | sed -n 's/^  \([a-z][a-z-]*\)  *.*/\1/p' > commands.txt
test -s commands.txt
while read -r cmd; do
	"$LUAHEAP" "$cmd" --help | sed -n '1,/^$/p' | sed -e '/^$/d' \
		-e 's/^usage: //' | join_lines > usage.txt
	while read -r form; do          # each form of the command
		if ! grep -qxF "$form" synopsis.txt; then
			echo "SYNOPSIS of luaheap(1) does not list '$cmd' as its usage says:" >&2
			echo "$form" >&2
			grep "^luaheap $cmd " synopsis.txt >&2 || true
			exit 1
		fi
	done < usage.txt
done < commands.txt

# The examples, on a heap that has what they name.
cat > server.lua <<'LUA'
local luaheap = require "luaheap"
Server = { timers = {} }
for i = 1, 20 do
  local h = { id = i }
  Server.timers[i] = function() return h end
end
package.loaded["game.mailer"] = { recipients = { "a", "b" } }
assert(luaheap.dump("server.snap"))
LUA
"$LUA" server.lua
"$LUA" "$SRC/samples/leak_timer.lua" . 20 > /dev/null
sed -n '/^\.SH EXAMPLES/,/^\.SH/p' "$man1" | sed -n '/^\.nf/,/^\.fi/p' |
	grep '^luaheap ' | unroff > examples.txt
test "$(wc -l < examples.txt)" -ge 4
while read -r line; do
	if ! sh -c "$(echo "$line" | sed "s|^luaheap|\"$LUAHEAP\"|")" > out.txt 2> err.txt; then
		echo "example failed: $line" >&2
		cat err.txt >&2
		exit 1
	fi
	test -s out.txt
done < examples.txt

# A target that exists and is not a regular file keeps its place: export,
# flame and report write into a FIFO as it is (a rename would have put a
# file where the FIFO, or /dev/null, was), and the dumper refuses one with
# a message instead of replacing it.
mkdir lua
"$LUA" "$SRC/samples/leak_timer.lua" lua 5 > /dev/null
mkfifo out.fifo
for cmd in "flame lua/a.snap" "export lua/a.snap" "report lua/a.snap lua/c.snap"; do
	timeout 60 cat out.fifo > got.txt &   # never a hang if the FIFO was replaced
	reader=$!
	# shellcheck disable=SC2086
	"$LUAHEAP" $cmd -o out.fifo > /dev/null
	wait $reader
	test -p out.fifo
	test -s got.txt
done
grep -q '"snapshot"' got.txt || grep -q '<html' got.txt
"$LUA" -e '
  local luaheap = require "luaheap"
  local ok, msg = luaheap.dump("out.fifo")
  assert(ok == nil and msg:find("not a regular file", 1, true), tostring(msg))'
test -p out.fifo
test -z "$(ls out.fifo.tmp.* 2> /dev/null)"

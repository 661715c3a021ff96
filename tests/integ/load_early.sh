# A heap of over 2^19 objects dumped by a real Lua: big enough that the
# reader sizes its arrays by the pace of the file and a second thread
# fills the address index while the file is read (check_snapshot.c shows
# that it does so, and gives up when the pace was wrong). Every report is
# byte-identical with LUAHEAP_THREADS=1, where the index is built after
# reading on one thread, and so is the analysis index written. Its big
# arrays are kept in the index file's own pages while it is written (the
# file then has holes, which LUAHEAP_ARENA=0 does not leave): every report
# read from it is the fresh one, and none of them finds it changed.
"$LUA" -e '
local t = {}
for i = 1, 200000 do
  t[i] = { name = "n" .. i, pos = { x = i, y = -i } }
  if i % 100 == 0 then t[i].f = function() return t[i - 1] end end
end
THINGS = t
assert(require("luaheap").dump("early.snap"))'
test "$(stat -c %s early.snap)" -gt 10000000

reports() {   # every report of early.snap, computed afresh, into $1
	{
		"$LUAHEAP" summary --no-index early.snap
		"$LUAHEAP" top --no-index early.snap --group none -n 30 --json
		"$LUAHEAP" tree --no-index early.snap --depth 3 --min-size 0 --json
		"$LUAHEAP" path --no-index early.snap 'THINGS[199999].pos' -n 2
		"$LUAHEAP" tree --no-index early.snap 'THINGS[150000].f' --depth 2 --min-size 0
	} > "$1" 2> err.txt
	test ! -s err.txt
}

reports two.txt
LUAHEAP_THREADS=1 reports one.txt
cmp two.txt one.txt
grep -q 'THINGS\[199999\]\.pos' two.txt
grep -q '"nodes"' two.txt
"$LUAHEAP" summary early.snap | grep -qi 'objects'
"$LUAHEAP" summary early.snap > /dev/null
test -e early.snap.lhindex
cp early.snap.lhindex two.idx
LUAHEAP_THREADS=1 "$LUAHEAP" index --force early.snap > /dev/null
cmp two.idx early.snap.lhindex

# the big arrays lay in the file's pages: holes, unless LUAHEAP_ARENA=0
holes() {
	test $(($(stat -c %b early.snap.lhindex) * 512)) -lt \
		"$(stat -c %s early.snap.lhindex)"
}
holes
LUAHEAP_ARENA=0 "$LUAHEAP" index --force early.snap > /dev/null
! holes
"$LUAHEAP" index --force early.snap > /dev/null
holes
# every report read from that index: the fresh one, with no note
{
	"$LUAHEAP" summary early.snap
	"$LUAHEAP" top early.snap --group none -n 30 --json
	"$LUAHEAP" tree early.snap --depth 3 --min-size 0 --json
	"$LUAHEAP" path early.snap 'THINGS[199999].pos' -n 2
	"$LUAHEAP" tree early.snap 'THINGS[150000].f' --depth 2 --min-size 0
} > indexed.txt 2> err.txt
test ! -s err.txt
cmp two.txt indexed.txt
"$LUAHEAP" diff early.snap early.snap > /dev/null 2> err.txt
"$LUAHEAP" refs early.snap 'THINGS[5].pos' > /dev/null 2>> err.txt
"$LUAHEAP" summary early.snap > /dev/null 2>> err.txt
test ! -s err.txt

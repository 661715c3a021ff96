# A heap big enough (over 2^16 objects) that its index is written on a
# second thread while the dominators run: `luaheap index` writes the same
# file as on one thread (LUAHEAP_THREADS=1); every report reads the same
# from it as without it; a file size limit that cuts the index short (a
# full disk) leaves the answers unchanged, one note on stderr, no index
# and no temporary file, and makes `luaheap index` fail.
"$LUA" -e '
local t, objs = {}, {}
for i = 1, 60000 do t[i] = { i, name = "n" .. i % 3000, prev = t[i - 1] } end
for i = 1, 3000 do
  objs[i] = setmetatable({ f = function() return t[i] end },
    { __name = "Class" .. i % 7 })
end
BIG, OBJS = t, objs
assert(require("luaheap").dump("big.snap"))'

reports() {   # every report of big.snap into $1, extra options in $2
	{
		"$LUAHEAP" summary $2 big.snap
		"$LUAHEAP" top $2 big.snap -n 15
		"$LUAHEAP" top $2 big.snap --group none --json
		"$LUAHEAP" path $2 big.snap _G.OBJS -n 3
		"$LUAHEAP" tree $2 big.snap --depth 4 --json
		"$LUAHEAP" refs $2 big.snap _G.OBJS
	} > "$1" 2> err.txt
	test ! -s err.txt
}

reports plain.txt --no-index
test ! -e big.snap.lhindex
"$LUAHEAP" index big.snap | grep -q "indexed in big.snap.lhindex"
test "$(stat -c %a big.snap.lhindex)" = 600
cp big.snap.lhindex two.idx
LUAHEAP_THREADS=1 "$LUAHEAP" index --force big.snap > /dev/null
cmp two.idx big.snap.lhindex
reports indexed.txt ""
cmp plain.txt indexed.txt
test -z "$(ls -A | grep '^\.')"

# a third of the index's size as the file size limit (ulimit -f counts
# blocks of 512 or 1024 bytes: either way the index cannot fit)
size=$(stat -c %s two.idx)
"$LUAHEAP" summary --no-index big.snap > want.txt
for threads in 2 1; do
	rm -f big.snap.lhindex
	(
		trap '' XFSZ
		ulimit -f $((size / 3 / 1024))
		LUAHEAP_THREADS=$threads "$LUAHEAP" summary big.snap > got.txt 2> err.txt
		if LUAHEAP_THREADS=$threads "$LUAHEAP" index big.snap 2> ierr.txt; then
			exit 1
		fi
	)
	cmp want.txt got.txt
	test "$(wc -l < err.txt)" -eq 1
	grep -q "^luaheap: cannot write an index of 'big.snap': " err.txt
	grep -q "cannot write an index of 'big.snap'" ierr.txt
	test ! -e big.snap.lhindex
	test -z "$(ls -A | grep '^\.')"
	test -z "$(find "$XDG_CACHE_HOME" -name '*.lhindex' -o -name '.*' \
	    2> /dev/null)"
done
"$LUAHEAP" index big.snap > /dev/null
cmp two.idx big.snap.lhindex

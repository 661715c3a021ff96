# The analysis index as the commands use it: on the sample servers'
# snapshots every command answers the same with the index (written by the
# first command, or by `luaheap index`), from it, and without it; a
# damaged index costs one line on stderr and nothing else; commands
# running at once on a new snapshot leave one good index and no
# temporary files; nothing about the index reaches stdout or a pipe.
"$LUA" "$SRC/samples/leak_timer.lua" . 20 > /dev/null
"$LUA" "$SRC/samples/leak_manager.lua" m 20 > /dev/null 2>&1 || true
ls *.snap > snaps.txt
test "$(wc -l < snaps.txt)" -ge 3
first=$(sed -n 1p snaps.txt)
last=$(sed -n '$p' snaps.txt)

reports() {   # every report of $1 into $2, extra options in $3
	{
		"$LUAHEAP" summary $3 "$1"
		"$LUAHEAP" top $3 "$1" -n 15
		"$LUAHEAP" top $3 "$1" --group none --json
		"$LUAHEAP" path $3 "$1" _G.Scheduler.timers -n 3
		"$LUAHEAP" tree $3 "$1" --depth 4 --json
		"$LUAHEAP" diff $3 "$first" "$1"
	} > "$2" 2> err.txt
	test ! -s err.txt   # no progress, no note: stderr is not a terminal
}

while read -r s; do
	reports "$s" plain.txt --no-index
	test ! -e "$s.lhindex"
	reports "$s" writing.txt ""
	test -f "$s.lhindex"
	test "$(stat -c %a "$s.lhindex")" = 600
	reports "$s" reading.txt ""
	cmp plain.txt writing.txt
	cmp plain.txt reading.txt
	"$LUAHEAP" index "$s" | grep -q "up to date in $s.lhindex"
done < snaps.txt

# luaheap index ahead of time, then --force
rm -f ./*.lhindex
"$LUAHEAP" index ./*.snap > idx.txt
test "$(grep -c 'indexed in' idx.txt)" -eq "$(wc -l < snaps.txt)"
"$LUAHEAP" index --force "$last" | grep -q "indexed in"
"$LUAHEAP" index "$last" | grep -q "up to date in"
if cat "$last" | "$LUAHEAP" index /dev/stdin 2> err.txt; then exit 1; fi
grep -q "cannot index" err.txt
# /dev/stdin redirected from a file: indexed, but never into /dev
"$LUAHEAP" index /dev/stdin < "$last" | grep -q "indexed in $XDG_CACHE_HOME/luaheap/stdin\."
test ! -e /dev/stdin.lhindex

# damaged: truncated, flipped, a stale copy of another snapshot's index
reports "$last" plain.txt --no-index
size=$(stat -c %s "$last.lhindex")
head -c $((size / 2)) "$last.lhindex" > cut && mv cut "$last.lhindex"
"$LUAHEAP" summary "$last" > /dev/null 2> err.txt
test "$(wc -l < err.txt)" -eq 1
grep -q "^luaheap: ignoring index '$last.lhindex': .*; rebuilding$" err.txt
"$LUAHEAP" summary "$last" > /dev/null 2> err.txt
test ! -s err.txt
# a byte changed in place in an index this user's luaheap already checked
# in full (so a trust record skips its range checks): the checksum
sleep 0.1
"$LUAHEAP" summary "$last" > /dev/null
printf 'x' | dd of="$last.lhindex" bs=1 seek=$((size / 3)) conv=notrunc 2> /dev/null
"$LUAHEAP" top "$last" > /dev/null 2> err.txt
grep -q "checksum" err.txt
cp "$first.lhindex" "$last.lhindex"
"$LUAHEAP" path "$last" _G > /dev/null 2> err.txt
grep -q "another snapshot" err.txt
reports "$last" again.txt ""
cmp plain.txt again.txt

# four commands at once on a snapshot without index
cp "$last" fresh.snap
for i in 1 2 3 4; do "$LUAHEAP" summary fresh.snap > "par$i.txt" 2> "parerr$i.txt" & done
wait
for i in 2 3 4; do cmp par1.txt "par$i.txt"; done
cat parerr*.txt > err.txt
test ! -s err.txt
test -z "$(ls -A | grep '^\.')"    # no temporary file left behind
"$LUAHEAP" index fresh.snap | grep -q "up to date in"

# a read-only snapshot directory: the index goes to $XDG_CACHE_HOME
mkdir ro && cp "$first" ro/a.snap && chmod 555 ro
if touch ro/probe 2> /dev/null; then
	rm -f ro/probe       # root writes anyway: tests/check_index.c covers it
else
	"$LUAHEAP" index ro/a.snap | grep -q "$XDG_CACHE_HOME/luaheap/a.snap."
	test -z "$(ls ro | grep lhindex)"
fi
chmod 755 ro

# progress on a terminal's stderr: every phase of a first analysis, then
# the opening of the index; stdout unchanged, and a JSON document on
# stdout stays clean (progress goes to the terminal only)
if command -v script > /dev/null; then
	rm -f "$last.lhindex"
	script -qc "'$LUAHEAP' summary '$last' > tty1.txt" /dev/null > tty.txt
	for phase in reading reachability dominators "root paths" classes \
	    "writing the index"; do
		grep -q "luaheap: $last: $phase" tty.txt
	done
	script -qc "'$LUAHEAP' summary '$last' > tty2.txt" /dev/null > tty.txt
	grep -q "luaheap: $last: opening the index" tty.txt
	! grep -q "reading" tty.txt
	cmp tty1.txt tty2.txt
	"$LUAHEAP" summary "$last" | cmp - tty1.txt
	script -qc "'$LUAHEAP' top --json --group none '$last' > tty.json" /dev/null > tty.txt
	grep -q "opening the index" tty.txt
	"$LUAHEAP" top --json --group none "$last" | cmp - tty.json
fi

# Golden outputs: top (the sample's own classes), tree and path on the last
# snapshot of each sample server, compared with tests/golden/analysis_*.txt
# after folding addresses (0x...) and the source directory. Lines that
# depend on the rest of the heap (the module, the libraries, the roots)
# are left out, so that only the analysis of the sample's objects counts.
# Object sizes are those of Debian's Lua 5.4; with another Lua, regenerate
# the files with GOLDEN_UPDATE=1 and review the difference.
golden=$SRC/tests/golden
for sample in leak_timer leak_manager leak_memo leak_side_table control_weak_cache; do
	case $sample in
	leak_timer) obj=Scheduler.timers ;;
	leak_manager) obj=SessionManager.sessions ;;
	leak_memo) obj=_G.color ;;
	leak_side_table) obj=Achievements.progress ;;
	control_weak_cache) obj=NameCache ;;
	esac
	# the weak cache's size varies from run to run (see below), and with
	# it which of its children pass --min-size: only the cache itself
	depth=2
	[ "$sample" != control_weak_cache ] || depth=0
	mkdir -p "$sample"
	# run from a copy by a relative name, so that the sources' names (and
	# so the columns' widths) do not depend on where the tree is checked out
	[ -d samples ] || cp -R "$SRC/samples" samples
	"$LUA" "samples/$sample.lua" "$sample" 20 > /dev/null
	snap=$sample/c.snap
	{
		# only the sample's own classes, without the share of a heap that
		# also holds the module and the libraries
		echo "== top (the sample's classes)"
		"$LUAHEAP" top "$snap" -n 0 | sed 1,3d |
			grep -E 'game\.|samples/' |
			awk '{ $3 = ""; print }'    # sizes are "N UNIT": $3 is the %
		echo "== tree $obj --depth $depth --min-size 2%"
		"$LUAHEAP" tree "$snap" "$obj" --depth $depth --min-size 2%
		echo "== path $obj -n 2 (without the roots' lines)"
		"$LUAHEAP" path "$snap" "$obj" -n 2 |
			grep -vE '^  (mainthread|registry|_G|package\.loaded) '
	} | sed -e 's/0x[0-9a-f][0-9a-f]*/0x…/g' -e "s|$SRC/|SRC/|g" |
	# a weak table's hash part grows when an insertion finds it full, and
	# how full it is then depends on when the collector last cleared it:
	# on the run's allocations, down to the length of the paths in
	# LUA_PATH. Its sizes are left out; its place in the tree is not.
	sed -E '/<weak/{s/[0-9.]+ (B|KiB|MiB)/SIZE/g; s/  +/ /g}' > "$sample.txt"
	if [ "${GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$sample.txt" "$golden/analysis_$sample.txt"
	else
		diff -u "$golden/analysis_$sample.txt" "$sample.txt"
	fi
done

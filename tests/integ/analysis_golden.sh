# Golden outputs: top (by class and by type), tree and path on the last
# snapshot of each sample server, compared with tests/golden/analysis_*.txt
# after folding addresses (0x...) and the source directory. Object sizes are
# those of Debian's Lua 5.4; with another Lua, regenerate the files with
# GOLDEN_UPDATE=1 and review the difference.
golden=$SRC/tests/golden
for sample in leak_timer leak_manager leak_memo leak_side_table control_weak_cache; do
	case $sample in
	leak_timer) obj=Scheduler.timers ;;
	leak_manager) obj=SessionManager.sessions ;;
	leak_memo) obj=_G.color ;;
	leak_side_table) obj=Achievements.progress ;;
	control_weak_cache) obj=NameCache ;;
	esac
	mkdir -p "$sample"
	"$LUA" "$SRC/samples/$sample.lua" "$sample" 20 > /dev/null
	snap=$sample/c.snap
	{
		echo "== top"
		"$LUAHEAP" top "$snap" -n 12
		echo "== top --group type --by count"
		"$LUAHEAP" top "$snap" --group type --by count
		echo "== tree $obj --depth 2 --min-size 2%"
		"$LUAHEAP" tree "$snap" "$obj" --depth 2 --min-size 2%
		echo "== path $obj"
		"$LUAHEAP" path "$snap" "$obj"
	} | sed -e 's/0x[0-9a-f][0-9a-f]*/0x…/g' -e "s|$SRC/|SRC/|g" > "$sample.txt"
	if [ "${GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$sample.txt" "$golden/analysis_$sample.txt"
	else
		diff -u "$golden/analysis_$sample.txt" "$sample.txt"
	fi
done

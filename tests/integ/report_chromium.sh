# The HTML report in a real browser: headless chromium draws the report of
# a leaky sample and of a control; the screenshots are kept in
# $BUILD/pictures, must not be blank, the page loads nothing from outside,
# and its text holds the verdict, the first suspect's path and the numbers
# diff's --fail-* options act on, as diff --json gives them.
. "$SRC/tests/chromium.sh"

for sample in leak_timer control_churn; do
	mkdir -p "$sample"
	"$LUA" "$SRC/samples/$sample.lua" "$sample" 40 > /dev/null
	set -- "$sample/a.snap" "$sample/b.snap" "$sample/c.snap"
	"$LUAHEAP" report "$@" -o "$sample.html"
	look "$sample.html" "report-$sample"
	"$LUAHEAP" diff --json "$@" > diff.json
	suspects=$(sed -n 's/^\t"suspect_count":\t\([0-9]*\),$/\1/p' diff.json)
	growth=$(sed -n 's/^\t"growth":\t\(-*[0-9]*\),$/\1/p' diff.json)
	grep -q "id=\"fail-suspects\">$suspects<" "report-$sample.dom"
	grep -q "id=\"fail-growth\">$growth<" "report-$sample.dom"
	grep -q 'id="flame-growth"' "report-$sample.dom"
	grep -q 'id="flame-retained"' "report-$sample.dom"
	if [ "$suspects" -gt 0 ]; then
		grep -q 'leak suspected' "report-$sample.dom"
		# the first suspect's path (its last step is enough for grep)
		grep -q '\.timers\[\*\]' "report-$sample.dom"
	else
		grep -q 'no leak suspected' "report-$sample.dom"
	fi
	# a report is small whatever the heap: folded boxes, cut tables
	test "$(wc -c < "$sample.html")" -lt 4000000
done
echo "screenshots in $BUILD/pictures"

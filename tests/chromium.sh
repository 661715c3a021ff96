# Sourced by the tests that look at luaheap's pictures in a real browser:
# Debian's chromium, headless, with a fresh profile each run. look FILE NAME
# screenshots FILE into $BUILD/pictures/NAME.png (kept for people to look
# at), checks the picture is not blank and that the page loaded nothing but
# local files (Chromium's net log), and leaves the DOM text in NAME.dom.
. "$SRC/tests/integ_lib.sh"
normal_build_only "the browser check"
need_commands "the browser check" chromium node

chrome() {
	profile=$(mktemp -d "$PWD/profile.XXXXXX")
	rc=0
	timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$profile" "$@" 2> /dev/null || rc=$?
	rm -rf "$profile"
	return $rc
}

look() {
	mkdir -p "$BUILD/pictures"
	rm -f "$BUILD/pictures/$2.png"
	chrome --window-size=1200,900 --log-net-log="$PWD/$2.netlog" \
		--screenshot="$BUILD/pictures/$2.png" "file://$PWD/$1" > /dev/null
	node "$SRC/tests/js/png_check.js" "$BUILD/pictures/$2.png"
	node "$SRC/tests/js/netlog_check.js" "$2.netlog"
	chrome --dump-dom "file://$PWD/$1" > "$2.dom"
	if grep -q parsererror "$2.dom"; then
		echo "$1: the browser could not parse it" >&2
		exit 1
	fi
	# the zoom script is valid JavaScript
	awk '/\]\]>/ { on = 0 } on { print } /<!\[CDATA\[/ { on = 1 }' "$1" > "$2.js"
	test -s "$2.js"
	node --check "$2.js"
}

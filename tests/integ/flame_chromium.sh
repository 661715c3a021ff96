# Flame graphs in a real browser: headless chromium draws the SVG of a heap
# whose biggest object is known and of the leak_timer sample (retained size
# and growth); the screenshots are kept in $BUILD/pictures, must not be
# blank, and the page text must hold the biggest box's label and the
# addresses of the biggest objects.
. "$SRC/tests/chromium.sh"

"$LUA" -e "
	local luaheap = require 'luaheap'
	Big = setmetatable({}, { __name = 'BigCache' })
	local function fill(from, to)
		for i = from, to do
			Big[i] = { name = 'item' .. i, data = string.rep('x', 100) .. i }
		end
	end
	fill(1, 3000)
	Small = { 1, 2, 3 }
	assert(luaheap.dump('one.snap'))
	fill(3001, 6000)
	assert(luaheap.dump('two.snap'))"

"$LUAHEAP" flame one.snap -o big.svg
look big.svg flame-big
grep -q '\.Big BigCache' flame-big.dom
# the two biggest objects (_G and Big, nearly all the heap) are boxes
"$LUAHEAP" top --group none -n 2 --json one.snap |
	sed -n 's/.*"address":.*"\(0x[0-9a-f]*\)".*/\1/p' > top.txt
test "$(wc -l < top.txt)" -eq 2
while read -r addr; do
	grep -q "address: $addr" flame-big.dom
done < top.txt

"$LUAHEAP" flame one.snap two.snap -o growth.svg
look growth.svg flame-big-growth
grep -q '\.Big BigCache' flame-big-growth.dom
grep -q 'new bytes that survived' flame-big-growth.dom

mkdir -p lua
"$LUA" "$SRC/samples/leak_timer.lua" lua 40 > /dev/null
"$LUAHEAP" flame lua/c.snap -o timer.svg
look timer.svg flame-leak_timer
grep -q '\.timers table' flame-leak_timer.dom
"$LUAHEAP" flame lua/a.snap lua/b.snap lua/c.snap -o timer-growth.svg
look timer-growth.svg flame-leak_timer-growth
grep -q '\.timers table' flame-leak_timer-growth.dom
echo "screenshots in $BUILD/pictures"

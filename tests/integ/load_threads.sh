# Loading and analysing on two threads gives what one thread gives (the
# root paths beside the dominators, the edge targets in two halves): on a heap big
# enough to be split (over 65,536 edges), every report is byte-identical
# with LUAHEAP_THREADS=1 and without it, in both encodings; and a snapshot
# whose edge names an unknown object, early or late in the file, is refused
# with the same message either way (the first bad edge in file order).
"$LUA" -e "
	local t = {}
	for i = 1, 30000 do
		t[i] = { name = 'n' .. i, pos = { x = i, y = -i }, [i % 7 == 0 and {} or 1] = true }
	end
	_G.things = t
	_G.byname = setmetatable({}, { __mode = 'v' })
	for i = 1, 30000, 3 do _G.byname[t[i].name] = t[i] end
	local luaheap = require('luaheap')
	assert(luaheap.dump('big.snap'))
	assert(luaheap.dump('big.json', { format = 'json' }))"

for snap in big.snap big.json; do
	for threads in "" 1; do
		LUAHEAP_THREADS=$threads
		export LUAHEAP_THREADS
		{
			"$LUAHEAP" summary --no-index "$snap"
			"$LUAHEAP" top --no-index "$snap" --group none -n 40 --json
			"$LUAHEAP" tree --no-index "$snap" --depth 4 --min-size 0 --json
			"$LUAHEAP" path --no-index "$snap" 'things[29999].pos' -n 2
		} > "out$threads.txt"
	done
	unset LUAHEAP_THREADS
	cmp out.txt out1.txt
	grep -q '"nodes"' out.txt
	grep -q 'things\[29999\]\.pos' out.txt
done

# An edge to an unknown object at a quarter and at three quarters of the
# edges: both halves of the split report their first bad edge alike.
"$LUA" -e "
	local text = assert(io.open('big.json', 'rb')):read('a')
	local at = {}
	for pos in text:gmatch('\"to\":\"0x%x+\"()') do at[#at + 1] = pos end
	assert(#at > 65536, 'too few edges: ' .. #at)
	for i, frac in ipairs({ 0.25, 0.75 }) do
		local p = at[math.floor(#at * frac)]
		local q = text:sub(1, p - 1):match('.*()\"0x')
		local out = text:sub(1, q) .. '0x10' .. text:sub(p - 1)
		local f = assert(io.open('bad' .. i .. '.json', 'wb'))
		f:write(out)
		f:close()
	end"
for bad in bad1.json bad2.json; do
	for threads in "" 1; do
		rc=0
		LUAHEAP_THREADS=$threads "$LUAHEAP" summary --no-index "$bad" \
			> /dev/null 2> "err$threads.txt" || rc=$?
		test "$rc" -eq 2
	done
	cmp err.txt err1.txt
	grep -q "edge to unknown object 0x10 from object 0x" err.txt
done

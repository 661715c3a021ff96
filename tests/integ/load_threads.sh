# Loading and analysing on two threads gives what one thread gives (the
# root paths beside the dominators, the address index, the edge targets in
# chunks taken by two threads): on a heap big enough to be split (over
# 65,536 objects and edges), every report is byte-identical
# with LUAHEAP_THREADS=1 and without it, in both encodings; and a snapshot
# whose edge names an unknown object, early or late in the file, is refused
# with the same message either way (the first bad edge in file order).
# Closures of 140 upvalues across the heap have labels too wide to pack,
# which both resolving threads set aside and add after them, in edge order.
"$LUA" -e "
	local function many(i)
		local parts, uses = {}, {}
		for k = 1, 140 do parts[k] = 'local u' .. k .. ' = {' .. i .. '}'; uses[k] = 'u' .. k end
		return load(table.concat(parts, '\\n') .. '\\nreturn function() return ' ..
			table.concat(uses, ',') .. ' end')()
	end
	local t = {}
	for i = 1, 30000 do
		t[i] = { name = 'n' .. i, pos = { x = i, y = -i }, [i % 7 == 0 and {} or 1] = true }
		if i % 3000 == 0 then t[i].f = many(i) end
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
			for i in 3000 15000 27000; do
				"$LUAHEAP" tree --no-index "$snap" "things[$i].f" --depth 2 --min-size 0
			done
		} > "out$threads.txt"
	done
	unset LUAHEAP_THREADS
	cmp out.txt out1.txt
	grep -q '"nodes"' out.txt
	grep -q 'things\[29999\]\.pos' out.txt
	test "$(grep -c '<upvalue u140 of f' out.txt)" -eq 3
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
# Refuses snapshot $1 with exit code 2 and one message (in err.txt) with
# and without threads.
refused_alike() {
	for threads in "" 1; do
		rc=0
		LUAHEAP_THREADS=$threads "$LUAHEAP" summary --no-index "$1" \
			> /dev/null 2> "err$threads.txt" || rc=$?
		test "$rc" -eq 2
	done
	cmp err.txt err1.txt
}

for bad in bad1.json bad2.json; do
	refused_alike "$bad"
	grep -q "edge to unknown object 0x10 from object 0x" err.txt
done

# The checks that run beside the two halves of the edges (a string-keyed
# field whose key is a table) and the address index filled from two
# threads (an address given twice) report the first fault in file order,
# with and without threads; an unknown target still comes before a type
# fault that precedes it in the file.
"$LUA" -e "
	local text = assert(io.open('big.json', 'rb')):read('a')
	local function write(name, s)
		local f = assert(io.open(name, 'wb'))
		f:write(s)
		f:close()
	end
	local function edit(edits)
		table.sort(edits, function(x, y) return x.s > y.s end)
		local out = text
		for _, d in ipairs(edits) do out = out:sub(1, d.s - 1) .. d.r .. out:sub(d.e) end
		return out
	end
	local strings, fields, ids = {}, {}, {}
	for id in text:gmatch('\"id\":\"(0x%x+)\",\"type\":\"string\"') do strings[id] = true end
	for s, to, key, e in text:gmatch('(){\"kind\":\"field\",\"to\":\"(0x%x+)\",\"key\":\"(0x%x+)\"}()') do
		if not strings[to] then fields[#fields + 1] = { s = s, to = to, key = key, e = e } end
	end
	for s, id, e in text:gmatch('(){\"id\":\"(0x%x+)\"()') do ids[#ids + 1] = { s = s, id = id, e = e } end
	assert(#fields > 1000 and #ids > 65536, #fields .. ' fields, ' .. #ids .. ' objects')
	local function field(f, to, key)
		return { s = f.s, e = f.e, r = '{\"kind\":\"field\",\"to\":\"' .. to .. '\",\"key\":\"' .. key .. '\"}' }
	end
	local f1, f3 = fields[#fields // 4], fields[#fields * 3 // 4]
	write('key3.json', edit { field(f3, f3.to, f3.to) })
	write('key13.json', edit { field(f1, f1.to, f1.to), field(f3, f3.to, f3.to) })
	write('keyunknown.json', edit { field(f1, f1.to, f1.to), field(f3, '0x10', f3.key) })
	local function id(o, new) return { s = o.s, e = o.e, r = '{\"id\":\"' .. new .. '\"' } end
	local n = #ids
	local a, b = ids[n * 7 // 10], ids[n * 8 // 10]
	local c, d = ids[n // 10], ids[n * 9 // 10]
	write('dup.json', edit { id(b, a.id), id(d, c.id) })
	write('expect.txt', table.concat({
		'key3.json field key ' .. f3.to .. ' is not a string',
		'key13.json field key ' .. f1.to .. ' is not a string',
		'keyunknown.json edge to unknown object 0x10 from object 0x',
		'dup.json duplicate object address ' .. a.id, '' }, '\n'))"
while read -r bad want; do
	refused_alike "$bad"
	grep -qF "$want" err.txt || { echo "$bad: want '$want', got: $(cat err.txt)"; exit 1; }
done < expect.txt

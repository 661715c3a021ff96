# Like siblings merge in flame graphs: children whose step is an index or
# a computed key (the diff's [*]) and whose class is the same become one
# box "[*] CLASS ×N" whose children are their merged children. Checked on
# leak_timer (N from top --class and diff --json) and on a cache of many
# small sessions under computed string keys (N counted by Lua itself), in
# SVG text and folded frames, retained size and growth; the folded
# weights still add up exactly.
sumcheck() {   # FILE EXPECTED-SUM
	awk -v want="$2" '{ sum += $NF } END { if (sum != want) {
		print "weights sum to " sum ", not " want; exit 1 } }' "$1"
}
live() { "$LUAHEAP" top --json "$1" | sed -n 's/^\t"live_bytes":\t\([0-9]*\),$/\1/p'; }
json_num() {   # KEY < JSON: the first value of "KEY": N
	sed -n "s/^[[:space:]]*\"$1\":[[:space:]]*\([0-9]*\),*$/\1/p" | head -n 1
}

mkdir -p lua
"$LUA" "$SRC/samples/leak_timer.lua" lua 40 > /dev/null
fnclass="function $SRC/samples/leak_timer.lua:23"
timers=$("$LUAHEAP" top --class "$fnclass" -n 0 --json lua/c.snap | grep -c '"address"')
test "$timers" -gt 100
"$LUAHEAP" flame --folded lua/c.snap > timer.folded
sumcheck timer.folded "$(live lua/c.snap)"
grep -q "\.timers table;\[\*\] table ×$timers " timer.folded
grep -q "\.timers table;\[\*\] table ×$timers;\.fn $fnclass ×$timers " timer.folded
"$LUAHEAP" flame lua/c.snap > timer.svg
grep -q "data-l=\"\[\*\] table ×$timers\"" timer.svg
grep -q "data-l=\"\.fn $fnclass ×$timers\"" timer.svg
grep -q "objects: $timers" timer.svg
grep -q "example address: 0x[0-9a-f]" timer.svg
# growth: the new timers, as many as the diff's suspect group holds
new=$("$LUAHEAP" diff --json lua/a.snap lua/c.snap | json_num count)
test "$new" -gt 100 && test "$new" -lt "$timers"
"$LUAHEAP" flame --folded lua/a.snap lua/c.snap > growth.folded
sumcheck growth.folded "$("$LUAHEAP" diff --json lua/a.snap lua/c.snap | json_num candidate_bytes)"
grep -q "\.timers table;\[\*\] table ×$new " growth.folded
"$LUAHEAP" flame lua/a.snap lua/c.snap > growth.svg
grep -q "data-l=\"\[\*\] table ×$new\"" growth.svg

# sessions under computed string keys, each a small table with a user
"$LUA" -e "
	local luaheap = require 'luaheap'
	Sessions = { by_token = {} }
	local function login(from, to)
		for i = from, to do
			Sessions.by_token[string.format('tok-%x-%d', i * 7919, i)] =
				{ user = { id = i, name = 'user' .. i }, seen = { i, i + 1 } }
		end
	end
	local function count()
		local n = 0
		for _ in pairs(Sessions.by_token) do n = n + 1 end
		return n
	end
	login(1, 1200)
	assert(luaheap.dump('s1.snap'))
	io.open('n1', 'w'):write(count(), '\n'):close()
	login(1201, 3100)
	assert(luaheap.dump('s2.snap'))
	io.open('n2', 'w'):write(count(), '\n'):close()"
n1=$(cat n1); n2=$(cat n2)
test "$n2" -eq 3100
"$LUAHEAP" flame --folded s2.snap > s.folded
sumcheck s.folded "$(live s2.snap)"
sess="\.Sessions table;\.by_token table;\[\*\] table ×$n2"
grep -q "$sess " s.folded
grep -q "$sess;\.user table ×$n2 " s.folded
grep -q "$sess;\.user table ×$n2;\.name string ×$n2 " s.folded
grep -q "$sess;\.seen table ×$n2 " s.folded
"$LUAHEAP" flame s2.snap > s.svg
for l in "[*] table ×$n2" ".user table ×$n2" ".seen table ×$n2"; do
	grep -qF "data-l=\"$l\"" s.svg
done
grep -q "objects: $n2" s.svg
# growth: the sessions that logged in between the two dumps
grown=$("$LUAHEAP" diff --json s1.snap s2.snap | json_num count)
test "$grown" -eq $((n2 - n1))
"$LUAHEAP" flame --folded s1.snap s2.snap > sg.folded
sumcheck sg.folded "$("$LUAHEAP" diff --json s1.snap s2.snap | json_num candidate_bytes)"
grep -q "\.by_token table;\[\*\] table ×$grown;\.user table ×$grown " sg.folded
"$LUAHEAP" flame s1.snap s2.snap > sg.svg
grep -qF "data-l=\"[*] table ×$grown\"" sg.svg

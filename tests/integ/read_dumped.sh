# Both encodings of one real heap read to the same content: the dumper
# writes a binary and a JSON snapshot of the same heap (tests/lua/dump_heap.lua
# builds every kind of object), and `luaheap summary --json` of the two must
# agree in everything but the file name and encoding, in both collector
# modes, with string contents full, cut and absent, from Debian's lua5.4
# loading the module and from `luaheap run`.
cat > both.lua <<'LUA'
local luaheap = require "luaheap"
local mode, strings, base = ...
local H = require("dump_heap").build()
collectgarbage(mode)
strings = tonumber(strings) or strings
-- one call site for both, so that stack frames and current lines agree
for _, f in ipairs { { base .. ".snap", "binary" }, { base .. ".json", "json" } } do
  assert(luaheap.dump(f[1], { format = f[2], strings = strings, label = "both \233 \"encodings\"" }))
end
LUA
summary() {
	# the time of day may tick between the two dumps
	"$LUAHEAP" summary --json "$1" | grep -v '^	"snapshot":\|^	"encoding":\|^		"time":'
}
n=0
for mode in incremental generational; do
	for strings in full none 5; do
		for runner in lua cli; do
			base=$runner-$mode-$strings
			if [ $runner = lua ]; then
				"$LUA" both.lua $mode $strings "$base"
			else
				"$LUAHEAP" run both.lua $mode $strings "$base"
			fi
			summary "$base.snap" > "$base.bin.txt"
			summary "$base.json" > "$base.json.txt"
			if ! cmp -s "$base.bin.txt" "$base.json.txt"; then
				echo "summaries of $base differ:" >&2
				diff "$base.bin.txt" "$base.json.txt" >&2
				exit 1
			fi
			grep -q "\"gc_mode\":	\"$mode\"" "$base.bin.txt"
			grep -q '"exact":	true' "$base.bin.txt"
			grep -q '"label":	"both é \\"encodings\\""' "$base.bin.txt"
			n=$((n + 1))
		done
	done
	grep -q '"flag_names":	\["collected", "strings-none"\]' lua-$mode-none.bin.txt
	grep -q '"string_limit":	5' lua-$mode-5.bin.txt
done
test $n -eq 12
# the summaries really differ between different heaps (the comparison can fail)
! cmp -s lua-incremental-full.bin.txt lua-generational-full.bin.txt

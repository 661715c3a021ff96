# strings = "keys": the names paths need are kept (fields, module names,
# chunk names), everything else is redacted, in both encodings; paths still
# name objects and resolve back; the leak is still found by name.
cat > keys.lua <<'LUA'
local luaheap = require "luaheap"
local fmt = arg[1]
Server = { timers = {}, motd = "welcome to the secret server" }
World = { grid = {} }
Players = {}
package.loaded["game.mailer"] = { outbox = {} }
local function round(r)
  for i = 1, 40 do
    local p = { name = "alice smith " .. r .. ":" .. i, nick = "alice" }
    Players[#Players + 1] = p                        -- the leak
    local key = (r * 40 + i) % 7 .. ":" .. i % 3
    World.grid[key] = World.grid[key] or {}
    table.insert(World.grid[key], p)
  end
end
for _, tag in ipairs { "a", "b", "c" } do
  round(#tag + (tag == "a" and 0 or tag == "b" and 1 or 2))
  assert(luaheap.dump(tag .. ".snap", { strings = "keys", format = fmt }))
end
-- bad values are rejected with the choices named
local ok, err = pcall(luaheap.dump, "x.snap", { strings = "names" })
assert(not ok and err:find('"keys"', 1, true), err)
LUA
for fmt in binary json; do
	rm -f a.snap b.snap c.snap
	"$LUAHEAP" run keys.lua "$fmt"
	for f in a.snap b.snap c.snap; do
		if grep -q 'alice smith' "$f" || grep -q 'secret server' "$f"; then
			echo "$fmt: a value string was kept" >&2
			exit 1
		fi
		grep -q 'timers' "$f"
		grep -q 'game.mailer' "$f"
	done
	"$LUAHEAP" summary c.snap | grep -q 'strings-keys'
	"$LUAHEAP" path c.snap _G.Server.timers > /dev/null
	"$LUAHEAP" path c.snap 'package.loaded["game.mailer"].outbox' > /dev/null
	# a redacted key prints as [<string 0x...>] and resolves back
	p=$("$LUAHEAP" top --json --class table -n 0 c.snap |
		sed -n 's/.*"path":[[:space:]]*"\(_G\.World\.grid\[<string 0x[0-9a-f]*>\]\)".*/\1/p' | head -1)
	test -n "$p"
	"$LUAHEAP" path c.snap "$p" > /dev/null
	"$LUAHEAP" diff --json a.snap b.snap c.snap > d.json
	"$LUA" "$SRC/tests/lua/diff_check.lua" '_G.Players[*]' < d.json
done

# Unreadable, truncated and corrupt snapshots: `luaheap summary` exits 2 with
# one line "luaheap: cannot read snapshot 'F': what" on stderr, nothing on
# stdout, and never crashes; a failed write to stdout is an error too.
"$LUA" -e 'local l = require "luaheap"
	assert(l.dump("good.snap")); assert(l.dump("good.json", { format = "json" }))'
"$LUAHEAP" summary good.snap > /dev/null
"$LUAHEAP" summary good.json > /dev/null

# bad FILE [WORDS]: summary of FILE fails as it should, the message has WORDS
bad() {
	set +e
	"$LUAHEAP" summary "$1" > out.txt 2> err.txt
	rc=$?
	set -e
	if [ $rc -ne 2 ] || [ -s out.txt ] || [ "$(wc -l < err.txt)" -ne 1 ] ||
	   ! grep -q "^luaheap: cannot read snapshot '$1': " err.txt ||
	   { [ -n "${2:-}" ] && ! grep -q "$2" err.txt; }; then
		echo "summary of $1: exit $rc, expected 2 and a message with '${2:-}':" >&2
		cat err.txt >&2
		exit 1
	fi
}

# xor FILE OFFSET: flips every bit of one byte
cat > xor.lua <<'LUA'
local path, at = arg[1], tonumber(arg[2])
local f = assert(io.open(path, "r+b"))
f:seek("set", at)
local c = f:read(1)
f:seek("set", at)
f:write(string.char(c:byte() ~ 0xff))
f:close()
LUA

bad missing.snap 'No such file'
mkdir dir.snap
bad dir.snap 'is a directory'
: > empty.snap
bad empty.snap 'empty file'
echo 'hello' > text.snap
bad text.snap 'not a luaheap snapshot'

size=$(wc -c < good.snap)
for cut in 1 7 8 11 12 13 16 20 100 $((size / 2)) $((size - 8)) $((size - 5)) $((size - 1)); do
	head -c $cut good.snap > cut.snap
	bad cut.snap 'truncated'
done
head -c $((size / 2)) good.json > cut.json
bad cut.json 'truncated JSON'

cp good.snap version.snap
printf '\007' | dd of=version.snap bs=1 seek=8 conv=notrunc 2> /dev/null
bad version.snap 'unsupported format version 7'
for at in 0 16 20 $((size / 3)) $((size / 2)) $((size - 9)); do
	cp good.snap flip.snap
	"$LUA" xor.lua flip.snap $at
	bad flip.snap
done
cp good.snap flip.snap
"$LUA" xor.lua flip.snap 20
bad flip.snap 'bad checksum in frame 1'
cp good.snap trailing.snap
echo x >> trailing.snap
bad trailing.snap 'trailing bytes'
cp good.json trailing.json
echo '{}' >> trailing.json
bad trailing.json 'trailing bytes'
sed 's/"type":"table"/"type":"tabel"/' good.json > type.json
bad type.json "field 'type' has an unknown value"

# a full disk behind stdout is an error, not a success
if [ -w /dev/full ]; then
	set +e
	"$LUAHEAP" summary good.snap > /dev/full 2> err.txt
	rc=$?
	"$LUAHEAP" --help > /dev/full 2>> err.txt
	rc2=$?
	set -e
	test $rc -eq 2
	test $rc2 -eq 2
	test "$(grep -c '^luaheap: cannot write to standard output: No space left on device$' err.txt)" -eq 2
fi

# Failure paths of luaheap.dump in Debian's lua5.4: a missing or read-only
# directory, a target that cannot be renamed onto (a directory), a full
# disk (a 64 KiB tmpfs, when this user may mount one). Each returns nil and
# a message naming the file and the problem, leaves no file behind, and the
# Lua program goes on (a later dump succeeds). Skips (77) only when no
# full-disk target can be made, after the other checks passed.

# fails PATH PATTERN [DIR]: the dump of PATH fails with a message matching
# PATTERN and naming PATH, and DIR (default: PATH's directory) holds no
# temporary file afterwards
fails() {
	"$LUA" -e "
		local luaheap = require 'luaheap'
		HEAP = {}
		for i = 1, 3000 do HEAP[i] = { i, tostring(i) } end
		local path = [[$1]]
		for _, format in ipairs { 'binary', 'json' } do
			local ok, err = luaheap.dump(path, { format = format })
			assert(ok == nil, 'dump of ' .. path .. ' did not fail')
			assert(type(err) == 'string', 'no message')
			assert(err:find(path, 1, true), 'message does not name the file: ' .. err)
			assert(err:find([[$2]]), 'unexpected message: ' .. err)
			io.write(format, ': ', err, '\n')
		end
		-- the state is untouched: the program goes on and can dump elsewhere
		assert(#HEAP == 3000 and HEAP[3000][2] == '3000')
		assert(luaheap.dump('ok.snap'))
	"
	dir=${3:-$(dirname "$1")}
	if [ -d "$dir" ] && ls -a "$dir" | grep -q '\.tmp\.'; then
		echo "temporary file left in $dir" >&2
		exit 1
	fi
	test -s ok.snap
	rm -f ok.snap
}

# a directory that does not exist
fails "$PWD/no/such/dir/x.snap" "No such file or directory"

# a directory this process may not write to
mkdir ro
if [ "$(id -u)" -ne 0 ]; then
	chmod 555 ro
	fails "$PWD/ro/x.snap" "Permission denied"
	chmod 755 ro
elif mount -t tmpfs -o ro,size=64k tmpfs ro 2>/dev/null; then
	st=0
	(fails "$PWD/ro/x.snap" "Read%-only file system") || st=$?
	umount ro
	[ $st -eq 0 ] || exit $st
else
	echo "note: root without mount: read-only directory case not run"
fi
test ! -e ro/x.snap

# the target is a directory: the temporary file is written, the rename fails
mkdir -p target.snap/inside
fails "$PWD/target.snap" "rename" "$PWD"
test -d target.snap/inside

# a full disk; the snapshot already there survives the failed dump over it
mkdir full
if mount -t tmpfs -o size=64k tmpfs full 2>/dev/null; then
	st=0
	"$LUA" -e "assert(require('luaheap').dump('full/x.snap'))" || st=$?
	test "$(stat -c %a full/x.snap)" = 600 || st=1
	sum=$(cksum < full/x.snap)
	(fails "$PWD/full/x.snap" "No space left on device") || st=$?
	left=$(ls -A full)
	after=$(cksum < full/x.snap)
	umount full
	[ $st -eq 0 ] || exit $st
	[ "$left" = x.snap ] || { echo "files left on the full disk: $left" >&2; exit 1; }
	[ "$sum" = "$after" ] || { echo "the old snapshot was damaged" >&2; exit 1; }
else
	echo "skip: cannot mount a small tmpfs to fill (not root?)"
	exit 77
fi

#!/bin/sh
# Runs one integration test script in a fresh scratch directory, removed
# afterwards unless the test failed (then its path is printed to look into).
# In a sanitizer build, $LUA becomes a wrapper that preloads the sanitizer
# runtimes, since Debian's lua5.4 then loads an instrumented luaheap.so.
script=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/luaheap-test.XXXXXX") || exit 2
export LUA_CPATH="$LUAHEAP_MODULE_DIR/?.so;;"
export LUA_PATH="$SRC/tests/lua/?.lua;$SRC/samples/?.lua;;"
case "${LUAHEAP_SANITIZE:-OFF}" in
ON|on|1|TRUE|true)
	asan=$(gcc -print-file-name=libasan.so)
	ubsan=$(gcc -print-file-name=libubsan.so)
	cat > "$work/lua-sanitized" <<EOS
#!/bin/sh
LD_PRELOAD="$asan:$ubsan" ASAN_OPTIONS=detect_leaks=0 exec "$LUA" "\$@"
EOS
	chmod +x "$work/lua-sanitized"
	export LUA="$work/lua-sanitized"
	;;
esac
cd "$work" || exit 2
# analysis indexes go beside the test's snapshots, or here: never $HOME
export XDG_CACHE_HOME="$work/cache"
sh -eu "$script"
rc=$?
if [ $rc -eq 0 ] || [ $rc -eq 77 ]; then rm -rf "$work"; else echo "test files kept in $work" >&2; fi
exit $rc

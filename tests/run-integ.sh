#!/bin/sh
# Runs one integration test script in a fresh scratch directory, removed
# afterwards unless the test failed (then its path is printed to look into).
script=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/luaheap-test.XXXXXX") || exit 2
export LUA_CPATH="$LUAHEAP_MODULE_DIR/?.so;;"
export LUA_PATH="$SRC/tests/lua/?.lua;$SRC/samples/?.lua;;"
cd "$work" || exit 2
sh -eu "$script"
rc=$?
if [ $rc -eq 0 ] || [ $rc -eq 77 ]; then rm -rf "$work"; else echo "test files kept in $work" >&2; fi
exit $rc

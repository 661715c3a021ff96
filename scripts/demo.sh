#!/bin/sh
# The main job: builds luaheap, runs a leaky sample server
# (samples/leak_timer.lua) under the CLI's own Lua, dumps its heap between
# rounds of player logins and logouts, and prints the diff of two snapshots:
# the leak and the root path that keeps it alive.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$top/build sh "$top/scripts/build.sh" >/dev/null
out=${1:-$top/build/demo}
mkdir -p "$out"
luaheap=$top/build/luaheap
"$luaheap" run "$top/samples/leak_timer.lua" "$out" 100
echo
"$luaheap" diff "$out/a.snap" "$out/b.snap"

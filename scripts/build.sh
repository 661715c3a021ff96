#!/bin/sh
# Installs what is missing, then configures and builds luaheap into BUILD_DIR
# (default: build/). Extra arguments go to cmake's configure step.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
sh "$top/scripts/install-deps.sh" >/dev/null
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)"

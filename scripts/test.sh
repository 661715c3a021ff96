#!/bin/sh
# Builds luaheap and runs every test: once in a normal build, once more in a
# build with AddressSanitizer and UBSan. Exit status is ctest's.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$top/build sh "$top/scripts/build.sh"
(cd "$top/build" && ctest --output-on-failure -j 2)
BUILD_DIR=$top/build-asan sh "$top/scripts/build.sh" -DLUAHEAP_SANITIZE=ON
(cd "$top/build-asan" && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j 2)

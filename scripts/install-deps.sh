#!/bin/sh
# Installs luaheap's build and test dependencies on Debian 12 and fetches the
# lua5.4 source package whose internal headers the dumper is compiled against
# (the release matrix fetches its other releases with fetch-lua-src.sh).
# Idempotent: does nothing that is already done. Needs root for apt-get install.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
srcdir="$top/build-deps"          # lua5.4 source tree lands here (git-ignored)

pkgs="build-essential cmake pkg-config lua5.4 liblua5.4-dev libcjson-dev check dpkg-dev time luarocks"
# For the tests that look at the pictures in a real browser and load the
# heap snapshot export with memlab (from npm): Debian's packages, unless the
# commands are there already (a node from elsewhere brings its own npm).
for c in chromium:chromium node:nodejs npm:npm; do
	command -v "${c%%:*}" > /dev/null 2>&1 || pkgs="$pkgs ${c#*:}"
done
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	as_root apt-get update -qq
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq $missing >/dev/null
fi

# The source package, fetched through a private deb-src list so that the
# system's own apt configuration is left untouched.
if ! ls -d "$srcdir"/lua5.4-*/src/lgc.h >/dev/null 2>&1 &&
   ! ls "$srcdir"/lua*/src/lgc.h >/dev/null 2>&1; then
	echo "install-deps: fetching the lua5.4 source package"
	. "$top/scripts/debsrc.sh"
	debsrc_setup "$srcdir/apt" bookworm || { cat "$srcdir/apt/log" >&2; exit 1; }
	(cd "$srcdir" && apt-get $aptopts source -qq lua5.4 >/dev/null)
fi
ls -d "$srcdir"/lua*/src | head -n 1

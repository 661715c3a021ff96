#!/bin/sh
# Fetches Debian's lua5.4 source packages for the release matrix, each once:
# 5.4.2 (bullseye), 5.4.4 (bookworm), 5.4.7 (trixie), 5.4.9 (sid), through a
# private deb-src list (the system's apt configuration is left untouched).
# Usage: fetch-lua-src.sh [RELEASE...]   (default: all four)
# Prints one line per release: "RELEASE PATH-TO-SRC", or "RELEASE -" and the
# reason on stderr when the tree cannot be fetched. Exit 0 unless misused.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${LUAHEAP_LUA_CACHE:-$top/build-deps/releases}
. "$top/scripts/debsrc.sh"

suite_of() {
	case $1 in
	5.4.2) echo bullseye ;;
	5.4.4) echo bookworm ;;
	5.4.7) echo trixie ;;
	5.4.9) echo sid ;;
	*) return 1 ;;
	esac
}

# The source tree of release $1 already in the cache, if any.
cached() {
	for d in "$cache/$1"/lua5.4-"$1"*/src; do
		if [ -f "$d/lgc.h" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

fetch() {
	rel=$1
	suite=$(suite_of "$rel") || { echo "unknown release $rel (known: 5.4.2 5.4.4 5.4.7 5.4.9)" >&2; return 2; }
	dir=$cache/$rel
	apt=$dir/apt
	if ! debsrc_setup "$apt" "$suite"; then
		echo "cannot update the $suite deb-src list (see $apt/log)" >&2
		return 1
	fi
	version=$(apt-cache $aptopts showsrc lua5.4 2>/dev/null | sed -n 's/^Version: *//p' | head -n 1)
	case $version in
	"$rel"-*) ;;
	*) echo "$suite has lua5.4 '$version', not $rel" >&2; return 1 ;;
	esac
	if ! (cd "$dir" && apt-get $aptopts source -qq "lua5.4=$version" >>"$apt/log" 2>&1); then
		# a mirror may lag behind its own index for the Debian part;
		# the upstream tarball, checked by apt against the index, is
		# enough: the dumper needs the headers, not Debian's patches
		orig=$dir/lua5.4_$rel.orig.tar.gz
		if [ -f "$orig" ] && mkdir -p "$dir/lua5.4-$rel" &&
		   tar xzf "$orig" -C "$dir/lua5.4-$rel" --strip-components=1; then
			echo "lua5.4 $version: Debian's part is missing from the mirror; using its upstream tarball" >&2
		else
			echo "cannot fetch lua5.4 $version from $suite (see $apt/log)" >&2
			return 1
		fi
	fi
	cached "$rel" >/dev/null || { echo "lua5.4 $version from $suite has no src/lgc.h" >&2; return 1; }
}

[ $# -gt 0 ] || set -- 5.4.2 5.4.4 5.4.7 5.4.9
for rel in "$@"; do
	if ! cached "$rel" >/dev/null; then
		fetch "$rel" || { rc=$?; [ $rc -eq 2 ] && exit 2; }
	fi
	echo "$rel $(cached "$rel" || echo -)"
done

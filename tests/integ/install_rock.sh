# Installing: `cmake --install` of this build into a scratch prefix gives the
# CLI, luaheap.so in Lua's C module directory (INSTALL_CMOD), luaheap/dump.h,
# the static dumper library with a pkg-config file that a C host builds
# with, and the man pages; then `luarocks make` (Debian's luarocks, Lua 5.4)
# builds the rock against Debian's lua5.4 source tree into a scratch tree,
# and Debian's lua5.4 loads it from there and dumps. Normal build only.
. "$SRC/tests/integ_lib.sh"
normal_build_only "the install test"
cmake --install "$BUILD" --prefix "$PWD/inst" > install.log
for f in inst/bin/luaheap inst/include/luaheap/dump.h inst/share/man/man1/luaheap.1 \
	inst/share/man/man3/luaheap.3 inst/share/man/man5/luaheap-snapshot.5; do
	test -f "$f" || { echo "not installed: $f" >&2; exit 1; }
done
so=$(find inst -name luaheap.so)
case $so in */lua/5.4/luaheap.so) ;; *) echo "luaheap.so installed as '$so'" >&2; exit 1 ;; esac
expected=$(pkg-config --define-variable=prefix=/P --variable=INSTALL_CMOD lua5.4 | sed 's|^/P/||')
test "$so" = "inst/$expected/luaheap.so"
LUA_CPATH="$PWD/$(dirname "$so")/?.so" "$LUA" -e 'assert(require("luaheap").dump("installed.snap"))'
inst/bin/luaheap summary installed.snap | grep -q '^accounting .*: exact$'

# a C host built with the installed pkg-config file
pc=$(find inst -name luaheap.pc)
cat > host.c <<'C'
#include <stdio.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <luaheap/dump.h>
int main(void)
{
	char err[512];
	lua_State *L = luaL_newstate();
	luaL_openlibs(L);
	luaL_dostring(L, "T = {} for i = 1, 100 do T[i] = { i } end");
	if (luaheap_dump(L, "host.snap", NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	lua_close(L);
	return 0;
}
C
PKG_CONFIG_PATH=$PWD/$(dirname "$pc") cc -o host host.c \
	$(PKG_CONFIG_PATH=$PWD/$(dirname "$pc") pkg-config --cflags --libs luaheap) \
	$(pkg-config --cflags --libs lua5.4)
./host
inst/bin/luaheap summary host.snap | grep -q '^accounting .*: exact$'

# the rock, from a copy of the sources the rockspec builds
need_commands "the rock test" luarocks
mkdir rock
cp -r "$SRC/CMakeLists.txt" "$SRC/cmake" "$SRC/dumper" "$SRC/include" "$SRC/man" \
	"$SRC"/luaheap-*.rockspec rock/
tree=$(ls -d "$SRC"/build-deps/lua*/src | head -n 1)
# without LUA_SRC: a clear refusal
if (cd rock && luarocks --lua-version 5.4 --tree "$PWD/../rocks" make > ../nosrc.txt 2>&1); then
	echo "luarocks make without LUA_SRC succeeded" >&2
	exit 1
fi
grep -q "LUA_SRC=/path/to/lua-5.4.x" nosrc.txt
rm -rf rock/build.luarocks
(cd rock && luarocks --lua-version 5.4 --tree "$PWD/../rocks" make LUA_SRC="$tree" > ../rock.txt 2>&1) ||
	{ cat rock.txt >&2; exit 1; }
eval "$(luarocks --lua-version 5.4 --tree "$PWD/rocks" path)"
"$LUA" -e 'local l = require "luaheap"
	assert(package.searchpath("luaheap", package.cpath):find("/rocks/", 1, true))
	assert(l.dump("rock.snap"))'
inst/bin/luaheap summary rock.snap | grep -q '^accounting .*: exact$'

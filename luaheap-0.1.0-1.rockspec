-- LuaRocks build of the luaheap module (the dumper, `require "luaheap"`)
-- against the Lua it will run in. The dumper reads the collector's own
-- structures, so it needs that Lua's source tree: pass it as LUA_SRC,
--   luarocks --lua-version 5.4 make LUA_SRC=/path/to/lua-5.4.x
-- (Debian: `apt-get source lua5.4`, or scripts/fetch-lua-src.sh). The
-- luaheap command and its analyzer are built with CMake (see README.md).
rockspec_format = "3.0"
package = "luaheap"
version = "0.1.0-1"
source = {
   url = "git+https://example.invalid/luaheap.git",
   tag = "v0.1.0",
}
description = {
   summary = "Heap snapshots of a running Lua 5.4 state, for finding memory leaks",
   detailed = [[
      luaheap.dump(path) writes the live object graph of the running Lua
      state (every object, its exact size and its references) for the
      luaheap command to summarise, diff and explain with root paths.
   ]],
   license = "MIT",
}
dependencies = {
   "lua >= 5.4, < 5.5",
}
build = {
   type = "cmake",
   variables = {
      LUAHEAP_ROCK = "ON",
      LUAHEAP_LUA_SRC = "$(LUA_SRC)",
      INSTALL_CMOD = "$(LIBDIR)",
      CMAKE_INSTALL_PREFIX = "$(PREFIX)",
      CMAKE_BUILD_TYPE = "Release",
   },
}

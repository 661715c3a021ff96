# The Lua source tree the dumper reads the collector's structures with:
# where its headers are (Lua's release layout 'src/' or the flat layout of
# Lua's development repository), what its headers declare (compile probes
# against the tree, never release numbers), and, on request, the tree's own
# Lua built as a static library and an interpreter.
#
# In:  LUAHEAP_LUA_SRC (a tree, its root or its 'src')
# Out: LUAHEAP_LUA_INC (the directory holding lgc.h), LUAHEAP_LUA_DEFS (-D
#      definitions for the dumper), LUAHEAP_LUA_RELEASE ("Lua 5.4.7"),
#      lh_lua_tree_build() for the library and interpreter targets.
include(CheckCSourceCompiles)

function(lh_lua_tree_locate out src)
  foreach(dir "${src}/src" "${src}")
    if(EXISTS "${dir}/lgc.h" AND EXISTS "${dir}/lstate.h" AND EXISTS "${dir}/lua.h")
      get_filename_component(dir "${dir}" ABSOLUTE)
      set(${out} "${dir}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "LUAHEAP_LUA_SRC='${src}' is not a Lua 5.4 source tree: "
          "no lgc.h, lstate.h and lua.h in it or in its 'src' directory")
endfunction()

# The release the tree's lua.h declares ("Lua 5.4.7").
function(lh_lua_tree_release out inc)
  file(STRINGS "${inc}/lua.h" _lines REGEX "define LUA_VERSION_(MAJOR|MINOR|RELEASE)[ \t]")
  set(_v "")
  foreach(part MAJOR MINOR RELEASE)
    string(REGEX MATCH "LUA_VERSION_${part}[ \t]+\"([0-9]+)\"" _m "${_lines}")
    list(APPEND _v "${CMAKE_MATCH_1}")
  endforeach()
  string(REPLACE ";" "." _v "${_v}")
  if(NOT _v MATCHES "^5\\.4\\.[0-9]+$")
    message(FATAL_ERROR "${inc}/lua.h declares Lua '${_v}': luaheap reads Lua 5.4 trees")
  endif()
  set(${out} "Lua ${_v}" PARENT_SCOPE)
endfunction()

# One probe: defines NAME=1 in LUAHEAP_LUA_DEFS when BODY compiles with the
# tree's internal headers (NAME=0 otherwise).
macro(lh_lua_probe name what body)
  set(CMAKE_REQUIRED_INCLUDES "${LUAHEAP_LUA_INC}")
  set(CMAKE_REQUIRED_QUIET ON)
  unset(${name} CACHE)
  check_c_source_compiles("
#include \"lua.h\"
#include \"lobject.h\"
#include \"lstate.h\"
#include \"ltable.h\"
#include \"lfunc.h\"
#include \"lstring.h\"
#include \"lgc.h\"
int lh_probe(lua_State *L, Table *t, UpVal *uv, TString *ts, GCObject *o);
int lh_probe(lua_State *L, Table *t, UpVal *uv, TString *ts, GCObject *o)
{ (void)L; (void)t; (void)uv; (void)ts; (void)o; ${body} }
int main(void) { return lh_probe(0, 0, 0, 0, 0); }" ${name})
  if(${name})
    list(APPEND LUAHEAP_LUA_DEFS ${name}=1)
    list(APPEND _lh_found "${what}")
  else()
    list(APPEND LUAHEAP_LUA_DEFS ${name}=0)
  endif()
endmacro()

function(lh_lua_tree_probe)
  set(LUAHEAP_LUA_DEFS "")
  set(_lh_found "")
  # 5.4.5: stack pointers become StkIdRel unions ('.p')
  lh_lua_probe(LH_LUA_STKIDREL "StkIdRel stack pointers"
    "StkId s = L->top.p; (void)s; return L->ci->func.p == 0;")
  # 5.4.5: an upvalue's value pointer becomes a union ('v.p')
  lh_lua_probe(LH_LUA_UPVAL_UNION "UpVal.v union" "return uv->v.p == 0;")
  # 5.4.0-5.4.1: 'stacksize' field (counting EXTRA_STACK); later stack_last - stack
  lh_lua_probe(LH_LUA_STACKSIZE_FIELD "lua_State.stacksize" "return L->stacksize;")
  # 5.4.3: to-be-closed list in lua_State
  lh_lua_probe(LH_LUA_TBCLIST "tbclist" "return sizeof(L->tbclist) == 0;")
  # 5.4.4: 'gcrunning' becomes the 'gcstp' bit mask
  lh_lua_probe(LH_LUA_GCSTP "global_State.gcstp" "return G(L)->gcstp & GCSTPGC;")
  # 5.4.1: the real-array-size bit moves from 'marked' to 'flags'
  lh_lua_probe(LH_LUA_RAS_IN_FLAGS "BITRAS in Table.flags"
    "struct { lu_byte flags; } x; x.flags = 0; return isrealasize(&x);")
  # 5.4.2: dead keys get their own tag and keep a stale pointer
  lh_lua_probe(LH_LUA_DEADKEY "LUA_TDEADKEY" "return LUA_TDEADKEY;")
  # forks: extra fields in TString (skynet's 'id'), objects shared between states
  lh_lua_probe(LH_LUA_TSTRING_ID "TString.id" "return (int)ts->id;")
  lh_lua_probe(LH_LUA_SHARED "shared objects (isshared)" "return isshared(o);")
  string(REPLACE ";" ", " _lh_found "${_lh_found}")
  message(STATUS "luaheap: the tree declares: ${_lh_found}")
  set(LUAHEAP_LUA_DEFS "${LUAHEAP_LUA_DEFS}" PARENT_SCOPE)
endfunction()

# The tree's own Lua: the core and standard libraries as the static library
# 'lhlua' (exported from the executables that link it, for C modules), and
# its stand-alone interpreter as ${CMAKE_BINARY_DIR}/lua5.4.
function(lh_lua_tree_build)
  file(GLOB _srcs "${LUAHEAP_LUA_INC}/*.c")
  list(FILTER _srcs EXCLUDE REGEX "/(lua|luac|ltests|onelua)\\.c$")
  add_library(lhlua STATIC ${_srcs})
  target_include_directories(lhlua PUBLIC "${LUAHEAP_LUA_INC}")
  target_compile_definitions(lhlua PUBLIC LUA_USE_LINUX)
  target_compile_options(lhlua PRIVATE -w)       # the tree's code, not ours
  set_target_properties(lhlua PROPERTIES C_STANDARD 99 C_EXTENSIONS ON)
  target_link_libraries(lhlua PUBLIC m ${CMAKE_DL_LIBS})
  find_package(Threads)
  if(Threads_FOUND)      # forks may use threads (skynet's spinlocks)
    target_link_libraries(lhlua PUBLIC Threads::Threads)
  endif()
  add_executable(lhlua_interp "${LUAHEAP_LUA_INC}/lua.c")
  target_compile_options(lhlua_interp PRIVATE -w)
  target_link_libraries(lhlua_interp PRIVATE lhlua)
  set_target_properties(lhlua_interp PROPERTIES OUTPUT_NAME lua5.4
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR} ENABLE_EXPORTS ON)
endfunction()

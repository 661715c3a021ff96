# What 'cmake --install' puts where: the CLI, the module luaheap.so in Lua's
# C module directory (INSTALL_CMOD), the dumper's header and static library
# for hosts that dump from C, a pkg-config file, the man pages.
include(GNUInstallDirs)

if(NOT INSTALL_CMOD)
  set(_cmod "")
  if(PKG_CONFIG_FOUND)
    # relative to the prefix, so that 'cmake --install --prefix' moves it
    execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --define-variable=prefix=@PREFIX@
      --variable=INSTALL_CMOD lua5.4
      OUTPUT_VARIABLE _cmod OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    string(REGEX REPLACE "^@PREFIX@/" "" _cmod "${_cmod}")
  endif()
  if(NOT _cmod)
    set(_cmod ${CMAKE_INSTALL_LIBDIR}/lua/5.4)
  endif()
  set(INSTALL_CMOD ${_cmod})
endif()
message(STATUS "luaheap: 'cmake --install' puts luaheap.so in ${INSTALL_CMOD} (under the prefix when relative)")

install(TARGETS luaheap_module LIBRARY DESTINATION ${INSTALL_CMOD})
install(TARGETS lhdump ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${CMAKE_SOURCE_DIR}/include/luaheap/dump.h
              ${CMAKE_SOURCE_DIR}/include/luaheap/error.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/luaheap)
set(LUAHEAP_PC_RELEASE "${LUAHEAP_LUA_RELEASE}")
# relocatable: the prefix is found from the .pc file's own directory
file(RELATIVE_PATH LUAHEAP_PC_UP "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
configure_file(${CMAKE_SOURCE_DIR}/cmake/luaheap.pc.in
               ${CMAKE_BINARY_DIR}/luaheap.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/luaheap.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(NOT LUAHEAP_MODULE_ONLY)
  install(TARGETS luaheap RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${CMAKE_SOURCE_DIR}/man/luaheap.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
install(FILES ${CMAKE_SOURCE_DIR}/man/luaheap.3 DESTINATION ${CMAKE_INSTALL_MANDIR}/man3)
install(FILES ${CMAKE_SOURCE_DIR}/man/luaheap-snapshot.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)

/*
 * luaheap run: runs a Lua script in the CLI's own Lua 5.4, as the standalone
 * 'lua' does (standard libraries, 'arg', error with traceback), with the
 * dumper module preloaded so `require "luaheap"` needs no C path. That Lua
 * is the one the dumper was built against (LUAHEAP_LUA_SRC's own tree, or
 * Debian's liblua5.4 for Debian's source package), so the two agree.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "luaheap/dump.h"
#include "cli.h"

/* SCRIPT's own options follow it: parsing stops there. */
static const cli_opt_cmd command = {
	"run", "SCRIPT [ARGS...]", 1, -1, "no script given", NULL, NULL,
	"Runs the Lua script SCRIPT ('-' for standard input) in luaheap's own Lua\n"
	"(" LUA_RELEASE ", the build the dumper reads) with the standard libraries\n"
	"and the luaheap module preloaded\n"
	"(require \"luaheap\"). The script gets its arguments in 'arg' and '...'.\n"
	"Ctrl-C stops it with a traceback, as in lua5.4.\n"
	"Exit status: the script's own (os.exit), 1 if it raised an error, 2 if it\n"
	"could not be loaded.\n",
	NULL, CLI_OPT_STOP
};

/*
 * Ctrl-C, as lua.c handles it: the signal handler only sets a hook (which is
 * safe in a handler), and the hook raises "interrupted!" at the next
 * instruction, so the script ends with a traceback. A second Ctrl-C kills.
 */
static lua_State *running;

static void stop_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	luaL_error(L, "interrupted!");
}

static void on_sigint(int sig)
{
	signal(sig, SIG_DFL);
	lua_sethook(running, stop_hook,
	            LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
}

/* Error handler: adds a traceback to string messages (as lua.c does). */
static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* arg[-2] = "luaheap", arg[-1] = "run", arg[0] = SCRIPT, arg[1..] = ARGS. */
static void make_arg(lua_State *L, int argc, char **argv)
{
	int i;

	lua_createtable(L, argc, 2);
	lua_pushliteral(L, "luaheap");
	lua_rawseti(L, -2, -2);
	lua_pushliteral(L, "run");
	lua_rawseti(L, -2, -1);
	for (i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i);
	}
	lua_setglobal(L, "arg");
}

/* Runs in protected mode so that a memory error while setting up is caught. */
static int run(lua_State *L)
{
	int argc = (int)lua_tointeger(L, 1);
	char **argv = lua_touserdata(L, 2);
	const char *script = argv[0];
	int i, status;

	luaL_openlibs(L);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_luaheap);
	lua_setfield(L, -2, "luaheap");
	lua_pop(L, 1);
	make_arg(L, argc, argv);
	lua_gc(L, LUA_GCRESTART);
	lua_gc(L, LUA_GCGEN, 0, 0);   /* the standalone lua's default mode */

	status = luaL_loadfile(L, strcmp(script, "-") == 0 ? NULL : script);
	if (status != LUA_OK) {
		lua_pushinteger(L, status == LUA_ERRFILE ? CLI_ERROR : CLI_FAIL);
		lua_insert(L, -2);
		return 2;
	}
	lua_pushcfunction(L, traceback);
	lua_insert(L, -2);
	luaL_checkstack(L, argc, "too many script arguments");
	for (i = 1; i < argc; i++)
		lua_pushstring(L, argv[i]);
	running = L;
	signal(SIGINT, on_sigint);
	status = lua_pcall(L, argc - 1, 0, -(argc + 1));
	signal(SIGINT, SIG_DFL);
	if (status != LUA_OK) {
		lua_pushinteger(L, CLI_FAIL);
		lua_insert(L, -2);
		return 2;
	}
	lua_pushinteger(L, CLI_OK);
	return 1;
}

int cmd_run(int argc, char **argv)
{
	lua_State *L;
	int rc, status;

	if ((rc = cli_opt_parse(&command, NULL, &argc, &argv)) != CLI_OPT_GO_ON)
		return rc;
	if ((L = luaL_newstate()) == NULL) {
		cli_error("cannot create a Lua state: not enough memory");
		return CLI_ERROR;
	}
	lua_gc(L, LUA_GCSTOP);   /* no collection while the libraries load */
	lua_pushcfunction(L, run);
	lua_pushinteger(L, argc);
	lua_pushlightuserdata(L, argv);
	status = lua_pcall(L, 2, 2, 0);
	if (status != LUA_OK) {
		cli_error("%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "error setting up Lua");
		rc = CLI_ERROR;
	} else {
		rc = (int)lua_tointeger(L, -2);
		if (rc != CLI_OK) {
			const char *msg = lua_tostring(L, -1);
			fflush(stdout);
			fprintf(stderr, "luaheap: %s\n", msg ? msg : "(no error message)");
		}
	}
	lua_close(L);
	return rc;
}

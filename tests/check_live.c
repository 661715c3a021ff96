/*
 * Signal-armed dumps inside a Lua state of our own: a workload heavy in weak
 * tables, resurrecting finalizers, abandoned coroutines and string churn is
 * dumped at hundreds of moments (from its own count hook and from a C call,
 * as a server idle in C), every snapshot checked; plus the hook and handler
 * put back, a signal during a dump, requests that must be refused, a
 * removed directory, and a state closed while armed. A host with several
 * armed states served through the real CLI; requests given up or left by
 * a CLI that is gone; and the protocol module (dumper/live.c) itself.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "luaheap/dump.h"
#include "luaheap/snapshot.h"
#include "testlua.h"
#include "../dumper/live.h"

/* dumper/internal.h */
void lh_dump__arm_counts(const char *state, unsigned long *written,
                         unsigned long *failed, const char **last_error);
const char *lh_dump__arm_beacon(const char *state);

#define SIG SIGUSR2

/* ---- scratch: DIR/snaps is armed, DIR/run is the run directory ---- */

static char scratch[64], snaps[96], rundir[96];

static void setup(void)
{
	strcpy(scratch, "/tmp/luaheap-check-live.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(scratch));
	snprintf(snaps, sizeof(snaps), "%s/snaps", scratch);
	snprintf(rundir, sizeof(rundir), "%s/run", scratch);
	ck_assert_int_eq(mkdir(snaps, 0700), 0);
	setenv(LUAHEAP_RUNDIR_ENV, rundir, 1);
}

static void teardown(void)
{
	tl_rm_dir(scratch);
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* ---- states ---- */

static void arm(lua_State *L, int collect)
{
	lh_dump_arm_opts o;
	lh_error err;

	lh_dump_arm_opts_init(&o);
	o.signal = SIG;
	o.dir = snaps;
	o.dump.collect = collect;
	ck_assert_msg(lh_dump_arm(L, &o, &err) == LH_OK, "%s", err.msg);
}

static void counts(unsigned long *written, unsigned long *failed)
{
	const char *last;

	lh_dump__arm_counts(NULL, written, failed, &last);
	ck_assert_msg(*failed == 0 || last[0] != '\0', "a failure without a "
	              "message");
}

/* ---- checking snapshots ---- */

static int sweeping(unsigned state)
{
	/* lgc.h: GCSswpallgc 3 .. GCSswpend 6 */
	return state >= 3 && state <= 6;
}

/* Loads one snapshot and checks what a dump without collection promises:
 * every object Lua counts is in it (the sum is exact), no sweep phase,
 * every edge and watch record lands on an object of the file. */
static void check_snapshot(const char *path, unsigned *states)
{
	lh_snapshot *s = NULL;
	lh_error err;
	uint64_t sum = 0;
	uint32_t i;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(lh_snapshot_load(&s, path, &err) == 0, "%s", err.msg);
	for (i = 0; i < lh_snapshot_count(s); i++)
		sum += lh_snapshot_size(s, i);
	ck_assert_msg(sum + lh_snapshot_header(s)->vm_overhead_bytes == lh_snapshot_header(s)->lua_total_bytes,
	              "%s: objects %" PRIu64 " + overhead %" PRIu64 " != %"
	              PRIu64, path, sum, lh_snapshot_header(s)->vm_overhead_bytes,
	              lh_snapshot_header(s)->lua_total_bytes);
	ck_assert_msg(!sweeping(lh_snapshot_header(s)->gc_state), "%s: walked in a sweep "
	              "phase (%u)", path, lh_snapshot_header(s)->gc_state);
	ck_assert(!(lh_snapshot_header(s)->flags & LH_FLAG_COLLECTED));
	for (i = 0; i < lh_snapshot_edge_count(s); i++)
		ck_assert_uint_lt(lh_snapshot_edge_target(s, i), lh_snapshot_count(s));
	for (i = 0; i < lh_snapshot_watch_count(s); i++)
		ck_assert_msg(lh_snapshot_watch(s, i)->target != LH_NONE, "%s: watch "
		              "record %u names no object", path, i);
	ck_assert_uint_ne(lh_snapshot_main_thread(s), LH_NONE);
	if (lh_snapshot_header(s)->gc_state < 16)
		states[lh_snapshot_header(s)->gc_state]++;
	lh_snapshot_free(s);
}

/* Checks and removes every snapshot in the armed dir; returns how many. */
static int check_all(unsigned *states)
{
	DIR *d = opendir(snaps);
	struct dirent *e;
	char p[512];
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		ck_assert_msg(strstr(e->d_name, ".tmp") == NULL, "temporary "
		              "file %s left", e->d_name);
		snprintf(p, sizeof(p), "%s/%s", snaps, e->d_name);
		check_snapshot(p, states);
		unlink(p);
		n++;
	}
	closedir(d);
	return n;
}

/* ---- the stress workload ---- */

static uint32_t rng;
static unsigned raised;
static int armed_run;            /* 0: the reference run, no signal */

static uint32_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* The program's own count hook: now and then the signal arrives, in the
 * middle of whatever Lua code runs (a coroutine, a finalizer's caller). */
static void program_hook(lua_State *L, lua_Debug *ar)
{
	(void)L;
	(void)ar;
	if (next_random() % 8 == 0) {
		raised++;
		raise(SIG);
	}
}

/* tick(): the server waiting in C; the host polls when a signal came. */
static int tick(lua_State *L)
{
	if (next_random() % 16 == 0 && armed_run) {
		raised++;
		raise(SIG);
		ck_assert_int_eq(lh_dump_poll(L), 1);
	}
	return 0;
}

/* Runs tests/lua/live_stress.lua; returns its digest (malloc'd). */
static char *workload(lua_State *L, int rounds)
{
	char *digest;

	tl_run(L, "STRESS = require('live_stress')");
	lua_getglobal(L, "STRESS");
	lua_getfield(L, -1, "run");
	lua_pushinteger(L, rounds);
	lua_pushcfunction(L, tick);
	if (lua_pcall(L, 2, 1, 0) != LUA_OK)
		ck_abort_msg("workload: %s", lua_tostring(L, -1));
	digest = strdup(lua_tostring(L, -1));
	lua_settop(L, 0);
	return digest;
}

static void stress(int generational)
{
	lua_State *L;
	char *plain, *dumped;
	unsigned long written, failed;
	unsigned states[16] = { 0 }, i, kinds = 0;
	int rounds = 1500, files;

	/* the same run without dumps: what the program computes */
	L = tl_new_state(generational);
	if (!generational)
		lua_gc(L, LUA_GCINC, 100, 10, 6);
	rng = 12345;
	armed_run = 0;
	plain = workload(L, rounds);
	lua_close(L);

	L = tl_new_state(generational);
	if (!generational)   /* small steps: caught in every phase */
		lua_gc(L, LUA_GCINC, 100, 10, 6);
	arm(L, 0);
	rng = 12345;
	raised = 0;
	armed_run = 1;
	lua_sethook(L, program_hook, LUA_MASKCOUNT, 997);
	dumped = workload(L, rounds);
	ck_assert_ptr_eq(lua_gethook(L), program_hook);   /* put back */
	ck_assert_int_eq(lua_gethookmask(L), LUA_MASKCOUNT);
	ck_assert_int_eq(lua_gethookcount(L), 997);
	lua_sethook(L, NULL, 0, 0);
	counts(&written, &failed);
	ck_assert_str_eq(dumped, plain);
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_eq(written, raised);   /* one snapshot per signal */
	ck_assert_uint_ge(written, 100);
	files = check_all(states);
	ck_assert_int_eq(files, (int)written);
	for (i = 0; i < 16; i++)
		kinds += states[i] != 0;
	/* incremental: the collector was caught in more than one phase
	 * (a generational collection runs whole, between two steps) */
	for (i = 0; i < 16; i++)
		if (states[i] != 0)
			fprintf(stderr, "%s: %u snapshots in gc state %u\n",
			        generational ? "generational" : "incremental",
			        states[i], i);
	if (!generational)
		ck_assert_uint_ge(kinds, 2);
	lh_dump_disarm(L);
	lua_close(L);
	free(plain);
	free(dumped);
}

START_TEST(dumps_at_random_moments_are_exact_in_incremental_mode)
{
	stress(0);
}
END_TEST

START_TEST(dumps_at_random_moments_are_exact_in_generational_mode)
{
	stress(1);
}
END_TEST

/* ---- the hook, the handler, nesting ---- */

static void other_hook(lua_State *L, lua_Debug *ar)
{
	(void)L;
	(void)ar;
}

static void noop_handler(int sig)
{
	(void)sig;
}

START_TEST(disarm_puts_back_the_handler_and_the_program_hook)
{
	lua_State *L = tl_new_state(0);
	struct sigaction sa, now;
	unsigned long written, failed;
	char beacon[256];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = noop_handler;
	sigaction(SIG, &sa, NULL);
	lua_sethook(L, other_hook, LUA_MASKLINE, 0);
	arm(L, 1);
	snprintf(beacon, sizeof(beacon), "%s", lh_dump__arm_beacon(NULL));
	ck_assert_int_eq(access(beacon, F_OK), 0);
	raise(SIG);                          /* sets our hook */
	ck_assert_ptr_ne(lua_gethook(L), other_hook);
	tl_run(L, "local x = 0 for i = 1, 10 do x = x + i end");
	ck_assert_ptr_eq(lua_gethook(L), other_hook);
	ck_assert_int_eq(lua_gethookmask(L), LUA_MASKLINE);
	counts(&written, &failed);
	ck_assert_uint_eq(written, 1);
	ck_assert_int_eq(lh_dump_poll(L), 0);        /* nothing pending */
	lh_dump_disarm(L);
	ck_assert_ptr_null(lh_dump__arm_beacon(NULL));
	ck_assert_int_ne(access(beacon, F_OK), 0);
	sigaction(SIG, NULL, &now);
	ck_assert_ptr_eq((void *)now.sa_handler, (void *)noop_handler);
	lua_close(L);
}
END_TEST

static int in_finalizer_polls;

/* A finalizer that signals during the dump's own collection and polls:
 * neither may start a dump inside the one running. */
static int signal_from_finalizer(lua_State *L)
{
	raise(SIG);
	in_finalizer_polls += lh_dump_poll(L);
	return 0;
}

START_TEST(a_signal_during_a_dump_is_answered_after_it_not_inside)
{
	lua_State *L = tl_new_state(0);
	unsigned long written, failed;
	unsigned states[16] = { 0 };

	lua_pushcfunction(L, signal_from_finalizer);
	lua_setglobal(L, "SIGNAL_FROM_FINALIZER");
	arm(L, 1);
	tl_run(L, "setmetatable({}, { __gc = function() SIGNAL_FROM_FINALIZER() end })");
	raise(SIG);
	ck_assert_int_eq(lh_dump_poll(L), 2);   /* the dump, then the queued */
	ck_assert_int_eq(in_finalizer_polls, 0);
	counts(&written, &failed);
	ck_assert_uint_eq(written, 2);
	ck_assert_uint_eq(failed, 0);
	ck_assert_int_eq(count_files(snaps), 2);
	/* the collecting dumps are exact too (check_snapshot's flag test
	 * aside: these collected first) */
	{
		DIR *d = opendir(snaps);
		struct dirent *e;
		char p[512];
		while ((e = readdir(d)) != NULL) {
			lh_snapshot *s = NULL;
			lh_error err;
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", snaps, e->d_name);
			ck_assert_msg(lh_snapshot_load(&s, p, &err) == 0, "%s",
			              err.msg);
			ck_assert(lh_snapshot_header(s)->flags & LH_FLAG_COLLECTED);
			lh_snapshot_free(s);
		}
		closedir(d);
	}
	(void)states;
	lh_dump_disarm(L);
	lua_close(L);
}
END_TEST

/* ---- coroutines ---- */

static int l_raise(lua_State *L)
{
	(void)L;
	raise(SIG);
	return 0;
}

static int l_written(lua_State *L)
{
	unsigned long written, failed;

	counts(&written, &failed);
	lua_pushinteger(L, (lua_Integer)written);
	return 1;
}

/* The hook is set on the main thread (and the coroutine that armed, not
 * this one): a signal that arrives while another coroutine runs is
 * answered when control is back in the main thread, or at once where the
 * coroutine itself calls luaheap.poll. */
START_TEST(a_signal_inside_a_coroutine_is_answered_when_it_yields_or_polls)
{
	lua_State *L = tl_new_state(0);
	unsigned long written, failed;

	lua_register(L, "RAISE", l_raise);
	lua_register(L, "WRITTEN", l_written);
	arm(L, 1);
	tl_run(L, "local luaheap = require 'luaheap'\n"
	       "local co = coroutine.wrap(function()\n"
	       "  local deep = { 'held by a local of the coroutine' }\n"
	       "  RAISE()\n"
	       "  local x = 0\n"
	       "  for i = 1, 1000 do x = x + i end\n"
	       "  assert(WRITTEN() == 0, 'dumped inside the coroutine')\n"
	       "  coroutine.yield(x)\n"
	       "  RAISE()\n"
	       "  assert(luaheap.poll() == 1 and WRITTEN() == 2)\n"
	       "  return #deep\n"
	       "end)\n"
	       "assert(co() == 500500)\n"
	       "assert(WRITTEN() == 1, 'not dumped after the yield')\n"
	       "assert(co() == 1)\n"
	       "assert(debug.gethook() == nil)");
	ck_assert_ptr_null(lua_gethook(L));
	counts(&written, &failed);
	ck_assert_uint_eq(written, 2);
	ck_assert_uint_eq(failed, 0);
	ck_assert_int_eq(count_files(snaps), 2);
	lh_dump_disarm(L);
	lua_close(L);
}
END_TEST

/* A server whose whole loop runs in the coroutine that armed: the hook is
 * set there too, so the dump comes without a yield. */
START_TEST(a_server_looping_in_the_coroutine_that_armed_dumps_there)
{
	lua_State *L = tl_new_state(0);
	unsigned long written, failed;

	lua_register(L, "RAISE", l_raise);
	lua_register(L, "WRITTEN", l_written);
	lua_pushstring(L, snaps);
	lua_setglobal(L, "SNAPS");
	tl_run(L, "local luaheap = require 'luaheap'\n"
	       "local loop = coroutine.wrap(function()\n"
	       "  assert(luaheap.arm { dir = SNAPS, signal = 'USR2' })\n"
	       "  for round = 1, 3 do\n"
	       "    RAISE()\n"
	       "    local x = 0\n"
	       "    for i = 1, 100 do x = x + i end\n"
	       "    assert(WRITTEN() == round, 'no dump in the loop')\n"
	       "  end\n"
	       "  assert(debug.gethook() == nil)\n"
	       "  return 'done'\n"
	       "end)\n"
	       "assert(loop() == 'done')\n"
	       "assert(debug.gethook() == nil)");
	ck_assert_ptr_null(lua_gethook(L));
	counts(&written, &failed);
	ck_assert_uint_eq(written, 3);
	ck_assert_int_eq(count_files(snaps), 3);
	lh_dump_disarm(L);
	lua_close(L);
}
END_TEST

/* ---- requests ---- */

static void put_request(const char *name, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", rundir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void read_result(const char *name, char *buf, size_t len)
{
	char p[512];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", rundir, name);
	f = fopen(p, "r");
	ck_assert_msg(f != NULL, "no result %s", name);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* The slot that state's beacon gives: what sigqueue must carry. */
static int beacon_slot(const char *state)
{
	const char *beacon = lh_dump__arm_beacon(state);
	char text[8192], *p;
	size_t n;
	FILE *f;

	ck_assert_ptr_nonnull(beacon);
	f = fopen(beacon, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	p = strstr(text, "\nslot ");
	ck_assert_ptr_nonnull(p);
	return atoi(p + 6);
}

/* Asks state (by sigqueue, as the CLI does), then polls L. */
static void ask_state(lua_State *L, const char *state, int expect)
{
	union sigval v;

	v.sival_int = beacon_slot(state);
	ck_assert_int_eq(sigqueue(getpid(), SIG, v), 0);
	ck_assert_int_eq(lh_dump_poll(L), expect);
}

START_TEST(requests_write_only_plain_names_inside_the_armed_dir_and_redact_as_armed)
{
	lua_State *L = tl_new_state(1);
	char name[512], res[1024];
	long pid = (long)getpid();
	lh_dump_arm_opts o;
	lh_snapshot *snap = NULL;
	lh_error err;

	lh_dump_arm_opts_init(&o);       /* redacted at arm time */
	o.signal = SIG;
	o.dir = snaps;
	o.dump.strings = 0;
	o.name = "srv";
	ck_assert_int_eq(lh_dump_arm(L, &o, &err), 0);
#define REQ(tag, text) do { \
		snprintf(name, sizeof(name), "%ld.srv.req.%ld.%s", pid, pid, \
		         tag); \
		put_request(name, text); } while (0)
#define RES(tag) do { \
		snprintf(name, sizeof(name), "%ld.srv.res.%ld.%s", pid, pid, \
		         tag); \
		read_result(name, res, sizeof(res)); } while (0)
	REQ("1", "luaheap-request 2\nname ../escape.snap\n");
	REQ("2", "luaheap-request 2\nname sub/x.snap\n");
	REQ("3", "luaheap-request 2\nname good.json\nformat json\n");
	REQ("4", "luaheap-request 2\nformat xml\n");
	REQ("not-a-tag", "luaheap-request 2\nname ignored.snap\n");
	REQ("6", "luaheap-request 1\nname old.snap\n");
	ask_state(L, "srv", 5);
	RES("1");
	ck_assert_msg(strncmp(res, "error refused snapshot name", 27) == 0,
	              "%s", res);
	RES("2");
	ck_assert_msg(strncmp(res, "error refused snapshot name", 27) == 0,
	              "%s", res);
	RES("3");
	ck_assert_str_eq(res, "ok good.json\n");
	RES("4");
	ck_assert_msg(strstr(res, "error unknown format") == res, "%s", res);
	RES("6");
	ck_assert_msg(strstr(res, "error not a luaheap request") == res, "%s",
	              res);
	/* only the good snapshot, in the armed dir; nothing outside it; no
	 * string contents in it */
	ck_assert_int_eq(count_files(snaps), 1);
	snprintf(name, sizeof(name), "%s/good.json", snaps);
	ck_assert_msg(lh_snapshot_load(&snap, name, &err) == 0, "%s", err.msg);
	ck_assert(lh_snapshot_header(snap)->flags & LH_FLAG_STRINGS_NONE);
	ck_assert_uint_eq(lh_snapshot_header(snap)->encoding, 1);
	lh_snapshot_free(snap);
	snprintf(name, sizeof(name), "%s/escape.snap", scratch);
	ck_assert_int_ne(access(name, F_OK), 0);
	/* the same name again is refused, not overwritten */
	REQ("5", "luaheap-request 2\nname good.json\n");
	ask_state(L, "srv", 1);
	RES("5");
	ck_assert_msg(strstr(res, "already exists") != NULL, "%s", res);
	lh_dump_disarm(L);
	lua_close(L);
#undef REQ
#undef RES
}
END_TEST

START_TEST(a_removed_dir_fails_the_dump_and_the_state_goes_on)
{
	lua_State *L = tl_new_state(0);
	unsigned long written, failed;
	const char *last;

	arm(L, 1);
	ck_assert_int_eq(rmdir(snaps), 0);
	raise(SIG);
	ck_assert_int_eq(lh_dump_poll(L), 1);
	lh_dump__arm_counts(NULL, &written, &failed, &last);
	ck_assert_uint_eq(written, 0);
	ck_assert_uint_eq(failed, 1);
	ck_assert_msg(strstr(last, "No such file or directory") != NULL, "%s",
	              last);
	tl_run(L, "X = {} for i = 1, 100 do X[i] = {} end assert(#X == 100)");
	ck_assert_int_eq(mkdir(snaps, 0700), 0);
	raise(SIG);
	ck_assert_int_eq(lh_dump_poll(L), 1);
	lh_dump__arm_counts(NULL, &written, &failed, &last);
	ck_assert_uint_eq(written, 1);
	lh_dump_disarm(L);
	lua_close(L);
}
END_TEST

START_TEST(closing_an_armed_state_disarms_it)
{
	lua_State *L = tl_new_state(0);
	struct sigaction now;
	char beacon[256];

	signal(SIG, SIG_IGN);
	arm(L, 1);
	snprintf(beacon, sizeof(beacon), "%s", lh_dump__arm_beacon(NULL));
	lua_close(L);
	ck_assert_ptr_null(lh_dump__arm_beacon(NULL));
	ck_assert_int_ne(access(beacon, F_OK), 0);
	sigaction(SIG, NULL, &now);
	ck_assert_ptr_eq((void *)now.sa_handler, (void *)SIG_IGN);
	/* and another state may arm now */
	L = tl_new_state(0);
	arm(L, 1);
	lua_close(L);
}
END_TEST

START_TEST(arm_refuses_what_it_cannot_honour)
{
	lua_State *L = tl_new_state(0), *L2;
	lh_dump_arm_opts o;
	lh_error err;

	lh_dump_arm_opts_init(&o);
	o.dir = "/nonexistent/luaheap";
	ck_assert_int_eq(lh_dump_arm(L, &o, &err), LH_ENOTFOUND);
	ck_assert_int_eq(err.code, LH_ENOTFOUND);
	ck_assert_msg(strstr(err.msg, "/nonexistent/luaheap") != NULL, "%s", err.msg);
	o.dir = snaps;
	o.signal = SIGKILL;
	ck_assert_int_eq(lh_dump_arm(L, &o, &err), LH_EUSAGE);
	o.signal = SIGSEGV;
	ck_assert_int_eq(lh_dump_arm(L, &o, &err), LH_EUSAGE);
	ck_assert_ptr_null(lh_dump__arm_beacon(NULL));
	/* a run directory that others could write to */
	ck_assert_int_eq(mkdir(rundir, 0777), 0);
	ck_assert_int_eq(chmod(rundir, 0777), 0);
	o.signal = SIG;
	ck_assert_int_eq(lh_dump_arm(L, &o, &err), LH_EIO);
	ck_assert_msg(strstr(err.msg, "private") != NULL, "%s", err.msg);
	ck_assert_int_eq(chmod(rundir, 0700), 0);
	o.name = "first";
	ck_assert_int_eq(lh_dump_arm(L, &o, &err), LH_OK);
	/* a second state may not take the first one's name, nor a bad one */
	L2 = tl_new_state(0);
	ck_assert_int_eq(lh_dump_arm(L2, &o, &err), LH_EBUSY);
	ck_assert_msg(strstr(err.msg, "'first' is taken") != NULL, "%s", err.msg);
	o.name = "../up";
	ck_assert_int_eq(lh_dump_arm(L2, &o, &err), LH_EUSAGE);
	ck_assert_msg(strstr(err.msg, "bad state name") != NULL, "%s", err.msg);
	o.name = ".hidden";
	ck_assert_int_eq(lh_dump_arm(L2, &o, &err), LH_EUSAGE);
	o.name = "";
	ck_assert_int_eq(lh_dump_arm(L2, &o, &err), LH_EUSAGE);
	o.name = "with space";
	ck_assert_int_eq(lh_dump_arm(L2, &o, &err), LH_EUSAGE);
	ck_assert_ptr_null(lh_dump__arm_beacon("../up"));
	/* without a name it gets one of its own */
	o.name = NULL;
	ck_assert_int_eq(lh_dump_arm(L2, &o, &err), LH_OK);
	ck_assert_ptr_nonnull(lh_dump__arm_beacon("first"));
	lua_close(L2);
	ck_assert_ptr_nonnull(lh_dump__arm_beacon("first"));
	/* re-arming a state may rename it; its old name is then free */
	o.name = "renamed";
	ck_assert_int_eq(lh_dump_arm(L, &o, &err), LH_OK);
	ck_assert_ptr_null(lh_dump__arm_beacon("first"));
	ck_assert_ptr_nonnull(lh_dump__arm_beacon("renamed"));
	o.name = NULL;                    /* and without a name keeps it */
	ck_assert_int_eq(lh_dump_arm(L, &o, &err), LH_OK);
	ck_assert_ptr_nonnull(lh_dump__arm_beacon("renamed"));
	/* Lua misuse raises, environment failures return nil, message */
	tl_run(L, "local lh = require 'luaheap'\n"
	       "assert(not pcall(lh.arm, { dir = 1 }))\n"
	       "assert(not pcall(lh.arm, { dir = '.', signal = 'NOPE' }))\n"
	       "assert(not pcall(lh.arm, { dir = '.', bogus = 1 }))\n"
	       "local ok, msg = lh.arm { dir = '/nonexistent/x', signal = 'USR2' }\n"
	       "assert(ok == nil and msg:find('/nonexistent/x', 1, true))\n"
	       "assert(not pcall(lh.arm, { dir = '.', name = 'a/b' }))\n"
	       "assert(not pcall(lh.arm, { dir = '.', name = 7 }))\n"
	       "assert(not pcall(lh.arm, { dir = '.', [1] = 'x' }))\n"
	       "assert(lh.poll() == 0)\n"
	       "assert(lh.disarm() == true)");
	ck_assert_ptr_null(lh_dump__arm_beacon(NULL));
	lua_close(L);
}
END_TEST

/* ---- many states in one host ---- */

#define NSTATES 5

/* The files of dir whose names start with prefix. */
static int count_prefixed(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

/* Starts `luaheap dump --pid OURS ARGS...` with its output in out.txt and
 * err.txt of the scratch dir; returns its pid. */
static pid_t start_cli(const char *a1, const char *a2, const char *a3,
                       const char *a4)
{
	char pid[32], out[128], err[128];
	pid_t child;

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	snprintf(out, sizeof(out), "%s/out.txt", scratch);
	snprintf(err, sizeof(err), "%s/err.txt", scratch);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		if (freopen(out, "w", stdout) == NULL ||
		    freopen(err, "w", stderr) == NULL)
			_exit(99);
		execl(LUAHEAP_CLI, "luaheap", "dump", "--pid", pid, a1, a2, a3,
		      a4, (char *)NULL);
		_exit(98);
	}
	return child;
}

static void read_scratch(const char *name, char *buf, size_t len)
{
	char p[256];
	FILE *f;
	size_t n = 0;

	snprintf(p, sizeof(p), "%s/%s", scratch, name);
	if ((f = fopen(p, "r")) != NULL) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

static void counting_hook(lua_State *L, lua_Debug *ar)
{
	(void)L;
	(void)ar;
}

/* A host's services: NSTATES states, each armed from Lua under its own
 * name and directory, each with a count hook of its own (1000 + i). */
static void open_services(lua_State **Ls, char dirs[][128])
{
	char code[1024];
	int i;

	for (i = 0; i < NSTATES; i++) {
		Ls[i] = tl_new_state(i % 2);
		snprintf(dirs[i], 128, "%s/svc%d", snaps, i);
		ck_assert_int_eq(mkdir(dirs[i], 0700), 0);
		snprintf(code, sizeof(code),
		         "local ok, beacon, name = luaheap.arm { dir = '%s', "
		         "name = 'svc%d', signal = 'USR2' }\n"
		         "assert(ok and name == 'svc%d', beacon)\n"
		         "WORK = {} function tick(n) for i = 1, 50 do "
		         "WORK[#WORK %% 500 + 1] = { n, i } end end",
		         dirs[i], i, i);
		tl_run(Ls[i], code);
		lua_sethook(Ls[i], counting_hook, LUA_MASKCOUNT, 1000 + i);
	}
}

/* Runs the services round after round until the CLI exits; before each
 * state runs, every state but 'target' must still have its own hook:
 * a request never sets ours on a state it was not sent to. Returns the
 * CLI's exit status. */
static int serve_until_exit(lua_State **Ls, int target, pid_t cli)
{
	int i, j, status = -1, round;

	for (round = 0; round < 20000; round++) {
		for (i = 0; i < NSTATES; i++) {
			for (j = 0; j < NSTATES; j++) {
				if (Ls[j] == NULL || j == target)
					continue;
				ck_assert_msg(lua_gethook(Ls[j]) == counting_hook &&
				              lua_gethookcount(Ls[j]) == 1000 + j,
				              "state svc%d disturbed", j);
			}
			if (Ls[i] == NULL)
				continue;
			lua_getglobal(Ls[i], "tick");
			lua_pushinteger(Ls[i], round);
			ck_assert_int_eq(lua_pcall(Ls[i], 1, 0, 0), LUA_OK);
		}
		if (waitpid(cli, &status, WNOHANG) == cli)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		usleep(1000);
	}
	ck_abort_msg("the CLI did not finish");
	return -1;
}

/* Asks state 'target' through the real CLI while all of them run. */
static void dump_service(lua_State **Ls, char dirs[][128], int target)
{
	char name[32], out[512], err[512], want[256];
	unsigned states[16] = { 0 };
	unsigned long written, failed, before[NSTATES];
	const char *last;
	pid_t cli;
	int i, rc;

	for (i = 0; i < NSTATES; i++) {
		snprintf(name, sizeof(name), "svc%d", i);
		lh_dump__arm_counts(name, &before[i], &failed, &last);
	}
	snprintf(name, sizeof(name), "svc%d", target);
	cli = start_cli("--state", name, "--timeout", "30");
	rc = serve_until_exit(Ls, target, cli);
	read_scratch("out.txt", out, sizeof(out));
	read_scratch("err.txt", err, sizeof(err));
	ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
	snprintf(want, sizeof(want), "%s/", dirs[target]);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
	out[strcspn(out, "\n")] = '\0';
	{
		lh_snapshot *s = NULL;
		lh_error e;
		uint64_t sum = 0;
		uint32_t k;
		ck_assert_msg(lh_snapshot_load(&s, out, &e) == 0, "%s", e.msg);
		for (k = 0; k < lh_snapshot_count(s); k++)
			sum += lh_snapshot_size(s, k);
		ck_assert(sum + lh_snapshot_header(s)->vm_overhead_bytes ==
		          lh_snapshot_header(s)->lua_total_bytes);
		lh_snapshot_free(s);
	}
	(void)states;
	for (i = 0; i < NSTATES; i++) {
		if (Ls[i] == NULL)
			continue;
		snprintf(name, sizeof(name), "svc%d", i);
		lh_dump__arm_counts(name, &written, &failed, &last);
		ck_assert_uint_eq(failed, 0);
		ck_assert_int_eq(count_files(dirs[i]), (i == target));
		ck_assert_uint_eq(written - before[i], (i == target));
	}
	ck_assert_int_eq(unlink(out), 0);
}

START_TEST(many_states_arm_and_a_request_wakes_only_the_state_asked)
{
	lua_State *Ls[NSTATES];
	char dirs[NSTATES][128], list[1024], want[1024], p[64], err[512];
	struct sigaction sa, now;
	size_t len = 0;
	pid_t cli;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = noop_handler;
	sigaction(SIG, &sa, NULL);
	open_services(Ls, dirs);
	/* a name another state holds is refused; the state keeps its own */
	tl_run(Ls[0], "local ok, msg = luaheap.arm { dir = '.', name = 'svc1' }\n"
	       "assert(ok == nil and msg:find(\"'svc1' is taken\"), msg)");
	ck_assert_ptr_nonnull(lh_dump__arm_beacon("svc0"));
	/* --list: every state, by name, with its format and directory */
	cli = start_cli("--list", NULL, NULL, NULL);
	ck_assert_int_eq(serve_until_exit(Ls, -1, cli), 0);
	read_scratch("out.txt", list, sizeof(list));
	for (i = 0; i < NSTATES; i++)
		len += (size_t)snprintf(want + len, sizeof(want) - len,
		                        "svc%d\tbinary\t%s\n", i, dirs[i]);
	ck_assert_str_eq(list, want);
	/* several armed: the CLI wants --state, and a known one */
	cli = start_cli("--timeout", "5", NULL, NULL);
	ck_assert_int_eq(serve_until_exit(Ls, -1, cli), 2);
	read_scratch("err.txt", err, sizeof(err));
	ck_assert_msg(strstr(err, "5 armed states: choose one with --state"),
	              "%s", err);
	cli = start_cli("--state", "svc9", "--timeout", "5");
	ck_assert_int_eq(serve_until_exit(Ls, -1, cli), 2);
	read_scratch("err.txt", err, sizeof(err));
	ck_assert_msg(strstr(err, "no armed state 'svc9'"), "%s", err);
	/* each asked in turn: only that one dumps */
	dump_service(Ls, dirs, 3);
	dump_service(Ls, dirs, 0);
	/* one disarmed, one closed: the others stay armed and answer */
	lh_dump_disarm(Ls[1]);
	lua_close(Ls[2]);
	Ls[2] = NULL;
	ck_assert_ptr_null(lh_dump__arm_beacon("svc1"));
	ck_assert_ptr_null(lh_dump__arm_beacon("svc2"));
	snprintf(p, sizeof(p), "%ld.svc", (long)getpid());
	ck_assert_int_eq(count_prefixed(rundir, p), 3);
	ck_assert_ptr_eq(lua_gethook(Ls[1]), counting_hook);
	lua_sethook(Ls[1], NULL, 0, 0);
	lua_close(Ls[1]);
	Ls[1] = NULL;
	dump_service(Ls, dirs, 4);
	dump_service(Ls, dirs, 3);
	/* a plain signal asks every state armed for it */
	raise(SIG);
	for (i = 0; i < NSTATES; i++)
		if (Ls[i] != NULL)
			ck_assert_int_eq(lh_dump_poll(Ls[i]), 1);
	for (i = 0; i < NSTATES; i++)
		ck_assert_int_eq(count_files(dirs[i]), (Ls[i] != NULL));
	/* the handler stays while any state uses it, then is put back */
	sigaction(SIG, NULL, &now);
	ck_assert_ptr_ne((void *)now.sa_handler, (void *)noop_handler);
	for (i = 0; i < NSTATES; i++)
		if (Ls[i] != NULL)
			lua_close(Ls[i]);
	sigaction(SIG, NULL, &now);
	ck_assert_ptr_eq((void *)now.sa_handler, (void *)noop_handler);
	ck_assert_int_eq(count_files(rundir), 0);
}
END_TEST

static int l_nap(lua_State *L)
{
	usleep((useconds_t)(luaL_checknumber(L, 1) * 1e6));
	return 0;
}

/* The CLI gives up (timeout) while the dump it asked for runs: the late
 * snapshot is removed, no answer or cancel file stays. */
START_TEST(a_request_given_up_during_its_dump_leaves_no_snapshot_or_file)
{
	lua_State *Ls[NSTATES] = { NULL };
	char err[512], p[64];
	lh_error aerr;
	unsigned long written, failed;
	const char *last;
	lh_dump_arm_opts o;
	pid_t cli;

	Ls[0] = tl_new_state(0);
	lh_dump_arm_opts_init(&o);
	o.signal = SIG;
	o.dir = snaps;
	o.name = "slow";
	ck_assert_int_eq(lh_dump_arm(Ls[0], &o, &aerr), 0);
	lua_register(Ls[0], "NAP", l_nap);
	lua_sethook(Ls[0], counting_hook, LUA_MASKCOUNT, 1000);
	/* garbage whose finalizer naps 1.5 s: run by the dump's collection */
	tl_run(Ls[0], "collectgarbage 'stop'\n"
	       "setmetatable({}, { __gc = function() NAP(1.5) end })\n"
	       "function tick() end");
	cli = start_cli("--state", "slow", "--timeout", "0.3");
	ck_assert_int_eq(serve_until_exit(Ls, 0, cli), 2);
	read_scratch("err.txt", err, sizeof(err));
	ck_assert_msg(strstr(err, "did not answer within 0.3 s"), "%s", err);
	lh_dump__arm_counts("slow", &written, &failed, &last);
	ck_assert_uint_eq(written, 1);    /* written, then removed */
	ck_assert_int_eq(count_files(snaps), 0);
	snprintf(p, sizeof(p), "%ld.", (long)getpid());
	ck_assert_int_eq(count_prefixed(rundir, p), 1);   /* the beacon */
	ck_assert_int_eq(count_prefixed(rundir, "."), 2);  /* no .tmp */
	lua_close(Ls[0]);
	ck_assert_int_eq(count_files(rundir), 0);
}
END_TEST

/* A request whose CLI is gone (killed while waiting) gets no answer and
 * keeps no snapshot; an answer such a CLI never read is swept with its
 * snapshot. */
START_TEST(a_request_from_a_cli_that_is_gone_keeps_nothing)
{
	lua_State *L = tl_new_state(0);
	lh_dump_arm_opts o;
	char name[256];
	lh_error aerr;
	pid_t dead = fork();

	if (dead == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
	lh_dump_arm_opts_init(&o);
	o.signal = SIG;
	o.dir = snaps;
	o.name = "srv";
	ck_assert_int_eq(lh_dump_arm(L, &o, &aerr), 0);
	snprintf(name, sizeof(name), "%ld.srv.req.%ld.1", (long)getpid(),
	         (long)dead);
	put_request(name, "luaheap-request 2\nname orphan.snap\n");
	/* and what another one left: an answer never read, its snapshot */
	snprintf(name, sizeof(name), "%ld.srv.res.%ld.2", (long)getpid(),
	         (long)dead);
	put_request(name, "ok left.snap\n");
	snprintf(name, sizeof(name), "%s/left.snap", snaps);
	fclose(fopen(name, "w"));
	ask_state(L, "srv", 1);
	ck_assert_int_eq(count_files(snaps), 0);
	ck_assert_int_eq(count_files(rundir), 1);           /* the beacon */
	lua_close(L);
}
END_TEST

/* An allocator that fails while 'fail_allocs' is set. */
static int fail_allocs;

static void *failing_alloc(void *ud, void *p, size_t osize, size_t nsize)
{
	(void)ud;
	(void)osize;
	if (nsize == 0) {
		free(p);
		return NULL;
	}
	if (fail_allocs && nsize > osize)
		return NULL;
	return realloc(p, nsize);
}

static int arm_reached;

static int l_noop(lua_State *L)
{
	(void)L;
	return 0;
}

static int l_arm_named(lua_State *L)
{
	lh_dump_arm_opts o;
	lh_error err;

	arm_reached = 1;
	lh_dump_arm_opts_init(&o);
	o.signal = SIG;
	o.dir = lua_tostring(L, 1);
	o.name = "oom";
	lua_pushinteger(L, lh_dump_arm(L, &o, &err));
	return 1;
}

/* Arming raises only before it has allocated anything of its own: the
 * C heap holds as many bytes after the error as before (glibc's count;
 * the sanitizer's allocator keeps none), and nothing is armed. */
START_TEST(arm_under_a_memory_error_raises_and_keeps_nothing)
{
	lua_State *L = lua_newstate(failing_alloc, NULL);
	struct mallinfo2 before, after;

	ck_assert_ptr_nonnull(L);
	lua_pushcfunction(L, l_noop);     /* call frames and stack, ready */
	ck_assert_int_eq(lua_pcall(L, 0, 0, 0), LUA_OK);
	ck_assert(lua_checkstack(L, 40));
	lua_pushcfunction(L, l_arm_named);
	lua_pushstring(L, snaps);
	arm_reached = 0;
	before = mallinfo2();
	fail_allocs = 1;
	ck_assert_int_eq(lua_pcall(L, 1, 1, 0), LUA_ERRMEM);
	fail_allocs = 0;
	after = mallinfo2();
	ck_assert(arm_reached);
	ck_assert_uint_eq(after.uordblks, before.uordblks);
	ck_assert_ptr_null(lh_dump__arm_beacon("oom"));
	lua_settop(L, 0);
	lua_pushcfunction(L, l_arm_named);
	lua_pushstring(L, snaps);
	ck_assert_int_eq(lua_pcall(L, 1, 1, 0), LUA_OK);
	ck_assert_int_eq(lua_tointeger(L, -1), 0);
	ck_assert_ptr_nonnull(lh_dump__arm_beacon("oom"));
	lua_close(L);
	ck_assert_ptr_null(lh_dump__arm_beacon("oom"));
}
END_TEST

/* A finalizer run by the dump's own collection may disarm (it takes
 * effect after the dump) but not re-arm the state. */
START_TEST(disarming_from_a_finalizer_during_the_dump_waits_for_its_end)
{
	lua_State *L = tl_new_state(0);
	unsigned long written, failed;
	const char *last;

	lua_pushstring(L, snaps);
	lua_setglobal(L, "SNAPS");
	tl_run(L, "assert(luaheap.arm { dir = SNAPS, name = 'fin', signal = 'USR2' })\n"
	       "setmetatable({}, { __gc = function()\n"
	       "  local ok, msg = luaheap.arm { dir = SNAPS, signal = 'USR2' }\n"
	       "  REARM = msg\n"
	       "  luaheap.disarm()\n"
	       "end })");
	raise(SIG);
	ck_assert_int_eq(lh_dump_poll(L), 1);
	ck_assert_int_eq(count_files(snaps), 1);
	ck_assert_ptr_null(lh_dump__arm_beacon("fin"));
	lh_dump__arm_counts("fin", &written, &failed, &last);
	ck_assert_uint_eq(written, 0);    /* nothing armed by that name */
	tl_run(L, "assert(REARM:find('a dump of this state is running'), REARM)");
	ck_assert_int_eq(count_files(rundir), 0);
	lua_close(L);
}
END_TEST

/* ---- states on several threads (a skynet-like host) ---- */

#define NTHREADS 3

typedef struct worker {
	pthread_t tid;
	int index;
	lua_State *L[2];
	char dir[2][128];
	int churn;                /* re-arms its second state over and over */
	unsigned long rearms;
} worker;

static volatile int workers_stop;

static void worker_arm(worker *w, int j)
{
	lh_dump_arm_opts o;
	char name[32];
	lh_error err;

	lh_dump_arm_opts_init(&o);
	o.signal = SIG;
	o.dir = w->dir[j];
	snprintf(name, sizeof(name), "t%ds%d", w->index, j);
	o.name = name;
	if (lh_dump_arm(w->L[j], &o, &err) != 0)
		abort();                  /* ck_assert is not for threads */
}

/* Runs its two states (and polls them, as an event loop would) until
 * told to stop; the churning one disarms and re-arms its second state. */
static void *worker_main(void *ud)
{
	worker *w = ud;
	int j, round = 0;

	while (!workers_stop) {
		for (j = 0; j < 2; j++) {
			lua_getglobal(w->L[j], "tick");
			lua_pushinteger(w->L[j], round);
			if (lua_pcall(w->L[j], 1, 0, 0) != LUA_OK)
				abort();
			lh_dump_poll(w->L[j]);
		}
		if (w->churn && ++round % 7 == 0) {
			lh_dump_disarm(w->L[1]);
			worker_arm(w, 1);
			w->rearms++;
		}
		usleep(500);
	}
	return NULL;
}

/* Runs the CLI to completion (this thread runs no Lua meanwhile). */
static int run_cli(const char *state)
{
	int status;
	pid_t cli = start_cli("--state", state, "--timeout", "30");

	ck_assert_int_eq(waitpid(cli, &status, 0), cli);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(states_on_several_threads_each_answer_only_their_own_requests)
{
	static const char *const ask_for[] = {
		"t0s0", "t1s1", "t2s0", "t0s1", "t1s0", "t0s0", "t2s0",
	};
	worker w[NTHREADS];
	char name[32], out[512], err[512];
	int i, j, k, expect;

	workers_stop = 0;
	for (i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].index = i;
		w[i].churn = i == 2;
		for (j = 0; j < 2; j++) {
			w[i].L[j] = tl_new_state(j);
			snprintf(w[i].dir[j], 128, "%s/t%ds%d", snaps, i, j);
			ck_assert_int_eq(mkdir(w[i].dir[j], 0700), 0);
			tl_run(w[i].L[j], "WORK = {} function tick(n) for i = 1, 50 do "
			       "WORK[#WORK % 300 + 1] = { n, tostring(i) } end end");
			worker_arm(&w[i], j);
		}
	}
	for (i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_create(&w[i].tid, NULL, worker_main,
		                                &w[i]), 0);
	for (k = 0; k < (int)(sizeof(ask_for) / sizeof(ask_for[0])); k++) {
		ck_assert_int_eq(run_cli(ask_for[k]), 0);
		read_scratch("out.txt", out, sizeof(out));
		read_scratch("err.txt", err, sizeof(err));
		ck_assert_msg(strstr(out, ask_for[k]) != NULL, "%s: %s %s",
		              ask_for[k], out, err);
	}
	workers_stop = 1;
	for (i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_join(w[i].tid, NULL), 0);
	ck_assert_uint_gt(w[2].rearms, 0);
	/* each directory holds one snapshot per request to its state, and
	 * each loads with exact accounting */
	for (i = 0; i < NTHREADS; i++)
		for (j = 0; j < 2; j++) {
			snprintf(name, sizeof(name), "t%ds%d", i, j);
			for (expect = 0, k = 0; k < (int)(sizeof(ask_for) /
			                                sizeof(ask_for[0])); k++)
				expect += strcmp(ask_for[k], name) == 0;
			ck_assert_msg(count_files(w[i].dir[j]) == expect, "%s: %d "
			              "snapshots, %d asked", name,
			              count_files(w[i].dir[j]), expect);
			lua_close(w[i].L[j]);
		}
	ck_assert_int_eq(count_files(rundir), 0);
}
END_TEST

/* ---- the protocol module (dumper/live.c) ---- */

START_TEST(protocol_file_names_round_trip_whatever_the_state_name)
{
	static const char *const names[] = {
		"a", "svc.req.1.2", "x.arm", "gate:1@host+2", "a.b.c", "req",
	};
	char buf[512];
	lh_live_file f;
	size_t i;
	int kind;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ck_assert(lh_live_name_ok(names[i]));
		for (kind = LH_LIVE_BEACON; kind <= LH_LIVE_CANCEL; kind++) {
			ck_assert_int_eq(lh_live_file_name(buf, sizeof(buf), kind,
			                                   4242, names[i], 77, 9), 0);
			ck_assert_msg(lh_live_file_parse(&f, buf) == 0, "%s", buf);
			ck_assert_int_eq(f.kind, kind);
			ck_assert_int_eq(f.pid, 4242);
			ck_assert_str_eq(f.state, names[i]);
			if (kind != LH_LIVE_BEACON) {
				ck_assert_int_eq(f.cpid, 77);
				ck_assert_uint_eq(f.id, 9);
			}
		}
	}
	/* not ours: the old beacon, temporary files, stray names */
	ck_assert_int_ne(lh_live_file_parse(&f, "4242.arm"), 0);
	ck_assert_int_ne(lh_live_file_parse(&f, ".4242.a.arm.tmp"), 0);
	ck_assert_int_ne(lh_live_file_parse(&f, "4242.a.req.1"), 0);
	ck_assert_int_ne(lh_live_file_parse(&f, "4242.a.xyz.1.2"), 0);
	ck_assert_int_ne(lh_live_file_parse(&f, "4242..arm"), 0);
	ck_assert_int_ne(lh_live_file_parse(&f, "x4242.a.arm"), 0);
	ck_assert_int_ne(lh_live_file_parse(&f, "4242.a b.arm"), 0);
}
END_TEST

START_TEST(protocol_names_follow_one_rule)
{
	char longest[LH_LIVE_NAME_MAX + 2];

	ck_assert(lh_live_name_ok("heap-1.snap"));
	ck_assert(lh_live_name_ok("svc:7@node+2_x"));
	ck_assert(!lh_live_name_ok(""));
	ck_assert(!lh_live_name_ok(".hidden"));
	ck_assert(!lh_live_name_ok("a..b"));
	ck_assert(!lh_live_name_ok("a/b"));
	ck_assert(!lh_live_name_ok("a b"));
	ck_assert(!lh_live_name_ok("a\nb"));
	ck_assert(!lh_live_name_ok("caf\xc3\xa9"));
	memset(longest, 'n', LH_LIVE_NAME_MAX);
	longest[LH_LIVE_NAME_MAX] = '\0';
	ck_assert(lh_live_name_ok(longest));
	longest[LH_LIVE_NAME_MAX] = 'n';
	longest[LH_LIVE_NAME_MAX + 1] = '\0';
	ck_assert(!lh_live_name_ok(longest));
}
END_TEST

START_TEST(protocol_texts_round_trip_and_long_values_are_errors)
{
	lh_live_beacon b, c;
	lh_live_request r, q;
	char text[LH_LIVE_TEXT_MAX], out[16];

	memset(&b, 0, sizeof(b));
	b.pid = 99;
	b.start = 123456789012ULL;
	strcpy(b.state, "svc.7");
	b.slot = 65;
	b.sig = 12;
	b.json = 1;
	strcpy(b.dir, "/var/tmp/heaps");
	ck_assert_int_eq(lh_live_beacon_format(text, sizeof(text), &b), 0);
	ck_assert_ptr_null(lh_live_beacon_parse(&c, text));
	ck_assert_int_eq(memcmp(&b, &c, sizeof(b)), 0);
	ck_assert_ptr_nonnull(lh_live_beacon_parse(&c, "luaheap-arm 1\npid 1\n"));
	ck_assert_ptr_nonnull(lh_live_beacon_parse(&c, "luaheap-arm 2\npid 1\n"
	                      "start 0\nstate a\nslot 0\nsignal 10\nformat xml\n"
	                      "dir /x\n"));
	ck_assert_ptr_nonnull(lh_live_beacon_parse(&c, "luaheap-arm 2\npid 1\n"
	                      "start 0\nstate a\nslot 0\nsignal 10\nformat json\n"
	                      "dir relative\n"));
	memset(&r, 0, sizeof(r));
	strcpy(r.name, "x.json");
	r.format = 1;
	ck_assert_int_eq(lh_live_request_format(text, sizeof(text), &r), 0);
	ck_assert_ptr_null(lh_live_request_parse(&q, text));
	ck_assert_str_eq(q.name, "x.json");
	ck_assert_int_eq(q.format, 1);
	r.name[0] = '\0';
	r.format = -1;
	ck_assert_int_eq(lh_live_request_format(text, sizeof(text), &r), 0);
	ck_assert_ptr_null(lh_live_request_parse(&q, text));
	ck_assert_str_eq(q.name, "");
	ck_assert_int_eq(q.format, -1);
	/* a value longer than its field is refused, never cut */
	ck_assert_int_eq(lh_live_value("key 0123456789abcdef\n", "key", out,
	                               sizeof(out)), -1);
	ck_assert_int_eq(lh_live_value("key 0123456789abcde\n", "key", out,
	                               sizeof(out)), 1);
	ck_assert_int_eq(lh_live_value("other 1\n", "key", out, sizeof(out)), 0);
	ck_assert_int_eq(lh_live_value("keys 1\nkey 2", "key", out,
	                               sizeof(out)), 1);
	ck_assert_str_eq(out, "2");
	memset(text, 'n', sizeof(text));
	memcpy(text, "luaheap-request 2\nname ", 23);
	text[sizeof(text) - 1] = '\0';
	ck_assert_ptr_nonnull(lh_live_request_parse(&q, text));
	ck_assert_int_eq(lh_live_answer_parse("ok ../x\n", out, sizeof(out)), -1);
	ck_assert_int_eq(lh_live_answer_parse("ok a.snap\n", out, sizeof(out)), 1);
	ck_assert_int_eq(lh_live_answer_parse("error disk full\n", out,
	                                      sizeof(out)), 0);
	ck_assert_str_eq(out, "disk full");
	ck_assert_int_eq(lh_live_answer_parse("maybe\n", out, sizeof(out)), -1);
}
END_TEST

/* Files longer than the reader's buffer are an error, not a prefix; files
 * of the protocol are private and written whole. */
START_TEST(protocol_files_are_private_whole_and_bounded)
{
	char buf[8], big[128];
	struct stat st;

	ck_assert_int_eq(lh_live_write(snaps, "f", "0123456"), 0);
	ck_assert_int_eq(stat(snaps, &st), 0);
	snprintf(big, sizeof(big), "%s/f", snaps);
	ck_assert_int_eq(stat(big, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(lh_live_read(snaps, "f", buf, sizeof(buf), 0), 0);
	ck_assert_str_eq(buf, "0123456");
	ck_assert_int_eq(lh_live_write(snaps, "f", "01234567"), 0);
	ck_assert_int_eq(lh_live_read(snaps, "f", buf, sizeof(buf), 0), EFBIG);
	ck_assert_int_eq(lh_live_read(snaps, "f", buf, sizeof(buf), 1), EFBIG);
	ck_assert_int_eq(lh_live_read(snaps, "f", buf, sizeof(buf), 1), ENOENT);
	ck_assert_int_eq(count_files(snaps), 0);
	ck_assert_int_eq(count_prefixed(snaps, "."), 2);   /* no .f.tmp */
}
END_TEST

Suite *live_suite(void)
{
	Suite *s = suite_create("live");
	TCase *tc = tcase_create("live");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, dumps_at_random_moments_are_exact_in_incremental_mode);
	tcase_add_test(tc, dumps_at_random_moments_are_exact_in_generational_mode);
	tcase_add_test(tc, disarm_puts_back_the_handler_and_the_program_hook);
	tcase_add_test(tc, a_signal_during_a_dump_is_answered_after_it_not_inside);
	tcase_add_test(tc, a_signal_inside_a_coroutine_is_answered_when_it_yields_or_polls);
	tcase_add_test(tc, a_server_looping_in_the_coroutine_that_armed_dumps_there);
	tcase_add_test(tc, requests_write_only_plain_names_inside_the_armed_dir_and_redact_as_armed);
	tcase_add_test(tc, a_removed_dir_fails_the_dump_and_the_state_goes_on);
	tcase_add_test(tc, closing_an_armed_state_disarms_it);
	tcase_add_test(tc, arm_refuses_what_it_cannot_honour);
	tcase_add_test(tc, many_states_arm_and_a_request_wakes_only_the_state_asked);
	tcase_add_test(tc, a_request_given_up_during_its_dump_leaves_no_snapshot_or_file);
	tcase_add_test(tc, a_request_from_a_cli_that_is_gone_keeps_nothing);
	tcase_add_test(tc, arm_under_a_memory_error_raises_and_keeps_nothing);
	tcase_add_test(tc, disarming_from_a_finalizer_during_the_dump_waits_for_its_end);
	tcase_add_test(tc, states_on_several_threads_each_answer_only_their_own_requests);
	tcase_add_test(tc, protocol_file_names_round_trip_whatever_the_state_name);
	tcase_add_test(tc, protocol_names_follow_one_rule);
	tcase_add_test(tc, protocol_texts_round_trip_and_long_values_are_errors);
	tcase_add_test(tc, protocol_files_are_private_whole_and_bounded);
	suite_add_tcase(s, tc);
	return s;
}

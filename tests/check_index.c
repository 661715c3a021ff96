/*
 * Unit tests of the analysis index: what an index gives back equals a
 * fresh analysis of the same snapshot (random heaps dumped by a real Lua,
 * and the dumper's test heap), and every damaged, stale, foreign or
 * misplaced index is ignored with a note and rebuilt, answers unchanged.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "luaheap/dump.h"
#include "luaheap/analysis.h"
#include "snapshot_internal.h"
#include "index_int.h"
#include "testlua.h"

/* A random heap of about n tables: fields with string, integer, float,
 * boolean and table keys, references among the tables, strings,
 * closures capturing tables, weak tables of every mode, metatables with
 * and without __name, parked coroutines; some of it garbage. */
static const char random_heap[] =
	"local n, seed, path = ...\n"
	"math.randomseed(seed)\n"
	"local r = math.random\n"
	"local t, strs = {}, {}\n"
	"for i = 1, n do t[i] = {} end\n"
	"for i = 1, n // 4 do strs[i] = 'str' .. r(1, 1e6) .. string.rep('x', r(0, 40)) end\n"
	"local modes = { 'k', 'v', 'kv' }\n"
	"for i = 1, n do\n"
	"  local o = t[i]\n"
	"  for _ = 1, r(0, 6) do\n"
	"    local k = r(1, 6)\n"
	"    local v = r(1, 3) == 1 and strs[r(1, #strs)] or t[r(1, n)]\n"
	"    if k == 1 then o[strs[r(1, #strs)]] = v\n"
	"    elseif k == 2 then o[r(1, 20)] = v\n"
	"    elseif k == 3 then o[r() + 0.5] = v\n"
	"    elseif k == 4 then o[t[r(1, n)]] = v\n"
	"    elseif k == 5 then local c = t[r(1, n)]; o.f = function() return c, v end\n"
	"    else o[r(1, 2) == 1] = v end\n"
	"  end\n"
	"  local m = r(1, 12)\n"
	"  if m == 1 then setmetatable(o, { __mode = modes[r(1, 3)] })\n"
	"  elseif m == 2 then setmetatable(o, { __name = 'Class' .. r(1, 5) })\n"
	"  elseif m == 3 then setmetatable(o, t[r(1, n)]) end\n"
	"end\n"
	"local keep = {}\n"
	"for i = 1, n, r(1, 3) do keep[#keep + 1] = t[i] end\n"
	"for i = 1, 3 do\n"
	"  local co = coroutine.create(function(x) local y = t[r(1, n)]; coroutine.yield(x, y) end)\n"
	"  coroutine.resume(co, t[r(1, n)])\n"
	"  keep[#keep + 1] = co\n"
	"end\n"
	"KEEP = keep\n"
	"t = nil\n"
	"assert(luaheap.dump(path))\n";

static char scratch[64];

static void make_scratch(void)
{
	char cache[128];

	snprintf(scratch, sizeof scratch, "/tmp/luaheap-index.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(scratch));
	snprintf(cache, sizeof cache, "%s/cache", scratch);
	setenv("XDG_CACHE_HOME", cache, 1);
}

/* Dumps a random heap (seed) or, with seed 0, the dumper's test heap. */
static void dump_heap(const char *path, int n, int seed)
{
	lua_State *L = tl_new_state(seed % 2);

	if (seed == 0) {
		tl_run(L, "HEAP = require('dump_heap').build()");
		lua_getglobal(L, "luaheap");
		lua_getfield(L, -1, "dump");
		lua_pushstring(L, path);
		ck_assert_int_eq(lua_pcall(L, 1, 2, 0), LUA_OK);
		ck_assert(lua_toboolean(L, -2));
	} else {
		ck_assert_int_eq(luaL_loadstring(L, random_heap), LUA_OK);
		lua_pushinteger(L, n);
		lua_pushinteger(L, seed);
		lua_pushstring(L, path);
		if (lua_pcall(L, 3, 0, 0) != LUA_OK)
			ck_abort_msg("Lua error: %s", lua_tostring(L, -1));
	}
	lua_close(L);
}

static lh_analysis *fresh(const char *path)
{
	lh_snapshot *s = NULL;
	lh_analysis *a = NULL;
	lh_error err;

	ck_assert_int_eq(lh_snapshot_load(&s, path, &err), LH_OK);
	ck_assert_int_eq(lh_analysis_new(&a, s, &err), LH_OK);
	a->own_snap = s;            /* freed with the analysis */
	return a;
}

/* Notes of one open, counted; the last kept. */
typedef struct notes {
	int n;
	char last[1200];
} notes;

static void on_note(void *ctx, const char *msg)
{
	notes *nt = ctx;

	nt->n++;
	snprintf(nt->last, sizeof nt->last, "%s", msg);
}

static lh_analysis *open_snap(const char *path, unsigned flags, notes *nt)
{
	lh_open_opts o;
	lh_analysis *a = NULL;
	lh_error err;

	memset(&o, 0, sizeof o);
	memset(nt, 0, sizeof *nt);
	o.flags = flags;
	o.note = on_note;
	o.ctx = nt;
	if (lh_analysis_open(&a, path, &o, &err) != LH_OK)
		ck_abort_msg("open %s: %s", path, err.msg);
	return a;
}

#define SAME_ARR(x, y, n) ck_assert_int_eq(memcmp((x), (y), \
	(size_t)(n) * sizeof *(x)), 0)

static void same_snapshot(const lh_snapshot *x, const lh_snapshot *y)
{
	uint32_t v, e;

	ck_assert_uint_eq(x->nobj, y->nobj);
	ck_assert_uint_eq(x->nedge, y->nedge);
	ck_assert_uint_eq(x->nroots, y->nroots);
	ck_assert_uint_eq(x->registry, y->registry);
	ck_assert_uint_eq(x->main_thread, y->main_thread);
	ck_assert_uint_eq(x->hdr.lua_total_bytes, y->hdr.lua_total_bytes);
	ck_assert_str_eq(x->hdr.label ? x->hdr.label : "",
		y->hdr.label ? y->hdr.label : "");
	SAME_ARR(x->size, y->size, x->nobj);
	SAME_ARR(x->type, y->type, x->nobj);
	SAME_ARR(x->list, y->list, x->nobj);
	SAME_ARR(x->edge_off, y->edge_off, x->nobj + 1);
	SAME_ARR(x->edge_to, y->edge_to, x->nedge);
	SAME_ARR(x->edge_kind, y->edge_kind, x->nedge);
	for (v = 0; v < x->nroots; v++)      /* field by field: padding */
		ck_assert(x->roots[v].kind == y->roots[v].kind &&
			x->roots[v].target == y->roots[v].target &&
			x->roots[v].index == y->roots[v].index);
	for (v = 0; v < x->nobj; v++) {
		size_t lx = 0, ly = 0;
		const char *sx = lh_snapshot_string(x, v, &lx);
		const char *sy = lh_snapshot_string(y, v, &ly);
		ck_assert_uint_eq(lh_snapshot_addr(x, v), lh_snapshot_addr(y, v));
		ck_assert_uint_eq(lh_snapshot_aux(x, v), lh_snapshot_aux(y, v));
		ck_assert_uint_eq(lx, ly);
		ck_assert(sx == NULL ? sy == NULL : memcmp(sx, sy, lx) == 0);
		ck_assert_int_eq(lh_snapshot_upvalue_open(x, v),
			lh_snapshot_upvalue_open(y, v));
	}
	for (e = 0; e < x->nedge; e++) {
		lh_label a, b;
		lh_snapshot_label(x, e, &a);
		lh_snapshot_label(y, e, &b);
		ck_assert(a.kind == b.kind && a.flags == b.flags && a.i == b.i &&
			a.ptr == b.ptr && a.obj == b.obj && a.slot == b.slot &&
			memcmp(&a.d, &b.d, sizeof a.d) == 0);
	}
}

/* Every result two analyses of one snapshot give, compared. */
static void same_analysis(const lh_analysis *x, const lh_analysis *y)
{
	const lh_classes *cx = x->classes, *cy = y->classes;
	uint32_t v, n = x->snap->nobj, i;

	same_snapshot(x->snap, y->snap);
	ck_assert_uint_eq(x->garbage_count, y->garbage_count);
	ck_assert_uint_eq(x->garbage_bytes, y->garbage_bytes);
	ck_assert_uint_eq(x->total_bytes, y->total_bytes);
	ck_assert_uint_eq(x->graph->nlive, y->graph->nlive);
	SAME_ARR(x->graph->livebits, y->graph->livebits, n / 32 + 1);
	ck_assert_uint_eq(x->dom->nlive, y->dom->nlive);
	ck_assert_uint_eq(x->dom->live_bytes, y->dom->live_bytes);
	SAME_ARR(x->dom->idom, y->dom->idom, n);
	SAME_ARR(x->dom->order, y->dom->order, x->dom->nlive);
	ck_assert_uint_eq(cx->nclass, cy->nclass);
	for (v = 0; v < n; v++) {
		ck_assert_uint_eq(lh_dom_retained(x->dom, v),
			lh_dom_retained(y->dom, v));
		ck_assert_uint_eq(x->bfs->via[v], y->bfs->via[v]);
		ck_assert_uint_eq(lh_bfs_parent(x->bfs, v),
			lh_bfs_parent(y->bfs, v));
		ck_assert_uint_eq(lh_class_of(cx, v), lh_class_of(cy, v));
	}
	for (i = 0; i < cx->nclass; i++) {
		ck_assert_str_eq(cx->name[i], cy->name[i]);
		ck_assert_int_eq(memcmp(&cx->live[i], &cy->live[i],
			sizeof cx->live[i]), 0);
	}
	ck_assert_int_eq(memcmp(cx->types, cy->types, sizeof cx->types), 0);
}

/* The text of summary-like rankings and paths, which must not change. */
static void same_reports(const lh_analysis *x, const lh_analysis *y)
{
	lh_top_row *rx = NULL, *ry = NULL;
	uint32_t nx = 0, ny = 0, i;
	lh_error err;

	ck_assert_int_eq(lh_analysis_top(&rx, &nx, x, LH_BY_RETAINED,
		LH_GROUP_CLASS, 0, &err), LH_OK);
	ck_assert_int_eq(lh_analysis_top(&ry, &ny, y, LH_BY_RETAINED,
		LH_GROUP_CLASS, 0, &err), LH_OK);
	ck_assert_uint_eq(nx, ny);
	for (i = 0; i < nx; i++) {
		lh_strbuf a, b;
		ck_assert_str_eq(rx[i].name, ry[i].name);
		ck_assert_uint_eq(rx[i].retained, ry[i].retained);
		lh_strbuf_init(&a);
		lh_strbuf_init(&b);
		lh_analysis_render_path(&a, x, rx[i].obj, 0);
		lh_analysis_render_path(&b, y, ry[i].obj, 0);
		ck_assert_uint_eq(a.len, b.len);
		ck_assert(a.len == 0 || memcmp(a.buf, b.buf, a.len) == 0);
		lh_strbuf_release(&a);
		lh_strbuf_release(&b);
	}
	free(rx);
	free(ry);
}

static void snap_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", scratch, name);
}

START_TEST(index_gives_back_what_a_fresh_analysis_finds)
{
	char path[128], ipath[160];
	struct stat st;
	notes nt;
	int seed = _i;              /* 0: the dumper's test heap */

	make_scratch();
	snap_path(path, sizeof path, "h.snap");
	dump_heap(path, 300 + 500 * seed, seed);
	{
		lh_analysis *f = fresh(path);
		lh_analysis *w = open_snap(path, 0, &nt);   /* writes it */
		lh_analysis *r = open_snap(path, 0, &nt);   /* maps it */

		snprintf(ipath, sizeof ipath, "%s%s", path, LH_INDEX_SUFFIX);
		ck_assert_int_eq(stat(ipath, &st), 0);
		ck_assert_int_eq(st.st_mode & 0777, 0600);
		ck_assert_int_eq(lh_analysis_indexed(w), 0);
		ck_assert_int_eq(lh_analysis_indexed(r), 1);
		ck_assert_str_eq(lh_analysis_index_path(r), ipath);
		ck_assert_int_eq(nt.n, 0);
		same_analysis(f, w);
		same_analysis(f, r);
		same_reports(f, r);
		lh_analysis_free(f);
		lh_analysis_free(w);
		lh_analysis_free(r);
	}
	tl_rm_dir(scratch);
}
END_TEST

/* Opens path, which must ignore its index with a note naming 'why',
 * rebuild it, and answer as the fresh analysis f does. */
static void rebuilt(const char *path, const lh_analysis *f, const char *why)
{
	notes nt;
	lh_analysis *a = open_snap(path, 0, &nt);

	ck_assert_int_eq(lh_analysis_indexed(a), 0);
	ck_assert_msg(nt.n == 1 && strstr(nt.last, why) != NULL,
		"%d notes, last '%s', wanted '%s'", nt.n, nt.last, why);
	same_analysis(f, a);
	lh_analysis_free(a);
}

/* Opens path, which must map its index with no note, and answer as the
 * fresh analysis f does (the twin of rebuilt). */
static void believed(const char *path, const lh_analysis *f)
{
	notes nt;
	lh_analysis *a = open_snap(path, 0, &nt);

	ck_assert_int_eq(lh_analysis_indexed(a), 1);
	ck_assert_int_eq(nt.n, 0);
	same_analysis(f, a);
	lh_analysis_free(a);
}

/* The index after a good open, read whole. */
static char *read_all(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	char *b;
	long n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	ck_assert(fread(b, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void write_as(const char *p, const char *b, size_t n, mode_t mode)
{
	int fd;

	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert(write(fd, b, n) == (ssize_t)n);
	fchmod(fd, mode);
	close(fd);
}

/* A new scratch directory with a random heap's snapshot h.snap (its
 * name into path, its index's into ipath; 128 and 160 bytes), indexed by
 * one open; returns a fresh analysis of it. */
static lh_analysis *indexed_heap(char *path, char *ipath, int n, int seed)
{
	lh_analysis *f;
	notes nt;

	make_scratch();
	snap_path(path, 128, "h.snap");
	snprintf(ipath, 160, "%s%s", path, LH_INDEX_SUFFIX);
	dump_heap(path, n, seed);
	f = fresh(path);
	lh_analysis_free(open_snap(path, 0, &nt));
	return f;
}

START_TEST(damaged_index_is_ignored_and_rebuilt_at_every_section)
{
	char path[128], ipath[160];
	const idx_header *h;
	const idx_sect *t;
	lh_analysis *f, *a;
	size_t len;
	char *good;
	uint32_t i;
	notes nt;

	f = indexed_heap(path, ipath, 800, 7);
	good = read_all(ipath, &len);
	h = (const idx_header *)good;
	t = (const idx_sect *)(good + sizeof *h);
	ck_assert_uint_gt(h->nsect, 40);
	/* truncated: inside the header, the table, and every section */
	write_as(ipath, good, 0, 0600);
	rebuilt(path, f, "truncated");
	write_as(ipath, good, sizeof *h + 8, 0600);
	rebuilt(path, f, "truncated");
	for (i = 0; i < h->nsect; i++) {
		uint64_t bytes = t[i].elem * t[i].count;
		if (bytes == 0)
			continue;
		write_as(ipath, good, t[i].off + bytes / 2, 0600);
		rebuilt(path, f, "out of bounds");
		/* a byte flipped in the middle of the section */
		good[t[i].off + bytes / 2] ^= 0x40;
		write_as(ipath, good, len, 0600);
		good[t[i].off + bytes / 2] ^= 0x40;
		rebuilt(path, f, "checksum");
	}
	/* flipped in the table; in the binding; in the version */
	good[sizeof *h + 3 * sizeof *t + 20] ^= 1;
	write_as(ipath, good, len, 0600);
	good[sizeof *h + 3 * sizeof *t + 20] ^= 1;
	rebuilt(path, f, "checksum");
	good[offsetof(idx_header, snap_sum)] ^= 1;
	write_as(ipath, good, len, 0600);
	good[offsetof(idx_header, snap_sum)] ^= 1;
	rebuilt(path, f, "another snapshot");
	good[offsetof(idx_header, version)] ^= 1;
	write_as(ipath, good, len, 0600);
	good[offsetof(idx_header, version)] ^= 1;
	rebuilt(path, f, "another version");
	/* writable by others, not a luaheap index */
	write_as(ipath, good, len, 0666);
	rebuilt(path, f, "writable by others");
	write_as(ipath, "#!/bin/sh\nrm -rf /\n", 19, 0600);
	rebuilt(path, f, "truncated");
	memset(good, 'x', 8);
	write_as(ipath, good, len, 0600);
	rebuilt(path, f, "not a luaheap index");
	/* after all that, the last rebuilt index is believed */
	a = open_snap(path, 0, &nt);
	ck_assert_int_eq(lh_analysis_indexed(a), 1);
	ck_assert_int_eq(nt.n, 0);
	lh_analysis_free(a);
	free(good);
	lh_analysis_free(f);
	tl_rm_dir(scratch);
}
END_TEST

/* A copy of good with one stored index of section sec set to x, the
 * section's checksum and the header's made to match: only the range
 * checks can refuse it. */
static char *forged(char *good, size_t len, uint32_t sec, uint32_t at,
	uint32_t x)
{
	idx_header *h = (idx_header *)good;
	idx_sect *t = (idx_sect *)(good + sizeof *h);
	char *copy = malloc(len);
	uint32_t old;

	memcpy(&old, good + t[sec].off + 4 * (size_t)at, 4);
	memcpy(good + t[sec].off + 4 * (size_t)at, &x, 4);
	t[sec].sum = lh_index__sum(good + t[sec].off, t[sec].elem * t[sec].count);
	h->crc = 0;
	h->crc = lh_crc32(lh_crc32(0, h, sizeof *h), t, h->nsect * sizeof *t);
	memcpy(copy, good, len);
	memcpy(good + t[sec].off + 4 * (size_t)at, &old, 4);
	t[sec].sum = lh_index__sum(good + t[sec].off, t[sec].elem * t[sec].count);
	h->crc = 0;
	h->crc = lh_crc32(lh_crc32(0, h, sizeof *h), t, h->nsect * sizeof *t);
	return copy;
}

/* The forged copy written to ipath as a new file. */
static void forge(const char *ipath, char *good, size_t len, uint32_t sec,
	uint32_t at, uint32_t x)
{
	char *copy = forged(good, len, sec, at, x);

	write_as(ipath, copy, len, 0600);
	free(copy);
}

START_TEST(forged_index_with_good_checksums_is_still_not_believed)
{
	char path[128], ipath[160];
	lh_analysis *f, *a;
	size_t len;
	char *good;
	notes nt;

	f = indexed_heap(path, ipath, 700, 9);
	good = read_all(ipath, &len);
	/* the forging itself is right: an unchanged value is believed */
	forge(ipath, good, len, IDX_S_EDGE_TO, 0, f->snap->edge_to[0]);
	a = open_snap(path, 0, &nt);
	ck_assert_int_eq(lh_analysis_indexed(a), 1);
	lh_analysis_free(a);
	forge(ipath, good, len, IDX_S_EDGE_TO, 0, f->snap->nobj);
	rebuilt(path, f, "inconsistent edges");
	forge(ipath, good, len, IDX_S_IDOM, 0, f->snap->nobj + 5);
	rebuilt(path, f, "inconsistent dominators");
	forge(ipath, good, len, IDX_S_VIA, 0, f->snap->nedge + 1);
	rebuilt(path, f, "inconsistent root paths");
	{       /* a reached object's path entering through another's edge,
		 * and one whose parent is unreached (a loop or a dead end) */
		uint32_t v, e;
		for (v = 0; v < f->snap->nobj; v++)
			if (f->bfs->via[v] != LH_NONE &&
			    lh_bfs_parent(f->bfs, v) != LH_DOM_VROOT)
				break;
		ck_assert_uint_lt(v, f->snap->nobj);
		for (e = 0; f->snap->edge_to[e] == v; e++)
			;
		forge(ipath, good, len, IDX_S_VIA, v, e);
		rebuilt(path, f, "inconsistent root paths");
		forge(ipath, good, len, IDX_S_VIA, lh_bfs_parent(f->bfs, v),
			LH_NONE);
		rebuilt(path, f, "inconsistent root paths");
	}
	free(good);
	lh_analysis_free(f);
	tl_rm_dir(scratch);
}
END_TEST

START_TEST(index_of_another_snapshot_is_not_believed)
{
	char a[128], b[128], ia[160], ib[160];
	lh_analysis *f;
	size_t len;
	char *idx;
	notes nt;

	make_scratch();
	snap_path(a, sizeof a, "a.snap");
	snap_path(b, sizeof b, "b.snap");
	snprintf(ia, sizeof ia, "%s%s", a, LH_INDEX_SUFFIX);
	snprintf(ib, sizeof ib, "%s%s", b, LH_INDEX_SUFFIX);
	dump_heap(a, 500, 3);
	dump_heap(b, 500, 4);
	lh_analysis_free(open_snap(a, 0, &nt));
	idx = read_all(ia, &len);
	write_as(ib, idx, len, 0600);
	f = fresh(b);
	rebuilt(b, f, "another snapshot");
	lh_analysis_free(f);
	/* the snapshot rewritten in place (same name, new contents) */
	dump_heap(a, 500, 5);
	f = fresh(a);
	rebuilt(a, f, "another snapshot");
	lh_analysis_free(f);
	free(idx);
	tl_rm_dir(scratch);
}
END_TEST

/* With a directory in the index's place (ipath): rebuilt with a note,
 * written to the cache instead and found there; returns that open. */
static lh_analysis *sent_to_cache(const char *path, const char *ipath,
	const lh_analysis *f)
{
	lh_analysis *a;
	notes nt;

	unlink(ipath);
	ck_assert_int_eq(mkdir(ipath, 0700), 0);
	rebuilt(path, f, "not a regular file");
	a = open_snap(path, 0, &nt);
	ck_assert_int_eq(lh_analysis_indexed(a), 1);
	ck_assert_ptr_nonnull(strstr(lh_analysis_index_path(a), "/cache/luaheap/"));
	same_analysis(f, a);
	return a;
}

START_TEST(directory_or_fifo_in_the_index_place_is_ignored)
{
	char path[128], ipath[160];
	lh_analysis *f, *a;
	notes nt;

	make_scratch();
	snap_path(path, sizeof path, "h.snap");
	snprintf(ipath, sizeof ipath, "%s%s", path, LH_INDEX_SUFFIX);
	dump_heap(path, 600, 2);
	f = fresh(path);
	ck_assert_int_eq(mkfifo(ipath, 0600), 0);
	rebuilt(path, f, "not a regular file");
	a = open_snap(path, 0, &nt);          /* the FIFO was replaced */
	ck_assert_int_eq(lh_analysis_indexed(a), 1);
	lh_analysis_free(a);
	lh_analysis_free(sent_to_cache(path, ipath, f));
	/* and --no-index touches neither */
	a = open_snap(path, LH_OPEN_NO_INDEX, &nt);
	ck_assert_int_eq(lh_analysis_indexed(a), 0);
	ck_assert_ptr_null(lh_analysis_index_path(a));
	lh_analysis_free(a);
	lh_analysis_free(f);
	tl_rm_dir(scratch);
}
END_TEST

/* In a process that cannot write the snapshot's directory (as root: one
 * that gives up root), the index goes to the cache directory. */
START_TEST(unwritable_directory_sends_the_index_to_the_cache)
{
	char path[192], dir[128], cache[160];
	pid_t pid;
	int status;

	make_scratch();
	snprintf(dir, sizeof dir, "%s/ro", scratch);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(path, sizeof path, "%s/h.snap", dir);
	dump_heap(path, 600, 6);
	chmod(path, 0644);
	snprintf(cache, sizeof cache, "%s/cache", scratch);
	ck_assert_int_eq(mkdir(cache, 0777), 0);
	chmod(cache, 0777);
	chmod(scratch, 0755);
	chmod(dir, 0555);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		lh_analysis *w, *r;
		notes nt;
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(3);
		w = open_snap(path, 0, &nt);
		r = open_snap(path, 0, &nt);
		if (lh_analysis_indexed(w) || !lh_analysis_indexed(r) ||
		    strstr(lh_analysis_index_path(r), "/cache/luaheap/") == NULL ||
		    access(path, F_OK) != 0)
			_exit(1);
		same_analysis(w, r);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	chmod(dir, 0755);
	tl_rm_dir(scratch);
}
END_TEST

/* The section checksum is the CRC-32C of each third, as lh_crc32's
 * tables compute it, whatever the length and alignment; a flipped bit in
 * any third changes it. */
START_TEST(section_checksum_is_three_crcs)
{
	static const uint64_t lens[] = { 0, 1, 7, 8, 23, 24, 25, 47, 48, 49,
		95, 100, 4099, (1u << 20) + 13 };
	unsigned char *buf = malloc((1u << 20) + 32);
	uint64_t n, third, a, b, c, want, got;
	size_t i, at;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < (1u << 20) + 32; i++)
		buf[i] = (unsigned char)(i * 2654435761u >> 13);
	for (i = 0; i < sizeof lens / sizeof *lens; i++)
		for (at = 0; at < 3; at++) {     /* unaligned starts too */
			n = lens[i];
			third = n / 24 * 8;
			lh_crc32_hw(0);
			a = lh_crc32(0, buf + at, third);
			b = lh_crc32(0, buf + at + third, third);
			c = lh_crc32(0, buf + at + 2 * third, n - 2 * third);
			lh_crc32_hw(1);
			want = (a ^ (c << 16 | c >> 16)) << 32 | b;
			got = lh_index__sum(buf + at, n);
			ck_assert_msg(got == want, "length %llu at %zu",
				(unsigned long long)n, at);
			if (n < 24)
				continue;
			buf[at + n / 6] ^= 4;           /* first third */
			ck_assert(lh_index__sum(buf + at, n) != want);
			buf[at + n / 6] ^= 4;
			buf[at + n / 2] ^= 4;           /* second */
			ck_assert(lh_index__sum(buf + at, n) != want);
			buf[at + n / 2] ^= 4;
			buf[at + n - 1] ^= 4;           /* last byte */
			ck_assert(lh_index__sum(buf + at, n) != want);
			buf[at + n - 1] ^= 4;
		}
	free(buf);
}
END_TEST

/* The trust records in the cache directory: how many, each mode 0600. */
static int trust_records(void)
{
	char dir[160], p[512];
	struct dirent *d;
	struct stat st;
	DIR *dp;
	int k = 0;

	snprintf(dir, sizeof dir, "%s/cache/luaheap", scratch);
	if ((dp = opendir(dir)) == NULL)
		return 0;
	while ((d = readdir(dp)) != NULL) {
		size_t l = strlen(d->d_name);
		if (l < 8 || strcmp(d->d_name + l - 8, ".lhtrust") != 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, d->d_name);
		ck_assert_int_eq(stat(p, &st), 0);
		ck_assert_int_eq(st.st_mode & 0777, 0600);
		k++;
	}
	closedir(dp);
	return k;
}

/* An index checked in full is recorded as trusted (its range checks
 * skipped next time); changed in place afterwards (same inode, checksums
 * made to match) it is checked in full again and refused. A record that
 * is a FIFO or a directory is ignored without blocking. */
START_TEST(trusted_index_changed_in_place_is_checked_again)
{
	char path[128], ipath[160], tp[512];
	struct stat before, after;
	lh_analysis *f, *a;
	size_t len;
	char *good, *bad;
	notes nt;
	int fd;

	f = indexed_heap(path, ipath, 700, 11);
	usleep(60000);                  /* the clock passes its ctime */
	a = open_snap(path, 0, &nt);    /* checks it in full: a record */
	ck_assert_int_eq(lh_analysis_indexed(a), 1);
	lh_analysis_free(a);
	ck_assert_int_eq(trust_records(), 1);
	believed(path, f);              /* on the record */
	/* an edge target out of range, written over the same file */
	good = read_all(ipath, &len);
	bad = forged(good, len, IDX_S_EDGE_TO, 0, f->snap->nobj);
	ck_assert_int_eq(stat(ipath, &before), 0);
	fd = open(ipath, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert(pwrite(fd, bad, len, 0) == (ssize_t)len);
	close(fd);
	ck_assert_int_eq(stat(ipath, &after), 0);
	ck_assert(before.st_ino == after.st_ino);
	rebuilt(path, f, "inconsistent edges");
	/* the same, a while after the record of the rebuilt index */
	usleep(60000);
	lh_analysis_free(open_snap(path, 0, &nt));
	usleep(60000);
	fd = open(ipath, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	free(good);
	good = read_all(ipath, &len);
	free(bad);
	bad = forged(good, len, IDX_S_IDOM, 0, f->snap->nobj + 5);
	ck_assert(pwrite(fd, bad, len, 0) == (ssize_t)len);
	close(fd);
	rebuilt(path, f, "inconsistent dominators");
	/* records that are no regular file */
	{
		DIR *dp;
		struct dirent *d;
		char dir[160];
		snprintf(dir, sizeof dir, "%s/cache/luaheap", scratch);
		dp = opendir(dir);
		ck_assert_ptr_nonnull(dp);
		tp[0] = '\0';
		while ((d = readdir(dp)) != NULL)
			if (strstr(d->d_name, ".lhtrust") != NULL)
				snprintf(tp, sizeof tp, "%s/%s", dir, d->d_name);
		closedir(dp);
		ck_assert(tp[0] != '\0');
		unlink(tp);
		ck_assert_int_eq(mkfifo(tp, 0600), 0);
		a = open_snap(path, 0, &nt);
		ck_assert_int_eq(lh_analysis_indexed(a), 1);
		ck_assert_int_eq(nt.n, 0);
		lh_analysis_free(a);
		unlink(tp);
		ck_assert_int_eq(mkdir(tp, 0700), 0);
		believed(path, f);
	}
	free(good);
	free(bad);
	lh_analysis_free(f);
	tl_rm_dir(scratch);
}
END_TEST

/* Whether any index or temporary index file lies in dir or below. */
static int any_index(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char sub[512];
	int found = 0;

	if (d == NULL)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
		found = strstr(e->d_name, LH_INDEX_SUFFIX) != NULL ||
			any_index(sub);
	}
	closedir(d);
	return found;
}

/* A heap big enough (2^16 objects) that its index is written on a second
 * thread while the dominators run: the same bytes as when written after
 * the analysis on one thread (LUAHEAP_THREADS=1), read back as a fresh
 * analysis; with a directory in its place, the same bytes in the cache
 * (written again from the start after the rename failed), unless its
 * arrays lay in the pages of the first file (they are then copied, each
 * after the one before, and sent_to_cache checks the answers). */
START_TEST(index_written_beside_the_analysis_is_the_one_written_after_it)
{
	char path[128], ipath[160];
	char *two, *one, *cached;
	size_t n2, n1, nc;
	lh_analysis *f, *a;
	notes nt;

	f = indexed_heap(path, ipath, 30000, 7);
	ck_assert_uint_ge(f->snap->nobj, 1u << 16);
	two = read_all(ipath, &n2);
	setenv("LUAHEAP_THREADS", "1", 1);
	lh_analysis_free(open_snap(path, LH_OPEN_REBUILD, &nt));
	unsetenv("LUAHEAP_THREADS");
	ck_assert_int_eq(nt.n, 0);
	one = read_all(ipath, &n1);
	ck_assert_uint_eq(n1, n2);
	ck_assert_int_eq(memcmp(one, two, n1), 0);
	a = open_snap(path, 0, &nt);
	ck_assert_int_eq(lh_analysis_indexed(a), 1);
	ck_assert_int_eq(nt.n, 0);
	same_analysis(f, a);
	same_reports(f, a);
	lh_analysis_free(a);
	a = sent_to_cache(path, ipath, f);
	cached = read_all(lh_analysis_index_path(a), &nc);
	if (lh_arena__min == LH_ARENA_MIN) {   /* else placed anew, copied */
		ck_assert_uint_eq(nc, n1);
		ck_assert_int_eq(memcmp(cached, one, n1), 0);
	}
	lh_analysis_free(a);
	free(two);
	free(one);
	free(cached);
	lh_analysis_free(f);
	tl_rm_dir(scratch);
}
END_TEST

/* In a child whose files cannot grow past 'limit' bytes while it opens
 * path (a full disk for the index, beside the snapshot and in the cache;
 * lifted around the checks, whose messages Check writes to a file): one
 * note, the answers of a fresh analysis, and an error when the index
 * must be written. Returns the child's exit status (0: as expected). */
static int cut_short(const char *path, const lh_analysis *f, rlim_t limit,
	const char *threads)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rlimit on = { limit, RLIM_INFINITY };
		struct rlimit off = { RLIM_INFINITY, RLIM_INFINITY };
		lh_open_opts o;
		lh_analysis *a, *b = NULL;
		lh_error err;
		notes nt;
		int rc;

		signal(SIGXFSZ, SIG_IGN);
		setenv("LUAHEAP_THREADS", threads, 1);
		memset(&o, 0, sizeof o);
		o.flags = LH_OPEN_MUST_WRITE;
		if (setrlimit(RLIMIT_FSIZE, &on) != 0)
			_exit(3);
		a = open_snap(path, 0, &nt);
		rc = lh_analysis_open(&b, path, &o, &err);
		if (setrlimit(RLIMIT_FSIZE, &off) != 0)
			_exit(3);
		if (lh_analysis_indexed(a) || lh_analysis_index_path(a) != NULL ||
		    nt.n != 1 || strstr(nt.last, "cannot write an index") == NULL ||
		    strstr(nt.last, strerror(EFBIG)) == NULL)
			_exit(1);
		if (rc != LH_EIO || b != NULL ||
		    strstr(err.msg, "cannot write an index") == NULL)
			_exit(2);
		same_analysis(f, a);
		lh_analysis_free(a);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* A write that fails anywhere in the index (at its first bytes, in the
 * sections written beside the dominators, at its last byte; on one
 * thread, in the middle) leaves neither an index nor a temporary file;
 * once there is room, the index written is the one written before. */
START_TEST(index_cut_short_by_a_full_disk_leaves_no_file)
{
	char path[128], ipath[160];
	const char *threads[] = { "2", "2", "2", "1" };
	char *good, *again;
	size_t len, n;
	rlim_t at[4];
	notes nt;
	lh_analysis *f = indexed_heap(path, ipath, 30000, 8);
	int i;

	ck_assert_uint_ge(f->snap->nobj, 1u << 16);
	/* the limits from the length of the index written one array after
	 * the other: one kept in its own pages has holes (a longer file) */
	setenv("LUAHEAP_ARENA", "0", 1);
	lh_analysis_free(open_snap(path, LH_OPEN_REBUILD, &nt));
	unsetenv("LUAHEAP_ARENA");
	free(read_all(ipath, &len));
	lh_analysis_free(open_snap(path, LH_OPEN_REBUILD, &nt));
	ck_assert_int_eq(nt.n, 0);
	good = read_all(ipath, &n);
	at[0] = 100;
	at[1] = len / 3;
	at[2] = len - 1;
	at[3] = len / 2;
	len = n;
	for (i = 0; i < 4; i++) {
		unlink(ipath);
		ck_assert_msg(cut_short(path, f, at[i], threads[i]) == 0,
			"limit %lu, threads %s", (unsigned long)at[i], threads[i]);
		ck_assert_msg(!any_index(scratch), "file left at limit %lu",
			(unsigned long)at[i]);
	}
	lh_analysis_free(open_snap(path, 0, &nt));
	ck_assert_int_eq(nt.n, 0);
	again = read_all(ipath, &n);
	ck_assert_uint_eq(n, len);
	ck_assert_int_eq(memcmp(again, good, len), 0);
	free(good);
	free(again);
	lh_analysis_free(f);
	tl_rm_dir(scratch);
}
END_TEST


/* ---- arrays kept in the index file's own pages (arena.c) ---- */

/* Every array of a heap goes to the arena, however small. */
static void arena_everything(void)
{
	lh_arena__min = 1;
}

/* The regions of an arena are the file's bytes: what is stored through
 * a mapping is read back from the file; a region given back reads as
 * zeros and holds no blocks; a shrunk one keeps its head; reservations
 * come past every region; no region after the arena is closed, and none
 * where the disk cannot take one (the file opened read-only). */
START_TEST(arena_regions_are_the_file_bytes)
{
	char path[96], buf[8192];
	struct stat st0, st1;
	uint64_t off1, off2, r;
	unsigned char *p, *q;
	lh_arena *a;
	int fd, ro;

	make_scratch();
	snprintf(path, sizeof path, "%s/arena", scratch);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(a = lh_arena__new(fd, 100));
	ck_assert_ptr_nonnull(p = lh_arena__alloc(a, 3u << 20));
	ck_assert_ptr_nonnull(q = lh_arena__alloc(a, 5000));
	ck_assert_int_eq((uintptr_t)p % (2u << 20), 0);
	ck_assert(lh_arena__owns(a, p + 5, &off1) && off1 % (2u << 20) == 5);
	ck_assert(lh_arena__owns(a, q, &off2) && off2 >= off1 + (3u << 20) - 5);
	ck_assert(!lh_arena__owns(a, buf, NULL));
	memset(p, 0xab, 3u << 20);
	memset(q, 0xcd, 5000);
	ck_assert(pread(fd, buf, 5000, (off_t)off2) == 5000);
	ck_assert(buf[0] == (char)0xcd && buf[4999] == (char)0xcd);
	ck_assert_int_eq(fstat(fd, &st0), 0);
	lh_arena__shrink(a, p, 8192);       /* keeps two pages */
	ck_assert(pread(fd, buf, 8192, (off_t)off1 - 5) == 8192);
	ck_assert(buf[0] == (char)0xab && buf[8191] == (char)0xab);
	ck_assert(pread(fd, buf, 16, (off_t)(off1 - 5 + 8192)) == 16);
	ck_assert(buf[0] == 0 && buf[15] == 0);
	ck_assert_int_eq(fstat(fd, &st1), 0);
	ck_assert_int_lt(st1.st_blocks, st0.st_blocks);
	lh_arena__release(a, q);
	ck_assert(!lh_arena__owns(a, q, NULL));
	ck_assert(pread(fd, buf, 16, (off_t)off2) == 16);
	ck_assert(buf[0] == 0 && buf[15] == 0);
	r = lh_arena__reserve(a, 10, 64);
	ck_assert(r % 64 == 0 && r >= off2 + 5000);
	lh_arena__close(a);
	ck_assert_ptr_null(lh_arena__alloc(a, 100));
	ck_assert(p[8191] == 0xab);         /* the mapping stays */
	lh_arena__unref(a);
	close(fd);
	ro = open(path, O_RDONLY);
	ck_assert_int_ge(ro, 0);
	ck_assert_ptr_nonnull(a = lh_arena__new(ro, 0));
	ck_assert_ptr_null(lh_arena__alloc(a, 100));
	lh_arena__unref(a);
	close(ro);
	tl_rm_dir(scratch);
}
END_TEST

/* The analysis that writes the index keeps its references in the file:
 * the index's edge section is the array the analysis used, noted where it
 * lay, not a copy, and so are its dominators and root paths; the arrays in the file need not come in table order;
 * the reports made from that analysis change none of its bytes. */
START_TEST(index_notes_the_arrays_kept_in_its_pages)
{
	char path[128], ipath[160];
	const idx_sect *tab;
	uint64_t off;
	size_t len;
	uint32_t i, back = 0;
	char *idx;
	notes nt;
	lh_analysis *f = indexed_heap(path, ipath, 3000, 4);
	lh_analysis *w;

	unlink(ipath);
	w = open_snap(path, 0, &nt);
	ck_assert_int_eq(nt.n, 0);
	ck_assert(lh_arena__owns(((lh_snap_internal *)w->snap->internal)->arena,
		w->snap->edge_to,
		&off));
	idx = read_all(ipath, &len);
	tab = (const idx_sect *)(idx + sizeof(idx_header));
	ck_assert_uint_eq(tab[IDX_S_EDGE_TO].off, off);
	/* and the results computed on two threads, in their planned places */
	ck_assert(lh_arena__owns(((lh_snap_internal *)w->snap->internal)->arena,
		w->dom->idom, &off));
	ck_assert_uint_eq(tab[IDX_S_IDOM].off, off);
	ck_assert(lh_arena__owns(((lh_snap_internal *)w->snap->internal)->arena,
		w->bfs->via, &off));
	ck_assert_uint_eq(tab[IDX_S_VIA].off, off);
	for (i = 2; i < ((const idx_header *)idx)->nsect; i++)
		back += tab[i].count > 0 && tab[i - 1].count > 0 &&
			tab[i].off < tab[i - 1].off;
	ck_assert_uint_gt(back, 0);
	same_analysis(f, w);
	same_reports(f, w);
	free(idx);
	lh_analysis_free(w);
	/* nothing wrote into the file's pages after it was sealed: the
	 * reports above left its checksums good */
	believed(path, f);
	lh_analysis_free(f);
	tl_rm_dir(scratch);
}
END_TEST

Suite *index_suite(void)
{
	Suite *s = suite_create("index");
	TCase *tc = tcase_create("index");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, index_gives_back_what_a_fresh_analysis_finds,
		0, 7);
	tcase_add_test(tc, damaged_index_is_ignored_and_rebuilt_at_every_section);
	tcase_add_test(tc, index_of_another_snapshot_is_not_believed);
	tcase_add_test(tc, forged_index_with_good_checksums_is_still_not_believed);
	tcase_add_test(tc, directory_or_fifo_in_the_index_place_is_ignored);
	tcase_add_test(tc, unwritable_directory_sends_the_index_to_the_cache);
	tcase_add_test(tc, section_checksum_is_three_crcs);
	tcase_add_test(tc, trusted_index_changed_in_place_is_checked_again);
	tcase_add_test(tc,
		index_written_beside_the_analysis_is_the_one_written_after_it);
	tcase_add_test(tc, index_cut_short_by_a_full_disk_leaves_no_file);
	tcase_add_test(tc, arena_regions_are_the_file_bytes);
	suite_add_tcase(s, tc);
	/* the same with every array of the heap in the index's pages */
	tc = tcase_create("index in its pages");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, arena_everything, NULL);
	tcase_add_test(tc, index_notes_the_arrays_kept_in_its_pages);
	tcase_add_loop_test(tc, index_gives_back_what_a_fresh_analysis_finds,
		0, 7);
	tcase_add_test(tc, damaged_index_is_ignored_and_rebuilt_at_every_section);
	tcase_add_test(tc, unwritable_directory_sends_the_index_to_the_cache);
	tcase_add_test(tc, trusted_index_changed_in_place_is_checked_again);
	tcase_add_test(tc,
		index_written_beside_the_analysis_is_the_one_written_after_it);
	tcase_add_test(tc, index_cut_short_by_a_full_disk_leaves_no_file);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * Unit tests of the diff module on snapshots written in the test: identity
 * across address reuse, folding of sibling containers, maps and chains,
 * ranking of suspects by growth, and the thresholds (noise floor, a table
 * that only rehashed).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "luaheap/diff.h"
#include "diff_int.h"
#include "snapshot_internal.h"
#include "testsnap.h"

/*
 * The world at round r (1, 2, 3: the snapshots A, B, C of one process):
 *   _G.Index.kind0 .. kind3   computed keys, each an old table that keeps
 *                             two more items every round (the leak)
 *   _G.Map.cells[1][c]        a map of maps: row 1 gains one cell a round
 *   _G.head.next.next...      a list growing at its head, two nodes a round
 *   _G.Window[1..4]           a window whose four entries are replaced by
 *                             new tables every round; from round 2 on the
 *                             table is bigger (it rehashed), not fuller
 *   _G.Tmp.x / _G.Other[1]    one address, 0x900: in round 1 the table at
 *                             _G.Tmp.x, later a new table at _G.Other[1]
 * Names written in the program ("Index", "Map", "cells", ...) are
 * constants of a proto; "kind0".."kind3" are not (computed).
 */
#define ITEM(r, k, i) (0x10000u + (r) * 0x1000u + (k) * 0x100u + (i) * 0x10u)
#define CELL(c) (0x20000u + (c) * 0x10u)
#define NODE(n) (0x30000u + (n) * 0x10u)
#define WIN(r, i) (0x40000u + (r) * 0x100u + (i) * 0x10u)

static void obj(jbuf *j, unsigned id, const char *type, unsigned size,
	const char *extra, const char *edges)
{
	jput(j, "%s{\"id\":\"0x%x\",\"type\":\"%s\",\"list\":\"allgc\","
		"\"marked\":0,\"size\":%u%s%s,\"edges\":[%s]}",
		j->nobj++ ? ",\n" : "", id, type, size, extra[0] ? "," : "",
		extra, edges);
}

/* A table of 'entries' entries (its size grows with them, or 'size'). */
static void table(jbuf *j, unsigned id, unsigned entries, unsigned size,
	const char *edges)
{
	char extra[160];

	snprintf(extra, sizeof extra, "\"asize\":0,\"nodes\":0,\"weak\":\"\","
		"\"array_entries\":0,\"hash_entries\":%u", entries);
	obj(j, id, "table", size ? size : 56 + 32 * entries, extra, edges);
}

static void str(jbuf *j, unsigned id, const char *text)
{
	char extra[160];

	snprintf(extra, sizeof extra, "\"long\":false,\"length\":%zu,"
		"\"stored\":%zu,\"text\":\"%s\"", strlen(text), strlen(text), text);
	obj(j, id, "string", 24 + (unsigned)strlen(text), extra, "");
}

/* Appends ",{...}" or "{...}" to the edge list e. */
static void edge(char *e, const char *fmt, unsigned a, unsigned b)
{
	size_t n = strlen(e);

	snprintf(e + n, 8192 - n, "%s", n ? "," : "");
	n = strlen(e);
	snprintf(e + n, 8192 - n, fmt, a, b);
}

#define FIELD "{\"kind\":\"field\",\"to\":\"0x%x\",\"key\":\"0x%x\"}"
#define SLOT "{\"kind\":\"array\",\"to\":\"0x%x\",\"index\":%u}"

static const char *const names[] = { "_LOADED", "Index", "Map", "cells",
	"head", "next", "Window", "Tmp", "Other", "x", "kind0", "kind1",
	"kind2", "kind3" };
#define NAME(s) (0x300u + (s) * 0x10u)     /* the string names[s] */
enum { S_LOADED, S_INDEX, S_MAP, S_CELLS, S_HEAD, S_NEXT, S_WINDOW, S_TMP,
	S_OTHER, S_X, S_KIND };

static void write_index(jbuf *j, int r)
{
	char e[8192] = "";
	int k, i, rr;

	for (k = 0; k < 4; k++)
		edge(e, FIELD, 0x410 + k * 0x10, NAME(S_KIND + k));
	table(j, 0x400, 4, 0, e);
	for (k = 0; k < 4; k++) {
		e[0] = '\0';
		for (rr = 1; rr <= r; rr++)
			for (i = 0; i < 2; i++) {
				edge(e, SLOT, ITEM(rr, k, i), (rr - 1) * 2 + i + 1);
				table(j, ITEM(rr, k, i), 0, 400, "");
			}
		table(j, 0x410 + k * 0x10, 2 * r, 0, e);
	}
}

static void write_map_and_list(jbuf *j, int r)
{
	char e[8192] = "";
	int c;

	edge(e, FIELD, 0x501, NAME(S_CELLS));
	table(j, 0x500, 1, 0, e);
	e[0] = '\0';
	edge(e, SLOT, 0x510, 1);
	table(j, 0x501, 1, 0, e);
	e[0] = '\0';
	for (c = 1; c <= r; c++) {
		edge(e, SLOT, CELL(c), c);
		table(j, CELL(c), 0, 300, "");
	}
	table(j, 0x510, r, 0, e);
	for (c = 1; c <= 2 * r; c++) {          /* node c's next is node c - 1 */
		e[0] = '\0';
		if (c > 1)
			edge(e, FIELD, NODE(c - 1), NAME(S_NEXT));
		table(j, NODE(c), c > 1, 200, e);
	}
}

static void write_window_and_reuse(jbuf *j, int r)
{
	char e[8192] = "";
	int i;

	for (i = 0; i < 4; i++) {
		edge(e, SLOT, WIN(r, i), i + 1);
		table(j, WIN(r, i), 0, 100, "");
	}
	table(j, 0x600, 4, r == 1 ? 120 : 248, e);      /* rehashed */
	e[0] = '\0';
	if (r == 1)
		edge(e, FIELD, 0x900, NAME(S_X));
	table(j, 0x700, r == 1, 0, e);                  /* _G.Tmp */
	e[0] = '\0';
	if (r > 1)
		edge(e, SLOT, 0x900, 1);
	table(j, 0x800, r > 1, 0, e);                   /* _G.Other */
	e[0] = '\0';
	if (r == 1)
		edge(e, FIELD, NAME(S_TMP), NAME(S_X));   /* old: a string */
	table(j, 0x900, r == 1, 0, e);
}

static void write_roots(jbuf *j, int r)
{
	char e[8192] = "";
	unsigned s;

	edge(e, SLOT, 0x200, 1);
	edge(e, SLOT, 0x110, 2);
	edge(e, SLOT, 0x3e0, 3);
	edge(e, FIELD, 0x120, NAME(S_LOADED));
	table(j, 0x100, 4, 0, e);
	e[0] = '\0';
	edge(e, FIELD, 0x400, NAME(S_INDEX));
	edge(e, FIELD, 0x500, NAME(S_MAP));
	edge(e, FIELD, NODE(2 * r), NAME(S_HEAD));
	edge(e, FIELD, 0x600, NAME(S_WINDOW));
	edge(e, FIELD, 0x700, NAME(S_TMP));
	edge(e, FIELD, 0x800, NAME(S_OTHER));
	table(j, 0x110, 6, 0, e);
	table(j, 0x120, 0, 0, "");
	obj(j, 0x200, "thread", 200, "\"status\":\"running\",\"stack_slots\":0,"
		"\"nci\":0,\"frames\":[]", "");
	e[0] = '\0';
	for (s = 0; s < S_KIND; s++)    /* names in the program; not kindN */
		edge(e, "{\"kind\":\"constant\",\"to\":\"0x%x\",\"index\":%u}",
			NAME(s), s + 1);
	obj(j, 0x3f0, "proto", 120, "\"linedefined\":0,\"lastlinedefined\":0,"
		"\"numparams\":0,\"vararg\":true,\"maxstacksize\":2,"
		"\"sizecode\":4,\"source\":null", e);
	e[0] = '\0';
	snprintf(e, sizeof e, "{\"kind\":\"proto\",\"to\":\"0x3f0\"}");
	for (s = 0; s < sizeof names / sizeof *names; s++)
		str(j, NAME(s), names[s]);
	/* the main chunk's closure, kept by the registry's third slot */
	obj(j, 0x3e0, "function", 40, "\"nupvalues\":0", e);
}

/* The world at round r; 'reversed' writes its parts in the other order
 * (what the diff finds must not depend on the order of a dump). */
static lh_snapshot *world(int r, int reversed, unsigned extra)
{
	jbuf j = { NULL, 0, 0, 0 };
	lh_snapshot *s = NULL;
	lh_error err;
	unsigned i;
	char text[32];
	int rc;

	jheader(&j, r, 7);
	if (reversed) {
		write_window_and_reuse(&j, r);
		write_map_and_list(&j, r);
		write_index(&j, r);
		write_roots(&j, r);
	} else {
		write_roots(&j, r);
		write_index(&j, r);
		write_map_and_list(&j, r);
		write_window_and_reuse(&j, r);
	}
	for (i = 0; i < extra; i++) {       /* garbage: strings, tables mixed */
		snprintf(text, sizeof text, "garbage %u", i * 7919 % 1000);
		if (i % 5 < 2)
			str(&j, 0x100000u + i * 0x40u, text + (i % 3));
		else
			table(&j, 0x100000u + i * 0x40u, 0, 0, "");
	}
	jput(&j, "],\n\"roots\":[{\"kind\":\"registry\",\"to\":\"0x100\","
		"\"index\":0},{\"kind\":\"mainthread\",\"to\":\"0x200\","
		"\"index\":0}],\"watch\":[],\"counts\":{\"objects\":%d,"
		"\"edges\":%d,\"roots\":2}}\n", j.nobj, jcount_edges(&j));
	rc = lh_snapshot_load_mem(&s, "world.json", j.s, j.len, &err);
	ck_assert_msg(rc == LH_OK, "load: %s", err.msg);
	free(j.s);
	return s;
}

/* Diffs rounds 1..n (2 or 3) with noise floor min_bytes. */
typedef struct run {
	lh_snapshot *s[3];
	lh_analysis *a[3];
	lh_diff *d;
} run;

/* Diffs rounds 1..n, the earlier ones written in reverse order when
 * their bit is set in 'reversed'. */
static void diff_rounds_in(run *x, int n, uint64_t min_bytes, int reversed)
{
	lh_diff_opts o;
	lh_error err;
	int k;

	memset(x, 0, sizeof *x);
	memset(&o, 0, sizeof o);
	o.min_bytes = min_bytes;
	for (k = 0; k < n; k++) {
		x->s[k] = world(k + 1, (reversed >> k) & 1, 0);
		ck_assert_int_eq(lh_analysis_new(&x->a[k], x->s[k], &err), LH_OK);
	}
	ck_assert_int_eq(lh_diff_compute(&x->d,
		(const lh_analysis *const *)x->a, n, &o, &err), LH_OK);
}

static void diff_rounds(run *x, int n, uint64_t min_bytes)
{
	diff_rounds_in(x, n, min_bytes, 0);
}

static void run_free(run *x)
{
	int k;

	lh_diff_free(x->d);
	for (k = 0; k < 3; k++) {
		lh_analysis_free(x->a[k]);
		lh_snapshot_free(x->s[k]);
	}
}

static const lh_diff_group *group(const lh_diff *d, const char *pattern)
{
	uint32_t i;

	for (i = 0; i < lh_diff_num_groups(d); i++)
		if (strcmp(lh_diff_get_group(d, i)->pattern, pattern) == 0)
			return lh_diff_get_group(d, i);
	return NULL;
}

static void dump_groups(const lh_diff *d)
{
	const lh_diff_group *g;
	uint32_t i;

	for (i = 0; (g = lh_diff_get_group(d, i)) != NULL; i++)
		fprintf(stderr, "  %s suspect %d growth %lld count %u\n",
			g->pattern, g->suspect, (long long)g->growth, g->count);
}

/* The group of 'pattern', which must exist (else the groups go to
 * stderr and the test fails). */
static const lh_diff_group *must_group(const lh_diff *d, const char *pattern)
{
	const lh_diff_group *g = group(d, pattern);

	if (g == NULL) {
		fprintf(stderr, "no group %s among:\n", pattern);
		dump_groups(d);
	}
	ck_assert_ptr_nonnull(g);
	return g;
}

START_TEST(a_reused_address_under_another_parent_is_a_new_object)
{
	run x;
	const lh_diff_group *g;

	diff_rounds(&x, 2, 1);
	g = must_group(x.d, "_G.Other[*]");
	ck_assert_uint_eq(g->count, 1);
	ck_assert_uint_eq(lh_snapshot_addr(x.s[1], g->example_obj), 0x900);
	/* what stayed where it was is not new: the Index tables, the rows */
	ck_assert_ptr_null(group(x.d, "_G.Index[*]"));
	ck_assert_ptr_null(group(x.d, "_G.Map.cells[*]"));
	run_free(&x);
}
END_TEST

START_TEST(computed_keys_fold_sibling_containers_into_one_group)
{
	run x;
	const lh_diff_group *g;
	uint32_t i;

	diff_rounds(&x, 2, 1);
	g = must_group(x.d, "_G.Index[*][*]");
	ck_assert_uint_eq(g->ncontainers, 4);     /* kind0 .. kind3 */
	ck_assert_uint_eq(g->count, 8);           /* two new items in each */
	ck_assert_uint_eq(g->objects, 8);
	ck_assert_uint_eq(g->bytes, 8 * 400);
	ck_assert(g->suspect);
	/* its biggest members: three of the four kind tables, 864 bytes each
	 * (two items of 400 and two entries of 32) */
	for (i = 0; i < LH_DIFF_MEMBERS; i++) {
		uint64_t addr = lh_snapshot_addr(x.s[1], g->member[i]);

		ck_assert(addr >= 0x410 && addr <= 0x440 && addr % 0x10 == 0);
		ck_assert_int_eq(g->member_growth[i], 2 * 400 + 2 * 32);
	}
	run_free(&x);
}
END_TEST

START_TEST(a_map_of_maps_is_two_indices_and_a_list_is_a_chain)
{
	run x;

	diff_rounds(&x, 3, 1);
	if (group(x.d, "_G.Map.cells[*][*]") == NULL ||
	    group(x.d, "_G.head(.next)*") == NULL)
		dump_groups(x.d);
	ck_assert_ptr_nonnull(group(x.d, "_G.Map.cells[*][*]"));
	ck_assert_ptr_null(group(x.d, "_G.Map.cells([*])*"));
	ck_assert_ptr_nonnull(group(x.d, "_G.head(.next)*"));
	run_free(&x);
}
END_TEST

START_TEST(suspects_rank_by_growth_and_a_rehash_is_not_growth)
{
	run x;
	const lh_diff_group *w;
	uint32_t i;

	diff_rounds(&x, 3, 1);
	ck_assert_uint_ge(lh_diff_num_suspects(x.d), 2);
	ck_assert_str_eq(lh_diff_get_group(x.d, 0)->pattern, "_G.Index[*][*]");
	for (i = 1; i < lh_diff_num_suspects(x.d); i++)
		ck_assert_int_ge(lh_diff_get_group(x.d, i - 1)->growth,
			lh_diff_get_group(x.d, i)->growth);
	/* the list hangs from _G itself, whose retained size grew with all
	 * the rest: the other containers' growth is not the list's. What
	 * remains is four nodes in two rounds, and what changed under _G
	 * outside any container: the window's rehash (+128; its entries of
	 * round 2 are gone by round 3) and Tmp losing 0x900 (-32 - 88) */
	ck_assert_int_eq(group(x.d, "_G.head(.next)*")->growth,
		4 * 200 + 128 - 32 - 88);
	run_free(&x);
	/* the window's entries are new, its table grew by 128 bytes, but it
	 * holds as many entries as before */
	diff_rounds(&x, 2, 1);
	w = must_group(x.d, "_G.Window[*]");
	ck_assert(!w->suspect);
	ck_assert_int_le(w->growth, 0);
	run_free(&x);
}
END_TEST

START_TEST(growth_below_the_noise_floor_is_no_suspect)
{
	run x;
	const lh_diff_group *g;

	/* the Index grows by 8 items of 400 bytes and its 4 tables by 64
	 * bytes each; the new items retain 3,200 bytes: a suspect needs both
	 * above the floor */
	diff_rounds(&x, 2, 8 * 400);
	ck_assert_uint_eq(lh_diff_get_totals(x.d)->floor, 8 * 400);
	g = must_group(x.d, "_G.Index[*][*]");
	ck_assert_int_eq(g->growth, 8 * 400 + 4 * 64);
	ck_assert_uint_eq(g->retained, 8 * 400);
	ck_assert(!g->suspect);
	run_free(&x);
	diff_rounds(&x, 2, 8 * 400 - 1);
	ck_assert(group(x.d, "_G.Index[*][*]")->suspect);
	run_free(&x);
	/* the default floor is 4 KiB in a heap this small */
	diff_rounds(&x, 2, 0);
	ck_assert_uint_eq(lh_diff_get_totals(x.d)->floor, 4096);
	ck_assert_uint_eq(lh_diff_num_suspects(x.d), 0);
	run_free(&x);
}
END_TEST

/* Objects are paired by address mostly in dump order, the rest by a
 * merge in address order: the earlier snapshots written in another order
 * (so that little pairs in order) give the same diff, object for object. */
START_TEST(the_diff_does_not_depend_on_the_order_of_a_dump)
{
	run x, y;
	uint8_t *fx, *fy;
	lh_error err;
	uint32_t v, i, n;
	int k;

	for (k = 2; k <= 3; k++) {
		diff_rounds(&x, k, 1);
		diff_rounds_in(&y, k, 1, (1 << (k - 1)) - 1);  /* all but the last */
		n = lh_snapshot_count(x.s[k - 1]);
		ck_assert_uint_eq(lh_diff_num_groups(x.d), lh_diff_num_groups(y.d));
		ck_assert_uint_gt(lh_diff_get_totals(x.d)->candidates, 0);
		ck_assert_uint_eq(lh_diff_get_totals(x.d)->candidates,
			lh_diff_get_totals(y.d)->candidates);
		for (i = 0; i < lh_diff_num_groups(x.d); i++) {
			ck_assert_str_eq(lh_diff_get_group(x.d, i)->pattern,
				lh_diff_get_group(y.d, i)->pattern);
			ck_assert_uint_eq(lh_diff_get_group(x.d, i)->count,
				lh_diff_get_group(y.d, i)->count);
		}
		for (v = 0; v < n; v++)
			ck_assert_int_eq(lh_diff_candidate(x.d, v),
				lh_diff_candidate(y.d, v));
		ck_assert_int_eq(lh_diff_fresh(&fx, x.a[0], x.a[k - 1], &err), LH_OK);
		ck_assert_int_eq(lh_diff_fresh(&fy, y.a[0], y.a[k - 1], &err), LH_OK);
		ck_assert_mem_eq(fx, fy, n);
		free(fx);
		free(fy);
		run_free(&x);
		run_free(&y);
	}
}
END_TEST

static int cmp_word(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static int cmp_record(const void *x, const void *y)
{
	const uint64_t *a = x, *b = y;

	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* The diff's radix sort gives what a comparison sort gives, keys of any
 * spread (some digits shared by every key, equal keys with their second
 * words increasing), one and two words a record. */
START_TEST(the_radix_sort_orders_as_a_comparison_sort_does)
{
	uint32_t n = 60000, i;
	uint64_t *p = malloc(2 * n * sizeof *p), *q = malloc(2 * n * sizeof *q);
	uint64_t seed = 88172645463325252u;
	int spread, words;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(q);
	for (spread = 0; spread < 3; spread++)
		for (words = 1; words <= 2; words++) {
			for (i = 0; i < n; i++) {
				seed ^= seed << 13;
				seed ^= seed >> 7;
				seed ^= seed << 17;
				p[i * words] = spread == 0 ? seed :
					spread == 1 ? 0x55d2000000000000u | (seed & 0xffff0000u) :
					seed % 5000;    /* many equal keys */
				if (words == 2)
					p[i * 2 + 1] = i;
			}
			memcpy(q, p, (size_t)n * words * sizeof *p);
			qsort(q, n, words * sizeof *q, words == 2 ? cmp_record :
				cmp_word);
			ck_assert_int_eq(lh_diff__sort(p, n, words), LH_OK);
			ck_assert_mem_eq(p, q, (size_t)n * words * sizeof *p);
		}
	free(p);
	free(q);
}
END_TEST

/* A cursor gives lh_snapshot_aux (and for strings where lh_string_bytes
 * finds the bytes) for objects asked about forwards, by small and big
 * steps, and backwards. */
START_TEST(a_cursor_counts_as_the_rank_index_does)
{
	static const int types[] = { LH_T_STRING, LH_T_TABLE, LH_T_LFUNC };
	lh_snapshot *s = world(2, 0, 3000);
	lh_diff_cursor c;
	uint32_t v, step, checked = 0;
	size_t t;

	ck_assert_uint_gt(s->nobj, 4 * LH_DIFF_CURSOR_REACH);
	for (t = 0; t < sizeof types / sizeof *types; t++)
		for (step = 1; step <= 2 * LH_DIFF_CURSOR_REACH; step *= 3) {
			lh_diff__cursor_init(&c, s, types[t]);
			for (v = 0; v < s->nobj; v += step) {
				uint32_t u = v % 7 == 3 && v > 40 ? v - 40 : v;  /* back */
				uint32_t want = lh_snapshot_aux(s, u);
				int same = s->type[u] == types[t] ||
					(types[t] == LH_T_LFUNC && s->type[u] == LH_T_CFUNC);

				ck_assert_uint_eq(lh_diff__cursor_seek(&c, u),
					same ? want : LH_NONE);
				if (same && types[t] == LH_T_STRING) {
					ck_assert_ptr_eq(s->text + c.at,
						lh_string_bytes(s, &s->strings[want]));
					checked++;
				}
			}
		}
	ck_assert_uint_gt(checked, 1000);
	lh_snapshot_free(s);
}
END_TEST

Suite *diff_suite(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, a_reused_address_under_another_parent_is_a_new_object);
	tcase_add_test(tc, computed_keys_fold_sibling_containers_into_one_group);
	tcase_add_test(tc, a_map_of_maps_is_two_indices_and_a_list_is_a_chain);
	tcase_add_test(tc, suspects_rank_by_growth_and_a_rehash_is_not_growth);
	tcase_add_test(tc, growth_below_the_noise_floor_is_no_suspect);
	tcase_add_test(tc, the_diff_does_not_depend_on_the_order_of_a_dump);
	tcase_add_test(tc, the_radix_sort_orders_as_a_comparison_sort_does);
	tcase_add_test(tc, a_cursor_counts_as_the_rank_index_does);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * Group retained sizes the DevTools way, against the definition: a
 * group's retained size is the sum, over its live members that no other
 * member dominates, of what each dominates (brute force on random graphs
 * with random groups); and classes of real dumps of Lua heaps, one with
 * more classes than 16-bit class ids hold.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "luaheap/analysis.h"
#include "classes_int.h"      /* the 16- or 32-bit class ids */
#include "testgraph.h"

START_TEST(group_retained_counts_only_members_no_member_dominates)
{
	uint32_t seed;

	for (seed = 0; seed < 300; seed++) {
		tgraph t;
		lh_graph *g;
		lh_dom *d = NULL;
		lh_error err;
		uint32_t n, v, w, ngroups, *group;
		uint8_t *live, *dom;
		uint32_t *ndom;
		uint64_t *got, *want;

		random_graph(&t, seed + 5000);
		n = t.n;
		ngroups = 1 + rnd(4);
		group = malloc((n + 1) * sizeof *group);
		live = malloc(n + 1);
		dom = calloc((size_t)n * n + 1, 1);
		ndom = calloc(n + 1, sizeof *ndom);
		got = calloc(ngroups + 1, sizeof *got);
		want = calloc(ngroups + 1, sizeof *want);
		ck_assert(group && live && dom && ndom && got && want);
		for (v = 0; v < n; v++)
			group[v] = rnd(ngroups + 1);    /* ngroups: in no group */
		g = tg_graph(&t);
		ck_assert_int_eq(lh_dom_build(&d, g, t.size, &err), LH_OK);
		ck_assert_int_eq(lh_classes_group_retained(got, d, group, ngroups),
			LH_OK);
		bf_live(&t, live);
		bf_dominance(&t, live, dom, ndom);
		for (w = 0; w < n; w++) {
			int top = 1;
			uint64_t ret = 0;
			if (!live[w] || group[w] >= ngroups)
				continue;
			for (v = 0; v < n; v++)
				if (v != w && dom[(size_t)v * n + w] &&
				    group[v] == group[w])
					top = 0;
			if (!top)
				continue;
			for (v = 0; v < n; v++)
				if (dom[(size_t)w * n + v])
					ret += t.size[v];
			want[group[w]] += ret;
		}
		for (v = 0; v < ngroups; v++)
			ck_assert_msg(got[v] == want[v],
				"seed %u group %u: %llu, expected %llu", seed, v,
				(unsigned long long)got[v],
				(unsigned long long)want[v]);
		free(group); free(live); free(dom); free(ndom);
		free(got); free(want);
		lh_dom_free(d);
		lh_graph_free(g);
		tg_release(&t);
	}
}
END_TEST

/* Runs a Lua chunk in `luaheap run` (the module preloaded, and built like
 * the rest, sanitizers included), dumping to path. */
static void dump_lua(const char *code, const char *path)
{
	char cmd[8192];
	FILE *f;
	char script[256];

	snprintf(script, sizeof script, "%s.lua", path);
	f = fopen(script, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\nassert(require('luaheap').dump(%s%s%s))\n", code,
		"'", path, "'");
	fclose(f);
	snprintf(cmd, sizeof cmd, "'%s' run '%s'", LUAHEAP_CLI, script);
	ck_assert_int_eq(system(cmd), 0);
	remove(script);
}

static uint32_t class_id(const lh_classes *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < lh_classes_count(c); i++)
		if (strcmp(lh_classes_name(c, i), name) == 0)
			return i;
	ck_abort_msg("no class '%s'", name);
	return 0;
}

START_TEST(classes_of_a_lua_heap_count_their_instances)
{
	const char *path = LUAHEAP_BINARY_DIR "/check_classes_heap.snap";
	lh_snapshot *s = NULL;
	lh_analysis *a = NULL;
	lh_top_row *rows = NULL;
	uint32_t nrows = 0, i;
	lh_error err;

	dump_lua(
		"(function()\n"
		"local Hero = {} Hero.__index = Hero _G.Hero = Hero\n"
		"local Bag = setmetatable({}, {__name = 'game.Bag'})\n"
		"local bagmt = getmetatable(Bag)\n"
		"heroes = {}\n"
		"for i = 1, 40 do heroes[i] = setmetatable({bag =\n"
		"  setmetatable({i, i}, bagmt)}, Hero) end\n"
		"-- a hero inside a hero: not counted twice\n"
		"heroes[1].pet = setmetatable({}, Hero)\n"
		"package.loaded['game.quest'] = {}\n"
		"local Quest = package.loaded['game.quest']\n"
		"quests = {}\n"
		"for i = 1, 7 do quests[i] = setmetatable({}, Quest) end\n"
		"function make(i) return function() return i end end\n"
		"fns = {} for i = 1, 5 do fns[i] = make(i) end\n"
		"_G.Mage = {}\n"
		"mages = {} for i = 1, 3 do\n"
		"  mages[i] = setmetatable({}, {__index = _G.Mage}) end\n"
		"end)()\n", path);
	ck_assert_int_eq(lh_snapshot_load(&s, path, &err), LH_OK);
	ck_assert_int_eq(lh_analysis_new(&a, s, &err), LH_OK);
	{
		const lh_classes *c = lh_analysis_classes(a);
		uint32_t hero = class_id(c, "Hero"), bag = class_id(c, "game.Bag");
		uint32_t quest = class_id(c, "game.quest");
		ck_assert_uint_eq(lh_classes_live(c, hero).count, 41);
		ck_assert_uint_eq(lh_classes_live(c, bag).count, 40);   /* Bag itself is garbage */
		ck_assert_uint_eq(lh_classes_live(c, quest).count, 7);
		ck_assert_ptr_nonnull(c->of16);     /* few classes: 16-bit ids */
		/* three metatables of their own, one class through __index */
		ck_assert_uint_eq(lh_classes_live(c, class_id(c, "Mage")).count, 3);
		/* each hero dominates its bag and nothing else; the pet is
		 * inside heroes[1] and must not be counted twice */
		ck_assert_uint_eq(lh_classes_live(c, hero).retained,
			lh_classes_live(c, hero).self + lh_classes_live(c, bag).self);
		ck_assert_uint_eq(lh_classes_live(c, bag).retained, lh_classes_live(c, bag).self);
	}
	ck_assert_int_eq(lh_analysis_top(&rows, &nrows, a, LH_BY_COUNT,
		LH_GROUP_FUNCTION, 0, &err), LH_OK);
	for (i = 0; i < nrows; i++)
		ck_assert_msg(strncmp(rows[i].name, "function ", 9) == 0 ||
			strncmp(rows[i].name, "cfunction", 9) == 0, "%s",
			rows[i].name);
	for (i = 1; i < nrows; i++)
		ck_assert_uint_ge(rows[i - 1].count, rows[i].count);
	free(rows);
	lh_analysis_free(a);
	lh_snapshot_free(s);
	remove(path);
}
END_TEST

/* More classes than 16-bit ids hold: 70000 metatables named K1..K70000,
 * class Ki with 1 + i % 3 instances. Each object's stored class must be
 * the name lh_classes_name_of gives it on its own, and the counts add up. */
START_TEST(classes_past_65536_keep_their_names_and_counts)
{
	const char *path = LUAHEAP_BINARY_DIR "/check_classes_many.snap";
	enum { NK = 70000 };
	lh_snapshot *s = NULL;
	lh_analysis *a = NULL;
	lh_strbuf sb;
	uint8_t *seen;
	uint32_t v, i, nk = 0;
	lh_error err;

	dump_lua(
		"keep = {}\n"
		"for i = 1, 70000 do\n"
		"  local mt = {__name = 'K' .. i}\n"
		"  for j = 0, i % 3 do\n"
		"    keep[#keep + 1] = setmetatable({}, mt)\n"
		"  end\n"
		"end\n", path);
	ck_assert_int_eq(lh_snapshot_load(&s, path, &err), LH_OK);
	ck_assert_int_eq(lh_analysis_new(&a, s, &err), LH_OK);
	{
		const lh_classes *c = lh_analysis_classes(a);

		ck_assert_uint_gt(lh_classes_count(c), 65536);
		ck_assert_ptr_null(c->of16);        /* the ids went 32-bit */
		ck_assert_uint_eq(c->n, lh_snapshot_count(s));
		lh_strbuf_init(&sb);
		for (v = 0; v < lh_snapshot_count(s); v++) {
			uint32_t id = lh_class_of(c, v);
			ck_assert_uint_lt(id, lh_classes_count(c));
			sb.len = 0;
			lh_classes_name_of(&sb, s, lh_analysis_graph(a),
				lh_analysis_bfs(a), v);
			ck_assert(!sb.oom);
			lh_strbuf_putn(&sb, "", 1);
			ck_assert_msg(strcmp(sb.buf, lh_classes_name(c, id)) == 0,
				"object %u: class '%s', named '%s'", v,
				lh_classes_name(c, id), sb.buf);
		}
		lh_strbuf_release(&sb);
		seen = calloc(NK + 1, 1);
		ck_assert_ptr_nonnull(seen);
		for (i = 0; i < lh_classes_count(c); i++) {
			char *end;
			unsigned long k;
			if (lh_classes_name(c, i)[0] != 'K')
				continue;
			k = strtoul(lh_classes_name(c, i) + 1, &end, 10);
			ck_assert_msg(*end == '\0' && k >= 1 && k <= NK, "%s",
				lh_classes_name(c, i));
			ck_assert(!seen[k]);
			seen[k] = 1;
			nk++;
			ck_assert_uint_eq(lh_classes_live(c, i).count, 1 + k % 3);
			ck_assert_uint_eq(lh_classes_all(c, i).count, 1 + k % 3);
			ck_assert_uint_eq(lh_classes_type(c, i), LH_T_TABLE);
		}
		ck_assert_uint_eq(nk, NK);
		free(seen);
	}
	lh_analysis_free(a);
	lh_snapshot_free(s);
	remove(path);
}
END_TEST

Suite *classes_suite(void)
{
	Suite *s = suite_create("classes");
	TCase *tc = tcase_create("classes");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, group_retained_counts_only_members_no_member_dominates);
	tcase_add_test(tc, classes_of_a_lua_heap_count_their_instances);
	tcase_add_test(tc, classes_past_65536_keep_their_names_and_counts);
	suite_add_tcase(s, tc);
	return s;
}

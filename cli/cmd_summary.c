/*
 * luaheap summary: what a snapshot holds at a glance. The report is a list
 * of sections (header facts, objects by type, accounting, collector,
 * classes, retainers, watched objects); each section writes either its
 * text or its part of the JSON document. A new section is one function and
 * one line in 'sections'.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "report.h"

/* What the command line asks. */
typedef struct summary_args {
	uint32_t limit;
	int json, fail_dead;
	unsigned flags;                 /* LH_OPEN_* */
} summary_args;

static const cli_opt_spec options[] = {
	{ CLI_OPT_COUNT, 'n', "limit", "N", offsetof(summary_args, limit),
	  CLI_OPT_SHORT, "rows in the class and retainer lists (default 10, "
	  "0: all)" },
	CLI_OPT_JSON(summary_args, json),
	{ CLI_OPT_SWITCH, 0, "fail-on-expect-dead", NULL,
	  offsetof(summary_args, fail_dead), 0,
	  "exit 1 if an expected-dead object is alive" },
	CLI_OPT_NO_INDEX(summary_args, flags),
	{ CLI_OPT_END }
};

static const cli_opt_cmd command = {
	"summary", "SNAPSHOT", 1, 1, "no snapshot given", options, NULL,
	"Prints the snapshot's header facts (Lua release, time, pid, label, collector\n"
	"mode, parameters and state, flags), its objects and bytes by type, the\n"
	"accounting line (object bytes plus VM overhead against Lua's own count),\n"
	"then what the analysis finds: the classes and the objects that retain the\n"
	"most, garbage (objects no root reaches), weak tables, objects awaiting\n"
	"their finalizer, and watched objects (luaheap.watch), above all those\n"
	"marked with luaheap.expect_dead that are still alive, with their paths.\n",
	NULL, 0
};

/* Facts computed once and shared by the sections. */
typedef struct summary {
	const lh_snapshot *s;
	cJSON *json;                    /* the document, or NULL for text */
	uint64_t count[LH_T_COUNT], bytes[LH_T_COUNT];
	uint64_t total_bytes;           /* sum of object sizes */
	uint64_t shared_count;          /* objects shared between states */
	uint64_t shared_here;           /* their bytes on this state's lists */
	lh_analysis *a;                 /* reachability, dominators, classes */
	uint32_t limit;                 /* rows per list */
	uint32_t dead_alive;            /* expected-dead objects still alive */
} summary;

typedef void (*section_fn)(summary *sm);

/* Lua 5.4's 'gcstate' values (lgc.h). */
static const char *gc_state_name(unsigned st)
{
	static const char *const names[] = {
		"propagate", "enteratomic", "atomic", "sweepallgc", "sweepfinobj",
		"sweeptobefnz", "sweepend", "callfin", "pause"
	};
	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "unknown";
}

static void fact(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fact(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s%-11s%s ", cli_style(CLI_BOLD), name, cli_style(CLI_RESET));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void header_json(summary *sm)
{
	const lh_header *h = lh_snapshot_header(sm->s);
	cJSON *o = cli_json_object(sm->json, "header"), *flags;
	lh_value v;
	size_t i;
	int f;

	cli_json_num(o, "format_version", h->format_version);
	for (f = 0; f < LH_H_COUNT; f++) {
		const char *name = lh_header_specs[f].name;

		lh_snapshot_header_value(sm->s, f, &v);
		switch (lh_header_specs[f].code) {
		case LH_C_STR: cli_json_bytes(o, name, v.s, v.len); break;
		case LH_C_BOOL: cli_json_bool(o, name, v.u != 0); break;
		case LH_C_ADDR: case LH_C_NAME: cli_json_addr(o, name, v.u); break;
		case LH_C_GC_MODE:
			cli_json_str(o, name, lh_gc_mode_names[v.u == LH_GC_GENERATIONAL]);
			break;
		default: cli_json_num(o, name, (double)v.u); break;
		}
		/* what summary adds to the field it explains */
		if (f == LH_H_GC_STATE)
			cli_json_str(o, "gc_state_name", gc_state_name(h->gc_state));
		if (f != LH_H_FLAGS)
			continue;
		flags = cli_json_array(o, "flag_names");
		for (i = 0; i < LH_NFLAGS; i++)
			if (h->flags & lh_flag_names[i].bit)
				cli_json_str(flags, NULL, lh_flag_names[i].name);
	}
}

static void section_header(summary *sm)
{
	const lh_header *h = lh_snapshot_header(sm->s);
	char when[64], flags[128] = "", *label;
	time_t t = (time_t)h->time;
	struct tm tm;
	size_t i;

	if (sm->json) {
		header_json(sm);
		return;
	}
	if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(when, sizeof(when), "%" PRIu64, h->time);
	fact("snapshot", "%s (%s, format %" PRIu32 ")", lh_snapshot_path(sm->s),
	     h->encoding ? "JSON" : "binary", h->format_version);
	fact("lua", "%s, %u-byte pointers", h->lua_release, h->pointer_size);
	fact("taken", "%s by pid %" PRIu64, when, h->pid);
	if (h->label && h->label[0]) {
		label = cli_utf8(h->label, strlen(h->label));
		fact("label", "%s", label);
		free(label);
	}
	if (h->gc_mode == LH_GC_GENERATIONAL)
		fact("gc", "generational (minor multiplier %" PRIu32 ", major multiplier %" PRIu32 "), "
		     "state %s, %s", h->gc_genminormul, h->gc_genmajormul, gc_state_name(h->gc_state),
		     h->gc_was_running ? "running" : "stopped");
	else
		fact("gc", "incremental (pause %" PRIu32 ", step multiplier %" PRIu32 ", step size %" PRIu32 "), "
		     "state %s, %s", h->gc_pause, h->gc_stepmul, h->gc_stepsize, gc_state_name(h->gc_state),
		     h->gc_was_running ? "running" : "stopped");
	for (i = 0; i < LH_NFLAGS; i++)
		if (h->flags & lh_flag_names[i].bit) {
			if (flags[0])
				strcat(flags, ", ");
			strcat(flags, lh_flag_names[i].name);
		}
	if (h->flags & LH_FLAG_STRINGS_CUT)
		snprintf(flags + strlen(flags), sizeof(flags) - strlen(flags), " at %" PRIu64 " bytes",
		         h->string_limit);
	fact("flags", "%s", flags[0] ? flags : "none");
	putchar('\n');
}

static void section_types(summary *sm)
{
	char c[CLI_SIZE_BUF], b[CLI_SIZE_BUF], e[CLI_SIZE_BUF], r[CLI_SIZE_BUF];
	const lh_snapshot *s = sm->s;
	cli_table *t;
	cJSON *bt, *o;
	int i;

	if (sm->json) {
		cli_json_num(sm->json, "objects", lh_snapshot_count(s));
		cli_json_num(sm->json, "edges", lh_snapshot_edge_count(s));
		cli_json_num(sm->json, "roots", lh_snapshot_root_count(s));
		cli_json_num(sm->json, "bytes", (double)sm->total_bytes);
		bt = cli_json_object(sm->json, "by_type");
		for (i = 1; i < LH_T_COUNT; i++) {
			o = cli_json_object(bt, lh_type_name(i));
			cli_json_num(o, "count", (double)sm->count[i]);
			cli_json_num(o, "bytes", (double)sm->bytes[i]);
		}
		return;
	}
	fact("objects", "%s objects, %s edges, %s roots", cli_count(lh_snapshot_count(s), c),
	     cli_count(lh_snapshot_edge_count(s), e),
	     cli_count(lh_snapshot_root_count(s), r));
	putchar('\n');
	t = cli_table_new("lrrr");
	cli_table_header(t, "type", "count", "bytes", "share");
	for (i = 1; i < LH_T_COUNT; i++) {
		char pct[16];
		if (sm->count[i] == 0)
			continue;
		snprintf(pct, sizeof(pct), "%.1f%%",
		         sm->total_bytes ? 100.0 * (double)sm->bytes[i] / (double)sm->total_bytes : 0.0);
		cli_table_row(t, lh_type_name(i), cli_count(sm->count[i], c), cli_size(sm->bytes[i], b), pct);
	}
	cli_table_row(t, "total", cli_count(lh_snapshot_count(s), c), cli_size(sm->total_bytes, b), "");
	cli_table_print(t, stdout, 0);
	cli_table_free(t);
	putchar('\n');
}

static void section_accounting(summary *sm)
{
	const lh_header *h = lh_snapshot_header(sm->s);
	uint64_t acc = sm->total_bytes + sm->shared_here + h->vm_overhead_bytes;
	int64_t diff = (int64_t)(acc - h->lua_total_bytes);
	char a[CLI_SIZE_BUF], o[CLI_SIZE_BUF], l[CLI_SIZE_BUF], t[CLI_SIZE_BUF];

	if (sm->shared_count > 0) {   /* a fork's objects shared between states */
		if (sm->json) {
			cli_json_num(sm->json, "shared_objects", (double)sm->shared_count);
			cli_json_num(sm->json, "shared_bytes_here", (double)sm->shared_here);
		} else {
			fact("shared", "%s objects shared between states, not this "
			     "state's own; %s bytes of them on its lists",
			     cli_count(sm->shared_count, a), cli_count(sm->shared_here, t));
		}
	}
	if (sm->json) {
		cli_json_num(sm->json, "vm_overhead_bytes", (double)h->vm_overhead_bytes);
		cli_json_num(sm->json, "lua_total_bytes", (double)h->lua_total_bytes);
		cli_json_num(sm->json, "accounted_bytes", (double)acc);
		cli_json_num(sm->json, "difference", (double)diff);
		cli_json_bool(sm->json, "exact", diff == 0);
		return;
	}
	fact("accounting", "objects %s + VM overhead %s = %s bytes; Lua counts %s: %s%s%s",
	     cli_count(sm->total_bytes, a), cli_count(h->vm_overhead_bytes, o), cli_count(acc, t),
	     cli_count(h->lua_total_bytes, l), cli_style(diff == 0 ? CLI_GREEN : CLI_YELLOW),
	     diff == 0 ? "exact" : "differs", cli_style(CLI_RESET));
	if (diff != 0)
		printf("%11s  by %+" PRId64 " bytes%s\n", "", diff,
		       (h->flags & LH_FLAG_COLLECTED) ? "" : " (no full collection before the dump)");
}

static void heading(const char *title)
{
	printf("\n%s%s%s\n", cli_style(CLI_BOLD), title, cli_style(CLI_RESET));
}

/* One row per object or group: sizes, count, name, example path. */
static void rows_out(summary *sm, const char *key, const char *title,
	const lh_top_row *rows, uint32_t n, int grouped)
{
	const lh_analysis *a = sm->a;
	char rb[CLI_SIZE_BUF], sb[CLI_SIZE_BUF], cb[CLI_SIZE_BUF], pct[16];
	cJSON *arr = NULL, *o;
	cli_table *t = NULL;
	uint32_t i;

	if (sm->json)
		arr = cli_json_array(sm->json, key);
	else {
		heading(title);
		t = cli_table_new(grouped ? "rrrrl" : "rrrll");
		if (grouped)
			cli_table_header(t, "retained", "%", "self", "count", "class");
		else
			cli_table_header(t, "retained", "%", "self", "class", "path");
	}
	for (i = 0; i < n; i++) {
		const lh_top_row *r = &rows[i];
		const char *name = grouped ? r->name : cli_class(a, r->obj);
		char *path = r->obj != LH_NONE ? cli_path_text(a, r->obj, 0) : NULL;

		if (sm->json) {
			o = cli_json_object(arr, NULL);
			cli_json_bytes(o, "class", name, strlen(name));
			cli_json_num(o, "count", r->count);
			cli_json_num(o, "self", (double)r->self);
			cli_json_num(o, "retained", (double)r->retained);
			if (r->obj != LH_NONE) {
				cli_json_addr(o, "example", lh_snapshot_addr(lh_analysis_snapshot(a), r->obj));
				cli_json_str(o, "path", path ? path : "");
			}
		} else {
			char *n8 = cli_utf8(name, strlen(name));

			snprintf(pct, sizeof pct, "%.1f%%",
				cli_percent(r->retained, lh_dom_live_bytes(lh_analysis_dom(a))));
			if (grouped)
				cli_table_row(t, cli_size(r->retained, rb), pct,
					cli_size(r->self, sb), cli_count(r->count, cb), n8);
			else
				cli_table_row(t, cli_size(r->retained, rb), pct,
					cli_size(r->self, sb), n8, path ? path : "");
			free(n8);
		}
		free(path);
	}
	if (t != NULL) {
		cli_table_print(t, stdout, 0);
		cli_table_free(t);
	}
}

static void section_classes(summary *sm)
{
	lh_top_row *rows = NULL;
	uint32_t n = 0;
	lh_error err;

	lh_error_clear(&err);
	if (lh_analysis_top(&rows, &n, sm->a, LH_BY_RETAINED, LH_GROUP_CLASS,
	    sm->limit, &err) != LH_OK)
		cli_die(&err);
	rows_out(sm, "by_class", "classes by retained size", rows, n, 1);
	free(rows);
}

static void section_retainers(summary *sm)
{
	lh_top_row *rows = NULL;
	uint32_t n = 0;
	lh_error err;

	lh_error_clear(&err);
	if (lh_analysis_retainers(&rows, &n, sm->a, sm->limit, &err) != LH_OK)
		cli_die(&err);
	rows_out(sm, "retainers", "biggest retainers", rows, n, 0);
	free(rows);
}

/* Garbage, weak tables and finalizers: counts the collector would care about. */
static void section_collector(summary *sm)
{
	const lh_snapshot *s = sm->s;
	const lh_analysis *a = sm->a;
	uint64_t fin_n = 0, fin_b = 0;
	uint64_t pend_n = 0, pend_b = 0;
	char b1[CLI_SIZE_BUF], b2[CLI_SIZE_BUF], b3[CLI_SIZE_BUF], b4[CLI_SIZE_BUF];
	char b5[CLI_SIZE_BUF];
	lh_weak_stats weak;
	lh_totals tot;
	uint32_t v;
	cJSON *o;
	int m;

	lh_analysis_weak_stats(&weak, a);
	lh_analysis_totals(&tot, a);
	for (v = 0; v < lh_snapshot_count(s); v++) {
		if (lh_snapshot_list(s, v) == LH_LIST_FINOBJ) {
			fin_n++;
			fin_b += lh_snapshot_size(s, v);
		} else if (lh_snapshot_list(s, v) == LH_LIST_TOBEFNZ) {
			pend_n++;
			pend_b += lh_snapshot_size(s, v);
		}
	}
	if (sm->json) {
		o = cli_json_object(sm->json, "garbage");
		cli_json_num(o, "objects", tot.garbage_count);
		cli_json_num(o, "bytes", (double)tot.garbage_bytes);
		cli_json_num(sm->json, "live_bytes", (double)tot.live_bytes);
		cli_json_num(sm->json, "live_objects", tot.live_count);
		o = cli_json_object(sm->json, "weak_tables");
		for (m = 1; m < 4; m++) {
			cJSON *w = cli_json_object(o, lh_weak_names[m]);
			cli_json_num(w, "count", (double)weak.count[m]);
			cli_json_num(w, "retained", (double)weak.retained[m]);
		}
		o = cli_json_object(sm->json, "finalizers");
		cli_json_num(o, "registered", (double)fin_n);
		cli_json_num(o, "registered_bytes", (double)fin_b);
		cli_json_num(o, "pending", (double)pend_n);
		cli_json_num(o, "pending_bytes", (double)pend_b);
		return;
	}
	putchar('\n');
	fact("live", "%s in %s objects", cli_size(tot.live_bytes, b1),
	     cli_count(tot.live_count, b2));
	fact("garbage", "%s in %s objects no root reaches%s", cli_size(tot.garbage_bytes, b1),
	     cli_count(tot.garbage_count, b2),
	     tot.garbage_count && (lh_snapshot_header(s)->flags & LH_FLAG_COLLECTED) ?
	     " (left by the dump's own collection)" : "");
	fact("weak", "%s tables with weak keys (retaining %s), %s with weak values (%s), "
	     "%s with both", cli_count(weak.count[1], b1), cli_size(weak.retained[1], b2),
	     cli_count(weak.count[2], b3), cli_size(weak.retained[2], b4), cli_count(weak.count[3], b5));
	fact("finalizers", "%s objects with a __gc (%s), %s awaiting it (%s)",
	     cli_count(fin_n, b1), cli_size(fin_b, b2), cli_count(pend_n, b3),
	     cli_size(pend_b, b4));
}

/* Watched objects; the expected-dead ones still alive, with their paths. */
static void section_watched(summary *sm)
{
	const lh_snapshot *s = sm->s;
	const lh_analysis *a = sm->a;
	char ab[CLI_SIZE_BUF], db[CLI_SIZE_BUF];
	cJSON *arr = NULL, *o;
	uint32_t i, alive = 0;

	if (lh_snapshot_watch_count(s) == 0 && !sm->json)
		return;
	if (sm->json)
		arr = cli_json_array(sm->json, "watched");
	for (i = 0; i < lh_snapshot_watch_count(s); i++) {
		const lh_watch *w = lh_snapshot_watch(s, i);
		int live = w->target != LH_NONE &&
			lh_graph_live(lh_analysis_graph(a), w->target);
		char *path;

		alive += live;
		if (live && w->expect_dead)
			sm->dead_alive++;
		if (!sm->json && !(live && w->expect_dead))
			continue;
		path = live ? cli_path_text(a, w->target, 0) : NULL;
		if (sm->json) {
			o = cli_json_object(arr, NULL);
			cli_json_addr(o, "address", w->addr);
			cli_json_bytes(o, "label", w->label ? w->label : "",
				w->label ? strlen(w->label) : 0);
			cli_json_bool(o, "expect_dead", w->expect_dead);
			cli_json_bool(o, "alive", live);
			if (path)
				cli_json_str(o, "path", path);
		} else {
			char *label = cli_utf8(w->label ? w->label : "",
				w->label ? strlen(w->label) : 0);
			if (sm->dead_alive == 1)
				heading("expected dead, still alive");
			printf("  %s%s%s %s (%s): %s\n", cli_style(CLI_RED), label,
				cli_style(CLI_RESET), cli_addr(w->addr, ab),
				cli_class(a, w->target), path);
			free(label);
		}
		free(path);
	}
	if (sm->json) {
		cli_json_num(sm->json, "expect_dead_alive", sm->dead_alive);
		return;
	}
	putchar('\n');
	fact("watched", "%s objects watched and alive, %s of them expected dead",
	     cli_count(alive, ab), cli_count(sm->dead_alive, db));
}

/* The report, in order. */
static const section_fn sections[] = {
	section_header,
	section_types,
	section_accounting,
	section_collector,
	section_classes,
	section_retainers,
	section_watched,
};

static void count_types(summary *sm)
{
	const lh_snapshot *s = sm->s;
	uint32_t i;

	for (i = 0; i < lh_snapshot_count(s); i++) {
		if (lh_snapshot_shared(s, i)) {   /* no state's own bytes */
			sm->shared_count++;
			if (lh_snapshot_list(s, i) != LH_LIST_SHARED)
				sm->shared_here += lh_snapshot_size(s, i);
			continue;
		}
		sm->count[lh_snapshot_type(s, i)]++;
		sm->bytes[lh_snapshot_type(s, i)] += lh_snapshot_size(s, i);
		sm->total_bytes += lh_snapshot_size(s, i);
	}
}

int cmd_summary(int argc, char **argv)
{
	summary_args args = { 10, 0, 0, 0 };
	const lh_snapshot *snap = NULL;
	summary sm;
	int rc;
	size_t i;

	if ((rc = cli_opt_parse(&command, &args, &argc, &argv)) != CLI_OPT_GO_ON)
		return rc;
	memset(&sm, 0, sizeof(sm));
	if ((rc = cli_open(&sm.a, argv[0], args.flags)) != CLI_OK)
		return rc;
	sm.s = snap = lh_analysis_snapshot(sm.a);
	sm.limit = args.limit;
	count_types(&sm);
	if (args.json) {
		sm.json = cli_json_object(NULL, NULL);
		cli_json_bytes(sm.json, "snapshot", lh_snapshot_path(snap),
			strlen(lh_snapshot_path(snap)));
		cli_json_str(sm.json, "encoding", lh_snapshot_header(snap)->encoding ? "json" : "binary");
	}
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		sections[i](&sm);
	if (args.json) {
		cli_print_json(sm.json);
		cJSON_Delete(sm.json);
	}
	lh_analysis_free(sm.a);
	return args.fail_dead && sm.dead_alive ? CLI_FAIL : CLI_OK;
}

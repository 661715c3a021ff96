/*
 * Helpers shared by the commands that read snapshots: opening one with its
 * analysis (through its index), resolving, naming and describing an
 * object.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report.h"
#include "luaheap/expr.h"

/* What a terminal's stderr shows while a snapshot opens: the phase, and
 * while reading the percentage, rewritten in place. */
typedef struct open_progress {
	const char *path;
	int phase, pct, shown;
} open_progress;

static void show_phase(void *ctx, int phase, uint64_t done, uint64_t total)
{
	open_progress *p = ctx;
	int pct = total > 0 && done <= total ? (int)(done * 100 / total) : -1;

	if (phase == p->phase && pct == p->pct)
		return;
	p->phase = phase;
	p->pct = pct;
	p->shown = 1;
	if (pct >= 0)
		fprintf(stderr, "\rluaheap: %s: %s: %d%%\033[K", p->path,
			lh_phase_name(phase), pct);
	else
		fprintf(stderr, "\rluaheap: %s: %s\033[K", p->path,
			lh_phase_name(phase));
}

static void show_note(void *ctx, const char *msg)
{
	open_progress *p = ctx;

	if (p->shown)
		fputs("\r\033[K", stderr);
	p->phase = -1;
	cli_error("%s", msg);
}

int cli_open(lh_analysis **out, const char *path, unsigned flags)
{
	open_progress p = { path, -1, -1, 0 };
	lh_open_opts o;
	lh_error err;
	int rc;

	memset(&o, 0, sizeof o);
	o.flags = flags;
	o.note = show_note;
	o.ctx = &p;
	if (isatty(STDERR_FILENO))
		o.progress = show_phase;
	lh_error_clear(&err);
	rc = lh_analysis_open(out, path, &o, &err);
	if (p.shown)
		fputs("\r\033[K", stderr);
	if (rc == LH_ENOMEM)
		cli_die_nomem();
	if (rc != LH_OK) {
		cli_error("%s", err.msg);
		return CLI_ERROR;
	}
	return CLI_OK;
}

int cli_resolve(uint32_t *out, const lh_snapshot *snap, const char *expr)
{
	lh_error err;

	lh_error_clear(&err);
	if (lh_expr_resolve(out, snap, expr, &err) != LH_OK) {
		if (err.code == LH_ENOMEM)
			cli_die_nomem();
		cli_error("%s: %s", lh_snapshot_path(snap), err.msg);
		return CLI_ERROR;
	}
	return CLI_OK;
}

const char *cli_class(const lh_analysis *a, uint32_t v)
{
	const lh_classes *c = lh_analysis_classes(a);

	if (v >= lh_snapshot_count(lh_analysis_snapshot(a)))
		return "?";
	return lh_classes_name(c, lh_class_of(c, v));
}

char *cli_path_text(const lh_analysis *a, uint32_t v, size_t maxlabel)
{
	lh_strbuf sb;
	char *s;

	lh_strbuf_init(&sb);
	lh_analysis_render_tail(&sb, a, v, maxlabel, CLI_PATH_HOPS);
	if (sb.oom)
		cli_die_nomem();
	s = cli_utf8(sb.buf ? sb.buf : "", sb.len);
	lh_strbuf_release(&sb);
	return s;
}

void cli_json_objinfo(cJSON *o, const lh_analysis *a, uint32_t v)
{
	const lh_snapshot *s = lh_analysis_snapshot(a);
	const char *cls = cli_class(a, v);

	cli_json_addr(o, "address", lh_snapshot_addr(s, v));
	cli_json_str(o, "type", lh_type_name(lh_snapshot_type(s, v)));
	cli_json_bytes(o, "class", cls, strlen(cls));
	cli_json_num(o, "self", (double)lh_snapshot_size(s, v));
	cli_json_num(o, "retained",
		(double)lh_dom_retained(lh_analysis_dom(a), v));
	cli_json_bool(o, "reachable",
		lh_graph_live(lh_analysis_graph(a), v));
}

double cli_percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

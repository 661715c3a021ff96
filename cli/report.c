/*
 * Helpers shared by the commands that print analysis results (top, path,
 * tree, and summary's analysis sections): running the analysis, naming
 * and describing an object, parsing counts and sizes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report.h"

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
	if (v >= lh_snapshot_count(a->snap))
		return "?";
	return a->classes->name[lh_class_of(a->classes, v)];
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
	const lh_snapshot *s = a->snap;
	const char *cls = cli_class(a, v);

	cli_json_addr(o, "address", lh_snapshot_addr(s, v));
	cli_json_str(o, "type", lh_type_name(lh_snapshot_type(s, v)));
	cli_json_bytes(o, "class", cls, strlen(cls));
	cli_json_num(o, "self", (double)lh_snapshot_size(s, v));
	cli_json_num(o, "retained", (double)lh_dom_retained(a->dom, v));
	cli_json_bool(o, "reachable", lh_graph_live(a->graph, v));
}

double cli_percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

int cli_parse_count(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!isdigit((unsigned char)s[0]))
		return -1;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int cli_parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *suffix; uint64_t mul; } units[] = {
		{ "", 1 }, { "B", 1 }, { "K", 1024 }, { "KB", 1024 },
		{ "KiB", 1024 }, { "M", 1024 * 1024 }, { "MB", 1024 * 1024 },
		{ "MiB", 1024 * 1024 }, { "G", 1024ull << 20 },
		{ "GB", 1024ull << 20 }, { "GiB", 1024ull << 20 }
	};
	char *end;
	double v;
	size_t i;

	if (!isdigit((unsigned char)s[0]) && s[0] != '.')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			double b = v * (double)units[i].mul;
			if (b >= 18446744073709551615.0)
				return -1;
			*out = (uint64_t)b;
			return 0;
		}
	}
	return -1;
}

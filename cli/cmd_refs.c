/*
 * luaheap refs: who references an object. Each direct referrer with the
 * reference's label, its own path and retained size; with --depth D the
 * referrers of the referrers, D levels up, each object listed once.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

static const char usage[] =
	"usage: luaheap refs SNAPSHOT OBJECT [--depth D] [-n N] [--json] [--no-index]\n"
	"\n"
	"Lists the objects that reference OBJECT (an address or a path as the\n"
	"other commands print it): the reference's label as a path step, the\n"
	"referrer's class, address, retained size and shortest path. A weak\n"
	"reference, which does not keep OBJECT alive, is marked. With --depth D\n"
	"the referrers of each referrer follow, indented, up to D levels, each\n"
	"object once.\n"
	"\n"
	"  -d, --depth D     levels of referrers (default 1)\n"
	"  -n, --limit N     referrers listed per object (default 20, 0: all)\n"
	"  -j, --json        print a JSON document instead of text\n"
	"      --no-index    neither read nor write an analysis index\n"
	"  -h, --help        print this help\n";

typedef struct refs_ctx {
	const lh_analysis *a;
	uint32_t depth, limit;
	uint8_t *seen;              /* [nobj] listed already */
	cli_table *t;               /* text output, or NULL */
	cJSON *arr;                 /* JSON output, or NULL */
} refs_ctx;

/* One referrer row: text columns or a JSON object (returned for its
 * nested referrers). */
static cJSON *ref_row(refs_ctx *x, const lh_ref *r, uint32_t level,
	cJSON *arr)
{
	const lh_analysis *a = x->a;
	char rb[CLI_SIZE_BUF], ab[CLI_SIZE_BUF], *path, *edge, *cls;
	lh_strbuf sb;
	cJSON *o = NULL;

	lh_strbuf_init(&sb);
	lh_render_edge(&sb, a->snap, r->from, r->edge, 0);
	edge = cli_utf8(sb.buf ? sb.buf : "", sb.len);
	lh_strbuf_release(&sb);
	path = cli_path_text(a, r->from, 0);
	if (arr != NULL) {
		o = cli_json_object(arr, NULL);
		cli_json_str(o, "edge", edge);
		cli_json_bool(o, "weak", !r->retains);
		cli_json_objinfo(o, a, r->from);
		cli_json_str(o, "path", path);
	} else {
		char ind[64], *label;
		size_t n = strlen(edge) + 2 * level + 16;

		snprintf(ind, sizeof ind, "%*s", (int)(2 * (level - 1)), "");
		label = malloc(n);
		if (label == NULL)
			cli_die_nomem();
		snprintf(label, n, "%s%s%s", ind, edge, r->retains ? "" : " (weak)");
		cls = cli_utf8(cli_class(a, r->from), strlen(cli_class(a, r->from)));
		cli_table_row(x->t, label, cls,
			cli_addr(lh_snapshot_addr(a->snap, r->from), ab),
			cli_size(lh_dom_retained(a->dom, r->from), rb), path);
		free(label);
		free(cls);
	}
	free(edge);
	free(path);
	return o;
}

/* The referrers of v at level 'level' (1: direct), then theirs. */
static void list_refs(refs_ctx *x, uint32_t v, uint32_t level, cJSON *arr)
{
	lh_ref *refs = NULL;
	uint32_t n = 0, i;
	lh_error err;

	lh_error_clear(&err);
	if (lh_analysis_referrers(&refs, &n, x->a, v, &err) != LH_OK)
		cli_die_nomem();
	for (i = 0; i < n && (x->limit == 0 || i < x->limit); i++) {
		uint32_t u = refs[i].from;
		cJSON *o = ref_row(x, &refs[i], level, arr);

		if (level < x->depth && !x->seen[u]) {
			x->seen[u] = 1;
			list_refs(x, u, level + 1,
				o != NULL ? cli_json_array(o, "referrers") : NULL);
		}
	}
	if (n > i && x->t != NULL) {
		char cb[CLI_SIZE_BUF], more[64];

		snprintf(more, sizeof more, "%*s\xe2\x80\xa6 %s more",
			(int)(2 * (level - 1)), "", cli_count(n - i, cb));
		cli_table_row(x->t, more, "", "", "", "");
	}
	free(refs);
}

static int parse(int argc, char **argv, refs_ctx *x, int *json,
	unsigned *flags)
{
	static const struct option opts[] = {
		{ "depth", required_argument, NULL, 'd' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		CLI_NO_INDEX_LONG,
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, ":d:n:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (cli_parse_count(optarg, &x->depth) != 0 || x->depth == 0)
				return cli_usage_error(usage,
					"--depth wants a positive count, not '%s'", optarg);
			break;
		case 'n':
			if (cli_parse_count(optarg, &x->limit) != 0)
				return cli_usage_error(usage,
					"-n wants a count, not '%s'", optarg);
			break;
		case 'j': *json = 1; break;
		case 'h': return cli_help(usage) == CLI_OK ? -1 : CLI_ERROR;
		case CLI_OPT_NO_INDEX: *flags |= LH_OPEN_NO_INDEX; break;
		default: return cli_bad_option(usage, argv, c);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(usage, argc - optind < 2 ?
			"need a snapshot and an object" : "too many arguments");
	return CLI_OK;
}

int cmd_refs(int argc, char **argv)
{
	refs_ctx x = { NULL, 1, 20, NULL, NULL, NULL };
	const lh_snapshot *snap;
	lh_analysis *a = NULL;
	cJSON *doc = NULL;
	unsigned flags = 0;
	uint32_t v;
	int json = 0, rc;

	if ((rc = parse(argc, argv, &x, &json, &flags)) != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	if ((rc = cli_open(&a, argv[optind], flags)) != CLI_OK)
		return rc;
	snap = a->snap;
	if ((rc = cli_resolve(&v, snap, argv[optind + 1])) != CLI_OK)
		goto done;
	x.a = a;
	if ((x.seen = calloc((size_t)lh_snapshot_count(snap) + 1, 1)) == NULL)
		cli_die_nomem();
	x.seen[v] = 1;
	if (json) {
		char *path = cli_path_text(a, v, 0);

		doc = cli_json_object(NULL, NULL);
		cli_json_bytes(doc, "snapshot", lh_snapshot_path(snap), strlen(lh_snapshot_path(snap)));
		cli_json_objinfo(cli_json_object(doc, "object"), a, v);
		cli_json_str(cJSON_GetObjectItem(doc, "object"), "path", path);
		free(path);
		list_refs(&x, v, 1, cli_json_array(doc, "referrers"));
		cli_print_json(doc);
		cJSON_Delete(doc);
	} else {
		char ab[CLI_SIZE_BUF], rb[CLI_SIZE_BUF], *path = cli_path_text(a, v, 0);

		printf("%sreferrers of%s %s  (%s %s, retains %s)\n",
			cli_style(CLI_BOLD), cli_style(CLI_RESET), path,
			cli_class(a, v), cli_addr(lh_snapshot_addr(snap, v), ab),
			cli_size(lh_dom_retained(a->dom, v), rb));
		free(path);
		x.t = cli_table_new("lllrl");
		cli_table_header(x.t, "reference", "class", "address", "retained",
			"referrer");
		list_refs(&x, v, 1, NULL);
		cli_table_print(x.t, stdout, 2);
		cli_table_free(x.t);
	}
done:
	free(x.seen);
	lh_analysis_free(a);
	return rc;
}

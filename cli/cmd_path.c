/*
 * luaheap path: who keeps an object alive. Prints up to K shortest
 * distinct root paths of the object as Lua expressions, each hop with its
 * object's type, class and retained size.
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"

#define EDGE_HOPS 20     /* text shows a long path's first and last hops */
#define EDGE_CHARS 400   /* and the ends of a long expression */
#define JSON_EDGE_HOPS 5000  /* JSON: the first and last hops of a path */

/* What the command line asks. */
typedef struct path_args {
	uint32_t k;
	int json;
	unsigned flags;                 /* LH_OPEN_* */
} path_args;

static const cli_opt_spec options[] = {
	{ CLI_OPT_COUNT, 'n', "paths", "K", offsetof(path_args, k),
	  CLI_OPT_SHORT, "print up to K paths (default 1)", .min = 1 },
	CLI_OPT_JSON(path_args, json),
	CLI_OPT_NO_INDEX(path_args, flags),
	{ CLI_OPT_END }
};

static const cli_opt_cmd command = {
	"path", "SNAPSHOT OBJECT", 2, 2, "need a snapshot and an object",
	options, NULL,
	"Prints the shortest paths from the roots to OBJECT, an address (0x...) or a\n"
	"Lua expression over tables: _G.Server.timers, Server.timers (a global),\n"
	"package.loaded[\"game.mailer\"], registry[7], _G.a[3].b. The first path is\n"
	"the shortest; the others enter OBJECT through other references, shortest\n"
	"first. Each hop shows its object's type, class, retained size and address.\n",
	NULL, 0
};

/* The kind of hop i: the root's kind for the first, else the edge's. */
static const char *hop_kind(const lh_snapshot *s, const lh_path *p, uint32_t i)
{
	const lh_hop *h = &p->hops[i];

	if (h->edge == LH_NONE) {
		uint8_t k;
		if (h->root >= lh_snapshot_root_count(s))
			return "fixed";             /* never collected */
		k = lh_snapshot_root(s, h->root)->kind;
		return k < LH_ROOT_COUNT ? lh_root_kind_names[k] : "?";
	}
	return lh_edge_kind_names[lh_snapshot_edge_kind(s, h->edge) & LH_EDGE_KIND_MASK];
}

/* Hop i's own text, "" when it prints with a neighbour. malloc'd UTF-8. */
static char *hop_text(const lh_snapshot *s, const lh_path *p, uint32_t i)
{
	lh_strbuf sb;
	char *t;

	lh_strbuf_init(&sb);
	lh_render_hop(&sb, s, p, i, 0);
	if (sb.oom)
		cli_die_nomem();
	t = cli_utf8(sb.buf ? sb.buf : "", sb.len);
	lh_strbuf_release(&sb);
	return t;
}

static char *path_text(const lh_snapshot *s, const lh_path *p)
{
	lh_strbuf sb;
	char *t;

	lh_strbuf_init(&sb);
	lh_render_path(&sb, s, p, 0);
	if (sb.oom)
		cli_die_nomem();
	t = cli_utf8(sb.buf ? sb.buf : "", sb.len);
	lh_strbuf_release(&sb);
	return t;
}

static void print_json(const lh_analysis *a, uint32_t v, const lh_path *paths,
	uint32_t np)
{
	const lh_snapshot *s = lh_analysis_snapshot(a);
	cJSON *doc = cli_json_object(NULL, NULL), *arr, *o, *hops, *h;
	uint32_t i, j;
	char *t;

	cli_json_bytes(doc, "snapshot", lh_snapshot_path(s), strlen(lh_snapshot_path(s)));
	cli_json_objinfo(cli_json_object(doc, "object"), a, v);
	arr = cli_json_array(doc, "paths");
	for (i = 0; i < np; i++) {
		o = cli_json_object(arr, NULL);
		t = path_text(s, &paths[i]);
		cli_json_str(o, "expr", t);
		free(t);
		cli_json_num(o, "length", paths[i].nhops);
		hops = cli_json_array(o, "hops");
		for (j = 0; j < paths[i].nhops; j++) {
			/* a million hops would take a gigabyte of cJSON: keep
			 * both ends and say how many were left out */
			if (paths[i].nhops > 2 * JSON_EDGE_HOPS &&
			    j == JSON_EDGE_HOPS) {
				cli_json_num(o, "hops_omitted",
					paths[i].nhops - 2 * JSON_EDGE_HOPS);
				j = paths[i].nhops - JSON_EDGE_HOPS - 1;
				continue;
			}
			h = cli_json_object(hops, NULL);
			t = hop_text(s, &paths[i], j);
			cli_json_str(h, "edge", t);
			free(t);
			cli_json_str(h, "kind", hop_kind(s, &paths[i], j));
			cli_json_objinfo(h, a, paths[i].hops[j].obj);
		}
	}
	cli_print_json(doc);
	cJSON_Delete(doc);
}

static void print_text(const lh_analysis *a, uint32_t v, const lh_path *paths,
	uint32_t np)
{
	const lh_snapshot *s = lh_analysis_snapshot(a);
	char rb[CLI_SIZE_BUF], ab[CLI_SIZE_BUF], sb[CLI_SIZE_BUF];
	uint32_t i, j;

	{
		const char *type = lh_type_name(lh_snapshot_type(s, v)), *cls = cli_class(a, v);
		char *c = cli_utf8(cls, strlen(cls));
		/* "table", "function server.lua:40" (a class that starts with
		 * the type), or "table of class Hero" */
		int plain = strncmp(cls, type, strlen(type)) == 0;
		printf("%s%s%s %s%s%s, self %s, retains %s\n",
			cli_style(CLI_BOLD), cli_addr(lh_snapshot_addr(s, v), ab),
			cli_style(CLI_RESET), plain ? c : type,
			plain ? "" : " of class ", plain ? "" : c,
			cli_size(lh_snapshot_size(s, v), sb),
			cli_size(lh_dom_retained(lh_analysis_dom(a), v), rb));
		free(c);
	}
	if (np == 0) {
		printf("no path: no root reaches it (garbage)\n");
		return;
	}
	for (i = 0; i < np; i++) {
		cli_table *t = cli_table_new("lllrl");
		char *expr = path_text(s, &paths[i]);
		size_t len = strlen(expr);

		printf("\n%spath %u%s (%u hops): %s", cli_style(CLI_BOLD),
			i + 1, cli_style(CLI_RESET), paths[i].nhops,
			cli_style(CLI_CYAN));
		if (len > 2 * EDGE_CHARS) {   /* a million hops: both ends */
			size_t head = lh_render_utf8_cut(expr, len, EDGE_CHARS);
			size_t tail = len - EDGE_CHARS;
			while (tail < len && ((unsigned char)expr[tail] & 0xc0) == 0x80)
				tail++;
			printf("%.*s \xe2\x80\xa6 %s", (int)head, expr, expr + tail);
		} else {
			fputs(expr, stdout);
		}
		printf("%s\n", cli_style(CLI_RESET));
		free(expr);
		cli_table_header(t, "hop", "type", "class", "retained", "address");
		for (j = 0; j < paths[i].nhops; j++) {
			uint32_t o = paths[i].hops[j].obj;
			char *hop, *cls;

			if (paths[i].nhops > 2 * EDGE_HOPS + 1 && j == EDGE_HOPS) {
				char cb[CLI_SIZE_BUF], fold[64];
				snprintf(fold, sizeof fold, "\xe2\x80\xa6 %s more hops",
					cli_count(paths[i].nhops - 2 * EDGE_HOPS, cb));
				cli_table_row(t, fold, "", "", "", "");
				j = paths[i].nhops - EDGE_HOPS - 1;
				continue;
			}
			hop = hop_text(s, &paths[i], j);
			cls = cli_utf8(cli_class(a, o), strlen(cli_class(a, o)));

			if (hop[0] == '\0') {
				free(hop);
				hop = cli_xstrdup(hop_kind(s, &paths[i], j));
			}
			cli_table_row(t, hop, lh_type_name(lh_snapshot_type(s, o)), cls,
				cli_size(lh_dom_retained(lh_analysis_dom(a), o), rb),
				cli_addr(lh_snapshot_addr(s, o), ab));
			free(hop);
			free(cls);
		}
		cli_table_print(t, stdout, 2);
		cli_table_free(t);
	}
}

int cmd_path(int argc, char **argv)
{
	path_args args = { 1, 0, 0 };
	const lh_snapshot *snap = NULL;
	lh_analysis *a = NULL;
	lh_path *paths = NULL;
	uint32_t np = 0, v;
	int rc;
	lh_error err;

	if ((rc = cli_opt_parse(&command, &args, &argc, &argv)) != CLI_OPT_GO_ON)
		return rc;
	if ((rc = cli_open(&a, argv[0], args.flags)) != CLI_OK)
		return rc;
	snap = lh_analysis_snapshot(a);
	if ((rc = cli_resolve(&v, snap, argv[1])) != CLI_OK)
		goto done;
	lh_error_clear(&err);
	if (lh_graph_live(lh_analysis_graph(a), v) &&
	    lh_paths_find(&paths, &np, lh_analysis_graph(a),
	    lh_analysis_bfs(a), v, args.k, &err) != LH_OK)
		cli_die(&err);
	if (args.json)
		print_json(a, v, paths, np);
	else
		print_text(a, v, paths, np);
done:
	lh_paths_free(paths, np);
	lh_analysis_free(a);
	return rc;
}

/*
 * luaheap tree: the dominator tree below an object (or below the roots) as
 * an indented list: what each object retains, its share, and the
 * reference it is reached by; small subtrees are folded into one line.
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"

/* What the command line asks. */
typedef struct tree_args {
	uint32_t depth;
	struct tree_min {
		uint64_t bytes;         /* when pct < 0 */
		double pct;             /* a share of the top's retained size */
	} min;
	int json;
	unsigned flags;                 /* LH_OPEN_* */
} tree_args;

/* --min-size: a size, or a percentage ("1%"). */
static int parse_min_size(void *dest, const char *value)
{
	struct tree_min *m = dest;
	size_t n = strlen(value);
	char *end;

	if (n > 1 && value[n - 1] == '%') {
		m->pct = strtod(value, &end);
		return end == value + n - 1 && m->pct >= 0 && m->pct <= 100 ? 0 : -1;
	}
	if (cli_parse_size(value, &m->bytes) != 0)
		return -1;
	m->pct = -1;
	return 0;
}

static const cli_opt_spec options[] = {
	{ CLI_OPT_COUNT, 'd', "depth", "D", offsetof(tree_args, depth), 0,
	  "levels below OBJECT to print (default 3)" },
	{ CLI_OPT_CHECK, 'm', "min-size", "S", offsetof(tree_args, min), 0,
	  "hide subtrees retaining less than S: bytes (4096, 64K, 1.5MiB) or "
	  "a share of OBJECT's retained size (1%; the default)",
	  .check = parse_min_size, .what = "a size or a percentage" },
	CLI_OPT_JSON(tree_args, json),
	CLI_OPT_NO_INDEX(tree_args, flags),
	{ CLI_OPT_END }
};

static const cli_opt_cmd command = {
	"tree", "SNAPSHOT [OBJECT]", 1, 2, "no snapshot given", options, NULL,
	"Prints the dominator tree of OBJECT (an address or a Lua expression, as for\n"
	"'luaheap path'; default: everything the roots keep alive): each object\n"
	"retains what it dominates, so freeing it would free its whole subtree.\n"
	"Children are sorted by retained size; those smaller than the minimum are\n"
	"folded into one line per parent. A reference reached through an object\n"
	"other than its dominator is shown after an ellipsis.\n",
	NULL, 0
};

/* How v is reached: the last hop of its shortest path, rendered from a
 * path holding only the hops that hop's text depends on. *direct tells
 * whether that reference comes from v's dominator. malloc'd UTF-8. */
static char *edge_text(const lh_analysis *a, uint32_t v, int *direct)
{
	const lh_bfs *b = lh_analysis_bfs(a);
	lh_hop hops[3];
	lh_path p;
	lh_strbuf sb;
	uint32_t n;
	char *t;

	n = lh_bfs_hops(hops, b, v, 3);
	*direct = lh_bfs_parent(b, v) == lh_dom_idom(lh_analysis_dom(a), v);
	if (n == 0)
		return cli_xstrdup("");
	p.hops = hops;
	p.nhops = n;
	lh_strbuf_init(&sb);
	lh_render_hop(&sb, lh_analysis_snapshot(a), &p, n - 1, 0);
	if (sb.oom)
		cli_die_nomem();
	t = cli_utf8(sb.buf ? sb.buf : "", sb.len);
	lh_strbuf_release(&sb);
	return t;
}

typedef struct tree_out {
	const lh_analysis *a;
	lh_domtree *tree;               /* the analysis keeps none */
	uint64_t whole;                 /* retained size of the top */
	cli_table *table;               /* text */
	cJSON *nodes;                   /* JSON */
	uint32_t lines;                 /* objects printed */
	uint32_t *tally;                /* [nclass] scratch for folded lines */
	int truncated;                  /* stopped at MAX_LINES */
} tree_out;

#define MAX_LINES 200000

static void emit(tree_out *o, uint32_t v, uint32_t depth)
{
	const lh_snapshot *s = lh_analysis_snapshot(o->a);
	const lh_dom *d = lh_analysis_dom(o->a);
	char rb[CLI_SIZE_BUF], ab[CLI_SIZE_BUF], pct[16];
	uint64_t ret = v == LH_DOM_VROOT ? lh_dom_live_bytes(d) :
		lh_dom_retained(d, v);
	int direct = 1;
	char *edge = v == LH_DOM_VROOT ? cli_xstrdup("<roots>") :
		depth == 0 ? cli_path_text(o->a, v, 0) :  /* the top: its path */
		edge_text(o->a, v, &direct);

	if (o->nodes != NULL) {
		cJSON *n = cli_json_object(o->nodes, NULL);
		cli_json_num(n, "depth", depth);
		cli_json_str(n, "edge", edge);
		if (v == LH_DOM_VROOT) {
			cli_json_num(n, "retained", (double)ret);
		} else {
			cli_json_bool(n, "direct", direct);
			cli_json_objinfo(n, o->a, v);
		}
		cli_json_num(n, "percent", cli_percent(ret, o->whole));
	} else {
		size_t indent = 2 * (depth < 40 ? depth : 40);
		size_t len = strlen(edge);
		char *label = cli_xmalloc(indent + len + 32);
		char *cls = v == LH_DOM_VROOT ? cli_xstrdup("") :
			cli_utf8(cli_class(o->a, v), strlen(cli_class(o->a, v)));

		memset(label, ' ', indent);
		if (depth > 40)
			indent += (size_t)snprintf(label + indent, 24, "(%u) ",
				depth);
		snprintf(label + indent, len + 8, "%s%s", direct ? "" :
			"\xe2\x80\xa6", edge);
		snprintf(pct, sizeof pct, "%.1f%%", cli_percent(ret, o->whole));
		cli_table_row(o->table, cli_size(ret, rb), pct, label, cls,
			v == LH_DOM_VROOT ? "" : cli_addr(lh_snapshot_addr(s, v), ab));
		free(label);
		free(cls);
	}
	free(edge);
}

/* Whether child x comes before y in a family's order: retaining more,
 * then by index. */
static int kid_before(const lh_dom *d, uint32_t x, uint32_t y)
{
	uint64_t rx = lh_dom_retained(d, x), ry = lh_dom_retained(d, y);

	return rx != ry ? rx > ry : x < y;
}

/* The most common class of kids[0..count), which come in no particular
 * order, as a walk in the family's order would find it: of the classes
 * with the most members, the first to reach that many, i.e. the one
 * whose last member comes first. tally ([2 * (nclass + 1)], zero) counts
 * members, then notes each class's last; it is zero again on return.
 * *same: how many share it. */
static uint32_t common_class(const tree_out *o, const uint32_t *kids,
	uint32_t count, uint32_t *tally, uint32_t *same)
{
	const lh_classes *c = lh_analysis_classes(o->a);
	const lh_dom *d = lh_analysis_dom(o->a);
	uint32_t j, k, most = 0, best = LH_NONE, *last = tally +
		lh_classes_count(c) + 1;

	for (j = 0; j < count; j++)
		if (++tally[lh_class_of(c, kids[j])] > most)
			most = tally[lh_class_of(c, kids[j])];
	for (j = 0; j < count; j++)
		if (tally[k = lh_class_of(c, kids[j])] == most && (last[k] == 0 ||
		    kid_before(d, kids[last[k] - 1], kids[j])))
			last[k] = j + 1;
	for (j = 0; j < count; j++)
		if (last[k = lh_class_of(c, kids[j])] == j + 1 &&
		    (best == LH_NONE || kid_before(d, kids[j], kids[best])))
			best = j;
	for (j = 0; j < count; j++) {
		k = lh_class_of(c, kids[j]);
		tally[k] = last[k] = 0;
	}
	*same = most;
	return lh_class_of(c, kids[best]);
}

/* One line for the small subtrees kids[0..count) (in any order): how
 * many, what they retain, and their most common class with how many
 * share it. */
static void emit_folded(tree_out *o, uint32_t depth, const uint32_t *kids,
	uint32_t count)
{
	char rb[CLI_SIZE_BUF], cb[CLI_SIZE_BUF], sb[CLI_SIZE_BUF], pct[16];
	const lh_classes *c = lh_analysis_classes(o->a);
	const lh_dom *d = lh_analysis_dom(o->a);
	uint32_t j, same = 0, cls, first = 0;
	uint64_t bytes = 0;
	const char *name;

	if (o->tally == NULL)
		o->tally = calloc(2 * ((size_t)lh_classes_count(c) + 1),
			sizeof *o->tally);
	for (j = 0; j < count; j++) {
		bytes += lh_dom_retained(d, kids[j]);
		if (kid_before(d, kids[j], kids[first]))
			first = j;
	}
	if (o->tally != NULL) {
		cls = common_class(o, kids, count, o->tally, &same);
	} else {                        /* no memory for counts: the first */
		cls = lh_class_of(c, kids[first]);
		for (j = 0; j < count; j++)
			same += lh_class_of(c, kids[j]) == cls;
	}
	name = lh_classes_name(c, cls);
	if (o->nodes != NULL) {
		cJSON *n = cli_json_object(o->nodes, NULL);
		cli_json_num(n, "depth", depth);
		cli_json_num(n, "folded", count);
		cli_json_num(n, "retained", (double)bytes);
		cli_json_num(n, "percent", cli_percent(bytes, o->whole));
		cli_json_bytes(n, "class", name, strlen(name));
		cli_json_num(n, "class_count", same);
	} else {
		size_t indent = 2 * (depth < 40 ? depth : 40);
		char *label = cli_xmalloc(indent + 64), *cname;

		memset(label, ' ', indent);
		snprintf(label + indent, 64, "\xe2\x80\xa6 %s more",
			cli_count(count, cb));
		if (same == count)
			cname = cli_utf8(name, strlen(name));
		else {
			size_t n = strlen(name) + 64;
			char *t = cli_xmalloc(n);
			snprintf(t, n, "%s of them %s", cli_count(same, sb), name);
			cname = cli_utf8(t, strlen(t));
			free(t);
		}
		snprintf(pct, sizeof pct, "%.1f%%", cli_percent(bytes, o->whole));
		cli_table_row(o->table, cli_size(bytes, rb), pct, label, cname, "");
		free(cname);
		free(label);
	}
}

/* Preorder walk with an explicit stack (trees can be a million deep). */
static void walk(tree_out *o, uint32_t top, uint32_t maxdepth, uint64_t min)
{
	lh_domtree *t = o->tree;
	uint32_t *sv, *sc, sp = 0;
	size_t cap = (size_t)maxdepth + 2;

	if (cap > (size_t)lh_dom_live_count(lh_analysis_dom(o->a)) + 2)
		cap = (size_t)lh_dom_live_count(lh_analysis_dom(o->a)) + 2;
	sv = cli_xmalloc(cap * sizeof *sv);
	sc = cli_xmalloc(cap * sizeof *sc);
	emit(o, top, 0);
	sv[0] = top;
	sc[0] = 0;
	sp = 1;
	while (sp > 0) {
		uint32_t v = sv[sp - 1], cnt = 0, nbig = 0, i;
		const uint32_t *kids = NULL;

		if (sp - 1 < maxdepth &&
		    (kids = lh_domtree_children_min(t, v, min, &cnt,
		    &nbig)) == NULL)
			cli_die_nomem();
		if (sp - 1 >= maxdepth || sc[sp - 1] >= cnt) {
			sp--;
			continue;
		}
		i = sc[sp - 1]++;
		if (i >= nbig || sp >= cap) {
			/* the rest, all small: unsorted, folded into one */
			emit_folded(o, sp, kids + i, cnt - i);
			sc[sp - 1] = cnt;
			continue;
		}
		if (++o->lines >= MAX_LINES) {   /* a million-deep chain... */
			o->truncated = 1;
			break;
		}
		emit(o, kids[i], sp);
		sv[sp] = kids[i];
		sc[sp] = 0;
		sp++;
	}
	free(sv);
	free(sc);
}

int cmd_tree(int argc, char **argv)
{
	tree_args args = { 3, { 0, 1.0 }, 0, 0 };
	const lh_snapshot *snap = NULL;
	lh_analysis *a = NULL;
	tree_out o;
	uint32_t top = LH_DOM_VROOT;
	uint64_t min = 0;
	int rc;
	cJSON *doc = NULL;
	lh_error err;

	memset(&o, 0, sizeof o);
	if ((rc = cli_opt_parse(&command, &args, &argc, &argv)) != CLI_OPT_GO_ON)
		return rc;
	if ((rc = cli_open(&a, argv[0], args.flags)) != CLI_OK)
		return rc;
	snap = lh_analysis_snapshot(a);
	if (argc == 2 && (rc = cli_resolve(&top, snap, argv[1])) != CLI_OK)
		goto done;
	if (top != LH_DOM_VROOT && !lh_graph_live(lh_analysis_graph(a), top)) {
		cli_error("%s: '%s' is not reachable from any root (garbage): "
			"it has no dominator tree", lh_snapshot_path(snap), argv[1]);
		rc = CLI_ERROR;
		goto done;
	}
	o.a = a;
	lh_error_clear(&err);
	if (lh_domtree_new(&o.tree, lh_analysis_dom(a), &err) != LH_OK)
		cli_die(&err);
	o.whole = top == LH_DOM_VROOT ? lh_dom_live_bytes(lh_analysis_dom(a)) :
		lh_dom_retained(lh_analysis_dom(a), top);
	min = args.min.pct < 0 ? args.min.bytes :
		(uint64_t)((double)o.whole * args.min.pct / 100.0);
	if (args.json) {
		doc = cli_json_object(NULL, NULL);
		cli_json_bytes(doc, "snapshot", lh_snapshot_path(snap), strlen(lh_snapshot_path(snap)));
		cli_json_num(doc, "depth", args.depth);
		cli_json_num(doc, "min_size", (double)min);
		cli_json_num(doc, "live_bytes", (double)lh_dom_live_bytes(lh_analysis_dom(a)));
		o.nodes = cli_json_array(doc, "nodes");
	} else {
		o.table = cli_table_new("rrlll");
		cli_table_header(o.table, "retained", "%", "reference", "class",
			"address");
	}
	walk(&o, top, args.depth, min);
	if (args.json) {
		cli_json_bool(doc, "truncated", o.truncated);
		cli_print_json(doc);
		cJSON_Delete(doc);
	} else {
		cli_table_print(o.table, stdout, 0);
		cli_table_free(o.table);
		if (o.truncated)
			printf("\xe2\x80\xa6 stopped after %u objects: use a smaller "
				"--depth or a larger --min-size\n", MAX_LINES);
	}
done:
	free(o.tally);
	lh_domtree_free(o.tree);
	lh_analysis_free(a);
	return rc;
}

/*
 * Flame graphs of the dominator tree: an SVG icicle (self-contained: a
 * style sheet and a few lines of script for tooltips and click to zoom)
 * and folded stacks. One depth-first walk serves both; like siblings
 * (same class, step an index or computed key) merge into one box, small
 * ones fold into one, depth and box count are capped, so the output stays
 * small whatever the heap.
 */
#include <stdlib.h>
#include <string.h>
#include "luaheap/flame.h"
#include "hash.h"
#include "map_int.h"
#include "fold.h"
#include "analysis_int.h"
#include "snapshot_internal.h"

typedef struct flame {
	const lh_analysis *a;
	lh_domtree *t;
	uint64_t *w;                /* growth weights, NULL: retained sizes */
	lh_fold_names names;        /* which string keys are names */
	lh_flame_mark fresh;
	const void *ctx;
	uint64_t total, thr;
	uint32_t max_depth, max_boxes, nboxes;
	lh_strbuf sb;
} flame;

/* One box: n like siblings merged (n == 1: one object), or with nfold
 * set, the objects of small groups folded (v then LH_NONE). */
typedef struct node {
	uint32_t v, n, depth, nfold;    /* v: the first member, the example */
	uint64_t x, w;                  /* where the box starts, its width */
	uint64_t self, ret;             /* members' own and retained bytes */
} node;

static uint64_t weight(const flame *f, uint32_t v)
{
	return f->w != NULL ? f->w[v] : lh_dom__retained(f->a->dom, v);
}

static uint64_t self_weight(const flame *f, uint32_t v)
{
	if (f->fresh != NULL && !f->fresh(f->ctx, v))
		return 0;
	return lh_snapshot_size(f->a->snap, v);
}

/* Growth weights: the marked bytes of every dominator subtree, summed up
 * the tree in reverse preorder (an object's dominator comes first). */
static uint64_t *growth_weights(const lh_analysis *a, lh_flame_mark fresh,
	const void *ctx)
{
	const lh_dom *d = a->dom;
	uint64_t *w = calloc(a->snap->nobj ? a->snap->nobj : 1, sizeof *w);
	uint32_t i, v;

	if (w == NULL)
		return NULL;
	for (i = d->nlive; i-- > 0; ) {
		v = d->order[i];
		if (fresh(ctx, v))
			w[v] += lh_snapshot_size(a->snap, v);
		if (d->idom[v] < d->n)
			w[d->idom[v]] += w[v];
	}
	return w;
}

uint64_t lh_flame_total(const lh_analysis *a, lh_flame_mark fresh,
	const void *ctx)
{
	uint64_t sum = 0;
	uint32_t i;

	if (fresh == NULL)
		return a->dom->live_bytes;
	for (i = 0; i < a->dom->nlive; i++)
		if (fresh(ctx, a->dom->order[i]))
			sum += lh_snapshot_size(a->snap, a->dom->order[i]);
	return sum;
}

/* Whether v's step from its parent on the shortest path is an index, as
 * the diff folds it to [*]: any key but a name. A string key is a name
 * when it is written in the program (a constant of some proto) and old
 * (growth mode), or a key of the registry, _G or package.loaded. */
static int foldable(const flame *f, uint32_t v)
{
	const lh_bfs *b = f->a->bfs;
	uint32_t par = lh_bfs_parent(b, v);

	if (par == LH_DOM_VROOT || par == LH_NONE ||
	    f->a->snap->type[v] == LH_T_UPVALUE)
		return 0;
	return lh_fold__edge(&f->names, f->a->snap, par, b->via[v],
		f->fresh, f->ctx);
}

/* v's step on its shortest path (".timers", "[3]", "registry") into
 * f->sb; an index step as "[*]" when 'fold'. */
static void step(flame *f, uint32_t v, int fold)
{
	lh_hop h[2];
	lh_path p;

	if (f->a->snap->type[v] == LH_T_UPVALUE) {
		/* its value's box names the upvalue */
	} else if (fold && foldable(f, v)) {
		lh_strbuf_puts(&f->sb, "[*]");
	} else if ((p.nhops = lh_bfs_hops(h, f->a->bfs, v, 2)) > 0) {
		p.hops = h;
		lh_render_hop(&f->sb, f->a->snap, &p, p.nhops - 1, 40);
	}
}

/* A box's label into f->sb: "[3] table", "[*] table ×1800", "9 smaller". */
static void label(flame *f, const node *b)
{
	size_t start = f->sb.len;

	if (b->nfold) {
		lh_strbuf_printf(&f->sb, "%u smaller", b->nfold);
		return;
	}
	step(f, b->v, b->n > 1);
	if (f->sb.len > start)
		lh_strbuf_puts(&f->sb, " ");
	lh_strbuf_puts(&f->sb,
		f->a->classes->name[lh_classes__of(f->a->classes, b->v)]);
	if (b->n > 1)
		lh_strbuf_printf(&f->sb, " \xc3\x97%u", b->n);
}

static int flame_init(flame *f, const lh_analysis *a, lh_flame_mark fresh,
	const void *ctx, const lh_flame_opts *opts, double min_frac,
	uint32_t max_boxes, lh_error *err)
{
	memset(f, 0, sizeof *f);
	f->a = a;
	f->fresh = fresh;
	f->ctx = ctx;
	lh_strbuf_init(&f->sb);
	if (lh_domtree_new(&f->t, a->dom, err) != LH_OK)
		return LH_ENOMEM;
	if (lh_fold__names_init(&f->names, a->snap) != LH_OK ||
	    (fresh != NULL && (f->w = growth_weights(a, fresh, ctx)) == NULL)) {
		lh_domtree_free(f->t);
		lh_fold__names_release(&f->names);
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	}
	f->total = lh_flame_total(a, fresh, ctx);
	if (opts != NULL && opts->min_frac > 0)
		min_frac = opts->min_frac;
	f->thr = (uint64_t)((double)f->total * min_frac);
	if (f->thr == 0)
		f->thr = 1;
	f->max_depth = opts != NULL && opts->max_depth ? opts->max_depth : 48;
	if (f->max_depth > 1024)
		f->max_depth = 1024;    /* the walk recurses once per level */
	f->max_boxes = opts != NULL && opts->max_boxes ? opts->max_boxes :
		max_boxes;
	return LH_OK;
}

static void flame_release(flame *f)
{
	lh_domtree_free(f->t);
	free(f->w);
	lh_fold__names_release(&f->names);
	lh_strbuf_release(&f->sb);
}

/* ---- merging like siblings ---- */

/*
 * The walk. emit(f, box, expanded) is told of every box. A box's members
 * have children; those whose step folds alike (an index, a computed key:
 * the diff's [*]) and whose class is the same merge into one group, keyed
 * by a hash of (step text, class) in a hash map (map_int.h), so a level
 * costs time linear in its children. Groups as wide as the threshold get
 * a box, widest first, and are expanded in turn while the depth and box
 * caps allow; the rest fold into one "N smaller" box.
 */
typedef void (*emit_fn)(flame *f, const node *b, int expanded);

typedef struct group {
	uint64_t w, self, ret;
	uint32_t n, ex, start, fill;
} group;

typedef struct level {
	uint32_t *kid;              /* the children, then sorted by group */
	uint32_t *gid;              /* [nkid] each child's group */
	lh_map map;                 /* group_key() (its own hash) -> group */
	group *g;
	uint32_t nkid, ng;
} level;

static void level_free(level *l)
{
	free(l->kid);
	free(l->gid);
	lh_map_release(&l->map);
	free(l->g);
}

static uint64_t group_key(flame *f, uint32_t v)
{
	uint64_t h;

	f->sb.len = 0;
	step(f, v, 1);
	lh_strbuf_puts(&f->sb, "");
	h = f->sb.buf != NULL ? lh_hash__str(f->sb.buf) : 0;
	return (h ^ lh_classes__of(f->a->classes, v)) * 1099511628211ull;
}

/* Collects the children of members mem[0..nmem-1] with a weight into l
 * and groups them; 0 when out of memory. */
static int level_group(flame *f, level *l, const uint32_t *mem,
	uint32_t nmem)
{
	uint32_t i, j, count, total = 0, *sorted;
	const uint32_t *kids;

	for (i = 0; i < nmem; i++) {
		if (lh_domtree_children(f->t, mem[i], &count) == NULL)
			return 0;
		total += count;
	}
	if (lh_map_init(&l->map, total) != LH_OK)
		return 0;
	l->kid = malloc(((size_t)total + 1) * sizeof *l->kid);
	l->gid = malloc(((size_t)total + 1) * sizeof *l->gid);
	l->g = malloc(((size_t)total + 1) * sizeof *l->g);
	if (l->kid == NULL || l->gid == NULL || l->g == NULL)
		return 0;
	for (i = 0; i < nmem; i++) {
		if ((kids = lh_domtree_children(f->t, mem[i], &count)) == NULL)
			return 0;
		for (j = 0; j < count; j++) {
			uint32_t c = kids[j], gi;
			uint64_t w = weight(f, c), key;
			group *g;

			if (w == 0)
				continue;
			key = group_key(f, c);
			if ((gi = lh_map_get(&l->map, key)) == LH_MAP_END) {
				gi = l->ng;
				if (lh_map_add(&l->map, key, gi) != LH_OK)
					return 0;
				g = &l->g[l->ng++];
				memset(g, 0, sizeof *g);
				g->ex = c;
			}
			g = &l->g[gi];
			g->n++;
			g->w += w;
			g->self += self_weight(f, c);
			g->ret += lh_dom__retained(f->a->dom, c);
			l->gid[l->nkid] = gi;
			l->kid[l->nkid++] = c;
		}
	}
	/* members of a group next to each other, in the order met */
	for (i = 0, total = 0; i < l->ng; i++) {
		l->g[i].start = l->g[i].fill = total;
		total += l->g[i].n;
	}
	if ((sorted = malloc(((size_t)l->nkid + 1) * sizeof *sorted)) == NULL)
		return 0;
	for (i = 0; i < l->nkid; i++)
		sorted[l->g[l->gid[i]].fill++] = l->kid[i];
	free(l->kid);
	l->kid = sorted;
	return 1;
}

/* Widest first; ties by the example's index, so the output is stable. */
static int cmp_group(const void *x, const void *y)
{
	const group *a = x, *b = y;

	if (a->w != b->w)
		return a->w < b->w ? 1 : -1;
	return a->ex < b->ex ? -1 : a->ex > b->ex;
}

/* Draws the groups of the children of mem[0..nmem-1] at 'depth' from x. */
static int walk_level(flame *f, emit_fn emit, const uint32_t *mem,
	uint32_t nmem, uint32_t depth, uint64_t x)
{
	level l;
	node fold, b;
	uint32_t i;
	int rc = LH_OK;

	memset(&l, 0, sizeof l);
	memset(&fold, 0, sizeof fold);
	if (!level_group(f, &l, mem, nmem)) {
		level_free(&l);
		return LH_ENOMEM;
	}
	qsort(l.g, l.ng, sizeof *l.g, cmp_group);
	fold.v = LH_NONE;
	fold.depth = depth;
	for (i = 0; i < l.ng && rc == LH_OK; i++) {
		const group *g = &l.g[i];
		int expand = depth < f->max_depth;

		if (g->w < f->thr || f->nboxes >= f->max_boxes) {
			fold.nfold += g->n;
			fold.w += g->w;
			fold.self += g->self;
			fold.ret += g->ret;
			continue;
		}
		f->nboxes++;
		b.v = g->ex;
		b.n = g->n;
		b.depth = depth;
		b.nfold = 0;
		b.x = x;
		b.w = g->w;
		b.self = g->self;
		b.ret = g->ret;
		emit(f, &b, expand);
		if (expand)
			rc = walk_level(f, emit, &l.kid[g->start], g->n, depth + 1, x);
		x += g->w;
	}
	if (rc == LH_OK && fold.w > 0) {
		fold.x = x;
		emit(f, &fold, 0);
	}
	level_free(&l);
	return rc;
}

static int walk(flame *f, emit_fn emit)
{
	uint32_t root = LH_DOM_VROOT;

	return walk_level(f, emit, &root, 1, 1, 0);
}

/* ---- folded stacks ---- */

typedef struct folded {
	flame f;
	lh_out *o;
	lh_strbuf stack;            /* the frames of the current path */
	size_t *plen;               /* [max_depth + 2] stack length by depth */
} folded;

/* Appends sb's text as one frame: no ';', no line breaks. */
static void put_frame(lh_strbuf *dst, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		lh_strbuf_putn(dst, s[i] == ';' ? ":" : s[i] == '\n' ||
			s[i] == '\r' ? " " : &s[i], 1);
}

static void emit_folded(flame *f, const node *b, int expanded)
{
	folded *fd = (folded *)f;
	uint64_t lw = expanded ? b->self : b->w;

	fd->stack.len = fd->plen[b->depth - 1];
	if (fd->stack.len > 0)
		lh_strbuf_puts(&fd->stack, ";");
	f->sb.len = 0;
	if (b->nfold > 0)
		lh_strbuf_printf(&f->sb, "[%u smaller]", b->nfold);
	else
		label(f, b);
	put_frame(&fd->stack, f->sb.buf, f->sb.len);
	fd->plen[b->depth] = fd->stack.len;
	if (lw == 0)
		return;
	lh_out_putn(fd->o, fd->stack.buf, fd->stack.len);
	lh_out_putn(fd->o, " ", 1);
	lh_out_u64(fd->o, lw);
	lh_out_putn(fd->o, "\n", 1);
}

int lh_flame_folded(lh_out *o, const lh_analysis *a, lh_flame_mark fresh,
	const void *ctx, const lh_flame_opts *opts, lh_error *err)
{
	folded fd;
	int rc = LH_ENOMEM;

	if (flame_init(&fd.f, a, fresh, ctx, opts, 0.0001, 100000, err) != LH_OK)
		return LH_ENOMEM;
	fd.o = o;
	lh_strbuf_init(&fd.stack);
	fd.plen = calloc((size_t)fd.f.max_depth + 2, sizeof *fd.plen);
	if (fd.plen != NULL)
		rc = walk(&fd.f, emit_folded);
	if (rc == LH_OK && (fd.stack.oom || fd.f.sb.oom))
		rc = LH_ENOMEM;
	free(fd.plen);
	lh_strbuf_release(&fd.stack);
	flame_release(&fd.f);
	if (rc != LH_OK)
		return lh_error_set(err, rc, "out of memory");
	return LH_OK;
}

/* ---- SVG ---- */

typedef struct svg {
	flame f;
	node *boxes;
	uint32_t nbox, cap, maxd;
	int oom;
} svg;

static void emit_box(flame *f, const node *b, int expanded)
{
	svg *s = (svg *)f;

	(void)expanded;
	if (s->nbox == s->cap) {
		uint32_t cap = s->cap ? 2 * s->cap : 256;
		node *nb = realloc(s->boxes, (size_t)cap * sizeof *nb);
		if (nb == NULL) {
			s->oom = 1;
			return;
		}
		s->boxes = nb;
		s->cap = cap;
	}
	s->boxes[s->nbox++] = *b;
	if (b->depth > s->maxd)
		s->maxd = b->depth;
}

#define ROW 18
#define TOP 36

/* Zoom: a click on a box makes its range the full width; each box keeps
 * its share (data-x, data-w, fractions of the total) and its label. */
static const char script[] =
	"<script><![CDATA[\n"
	"(function(id){\n"
	"var svg=document.getElementById(id),W=+svg.getAttribute('data-width');\n"
	"function fit(g,w){var t=g.querySelector('text'),l=g.getAttribute('data-l'),"
	"n=Math.floor((w-6)/7);t.textContent=n<3?'':l.length<=n?l:l.slice(0,n-1)+'\\u2026';}\n"
	"function zoom(zx,zw){svg.querySelectorAll('g.f').forEach(function(g){\n"
	"var x=(+g.getAttribute('data-x')-zx)/zw,w=+g.getAttribute('data-w')/zw;\n"
	"if(x<0){w+=x;x=0;}if(x+w>1)w=1-x;\n"
	"if(w<=0){g.style.display='none';return;}g.style.display='';\n"
	"var r=g.querySelector('rect');r.setAttribute('x',(x*W).toFixed(1));"
	"r.setAttribute('width',Math.max(w*W-0.5,0.5).toFixed(1));\n"
	"g.querySelector('text').setAttribute('x',(x*W+3).toFixed(1));fit(g,w*W);});}\n"
	"svg.addEventListener('click',function(e){var g=e.target.closest('g.f');\n"
	"if(g)zoom(+g.getAttribute('data-x'),+g.getAttribute('data-w'));"
	"else zoom(0,1);});\n"
	"})('%s');\n"
	"]]></script>\n";

/* Fill: retained mode, a warm colour from the class name; growth mode,
 * pale to deep red with the share of the box that is new. */
static void fill(svg *s, const node *b, char *buf, size_t n)
{
	const char *name = "";
	uint64_t h;

	if (s->f.w != NULL) {
		double share = b->v == LH_NONE || b->ret == 0 ? 0.5 :
			(double)b->w / (double)b->ret;
		snprintf(buf, n, "hsl(%d,85%%,%d%%)", (int)(50 - 50 * share),
			(int)(80 - 30 * share));
		return;
	}
	if (b->v != LH_NONE)
		name = s->f.a->classes->name[lh_classes__of(s->f.a->classes, b->v)];
	h = lh_hash__str(name);
	if (b->v == LH_NONE)
		snprintf(buf, n, "hsl(40,10%%,80%%)");
	else
		snprintf(buf, n, "hsl(%u,80%%,%u%%)", (unsigned)(h % 50),
			(unsigned)(60 + (h >> 8) % 15));
}

static void put_size(lh_out *o, uint64_t v)
{
	lh_out_u64(o, v);
	lh_out_puts(o, " bytes");
	if (v >= 1024)
		lh_out_printf(o, " (%.1f %s)", v >= 1048576 ? (double)v / 1048576 :
			(double)v / 1024, v >= 1048576 ? "MiB" : "KiB");
}

/* The tooltip after the label: sizes; for one object its address and
 * path, for merged ones their count and an example's. */
static void tooltip(svg *s, lh_out *o, const node *b, double fw)
{
	flame *f = &s->f;

	lh_out_puts(o, "\n");
	if (b->n > 1)
		lh_out_printf(o, "objects: %u\n", b->n);
	lh_out_puts(o, f->w != NULL ? "new bytes: " : "retained: ");
	put_size(o, b->w);
	lh_out_printf(o, ", %.2f%%", 100 * fw);
	if (b->v == LH_NONE)
		return;
	if (f->w != NULL) {
		lh_out_puts(o, "\nretained: ");
		put_size(o, b->ret);
	}
	lh_out_puts(o, "\nself: ");
	put_size(o, b->self);
	lh_out_printf(o, "\n%saddress: 0x%llx\npath: ", b->n > 1 ? "example " : "",
		(unsigned long long)lh_snapshot_addr(f->a->snap, b->v));
	f->sb.len = 0;
	lh_analysis_render_tail(&f->sb, f->a, b->v, 40, 24);
	lh_out_xml(o, f->sb.buf, f->sb.len);
}

static void write_box(svg *s, lh_out *o, const node *b, double width)
{
	flame *f = &s->f;
	double fx = (double)b->x / (double)f->total;
	double fw = (double)b->w / (double)f->total;
	uint32_t y = TOP + (b->depth - 1) * ROW, nch;
	char col[48];

	fill(s, b, col, sizeof col);
	f->sb.len = 0;
	label(f, b);
	lh_out_printf(o, "<g class=\"f\" data-x=\"%.9f\" data-w=\"%.9f\" data-l=\"",
		fx, fw);
	lh_out_xml(o, f->sb.buf, f->sb.len);
	lh_out_puts(o, "\"><title>");
	lh_out_xml(o, f->sb.buf, f->sb.len);
	tooltip(s, o, b, fw);
	f->sb.len = 0;
	label(f, b);
	lh_out_printf(o, "</title><rect x=\"%.1f\" y=\"%u\" width=\"%.1f\" "
		"height=\"%u\" fill=\"%s\"/><text x=\"%.1f\" y=\"%u\">", fx * width,
		y, fw * width - 0.5 > 0.5 ? fw * width - 0.5 : 0.5, ROW - 1, col,
		fx * width + 3, y + ROW - 5);
	nch = (uint32_t)((fw * width - 6) / 7);
	if (nch >= 3) {
		lh_out_xml(o, f->sb.buf, f->sb.len <= nch ? f->sb.len :
			lh_render_utf8_cut(f->sb.buf, f->sb.len, nch - 1));
		if (f->sb.len > nch)
			lh_out_puts(o, "\xe2\x80\xa6");
	}
	lh_out_puts(o, "</text></g>\n");
}

static void svg_head(svg *s, lh_out *o, const lh_flame_opts *opts,
	uint32_t width, const char *id)
{
	uint32_t height = TOP + (s->maxd ? s->maxd : 1) * ROW + 4;

	lh_out_printf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" "
		"class=\"lhflame\" data-width=\"%u\" width=\"%u\" height=\"%u\" "
		"viewBox=\"0 0 %u %u\" font-family=\"monospace\" font-size=\"12\">\n",
		id, width, width, height, width, height);
	lh_out_printf(o, "<style>#%s g.f{cursor:pointer}#%s g.f:hover rect"
		"{stroke:#000;stroke-width:0.8}#%s text{pointer-events:none;"
		"fill:#000}</style>\n", id, id, id);
	lh_out_printf(o, "<rect width=\"%u\" height=\"%u\" fill=\"#fbfbf6\"/>\n",
		width, height);
	lh_out_puts(o, "<text x=\"6\" y=\"16\" font-size=\"14\">");
	if (opts != NULL && opts->title != NULL)
		lh_out_xml(o, opts->title, strlen(opts->title));
	lh_out_puts(o, "</text>\n<text x=\"6\" y=\"31\" fill=\"#555\">");
	lh_out_puts(o, s->f.w != NULL ? "new bytes that survived, by dominator "
		"(colour: share of the box that is new): " :
		"retained size by dominator: ");
	put_size(o, s->f.total);
	lh_out_puts(o, "; click a box to zoom, outside to reset</text>\n");
}

int lh_flame_svg(lh_out *o, const lh_analysis *a, lh_flame_mark fresh,
	const void *ctx, const lh_flame_opts *opts, lh_error *err)
{
	uint32_t width = opts != NULL && opts->width ? opts->width : 1200, i;
	const char *id = opts != NULL && opts->id != NULL ? opts->id : "flame";
	svg s;
	int rc;

	memset(&s, 0, sizeof s);
	if (flame_init(&s.f, a, fresh, ctx, opts, 0.004, 4000, err) != LH_OK)
		return LH_ENOMEM;
	rc = walk(&s.f, emit_box);
	if (rc == LH_OK && s.oom)
		rc = LH_ENOMEM;
	if (rc == LH_OK) {
		svg_head(&s, o, opts, width, id);
		for (i = 0; i < s.nbox; i++)
			write_box(&s, o, &s.boxes[i], width);
		lh_out_printf(o, script, id);
		lh_out_puts(o, "</svg>\n");
		if (s.f.sb.oom)
			rc = LH_ENOMEM;
	}
	free(s.boxes);
	flame_release(&s.f);
	if (rc != LH_OK)
		return lh_error_set(err, rc, "out of memory");
	return LH_OK;
}

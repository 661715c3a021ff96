/*
 * Flame graphs of the dominator tree: an SVG icicle (self-contained: a
 * style sheet and a few lines of script for tooltips and click to zoom)
 * and folded stacks. One depth-first walk serves both; small siblings
 * fold into one box, depth and box count are capped, so the output stays
 * small whatever the heap.
 */
#include <stdlib.h>
#include <string.h>
#include "luaheap/flame.h"
#include "hash.h"

typedef struct flame {
	const lh_analysis *a;
	lh_domtree *t;
	uint64_t *w;                /* growth weights, NULL: retained sizes */
	lh_flame_mark fresh;
	const void *ctx;
	uint64_t total, thr;
	uint32_t max_depth, max_boxes, nboxes;
	lh_strbuf sb;
} flame;

typedef struct frame {
	uint32_t v, pos, depth;
	uint64_t x, next;           /* where the box starts; its next child */
	uint64_t fold_w;            /* small children, folded */
	uint32_t fold_n;
	size_t plen;                /* folded: length of the stack text */
} frame;

static uint64_t weight(const flame *f, uint32_t v)
{
	return f->w != NULL ? f->w[v] : lh_dom_retained(f->a->dom, v);
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

/* v's step on its shortest path (".timers", "[3]", "registry") and its
 * class, into f->sb. */
static void label(flame *f, uint32_t v)
{
	const lh_bfs *b = f->a->bfs;
	uint32_t par = lh_bfs_parent(b, v), gp;
	lh_hop h[2];
	lh_path p;
	size_t start = f->sb.len;

	p.hops = h;
	if (f->a->snap->type[v] == LH_T_UPVALUE) {
		/* its value's box names the upvalue */
	} else if (par == LH_DOM_VROOT) {
		h[0].from = LH_DOM_VROOT;
		h[0].edge = LH_NONE;
		h[0].root = b->via[v];
		h[0].obj = v;
		p.nhops = 1;
		lh_path_render_hop(&f->sb, f->a->snap, &p, 0, 40);
	} else if (par != LH_NONE) {
		gp = lh_bfs_parent(b, par);
		h[0].from = gp;
		h[0].edge = gp == LH_DOM_VROOT ? LH_NONE : b->via[par];
		h[0].root = gp == LH_DOM_VROOT ? b->via[par] : LH_NONE;
		h[0].obj = par;
		h[1].from = par;
		h[1].edge = b->via[v];
		h[1].root = LH_NONE;
		h[1].obj = v;
		p.nhops = 2;
		lh_path_render_hop(&f->sb, f->a->snap, &p, 1, 40);
	}
	if (f->sb.len > start)
		lh_strbuf_puts(&f->sb, " ");
	lh_strbuf_puts(&f->sb, f->a->classes->name[lh_class_of(f->a->classes, v)]);
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
	if (fresh != NULL && (f->w = growth_weights(a, fresh, ctx)) == NULL) {
		lh_domtree_free(f->t);
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	}
	f->total = lh_flame_total(a, fresh, ctx);
	if (opts != NULL && opts->min_frac > 0)
		min_frac = opts->min_frac;
	f->thr = (uint64_t)((double)f->total * min_frac);
	if (f->thr == 0)
		f->thr = 1;
	f->max_depth = opts != NULL && opts->max_depth ? opts->max_depth : 48;
	f->max_boxes = opts != NULL && opts->max_boxes ? opts->max_boxes :
		max_boxes;
	return LH_OK;
}

static void flame_release(flame *f)
{
	lh_domtree_free(f->t);
	free(f->w);
	lh_strbuf_release(&f->sb);
}

/*
 * The walk. emit(f, v, depth, x, w, nfold, expanded, parent frame) is
 * told of every box: an object (nfold 0) or nfold small siblings folded
 * (v then LH_NONE). Objects are expanded (their children visited) while
 * the depth and box caps allow. The stack holds at most max_depth + 1
 * frames.
 */
typedef void (*emit_fn)(flame *f, uint32_t v, uint32_t depth, uint64_t x,
	uint64_t w, uint32_t nfold, int expanded, frame *parent);

static int walk(flame *f, emit_fn emit)
{
	frame *st = malloc(((size_t)f->max_depth + 2) * sizeof *st);
	uint32_t sp = 0, count;
	const uint32_t *kids;

	if (st == NULL)
		return LH_ENOMEM;
	memset(&st[0], 0, sizeof st[0]);
	st[0].v = LH_DOM_VROOT;
	sp = 1;
	while (sp > 0) {
		frame *top = &st[sp - 1];
		uint32_t c;
		uint64_t wc;

		kids = lh_domtree_children(f->t, top->v, &count);
		if (top->pos >= count) {
			if (top->fold_w > 0)
				emit(f, LH_NONE, top->depth + 1, top->next, top->fold_w,
					top->fold_n, 0, top);
			sp--;
			continue;
		}
		c = kids[top->pos++];
		if ((wc = weight(f, c)) == 0)
			continue;
		if (wc < f->thr || f->nboxes >= f->max_boxes) {
			top->fold_w += wc;
			top->fold_n++;
			continue;
		}
		f->nboxes++;
		{
			int expand = top->depth + 1 < f->max_depth;
			frame *nf = &st[sp];

			memset(nf, 0, sizeof *nf);
			nf->v = c;
			nf->depth = top->depth + 1;
			nf->x = nf->next = top->next;
			top->next += wc;
			emit(f, c, nf->depth, nf->x, wc, 0, expand, top);
			if (expand)
				sp++;
		}
	}
	free(st);
	return LH_OK;
}

/* ---- folded stacks ---- */

typedef struct folded {
	flame f;
	lh_out *o;
	lh_strbuf stack;            /* the frames of the current path */
	frame *base;                /* st[0], to find a frame's depth */
} folded;

/* Appends sb's text as one frame: no ';', no line breaks. */
static void put_frame(lh_strbuf *dst, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		lh_strbuf_putn(dst, s[i] == ';' ? ":" : s[i] == '\n' ||
			s[i] == '\r' ? " " : &s[i], 1);
}

static void emit_folded(flame *f, uint32_t v, uint32_t depth, uint64_t x,
	uint64_t w, uint32_t nfold, int expanded, frame *parent)
{
	folded *fd = (folded *)f;
	uint64_t lw = expanded ? self_weight(f, v) : w;
	size_t keep = parent->v == LH_DOM_VROOT ? 0 : parent->plen;

	(void)x;
	(void)depth;
	fd->stack.len = keep;
	if (keep > 0)
		lh_strbuf_puts(&fd->stack, ";");
	f->sb.len = 0;
	if (nfold > 0)
		lh_strbuf_printf(&f->sb, "[%u smaller]", nfold);
	else
		label(f, v);
	put_frame(&fd->stack, f->sb.buf, f->sb.len);
	if (v != LH_NONE && expanded)
		(parent + 1)->plen = fd->stack.len;  /* the frame pushed next */
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
	int rc;

	if (flame_init(&fd.f, a, fresh, ctx, opts, 0.0001, 100000, err) != LH_OK)
		return LH_ENOMEM;
	fd.o = o;
	lh_strbuf_init(&fd.stack);
	rc = walk(&fd.f, emit_folded);
	if (rc == LH_OK && (fd.stack.oom || fd.f.sb.oom))
		rc = LH_ENOMEM;
	lh_strbuf_release(&fd.stack);
	flame_release(&fd.f);
	if (rc != LH_OK)
		return lh_error_set(err, rc, "out of memory");
	return LH_OK;
}

/* ---- SVG ---- */

typedef struct box {
	uint32_t v, depth, nfold;
	uint64_t x, w;
} box;

typedef struct svg {
	flame f;
	box *boxes;
	uint32_t nbox, cap, maxd;
	int oom;
} svg;

static void emit_box(flame *f, uint32_t v, uint32_t depth, uint64_t x,
	uint64_t w, uint32_t nfold, int expanded, frame *parent)
{
	svg *s = (svg *)f;
	box *b;

	(void)expanded;
	(void)parent;
	if (s->nbox == s->cap) {
		uint32_t cap = s->cap ? 2 * s->cap : 256;
		box *nb = realloc(s->boxes, (size_t)cap * sizeof *nb);
		if (nb == NULL) {
			s->oom = 1;
			return;
		}
		s->boxes = nb;
		s->cap = cap;
	}
	b = &s->boxes[s->nbox++];
	b->v = v;
	b->depth = depth;
	b->nfold = nfold;
	b->x = x;
	b->w = w;
	if (depth > s->maxd)
		s->maxd = depth;
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
static void fill(svg *s, const box *b, char *buf, size_t n)
{
	const char *name = "";
	uint64_t h;

	if (s->f.w != NULL) {
		uint64_t r = b->v != LH_NONE ? lh_dom_retained(s->f.a->dom, b->v) : 0;
		double share = b->v == LH_NONE || r == 0 ? 0.5 : (double)b->w / (double)r;
		snprintf(buf, n, "hsl(%d,85%%,%d%%)", (int)(50 - 50 * share),
			(int)(80 - 30 * share));
		return;
	}
	if (b->v != LH_NONE)
		name = s->f.a->classes->name[lh_class_of(s->f.a->classes, b->v)];
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

static void write_box(svg *s, lh_out *o, const box *b, double width)
{
	flame *f = &s->f;
	double fx = (double)b->x / (double)f->total;
	double fw = (double)b->w / (double)f->total;
	uint32_t y = TOP + (b->depth - 1) * ROW, nch;
	char col[48];

	fill(s, b, col, sizeof col);
	f->sb.len = 0;
	if (b->nfold)
		lh_strbuf_printf(&f->sb, "%u smaller", b->nfold);
	else
		label(f, b->v);
	lh_out_printf(o, "<g class=\"f\" data-x=\"%.9f\" data-w=\"%.9f\" data-l=\"",
		fx, fw);
	lh_out_xml(o, f->sb.buf, f->sb.len);
	lh_out_puts(o, "\"><title>");
	lh_out_xml(o, f->sb.buf, f->sb.len);
	lh_out_puts(o, "\n");
	lh_out_puts(o, f->w != NULL ? "new bytes: " : "retained: ");
	put_size(o, b->w);
	lh_out_printf(o, ", %.2f%%", 100 * fw);
	if (b->v != LH_NONE) {
		if (f->w != NULL) {
			lh_out_puts(o, "\nretained: ");
			put_size(o, lh_dom_retained(f->a->dom, b->v));
		}
		lh_out_puts(o, "\nself: ");
		put_size(o, lh_snapshot_size(f->a->snap, b->v));
		lh_out_printf(o, "\naddress: 0x%llx\npath: ",
			(unsigned long long)lh_snapshot_addr(f->a->snap, b->v));
		f->sb.len = 0;
		lh_analysis_render_tail(&f->sb, f->a, b->v, 40, 24);
		lh_out_xml(o, f->sb.buf, f->sb.len);
		f->sb.len = 0;
		label(f, b->v);
	}
	lh_out_printf(o, "</title><rect x=\"%.1f\" y=\"%u\" width=\"%.1f\" "
		"height=\"%u\" fill=\"%s\"/><text x=\"%.1f\" y=\"%u\">", fx * width,
		y, fw * width - 0.5 > 0.5 ? fw * width - 0.5 : 0.5, ROW - 1, col,
		fx * width + 3, y + ROW - 5);
	nch = (uint32_t)((fw * width - 6) / 7);
	if (nch >= 3) {
		lh_out_xml(o, f->sb.buf, f->sb.len <= nch ? f->sb.len :
			lh_utf8_cut(f->sb.buf, f->sb.len, nch - 1));
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

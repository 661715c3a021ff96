/*
 * The analysis index: the decoded snapshot and every analysis result as
 * flat arrays in one file, mapped by later commands instead of reading
 * and analysing again (as Eclipse MAT keeps index files beside a dump).
 * The file is untrusted: bound to its snapshot and to this build, and
 * every section's checksum verified on each open, before any value is
 * believed. The range checks (every stored index in bounds, the edges by
 * the readers' rules, dominators and root paths consistent) run in full
 * unless a trust record (see trusted()) shows that this user's luaheap
 * wrote or fully checked this very file and the kernel has seen no change
 * to it since. Everything is checked at open, never later: a command that
 * got an analysis can use any part of it, and any failure happens while
 * lh_analysis_open can still ignore the index and analyse afresh.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "luaheap/crc32c.h"
#include "luaheap/dump.h"
#include "snapshot_internal.h"
#include "arena_int.h"
#include "index_int.h"

/* Every count of the index, with the public structs copied whole: their
 * pointers are replaced on load, never followed. */
typedef struct idx_scalars {
	lh_snapshot s;
	lh_graph g;
	lh_dom d;
	lh_bfs b;
	lh_classes c;
	uint32_t nwide, garbage_count;
	uint64_t garbage_bytes, total_bytes;
	uint64_t label_len, watch_len, names_len;
} idx_scalars;

/* A new pointer in one of these structs must get a section (or a line in
 * adopt()) here: the sizes below make that change fail to compile. */
_Static_assert(sizeof(lh_snapshot) == 1624, "index.c: new snapshot field");
_Static_assert(sizeof(lh_graph) == 120, "index.c: new graph field");
_Static_assert(sizeof(lh_dom) == 72, "index.c: new dominator field");
_Static_assert(sizeof(lh_bfs) == 48, "index.c: new BFS field");
_Static_assert(sizeof(lh_classes) == 280, "index.c: new classes field");

/* Where each section's array is: the parts of one analysis. */
typedef struct parts {
	idx_scalars *sc;
	lh_snapshot *s;
	lh_snap_internal *in;
	lh_graph *g;
	lh_dom *d;
	lh_bfs *b;
	lh_classes *c;
	lh_watch *watches;
	char *label, *watch, *names;    /* NUL-terminated strings, end to end */
} parts;

typedef struct sect {
	void **p;                       /* the array's pointer */
	uint64_t elem, count;
	int opt;                        /* may be absent */
	int part;                       /* IDX_PART_*: what computes it */
	/* records with padding: copies n of them field by field into
	 * zeroed memory, for a file that is the same bytes every time (the
	 * reader leaves the padding it fills as it was) */
	void (*clean)(void *dst, const void *src, uint64_t n);
} sect;

static void layout(uint32_t w[8])
{
	w[0] = 0x01020304;              /* byte order */
	w[1] = (uint32_t)sizeof(idx_scalars);
	w[2] = (uint32_t)(sizeof(lh_string_info) << 16 | sizeof(lh_table_info));
	w[3] = (uint32_t)(sizeof(lh_func_info) << 16 | sizeof(lh_thread_info));
	w[4] = (uint32_t)(sizeof(lh_frame_info) << 16 | sizeof(lh_proto_info));
	w[5] = (uint32_t)(sizeof(lh_udata_info) << 16 | sizeof(lh_root));
	w[6] = (uint32_t)(sizeof(lh_watch) << 16 | sizeof(lh_wide_label));
	w[7] = (uint32_t)(sizeof(lh_class_stat) << 16 | sizeof(void *));
}

/* ---- records with padding, copied field by field (sect.clean) ---- */

#define CLEAN(name, type, fields) \
static void name(void *dst, const void *src, uint64_t n) \
{ \
	type *d = dst; \
	const type *s = src; \
	uint64_t i; \
	for (i = 0; i < n; i++) { fields } \
}
#define F(f) d[i].f = s[i].f;
CLEAN(clean_funcs, lh_func_info, F(nupvalues) F(proto) F(cfunc) F(symbol))
CLEAN(clean_threads, lh_thread_info, F(status) F(stack_slots) F(nci)
	F(frame_first) F(frame_count))
CLEAN(clean_frames, lh_frame_info, F(func) F(proto) F(line) F(is_lua))
CLEAN(clean_protos, lh_proto_info, F(linedefined) F(lastlinedefined)
	F(numparams) F(is_vararg) F(maxstacksize) F(sizecode) F(source))
CLEAN(clean_udatas, lh_udata_info, F(length) F(nuvalue))
CLEAN(clean_roots, lh_root, F(kind) F(target) F(index))
CLEAN(clean_watches, lh_watch, F(target) F(addr) F(expect_dead))
CLEAN(clean_stats, lh_class_stat, F(count) F(self) F(retained))
#undef F
#undef CLEAN

/* The sections, their lengths computed from p->sc, each part's after the
 * part before (the order of IDX_PART_*). Returns their number. */
static uint32_t list(sect *t, parts *p)
{
	const idx_scalars *sc = p->sc;
	const lh_snapshot *s = &sc->s;
	uint64_t n = s->nobj, m = s->nedge, bits = n / 32 + 1;
	uint32_t k = 0;
	int part = IDX_PART_SNAP;

#define R(field, cnt, o, fn) (t[k].p = (void **)&(field), \
	t[k].elem = sizeof *(field), t[k].count = (cnt), t[k].opt = (o), \
	t[k].part = part, t[k].clean = (fn), k++)
#define S(field, cnt, o) R(field, cnt, o, NULL)
	S(p->sc, 1, 0);
	S(p->s->addr_lo, n, 1); S(p->s->addr_hi, n, 1); S(p->s->addr64, n, 1);
	S(p->s->size, n, 0); S(p->s->type, n, 0);
	S(p->s->list, n, 0); S(p->s->marked, n, 0);
	S(p->s->rank, (n / LH_RANK_BLOCK + 1) * LH_RANK_KINDS, 0);
	S(p->s->open_upvals, s->nopen_upvals, 0);
	S(p->s->edge_off, n + 1, 0); S(p->s->edge_to, m, 0);
	S(p->s->edge_kind, m, 0); S(p->s->edge_label, m, 0);
	S(p->s->strings, s->nstrings, 0); S(p->s->tables, s->ntables, 0);
	S(p->s->table_weak, s->ntables, 0);
	S(p->s->table_lnodes, s->ntables, 0);
	R(p->s->funcs, s->nfuncs, 0, clean_funcs);
	R(p->s->threads, s->nthreads, 0, clean_threads);
	R(p->s->frames, s->nframes, 0, clean_frames);
	R(p->s->protos, s->nprotos, 0, clean_protos);
	R(p->s->udatas, s->nudatas, 0, clean_udatas);
	S(p->s->text, s->text_len, 0);
	S(p->s->text_at, s->nstrings / LH_TEXT_STEP + 1, 0);
	S(p->s->symbols, s->symbols_len, 0);
	R(p->s->roots, s->nroots, 0, clean_roots);
	R(p->watches, s->nwatches, 0, clean_watches);
	S(p->s->big_len_str, s->nbig_len, 0); S(p->s->big_len, s->nbig_len, 0);
	S(p->s->big_obj, s->nbig, 0); S(p->s->big_size, s->nbig, 0);
	S(p->in->wide, sc->nwide, 0);
	S(p->label, sc->label_len, 0); S(p->watch, sc->watch_len, 0);
	S(p->s->shared, s->nshared, 0);
	part = IDX_PART_GRAPH;
	S(p->g->roots, sc->g.nroots, 0);
	S(p->g->eph_edge, sc->g.neph, 0); S(p->g->eph_src, sc->g.neph, 0);
	S(p->g->eph_key, sc->g.neph, 0); S(p->g->eph_by_key, sc->g.neph, 0);
	S(p->g->livebits, bits, 0);
	part = IDX_PART_BFS;
	S(p->b->via, n, 0); S(p->b->rootbits, bits, 0);
	S(p->b->blk, sc->b.nblk, 0);
	part = IDX_PART_DOM;
	S(p->d->idom, n, 0); S(p->d->retained, n, 0);
	S(p->d->order, sc->d.nlive, 0);
	S(p->d->big_obj, sc->d.nbig, 0); S(p->d->big_retained, sc->d.nbig, 0);
	part = IDX_PART_CLASSES;
	S(p->c->of16, n, 1); S(p->c->of32, n, 1);
	S(p->c->type, sc->c.nclass, 0);
	R(p->c->live, sc->c.nclass, 0, clean_stats);
	R(p->c->all, sc->c.nclass, 0, clean_stats);
	S(p->names, sc->names_len, 0);
#undef S
#undef R
	assert(t[IDX_S_EDGE_TO].p == (void **)&p->s->edge_to &&
	       t[IDX_S_IDOM].p == (void **)&p->d->idom &&
	       t[IDX_S_VIA].p == (void **)&p->b->via);
	return k;
}

/* The checksum of a section: the CRC-32C of each third of its bytes (the
 * first two thirds a whole number of 8-byte words), two of them in the
 * high word. The three CRCs run side by side through the processor's
 * crc32 instruction where it has one (its latency hides behind the other
 * two streams), else through lh_crc32's tables, with the same result. */
#ifdef LH_CRC32C_HW
__attribute__((target("sse4.2")))
static uint64_t sum3_hw(const unsigned char *p, uint64_t n)
{
	uint64_t third = n / 24, a = ~0u, b = ~0u, c = ~0u, w, i;
	const unsigned char *q = p + third * 8, *r = p + third * 16;

	for (i = 0; i < third; i++) {
		memcpy(&w, p + 8 * i, 8);
		a = __builtin_ia32_crc32di(a, w);
		memcpy(&w, q + 8 * i, 8);
		b = __builtin_ia32_crc32di(b, w);
		memcpy(&w, r + 8 * i, 8);
		c = __builtin_ia32_crc32di(c, w);
	}
	c = lh_crc32c_hw((uint32_t)c, r + third * 8, n - third * 24);
	a = ~a & 0xffffffffu;
	b = ~b & 0xffffffffu;
	c = ~c & 0xffffffffu;
	return (a ^ (c << 16 | c >> 16)) << 32 | b;
}
#endif

/* lh_index__sum of n bytes fed piece by piece (through lh_crc32). */
typedef struct sum_acc {
	uint64_t n, at;
	uint32_t crc[3];                /* of each third */
} sum_acc;

static void sum_feed(sum_acc *s, const unsigned char *p, uint64_t len)
{
	uint64_t third = s->n / 24, cut[3], take;
	int k;

	cut[0] = third * 8;
	cut[1] = third * 16;
	cut[2] = s->n;
	while (len > 0) {
		k = s->at < cut[0] ? 0 : s->at < cut[1] ? 1 : 2;
		take = cut[k] - s->at < len ? cut[k] - s->at : len;
		s->crc[k] = lh_crc32(s->crc[k], p, take);
		p += take;
		len -= take;
		s->at += take;
	}
}

static uint64_t sum_end(const sum_acc *s)
{
	uint64_t a = s->crc[0], b = s->crc[1], c = s->crc[2];

	return (a ^ (c << 16 | c >> 16)) << 32 | b;
}

uint64_t lh_index__sum(const void *data, uint64_t n)
{
	sum_acc s = { n, 0, { 0, 0, 0 } };

#ifdef LH_CRC32C_HW
	if (lh_crc32c_hw_present())
		return sum3_hw(data, n);
#endif
	sum_feed(&s, data, n);
	return sum_end(&s);
}

/* ---- binding and file names ---- */

int lh_index__bind(lh_index_bind *out, const char *path, lh_error *err)
{
	unsigned char buf[4096], head[LH_MAGIC_LEN];
	struct stat st;
	uint64_t at = 0;
	ssize_t r;
	int fd, binary;

	memset(out, 0, sizeof *out);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return lh_error_set(err, LH_EIO, "not a regular file");
	}
	out->size = (uint64_t)st.st_size;
	out->mtime_s = (int64_t)st.st_mtim.tv_sec;
	out->mtime_ns = (int64_t)st.st_mtim.tv_nsec;
	binary = pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head &&
		memcmp(head, LH_MAGIC, LH_MAGIC_LEN) == 0;
	/* binary: the last 4 KiB hold the end frame and its stream CRC */
	if (binary && out->size > sizeof buf)
		at = out->size - sizeof buf;
	while ((r = pread(fd, buf, sizeof buf, (off_t)at)) > 0) {
		out->sum = lh_crc32(out->sum, buf, (size_t)r);
		at += (uint64_t)r;
	}
	close(fd);
	if (r < 0)
		return lh_error_set(err, LH_EIO, "%s", strerror(errno));
	return LH_OK;
}

/* $XDG_CACHE_HOME/luaheap, else ~/.cache/luaheap; NULL when neither. */
static char *cache_dir(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	char *d;
	size_t n;

	if (x != NULL && x[0] == '/') {
		n = strlen(x) + 16;
		if ((d = malloc(n)) != NULL)
			snprintf(d, n, "%s/luaheap", x);
	} else if (h != NULL && h[0] == '/') {
		n = strlen(h) + 24;
		if ((d = malloc(n)) != NULL)
			snprintf(d, n, "%s/.cache/luaheap", h);
	} else {
		d = NULL;
	}
	return d;
}

int lh_index__paths(char **beside, char **cache, const char *path)
{
	char *dir = cache_dir(), *abs = realpath(path, NULL);
	const char *base = strrchr(path, '/');
	size_t n;

	*cache = NULL;
	n = strlen(path) + sizeof LH_INDEX_SUFFIX;
	if ((*beside = malloc(n)) == NULL) {
		free(dir);
		free(abs);
		return LH_ENOMEM;
	}
	snprintf(*beside, n, "%s%s", path, LH_INDEX_SUFFIX);
	base = base ? base + 1 : path;
	/* /dev/stdin redirected from a file is one: never write into /dev */
	if (strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0) {
		free(*beside);
		*beside = NULL;
	}
	if (dir != NULL && abs != NULL) {
		/* one name per snapshot: its name and its full path's CRC */
		n = strlen(dir) + strlen(base) + 32 + sizeof LH_INDEX_SUFFIX;
		if ((*cache = malloc(n)) != NULL)
			snprintf(*cache, n, "%s/%s.%08" PRIx32 "%s", dir, base,
				lh_crc32(0, abs, strlen(abs)), LH_INDEX_SUFFIX);
	}
	free(dir);
	free(abs);
	return LH_OK;
}

/* ---- writing ---- */


/* n strings end to end, each NUL-terminated, into a new blob. */
static char *join(const char *const *str, size_t stride, uint32_t n,
	uint64_t *len)
{
	uint64_t total = 0, at = 0;
	uint32_t i;
	char *blob;

#define STR(i) (*(const char *const *)((const char *)str + (size_t)(i) * stride))
	for (i = 0; i < n; i++)
		total += strlen(STR(i) ? STR(i) : "") + 1;
	if ((blob = malloc(total + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *t = STR(i) ? STR(i) : "";
		size_t l = strlen(t) + 1;
		memcpy(blob + at, t, l);
		at += l;
	}
#undef STR
	*len = total;
	return blob;
}

/* n bytes at offset off of fd (a gap before them reads as zeros). */
static int write_all(int fd, const void *p, uint64_t n, uint64_t off)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = pwrite(fd, c, n > (1u << 30) ? (1u << 30) : (size_t)n,
			(off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (uint64_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* A temporary file beside ipath, mode 0600; its name into tmp. */
static int make_temp(char **tmp, const char *ipath)
{
	const char *slash = strrchr(ipath, '/');
	size_t dl = slash ? (size_t)(slash - ipath) + 1 : 0, n;
	int fd;

	n = strlen(ipath) + 16;
	if ((*tmp = malloc(n)) == NULL)
		return -1;
	snprintf(*tmp, n, "%.*s.%s.XXXXXX", (int)dl, ipath, ipath + dl);
	fd = mkstemp(*tmp);
	if (fd >= 0 && fchmod(fd, 0600) != 0) {
		close(fd);
		unlink(*tmp);
		fd = -1;
	}
	return fd;
}

/* ---- trust records ---- */

/*
 * What lets a later command skip the range checks: a record, in the cache
 * directory, of an index file this user's luaheap wrote or checked in
 * full, naming the file by device, inode, size, modification and status
 * change times and header checksum. The kernel sets the status change
 * time (ctime) on every write, truncation, chmod or rename, and no
 * unprivileged program can set it back; a record is only made once the
 * clock has passed the file's ctime by TRUST_MARGIN_NS (more than a
 * timestamp tick), so any later change to the file gives it another
 * ctime and the record no longer matches. A copied, replaced or edited
 * index is therefore checked in full again; the section checksums are
 * verified on every open regardless (damage that changes no timestamp).
 */
#define TRUST_MAGIC "LHTRUST"
#define TRUST_MARGIN_NS 20000000LL
#define TRUST_WAIT_BYTES (64u << 20)    /* the writer waits out the margin */

typedef struct trust_rec {
	char magic[8];
	uint32_t format, hdr_crc;
	char version[16];
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
	uint32_t uid, crc;
} trust_rec;

/* The record of the index at ipath as its stat and header say. */
static void trust_fill(trust_rec *r, const struct stat *st, uint32_t hdr_crc)
{
	memset(r, 0, sizeof *r);
	memcpy(r->magic, TRUST_MAGIC, sizeof TRUST_MAGIC);
	r->format = IDX_FORMAT;
	r->hdr_crc = hdr_crc;
	snprintf(r->version, sizeof r->version, "%s", LUAHEAP_VERSION);
	r->dev = (uint64_t)st->st_dev;
	r->ino = (uint64_t)st->st_ino;
	r->size = (uint64_t)st->st_size;
	r->mtime_s = (int64_t)st->st_mtim.tv_sec;
	r->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
	r->ctime_s = (int64_t)st->st_ctim.tv_sec;
	r->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
	r->uid = (uint32_t)st->st_uid;
	r->crc = lh_crc32(0, r, offsetof(trust_rec, crc));
}

/* The record file of the index at ipath: one per index path, in the
 * cache directory. NULL when there is none. */
static char *trust_path(const char *ipath)
{
	char *dir = cache_dir(), *abs = realpath(ipath, NULL), *t = NULL;
	const char *base;
	size_t n;

	if (dir != NULL && abs != NULL) {
		base = strrchr(abs, '/') + 1;
		n = strlen(dir) + strlen(base) + 32;
		if ((t = malloc(n)) != NULL)
			snprintf(t, n, "%s/%s.%08" PRIx32 ".lhtrust", dir, base,
				lh_crc32(0, abs, strlen(abs)));
	}
	free(dir);
	free(abs);
	return t;
}

/* Whether a record says the index at ipath, as st and hdr_crc describe
 * it now, was written or checked in full by this user's luaheap. */
static int trusted(const char *ipath, const struct stat *st, uint32_t hdr_crc)
{
	char *tp = trust_path(ipath);
	trust_rec want, got;
	struct stat ts;
	int fd, ok = 0;

	if (tp == NULL)
		return 0;
	fd = open(tp, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	free(tp);
	if (fd < 0)
		return 0;
	trust_fill(&want, st, hdr_crc);
	if (fstat(fd, &ts) == 0 && S_ISREG(ts.st_mode) &&
	    ts.st_uid == geteuid() && !(ts.st_mode & 022) &&
	    ts.st_size == (off_t)sizeof got &&
	    pread(fd, &got, sizeof got, 0) == (ssize_t)sizeof got)
		ok = memcmp(&got, &want, sizeof got) == 0;
	close(fd);
	return ok;
}

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000LL + (int64_t)t->tv_nsec;
}

/* Records that the index at ipath, as st (taken when it was mapped or
 * written) and hdr_crc describe it, can be believed: only when the clock
 * is past its ctime by the margin (waiting for that first with 'wait')
 * and the file has not changed since st. Failures only cost speed. */
static void trust_save(const char *ipath, const struct stat *st,
	uint32_t hdr_crc, int wait)
{
	struct timespec now, nap = { 0, 0 };
	struct stat again;
	trust_rec r;
	char *tp, *tmp = NULL, *dir;
	int fd;

	clock_gettime(CLOCK_REALTIME, &now);
	if (ns_of(&now) < ns_of(&st->st_ctim) + TRUST_MARGIN_NS) {
		if (!wait || ns_of(&now) < ns_of(&st->st_ctim))
			return;             /* or a file from a clock ahead */
		nap.tv_nsec = (long)(ns_of(&st->st_ctim) + TRUST_MARGIN_NS -
			ns_of(&now));
		nanosleep(&nap, NULL);
	}
	if (stat(ipath, &again) != 0 || again.st_dev != st->st_dev ||
	    again.st_ino != st->st_ino || again.st_size != st->st_size ||
	    ns_of(&again.st_ctim) != ns_of(&st->st_ctim) ||
	    ns_of(&again.st_mtim) != ns_of(&st->st_mtim) ||
	    (tp = trust_path(ipath)) == NULL)
		return;
	if ((dir = strdup(tp)) != NULL) {   /* the cache directory, 0700 */
		char *slash = strrchr(dir, '/');
		*slash = '\0';
		if (mkdir(dir, 0700) != 0 && errno == ENOENT &&
		    (slash = strrchr(dir, '/')) != NULL && slash != dir) {
			*slash = '\0';
			mkdir(dir, 0700);
			*slash = '/';
			mkdir(dir, 0700);
		}
		free(dir);
	}
	trust_fill(&r, st, hdr_crc);
	if ((fd = make_temp(&tmp, tp)) >= 0) {
		int bad = write_all(fd, &r, sizeof r, 0) != 0;
		if (close(fd) != 0 || bad || rename(tmp, tp) != 0)
			unlink(tmp);
	}
	free(tmp);
	free(tp);
}

/* ---- the writer ---- */

/* The writer's buffer: 4 MiB on huge pages for a big snapshot, 1 MiB
 * (a smaller part of the peak) for one under SMALL_SNAPSHOT bytes. */
#define WRITE_SLICE (4u << 20)
#define SMALL_SLICE (1u << 20)
#define SMALL_SNAPSHOT ((uint64_t)128 << 20)

struct lh_index_writer {
	char *paths[2];
	lh_index_bind bind;
	int next;                   /* the next path to try */
	int fd;                     /* the temporary file, or -1 */
	char *tmp;                  /* its name */
	int stored;                 /* parts written to it */
	uint64_t at;                /* where the next bytes go in it */
	lh_arena *arena;            /* the analysis's big arrays, or NULL */
	int arena_live;             /* they lie in this temporary file */
	int err;                    /* errno of the last failure, or 0 */
	int oom;
	int adopted;                /* parts copied into sc */
	idx_scalars sc;             /* counts and arrays of the parts adopted */
	lh_snap_internal none;      /* p.in until the snapshot is adopted */
	unsigned char *buf;         /* 'slice' bytes, on huge pages if big */
	uint32_t slice;
	parts p;                    /* views into sc */
	uint32_t k;
	sect t[IDX_MAX_SECT];
	idx_sect tab[IDX_MAX_SECT];
};

/* Clears the pointers of the parts p views that sections hold, and the
 * strings; the list of sections into t. Returns their number. */
static uint32_t unpoint(sect *t, parts *p)
{
	uint32_t k = list(t, p), i;

	for (i = 1; i < k; i++)
		*t[i].p = NULL;
	p->s->path = NULL;
	p->s->hdr.label = NULL;
	p->s->watches = NULL;
	p->c->name = NULL;
	return k;
}

/* sc without a pointer: what section 0 stores. */
static void scrub(idx_scalars *sc)
{
	sect t[IDX_MAX_SECT];
	lh_snap_internal in;
	parts q;

	memset(&q, 0, sizeof q);
	q.sc = sc;
	q.s = &sc->s;
	q.in = &in;
	q.g = &sc->g;
	q.d = &sc->d;
	q.b = &sc->b;
	q.c = &sc->c;
	unpoint(t, &q);
	sc->s.internal = NULL;
	sc->g.off = sc->g.to = NULL;
	sc->g.kind = sc->g.type = NULL;
	sc->g.arena = NULL;
	sc->b.off = NULL;
}

lh_index_writer *lh_index__writer_new(char *const paths[2],
	const lh_index_bind *bind)
{
	lh_index_writer *w = calloc(1, sizeof *w);
	int i;

	if (w == NULL)
		return NULL;
	for (i = 0; i < 2; i++)
		if (paths[i] != NULL && (w->paths[i] = strdup(paths[i])) == NULL)
			w->oom = 1;
	w->bind = *bind;
	w->fd = -1;
	w->slice = bind->size < SMALL_SNAPSHOT ? SMALL_SLICE : WRITE_SLICE;
	if (posix_memalign((void **)&w->buf, 2u << 20, w->slice) != 0) {
		w->buf = NULL;
		w->oom = 1;
	}
#ifdef MADV_HUGEPAGE
	if (w->buf != NULL)
		(void)madvise(w->buf, w->slice, MADV_HUGEPAGE);
#endif
	w->p.sc = &w->sc;
	w->p.s = &w->sc.s;
	w->p.g = &w->sc.g;
	w->p.d = &w->sc.d;
	w->p.b = &w->sc.b;
	w->p.c = &w->sc.c;
	w->p.in = &w->none;
	w->k = list(w->t, &w->p);
	return w;
}

/* Copies the counts and array pointers of a's part 'part' into w. */
static void adopt_part(lh_index_writer *w, const lh_analysis *a, int part)
{
	const lh_snapshot *s = a->snap;

	switch (part) {
	case IDX_PART_SNAP:
		memcpy(&w->sc.s, s, sizeof *s);
		w->p.in = s->internal;
		w->sc.nwide = w->p.in->nwide;
		w->p.watches = s->watches;
		w->p.label = join((const char *const *)&s->hdr.label, 0,
			s->hdr.label != NULL, &w->sc.label_len);
		w->p.watch = join(s->nwatches ? (const char *const *)
			&s->watches[0].label : NULL, sizeof *s->watches,
			s->nwatches, &w->sc.watch_len);
		w->oom |= !w->p.label || !w->p.watch;
		break;
	case IDX_PART_GRAPH:
		memcpy(&w->sc.g, a->graph, sizeof *a->graph);
		break;
	case IDX_PART_BFS:
		memcpy(&w->sc.b, a->bfs, sizeof *a->bfs);
		break;
	case IDX_PART_DOM:
		memcpy(&w->sc.d, a->dom, sizeof *a->dom);
		break;
	default:
		memcpy(&w->sc.c, a->classes, sizeof *a->classes);
		w->p.names = join((const char *const *)a->classes->name,
			sizeof *a->classes->name, a->classes->nclass,
			&w->sc.names_len);
		w->oom |= w->p.names == NULL;
		w->sc.garbage_count = a->garbage_count;
		w->sc.garbage_bytes = a->garbage_bytes;
		w->sc.total_bytes = a->total_bytes;
	}
	w->k = list(w->t, &w->p);
}

/* Writes section i (arr, len bytes) and its checksum at the end of the
 * file, through the writer's buffer a slice at a time: from a buffer on
 * huge pages the kernel copies into the page cache 2-3x faster than from
 * the heap's arrays, most of them on small pages, the copy included
 * (measured on 750 MB). Slices end at multiples of the slice in the
 * file, so that the page cache keeps it in large folios (later commands
 * map and read it 2-3x faster). Records with padding are cleaned into
 * the buffer, their checksum fed slice by slice; section 0 stays 0 until
 * sealed. */
static int write_slices(lh_index_writer *w, uint32_t i, const void *arr,
	uint64_t len)
{
	const sect *t = &w->t[i];
	sum_acc acc = { len, 0, { 0, 0, 0 } };
	uint64_t done, n;
	int rc = 0;

	if (t->clean == NULL && i > 0)
		w->tab[i].sum = lh_index__sum(arr, len);
	for (done = 0; done < len && rc == 0; done += n, w->at += n) {
		const char *from = (const char *)arr + done;
		n = w->slice - w->at % w->slice;
		n = len - done < n ? len - done : n;
		if (t->clean != NULL) {
			uint64_t recs = n / t->elem > 0 ? n / t->elem : 1;
			n = recs * t->elem;         /* whole records */
			memset(w->buf, 0, n);
			t->clean(w->buf, from, recs);
			sum_feed(&acc, w->buf, n);
		} else {
			memcpy(w->buf, from, n);
		}
		rc = write_all(w->fd, w->buf, n, w->at);
	}
	if (t->clean != NULL)
		w->tab[i].sum = sum_end(&acc);
	return rc;
}

/* Writes the sections of one part at the end of the file, filling their
 * entries of the table (section 0 zeros until sealed). */
static int write_part(lh_index_writer *w, int part)
{
	static const idx_scalars zero_sc;
	uint32_t i;

	for (i = 0; i < w->k; i++) {
		const sect *t = &w->t[i];
		const void *arr = i == 0 ? &zero_sc : *t->p;
		uint64_t len = t->elem * t->count, off;

		if (t->part != part)
			continue;
		w->tab[i].id = i;
		w->tab[i].present = arr != NULL;
		w->tab[i].elem = t->elem;
		w->tab[i].count = arr != NULL ? t->count : 0;
		w->tab[i].sum = 0;
		/* an array already in this file's pages: only noted */
		if (arr != NULL && i > 0 && t->clean == NULL && w->arena_live &&
		    lh_arena__owns(w->arena, arr, &off) && off % IDX_ALIGN == 0) {
			w->tab[i].off = off;
			w->tab[i].sum = lh_index__sum(arr, len);
			continue;
		}
		if (w->arena_live)      /* past the arena's regions */
			w->at = lh_arena__reserve(w->arena, arr != NULL ? len : 0,
				IDX_ALIGN);
		else
			w->at += (IDX_ALIGN - w->at % IDX_ALIGN) % IDX_ALIGN;
		w->tab[i].off = w->at;
		if (arr == NULL)
			continue;
		if (write_slices(w, i, arr, len) != 0)
			return -1;
	}
	return 0;
}

/* Gives up the temporary file (errno kept as the reason). */
static void drop(lh_index_writer *w)
{
	int saved = errno;

	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp != NULL)
		unlink(w->tmp);
	free(w->tmp);
	w->tmp = NULL;
	w->fd = -1;
	w->stored = 0;
	w->arena_live = 0;          /* its arrays stay, in an unlinked file */
	w->err = saved != 0 ? saved : EIO;
}

/* Creates the parent directories of file, 0700. */
static void mkdir_parent(const char *file)
{
	char *d = strdup(file), *c;

	if (d == NULL || (c = strrchr(d, '/')) == NULL || c == d) {
		free(d);
		return;
	}
	*c = '\0';
	for (c = d + 1; *c != '\0'; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		mkdir(d, 0700);
		*c = '/';
	}
	mkdir(d, 0700);
	free(d);
}

/* A temporary file at the next path that takes one, its header and
 * table left as zeros; 0 when no path is left. */
static int start(lh_index_writer *w)
{
	while (w->next < 2) {
		const char *ip = w->paths[w->next++];
		if (ip == NULL)
			continue;
		if (w->next == 2)
			mkdir_parent(ip);
		if ((w->fd = make_temp(&w->tmp, ip)) < 0) {
			int saved = errno;      /* no file made: none to remove */
			free(w->tmp);
			w->tmp = NULL;
			errno = saved;
			drop(w);
			continue;
		}
		/* the header and table are written last (seal) */
		w->at = sizeof(idx_header) + w->k * sizeof(idx_sect);
		return 1;
	}
	return 0;
}

lh_arena *lh_index__writer_arena(lh_index_writer *w)
{
	const char *env = getenv("LUAHEAP_ARENA");

	if ((env != NULL && strcmp(env, "0") == 0) || w->oom ||
	    w->arena != NULL || (w->fd < 0 && !start(w)))
		return NULL;
	w->arena = lh_arena__new(w->fd, w->at);
	w->arena_live = w->arena != NULL;
	return w->arena;
}

/* Writes the parts before 'upto' not yet in the file, at this path or,
 * failing, at the next ones. */
static void store(lh_index_writer *w, int upto)
{
	while (!w->oom && w->stored < upto) {
		if (w->fd < 0 && !start(w))
			return;
		if (write_part(w, w->stored) != 0)
			drop(w);
		else
			w->stored++;
	}
}

void lh_index__writer_put(lh_index_writer *w, const lh_analysis *a,
	int part)
{
	while (!w->oom && w->adopted <= part)
		adopt_part(w, a, w->adopted++);
	store(w, part + 1);
}

/* Stores section 0, the table and the header of the whole file, and
 * renames it into place (trusted at once). -1 with errno on failure. */
static int seal(lh_index_writer *w)
{
	const char *ip = w->paths[w->next - 1];
	idx_scalars sc = w->sc;
	idx_header h;
	struct stat st, mine;
	size_t tl = w->k * sizeof *w->tab;
	int fd = w->fd;

	scrub(&sc);
	w->tab[0].sum = lh_index__sum(&sc, sizeof sc);
	memset(&h, 0, sizeof h);
	memcpy(h.magic, IDX_MAGIC, sizeof IDX_MAGIC);
	h.format = IDX_FORMAT;
	h.nsect = w->k;
	snprintf(h.version, sizeof h.version, "%s", LUAHEAP_VERSION);
	layout(h.layout);
	h.snap_size = w->bind.size;
	h.snap_mtime_s = w->bind.mtime_s;
	h.snap_mtime_ns = w->bind.mtime_ns;
	h.snap_sum = w->bind.sum;
	h.crc = lh_crc32(lh_crc32(0, &h, sizeof h), w->tab, tl);
	w->fd = -1;
	if (pwrite(fd, &sc, sizeof sc, (off_t)w->tab[0].off) !=
	    (ssize_t)sizeof sc || pwrite(fd, &h, sizeof h, 0) !=
	    (ssize_t)sizeof h || pwrite(fd, w->tab, tl, sizeof h) !=
	    (ssize_t)tl || fstat(fd, &mine) != 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (w->arena_live)          /* its regions are final now */
		lh_arena__close(w->arena);
	if (close(fd) != 0 || rename(w->tmp, ip) != 0)
		return -1;
	free(w->tmp);
	w->tmp = NULL;
	/* the file as renamed (a new ctime); a big one (its bytes on disk:
	 * it may have holes) is trusted at once */
	if (stat(ip, &st) == 0 && st.st_dev == mine.st_dev &&
	    st.st_ino == mine.st_ino)
		trust_save(ip, &st, h.crc, (uint64_t)st.st_blocks * 512 >=
			TRUST_WAIT_BYTES);
	return 0;
}

int lh_index__writer_finish(lh_index_writer *w, const lh_analysis *a,
	const char **where, lh_error *err)
{
	*where = NULL;
	lh_index__writer_put(w, a, IDX_PART_CLASSES);
	while (!w->oom && w->fd >= 0) {
		if (seal(w) == 0) {
			*where = w->paths[w->next - 1];
			return LH_OK;
		}
		drop(w);
		store(w, IDX_PART_CLASSES + 1);
	}
	if (w->oom || w->err == ENOMEM)
		return lh_error_set(err, LH_EIO, "%s", strerror(ENOMEM));
	return lh_error_set(err, LH_EIO, "%s", w->err != 0 ?
		strerror(w->err) : "no directory to write it to");
}

void lh_index__writer_free(lh_index_writer *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0 || w->tmp != NULL)
		drop(w);
	lh_arena__unref(w->arena);
	free(w->paths[0]);
	free(w->paths[1]);
	free(w->buf);
	free(w->p.label);
	free(w->p.watch);
	free(w->p.names);
	free(w);
}

int lh_index__write(const lh_analysis *a, const char *ipath,
	const lh_index_bind *bind, lh_error *err)
{
	char *paths[2] = { (char *)ipath, NULL };
	lh_index_writer *w = lh_index__writer_new(paths, bind);
	const char *where;
	int rc;

	if (w == NULL)
		return lh_error_set(err, LH_EIO, "%s", strerror(ENOMEM));
	rc = lh_index__writer_finish(w, a, &where, err);
	lh_index__writer_free(w);
	return rc;
}

/* ---- reading ---- */

/* Maps ipath read-only (its arrays are borrowed, never written);
 * LH_ENOTFOUND when it does not exist. */
static int map_file(char **map, size_t *len, struct stat *stp,
	const char *ipath, lh_error *err)
{
	struct stat st;
	int fd, rc = LH_OK;

	*map = NULL;
	fd = open(ipath, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? LH_ENOTFOUND :
			lh_error_set(err, LH_EIO, "%s", strerror(errno));
	if (fstat(fd, &st) != 0)
		rc = lh_error_set(err, LH_EIO, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = lh_error_set(err, LH_EFORMAT, "not a regular file");
	else if (st.st_uid != geteuid() || (st.st_mode & 022))
		rc = lh_error_set(err, LH_EFORMAT, "%s",
			st.st_uid != geteuid() ? "owned by another user" :
			"writable by others");
	else if ((uint64_t)st.st_size < sizeof(idx_header))
		rc = lh_error_set(err, LH_EFORMAT, "truncated header");
	else if ((uint64_t)st.st_size > SIZE_MAX)
		rc = lh_error_set(err, LH_EFORMAT, "too large");
	if (rc == LH_OK) {
		*len = (size_t)st.st_size;
		*map = mmap(NULL, *len, PROT_READ, MAP_PRIVATE |
			MAP_POPULATE, fd, 0);
		if (*map == MAP_FAILED) {
			*map = NULL;
			rc = lh_error_set(err, LH_EIO, "%s", strerror(errno));
		}
		*stp = st;
	}
	close(fd);
	return rc;
}

static int check_header(const idx_header *h, const char *map, size_t len,
	const lh_index_bind *bind, lh_error *err)
{
	idx_header c = *h;
	uint32_t w[8];
	char version[16];

	layout(w);
	memset(version, 0, sizeof version);
	snprintf(version, sizeof version, "%s", LUAHEAP_VERSION);
	if (memcmp(h->magic, IDX_MAGIC, sizeof IDX_MAGIC) != 0)
		return lh_error_set(err, LH_EFORMAT, "not a luaheap index");
	if (h->format != IDX_FORMAT || memcmp(h->version, version,
	    sizeof version) != 0 || memcmp(h->layout, w, sizeof w) != 0)
		return lh_error_set(err, LH_EVERSION,
			"made by another version of luaheap");
	if (h->snap_size != bind->size || h->snap_mtime_s != bind->mtime_s ||
	    h->snap_mtime_ns != bind->mtime_ns || h->snap_sum != bind->sum)
		return lh_error_set(err, LH_EFORMAT,
			"made for another snapshot or an older version of it");
	if (h->nsect == 0 || h->nsect > IDX_MAX_SECT ||
	    len - sizeof *h < h->nsect * sizeof(idx_sect))
		return lh_error_set(err, LH_EFORMAT, "truncated section table");
	c.crc = 0;
	if (lh_crc32(lh_crc32(0, &c, sizeof c), map + sizeof c,
	    h->nsect * sizeof(idx_sect)) != h->crc)
		return lh_error_set(err, LH_EFORMAT, "bad header checksum");
	return LH_OK;
}

/* Section i of the table: where it lies; with 'crc', its checksum. */
static int check_sect(const idx_sect *e, uint32_t i, uint64_t *end,
	const char *map, size_t len, int crc, lh_error *err)
{
	uint64_t bytes;

	if (e->id != i || e->off % IDX_ALIGN != 0 || e->off < *end ||
	    e->elem == 0 || e->elem > 4096 || e->off > len ||
	    e->count > (len - e->off) / e->elem)
		return lh_error_set(err, LH_EFORMAT,
			"section %" PRIu32 " out of bounds (truncated?)", i);
	bytes = e->elem * e->count;
	if (crc && e->present && lh_index__sum(map + e->off, bytes) != e->sum)
		return lh_error_set(err, LH_EFORMAT,
			"bad checksum in section %" PRIu32, i);
	*end = e->off + bytes;
	return LH_OK;
}

/* The checksums of sections 1..k-1 on two threads: each takes the
 * sections 'who' marks with its number, about half the bytes each. */
typedef struct sum_half {
	const char *map;
	const idx_sect *tab;
	const uint8_t *who;
	uint32_t k, bad;            /* first bad section, or 0 */
	uint8_t me;
} sum_half;

static void *sum_run(void *arg)
{
	sum_half *h = arg;
	uint32_t i;

	for (i = 1; i < h->k && h->bad == 0; i++)
		if (h->who[i] == h->me && h->tab[i].present &&
		    lh_index__sum(h->map + h->tab[i].off, h->tab[i].elem *
		    h->tab[i].count) != h->tab[i].sum)
			h->bad = i;
	return NULL;
}

static int checksums(const idx_sect *tab, uint32_t k, const char *map,
	lh_error *err)
{
	uint8_t who[IDX_MAX_SECT];
	uint64_t load[2] = { 0, 0 };
	sum_half h[2];
	pthread_t tid;
	uint32_t i;
	int started, m;

	memset(who, 2, sizeof who);     /* 2: not given to a thread yet */
	for (i = 1; i < k; i++) {       /* biggest sections first, greedy */
		uint32_t j, best = 0;
		for (j = 1; j < k; j++)
			if (who[j] == 2 && (best == 0 || tab[j].count *
			    tab[j].elem > tab[best].count * tab[best].elem))
				best = j;
		who[best] = load[0] <= load[1] ? 0 : 1;
		load[who[best]] += tab[best].count * tab[best].elem;
	}
	for (m = 0; m < 2; m++) {
		h[m].map = map;
		h[m].tab = tab;
		h[m].who = who;
		h[m].k = k;
		h[m].bad = 0;
		h[m].me = (uint8_t)m;
	}
	started = pthread_create(&tid, NULL, sum_run, &h[1]) == 0;
	sum_run(&h[0]);
	if (started)
		pthread_join(tid, NULL);
	else
		sum_run(&h[1]);
	if (h[0].bad != 0 || h[1].bad != 0)
		return lh_error_set(err, LH_EFORMAT, "bad checksum in section %"
			PRIu32, h[0].bad != 0 && (h[1].bad == 0 ||
			h[0].bad < h[1].bad) ? h[0].bad : h[1].bad);
	return LH_OK;
}

/* ---- checking what the sections say ---- */

#define BAD(why) do { return (why); } while (0)
#define IDX_OK(x, n) ((x) < (n) || (x) == LH_NONE)

static const char *check_details(const lh_snapshot *s, uint32_t nwide)
{
	const lh_snap_internal *in = s->internal;
	uint32_t i, n = s->nobj;
	uint64_t at = 0;

	if (!IDX_OK(s->main_thread, n) || !IDX_OK(s->registry, n))
		BAD("main thread or registry");
	for (i = 0; i < nwide; i++)
		if (!IDX_OK(in->wide[i].obj, n))
			BAD("edge labels");
	for (i = 0; i < s->nstrings; i++) {
		if (i % LH_TEXT_STEP == 0 && s->text_at[i / LH_TEXT_STEP] != at)
			BAD("string bytes");
		at += s->strings[i].stored;
	}
	if (at != s->text_len)
		BAD("string bytes");
	for (i = 0; i < s->ntables; i++)
		if (s->table_lnodes[i] > 32)
			BAD("table sizes");
	if (s->symbols_len > 0 && s->symbols[s->symbols_len - 1] != '\0')
		BAD("function names");
	for (i = 0; i < s->nfuncs; i++)
		if (!IDX_OK(s->funcs[i].proto, n) ||
		    !IDX_OK(s->funcs[i].symbol, s->symbols_len))
			BAD("functions");
	for (i = 0; i < s->nthreads; i++)
		if ((uint64_t)s->threads[i].frame_first +
		    s->threads[i].frame_count > s->nframes)
			BAD("threads");
	for (i = 0; i < s->nframes; i++)
		if (!IDX_OK(s->frames[i].func, n) ||
		    !IDX_OK(s->frames[i].proto, n))
			BAD("frames");
	for (i = 0; i < s->nprotos; i++)
		if (!IDX_OK(s->protos[i].source, n))
			BAD("prototypes");
	for (i = 0; i < s->nroots; i++)
		if (s->roots[i].target >= n)
			BAD("roots");
	for (i = 0; i < s->nopen_upvals; i++)
		if (s->open_upvals[i] >= n)
			BAD("upvalues");
	for (i = 0; i < s->nshared; i++)       /* sorted: lh_sorted_find */
		if (s->shared[i] >= n || (i > 0 && s->shared[i] <= s->shared[i - 1]))
			BAD("shared objects");
	for (i = 0; i < s->nbig; i++)
		if (s->big_obj[i] >= n)
			BAD("sizes");
	for (i = 0; i < s->nbig_len; i++)
		if (s->big_len_str[i] >= s->nstrings)
			BAD("string lengths");
	return lh_snap__rank_ok(s) ? NULL : "per-type records";
}

static const char *check_analysis(const lh_analysis *a)
{
	const lh_graph *g = a->graph;
	const lh_dom *d = a->dom;
	const lh_bfs *b = a->bfs;
	const lh_classes *c = a->classes;
	uint32_t i, n = a->snap->nobj;

	if (g->n != n || g->nedge != a->snap->nedge || d->n != n ||
	    b->n != n || c->n != n || d->nlive > n || g->nlive > n ||
	    (c->of16 == NULL) == (c->of32 == NULL) || c->nclass == 0 ||
	    b->nblk != (uint32_t)(((uint64_t)g->nedge + LH_BFS_BLOCK - 1) /
	    LH_BFS_BLOCK))
		BAD("counts");
	for (i = 0; i < g->nroots; i++)
		if (g->roots[i] >= n)
			BAD("roots");
	for (i = 0; i < 2; i++)         /* edges the path search prefers */
		if (g->pref_edge[i] != LH_NONE && g->pref_edge[i] >= g->nedge)
			BAD("preferred edges");
	for (i = 0; i < g->neph; i++)
		if (g->eph_edge[i] >= g->nedge || g->eph_src[i] >= n ||
		    g->eph_key[i] >= n || g->eph_by_key[i] >= g->neph)
			BAD("ephemerons");
	for (i = 0; i < n; i++) {
		uint32_t x = d->idom[i], e = b->via[i];
		int root = b->rootbits[i / 32] >> (i % 32) & 1;
		if ((x >= n && x != LH_NONE && x != LH_DOM_VROOT) ||
		    (x < n && d->idom[x] == LH_NONE))
			BAD("dominators");
		if (e != LH_NONE && (e >= (root ? g->nroots : g->nedge) ||
		    (!root && g->to[e] != i)))
			BAD("root paths");
		if ((c->of16 ? c->of16[i] : c->of32[i]) >= c->nclass)
			BAD("classes");
	}
	for (i = 0; i < d->nlive; i++)
		if (d->order[i] >= n)
			BAD("dominators");
	for (i = 0; i < d->nbig; i++)
		if (d->big_obj[i] >= n)
			BAD("dominators");
	return NULL;
}

/* The BFS parents as lh_bfs_parent finds them: blk[] names the owner of
 * every LH_BFS_BLOCK-th edge, and the edge into each reached object
 * leaves a reached object (a path never runs into an unreached one). */
static const char *check_parents(const lh_analysis *a, lh_error *err)
{
	const lh_bfs *b = a->bfs;
	const uint32_t *off = a->snap->edge_off;
	uint32_t *used, i, e, n = b->n;
	const char *why = NULL;

	for (i = 0, e = 0; i < n; i++)
		for (; e < off[i + 1]; e += LH_BFS_BLOCK)
			if (b->blk[e / LH_BFS_BLOCK] != i)
				return "root paths";
	used = calloc((size_t)a->snap->nedge / 32 + 1, sizeof *used);
	if (used == NULL) {
		lh_error_set(err, LH_ENOMEM, "out of memory");
		return "memory";
	}
	for (i = 0; i < n; i++)
		if (b->via[i] != LH_NONE && !(b->rootbits[i / 32] >> (i % 32) & 1))
			used[b->via[i] / 32] |= 1u << (b->via[i] % 32);
	for (i = 0; i < n && why == NULL; i++)
		for (e = off[i]; e < off[i + 1]; e++)
			if ((used[e / 32] >> (e % 32) & 1) && b->via[i] == LH_NONE) {
				why = "root paths";
				break;
			}
	free(used);
	return why;
}

/* n NUL-terminated strings exactly filling blob[0..len): their starts
 * into out[0..n) (out may be NULL to only check). */
static int split(char **out, char *blob, uint64_t len, uint32_t n)
{
	uint64_t at = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		char *z = at < len ? memchr(blob + at, '\0', len - at) : NULL;
		if (z == NULL)
			return -1;
		if (out != NULL)
			out[i] = blob + at;
		at = (uint64_t)(z - blob) + 1;
	}
	return at == len ? 0 : -1;
}

/* ---- loading ---- */

void lh_index__release(lh_analysis *a)
{
	if (a->index != NULL && a->index->mapped) {
		free(a->graph);
		free(a->dom);
		free(a->bfs);
		if (a->classes != NULL)
			free(a->classes->name);
		free(a->classes);
		a->graph = NULL;
		a->dom = NULL;
		a->bfs = NULL;
		a->classes = NULL;
	}
	if (a->index != NULL) {
		free(a->index->path);
		free(a->index);
		a->index = NULL;
	}
}

/* Copies the counts of section 0 into the new parts, every pointer
 * cleared; the borrowed arrays point at the snapshot's. */
static uint32_t adopt_counts(sect *t, parts *p, uint32_t *nwatches)
{
	uint32_t k;

	*p->s = p->sc->s;
	*p->g = p->sc->g;
	p->g->arena = NULL;         /* the file's word is never a pointer */
	*p->d = p->sc->d;
	*p->b = p->sc->b;
	*p->c = p->sc->c;
	k = unpoint(t, p);
	p->s->internal = p->in;
	*nwatches = p->s->nwatches;
	p->s->nwatches = 0;
	return k;
}

/* Whether no two of the k sections of tab share a byte (they may lie in
 * any order: arrays mapped from the file while it was written come where
 * they were placed). */
static int apart(const idx_sect *tab, uint32_t k)
{
	uint64_t lo[IDX_MAX_SECT], hi[IDX_MAX_SECT];
	uint32_t i, j, n = 0;

	for (i = 0; i < k; i++) {       /* by start, insertion */
		uint64_t a = tab[i].off, b = a + tab[i].elem * tab[i].count;
		if (b == a)
			continue;
		for (j = n++; j > 0 && lo[j - 1] > a; j--) {
			lo[j] = lo[j - 1];
			hi[j] = hi[j - 1];
		}
		lo[j] = a;
		hi[j] = b;
	}
	for (i = 1; i < n; i++)
		if (lo[i] < hi[i - 1])
			return 0;
	return 1;
}

/* Points each present section into the map; every section lies past
 * 'end' (the table's). */
static int place(sect *t, uint32_t k, const idx_sect *tab, uint64_t end,
	char *map, size_t len, lh_error *err)
{
	uint32_t i;
	int rc;

	for (i = 1; i < k; i++) {
		uint64_t past = end;
		if ((rc = check_sect(&tab[i], i, &past, map, len, 0, err)) != LH_OK)
			return rc;
		if (tab[i].elem != t[i].elem || (tab[i].present ?
		    tab[i].count != t[i].count : !t[i].opt && t[i].count != 0))
			return lh_error_set(err, LH_EFORMAT, "section %" PRIu32
				" has the wrong length", i);
	}
	if (!apart(tab, k))
		return lh_error_set(err, LH_EFORMAT, "overlapping sections");
	if ((rc = checksums(tab, k, map, err)) != LH_OK)
		return rc;
	for (i = 1; i < k; i++)
		if (tab[i].present)
			*t[i].p = map + tab[i].off;
	return LH_OK;
}

/* The strings of the index: path, label, watch labels, class names. */
static int adopt_strings(parts *p, const char *snap_path, uint32_t nw,
	lh_error *err)
{
	lh_snapshot *s = p->s;
	char **wl = NULL;
	uint32_t i;

	if (split(NULL, p->label, p->sc->label_len, p->sc->label_len > 0) ||
	    split(NULL, p->watch, p->sc->watch_len, nw) ||
	    split(NULL, p->names, p->sc->names_len, p->c->nclass))
		return lh_error_set(err, LH_EFORMAT, "bad string section");
	if ((s->path = strdup(snap_path)) == NULL ||
	    (p->sc->label_len > 0 && (s->hdr.label = strdup(p->label)) == NULL) ||
	    (s->watches = calloc((size_t)nw + 1, sizeof *s->watches)) == NULL ||
	    (wl = malloc(((size_t)nw + 1) * sizeof *wl)) == NULL ||
	    (p->c->name = malloc((size_t)p->c->nclass * sizeof(char *))) == NULL)
		goto oom;
	split(wl, p->watch, p->sc->watch_len, nw);
	split(p->c->name, p->names, p->sc->names_len, p->c->nclass);
	for (i = 0; i < nw; i++) {
		s->watches[i] = p->watches[i];
		s->watches[i].label = NULL;
		s->nwatches = i + 1;
		if (!IDX_OK(s->watches[i].target, s->nobj) ||
		    (s->watches[i].label = strdup(wl[i])) == NULL) {
			free(wl);
			return s->watches[i].label == NULL && IDX_OK(
				s->watches[i].target, s->nobj) ?
				lh_error_set(err, LH_ENOMEM, "out of memory") :
				lh_error_set(err, LH_EFORMAT, "watches");
		}
	}
	free(wl);
	return LH_OK;
oom:
	free(wl);
	return lh_error_set(err, LH_ENOMEM, "out of memory");
}

/* Checks what the mapped sections say; err names the first problem. */
/* The edge checks, on a thread of their own: the biggest part. */
typedef struct edge_job {
	const lh_snapshot *s;
	uint32_t nwide;
	const char *why;
} edge_job;

static void *edge_run(void *arg)
{
	edge_job *j = arg;

	j->why = lh_snap__edges_ok(j->s, j->nwide);
	return NULL;
}

static int believe(const lh_analysis *a, uint32_t nwide, lh_error *err)
{
	edge_job j = { a->snap, nwide, NULL };
	const char *why = lh_snap__objects_ok(a->snap);
	pthread_t tid;
	int started;

	if (why != NULL)      /* the offsets every later check walks by */
		return lh_error_set(err, LH_EFORMAT, "inconsistent %s", why);
	started = pthread_create(&tid, NULL, edge_run, &j) == 0;
	why = check_details(a->snap, nwide);
	if (why == NULL)
		why = check_analysis(a);
	if (why == NULL)
		why = check_parents(a, err);
	if (started)
		pthread_join(tid, NULL);
	else
		edge_run(&j);
	if (j.why != NULL && (why == NULL || err->code != LH_ENOMEM))
		why = j.why;        /* the edges' reason first: one message */
	if (why != NULL && err->code == LH_ENOMEM)
		return LH_ENOMEM;
	return why ? lh_error_set(err, LH_EFORMAT, "inconsistent %s", why) :
		LH_OK;
}

/* The range checks of the mapped index a at ipath (st: the file as
 * mapped), skipped when a trust record matches it; a record once they
 * pass. */
static int check_unless_trusted(const lh_analysis *a, const char *ipath,
	const struct stat *st, lh_error *err)
{
	const lh_snap_internal *in = a->snap->internal;
	uint32_t hdr_crc = ((const idx_header *)in->map)->crc;
	int rc;

	if (trusted(ipath, st, hdr_crc))
		return LH_OK;
	if ((rc = believe(a, in->nwide, err)) == LH_OK)
		trust_save(ipath, st, hdr_crc, 0);
	return rc;
}

/* The empty analysis an index fills: *out owns the map from here on (on
 * failure too: lh_analysis_free(*out) unmaps it, or it is unmapped here
 * when not even the shells exist). */
static int shells(lh_analysis **out, parts *p, char *map, size_t len,
	lh_error *err)
{
	lh_analysis *a = calloc(1, sizeof *a);

	*out = NULL;
	if (a == NULL || (p->s = calloc(1, sizeof *p->s)) == NULL ||
	    (p->in = calloc(1, sizeof *p->in)) == NULL) {
		free(a);
		free(p->s);
		munmap(map, len);
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	}
	*out = a;
	p->in->map = map;
	p->in->map_len = len;
	p->s->internal = p->in;
	a->snap = a->own_snap = p->s;
	a->graph = p->g = calloc(1, sizeof *p->g);
	a->dom = p->d = calloc(1, sizeof *p->d);
	a->bfs = p->b = calloc(1, sizeof *p->b);
	a->classes = p->c = calloc(1, sizeof *p->c);
	a->index = calloc(1, sizeof *a->index);
	if (!p->g || !p->d || !p->b || !p->c || !a->index)
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	a->index->mapped = 1;
	return LH_OK;
}

int lh_index__load(lh_analysis **out, const char *ipath,
	const char *snap_path, const lh_index_bind *bind, lh_error *err)
{
	sect t[IDX_MAX_SECT];
	parts p;
	lh_analysis *a;
	const idx_sect *tab;
	char *map = NULL;
	size_t len = 0;
	struct stat st;
	uint64_t end, table_end;
	uint32_t k, nw;
	int rc;

	*out = NULL;
	if ((rc = map_file(&map, &len, &st, ipath, err)) != LH_OK)
		return rc;
	memset(&p, 0, sizeof p);
	if ((rc = shells(&a, &p, map, len, err)) != LH_OK)
		goto done;
	tab = (const idx_sect *)(map + sizeof(idx_header));
	end = sizeof(idx_header);
	if ((rc = check_header((const idx_header *)map, map, len, bind,
	    err)) != LH_OK)
		goto done;
	end += ((const idx_header *)map)->nsect * sizeof *tab;
	table_end = end;
	if ((rc = check_sect(&tab[0], 0, &end, map, len, 1, err)) != LH_OK)
		goto done;
	if (!tab[0].present || tab[0].elem != sizeof(idx_scalars) ||
	    tab[0].count != 1) {
		rc = lh_error_set(err, LH_EFORMAT, "bad count section");
		goto done;
	}
	p.sc = (idx_scalars *)(map + tab[0].off);
	k = adopt_counts(t, &p, &nw);
	if (k != ((const idx_header *)map)->nsect) {
		rc = lh_error_set(err, LH_EFORMAT, "wrong number of sections");
		goto done;
	}
	if ((rc = place(t, k, tab, table_end, map, len, err)) != LH_OK ||
	    (rc = adopt_strings(&p, snap_path, nw, err)) != LH_OK)
		goto done;
	p.in->nwide = p.sc->nwide;
	p.g->off = p.s->edge_off;
	p.g->to = p.s->edge_to;
	p.g->kind = p.s->edge_kind;
	p.g->type = p.s->type;
	p.b->off = p.s->edge_off;
	a->garbage_count = p.sc->garbage_count;
	a->garbage_bytes = p.sc->garbage_bytes;
	a->total_bytes = p.sc->total_bytes;
	if ((rc = check_unless_trusted(a, ipath, &st, err)) != LH_OK)
		goto done;
	if ((a->index->path = strdup(ipath)) == NULL) {
		rc = lh_error_set(err, LH_ENOMEM, "out of memory");
		goto done;
	}
	*out = a;
	a = NULL;
done:
	lh_analysis_free(a);
	return rc;
}

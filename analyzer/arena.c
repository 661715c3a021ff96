/*
 * Big arrays mapped from the index file being written (see arena_int.h).
 * Regions of 2 MiB or more start at 2 MiB boundaries of the file and of
 * memory, so that the page cache can hold them in large folios mapped
 * whole; smaller ones (in tests) at page boundaries.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "arena_int.h"
#include "array_int.h"

#define ALIGN ((uint64_t)2 << 20)
#define PAGE ((uint64_t)4096)

size_t lh_arena__min = LH_ARENA_MIN;

typedef struct region {
	char *p;
	size_t len;                 /* mapped bytes, whole pages */
	uint64_t off;               /* in the file */
} region;

struct lh_arena {
	pthread_mutex_t mu;
	int fd;                     /* -1 once closed */
	int refs;
	uint64_t end;               /* past every region and reservation */
	region *r;
	uint32_t n, cap;
	uint64_t slot_off[LH_SLOTS], slot_len[LH_SLOTS];   /* len 0: none */
	struct lh_arena *next;      /* in the list of live arenas */
};

/* Every live arena, for lh_arena__free_any. */
static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static lh_arena *live;

static uint64_t up(uint64_t x, uint64_t to)
{
	return (x + to - 1) / to * to;
}

lh_arena *lh_arena__new(int fd, uint64_t start)
{
	lh_arena *a = calloc(1, sizeof *a);

	if (a == NULL)
		return NULL;
	if ((a->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		free(a);
		return NULL;
	}
	pthread_mutex_init(&a->mu, NULL);
	a->refs = 1;
	a->end = start;
	pthread_mutex_lock(&live_mu);
	a->next = live;
	live = a;
	pthread_mutex_unlock(&live_mu);
	return a;
}

lh_arena *lh_arena__ref(lh_arena *a)
{
	if (a != NULL) {
		pthread_mutex_lock(&a->mu);
		a->refs++;
		pthread_mutex_unlock(&a->mu);
	}
	return a;
}

void lh_arena__unref(lh_arena *a)
{
	lh_arena **at;
	uint32_t i;
	int last;

	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	last = --a->refs == 0;
	pthread_mutex_unlock(&a->mu);
	if (!last)
		return;
	pthread_mutex_lock(&live_mu);
	for (at = &live; *at != a; at = &(*at)->next)
		;
	*at = a->next;
	pthread_mutex_unlock(&live_mu);
	for (i = 0; i < a->n; i++)      /* the file keeps what they hold */
		munmap(a->r[i].p, a->r[i].len);
	if (a->fd >= 0)
		close(a->fd);
	pthread_mutex_destroy(&a->mu);
	free(a->r);
	free(a);
}

/* len bytes of fd at off mapped at a multiple of al in memory. */
static char *map_aligned(int fd, uint64_t off, size_t len, uint64_t al)
{
	char *v, *at, *p;
	size_t span = len + al;

	v = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		MAP_NORESERVE, -1, 0);
	if (v == MAP_FAILED)
		return NULL;
	at = (char *)up((uintptr_t)v, al);
	p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		(off_t)off);
	if (p == MAP_FAILED) {
		munmap(v, span);
		return NULL;
	}
	if (at > v)
		munmap(v, (size_t)(at - v));
	if (at + len < v + span)
		munmap(at + len, (size_t)(v + span - (at + len)));
#ifdef MADV_HUGEPAGE
	(void)madvise(p, len, MADV_HUGEPAGE);
#endif
	return p;
}

/* A region of len bytes (whole pages) at offset off of the file, aligned
 * to al in memory; NULL when it cannot be had. a->mu held. */
static char *place(lh_arena *a, uint64_t off, size_t len, uint64_t al)
{
	region *r;
	char *p;

	if (a->fd < 0)
		return NULL;
	if (a->n == a->cap) {
		uint32_t c = a->cap ? a->cap * 2 : 16;
		if ((r = realloc(a->r, c * sizeof *r)) == NULL)
			return NULL;
		a->r = r;
		a->cap = c;
	}
	/* the blocks first: a store into the mapping can then never meet a
	 * full disk (which would kill the process) */
	if (fallocate(a->fd, 0, (off_t)off, (off_t)len) != 0)
		return NULL;
	if ((p = map_aligned(a->fd, off, len, al)) == NULL) {
		(void)fallocate(a->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			(off_t)off, (off_t)len);
		return NULL;
	}
	a->r[a->n].p = p;
	a->r[a->n].len = len;
	a->r[a->n++].off = off;
	return p;
}

void *lh_arena__alloc(lh_arena *a, size_t n)
{
	size_t len = (size_t)up(n ? n : 1, PAGE);
	uint64_t off, al = len >= ALIGN ? ALIGN : PAGE;
	char *p;

	if (a == NULL)
		return NULL;
	pthread_mutex_lock(&a->mu);
	off = up(a->end, al);
	if ((p = place(a, off, len, al)) != NULL)
		a->end = off + len;
	pthread_mutex_unlock(&a->mu);
	return p;
}

void lh_arena__plan(lh_arena *a, int k, size_t n)
{
	size_t len = (size_t)up(n ? n : 1, PAGE);
	uint64_t al = len >= ALIGN ? ALIGN : PAGE;

	if (a == NULL || k < 0 || k >= LH_SLOTS || n < lh_arena__min)
		return;
	pthread_mutex_lock(&a->mu);
	a->slot_off[k] = up(a->end, al);
	a->slot_len[k] = len;
	a->end = a->slot_off[k] + len;
	pthread_mutex_unlock(&a->mu);
}

void *lh_arena__take(lh_arena *a, int k, size_t n)
{
	uint64_t len;
	char *p = NULL;

	if (a == NULL || k < 0 || k >= LH_SLOTS)
		return NULL;
	pthread_mutex_lock(&a->mu);
	len = a->slot_len[k];
	a->slot_len[k] = 0;             /* once */
	if (n > 0 && n <= len)
		p = place(a, a->slot_off[k], (size_t)len,
			len >= ALIGN ? ALIGN : PAGE);
	pthread_mutex_unlock(&a->mu);
	return p;
}

void *lh_arena__result(lh_arena *a, int k, size_t n, int zero)
{
	void *p = lh_arena__take(a, k, n);

	if (p != NULL)
		return p;
	return zero ? lh_array__zalloc(1, n ? n : 1) : lh_array__alloc(n ? n : 1);
}

/* The region holding p, or NULL; a->mu held. */
static region *find(lh_arena *a, const void *p)
{
	uint32_t i;

	for (i = 0; i < a->n; i++)
		if ((const char *)p >= a->r[i].p &&
		    (const char *)p < a->r[i].p + a->r[i].len)
			return &a->r[i];
	return NULL;
}

int lh_arena__owns(lh_arena *a, const void *p, uint64_t *off)
{
	region *r;

	if (a == NULL || p == NULL)
		return 0;
	pthread_mutex_lock(&a->mu);
	if ((r = find(a, p)) != NULL && off != NULL)
		*off = r->off + (uint64_t)((const char *)p - r->p);
	pthread_mutex_unlock(&a->mu);
	return r != NULL;
}

/* Frees bytes [from, r->len) of region r: unmapped, a hole in the file
 * while it is still being written. a->mu held. */
static void cut(lh_arena *a, region *r, size_t from)
{
	if (from >= r->len)
		return;
	munmap(r->p + from, r->len - from);
	if (a->fd >= 0)
		(void)fallocate(a->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			(off_t)(r->off + from), (off_t)(r->len - from));
	r->len = from;
}

void lh_arena__release(lh_arena *a, void *p)
{
	region *r;

	pthread_mutex_lock(&a->mu);
	if ((r = find(a, p)) != NULL && r->p == p) {
		cut(a, r, 0);
		*r = a->r[--a->n];
	}
	pthread_mutex_unlock(&a->mu);
}

void lh_arena__shrink(lh_arena *a, void *p, size_t n)
{
	region *r;

	pthread_mutex_lock(&a->mu);
	if ((r = find(a, p)) != NULL && r->p == p && n > 0)
		cut(a, r, (size_t)up(n, PAGE));
	pthread_mutex_unlock(&a->mu);
}

uint64_t lh_arena__reserve(lh_arena *a, uint64_t n, uint64_t align)
{
	uint64_t off;

	pthread_mutex_lock(&a->mu);
	off = up(a->end, align);
	a->end = off + n;
	pthread_mutex_unlock(&a->mu);
	return off;
}

void lh_arena__close(lh_arena *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	pthread_mutex_unlock(&a->mu);
}

void lh_arena__free_any(void *p)
{
	lh_arena *a;

	if (p == NULL)
		return;
	pthread_mutex_lock(&live_mu);
	for (a = live; a != NULL; a = a->next)
		if (lh_arena__owns(a, p, NULL))
			break;
	if (a != NULL)
		lh_arena__release(a, p);
	pthread_mutex_unlock(&live_mu);
	if (a == NULL)
		free(p);
}

void lh_arena__free(lh_arena *a, void *p)
{
	if (lh_arena__owns(a, p, NULL))
		lh_arena__release(a, p);
	else
		free(p);
}

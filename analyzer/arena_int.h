/*
 * Private to the analyzer: big arrays that live in the page cache of the
 * index being written (arena.c). An array that the index stores is
 * mapped from the index's temporary file instead of taken from the heap,
 * so that the index writer only notes where it lies: the bytes are never
 * copied into the file, and the file's pages are the only ones touched.
 * On a machine whose fresh memory is slow to come by (a virtual machine
 * backed lazily) this halves the first analysis's system time.
 *
 * Every region is reserved on disk (fallocate) before it is mapped, so
 * that a full disk refuses the allocation instead of faulting a store
 * later; a refused allocation returns NULL and the caller takes the heap.
 */
#ifndef LUAHEAP_ARENA_INT_H
#define LUAHEAP_ARENA_INT_H

#include <stddef.h>
#include <stdint.h>

/* Arrays under this size stay on the heap: mapping costs a system call
 * and a disk reservation, and small ones are cheap to copy. */
#define LH_ARENA_MIN ((size_t)4 << 20)

/* The size from which arrays go to an arena: LH_ARENA_MIN (the tests
 * lower it to put every array of a small heap there). */
extern size_t lh_arena__min;

typedef struct lh_arena lh_arena;

/* An arena over the open file fd (duplicated: the caller keeps its own),
 * placing regions at 'start' and beyond; NULL when out of memory. Holds
 * one reference. */
lh_arena *lh_arena__new(int fd, uint64_t start);

/* Another reference to a; lh_arena__unref drops one, and the last one
 * unmaps every region and closes the file. NULL is ignored. */
lh_arena *lh_arena__ref(lh_arena *a);
void lh_arena__unref(lh_arena *a);

/* n bytes (zeros) mapped from the file, at a 2 MiB boundary when that
 * big, or NULL (no file left, no room on the disk, no mapping).
 * Thread-safe. */
void *lh_arena__alloc(lh_arena *a, size_t n);

/* Whether p lies in one of a's regions; its offset in the file into
 * *off (if off is not NULL). a may be NULL. */
int lh_arena__owns(lh_arena *a, const void *p, uint64_t *off);

/* Gives back the region that starts at p: unmapped, and its blocks and
 * pages freed in the file (a hole). */
void lh_arena__release(lh_arena *a, void *p);

/* Keeps the first n bytes of the region at p; the whole pages after them
 * are freed as by lh_arena__release. */
void lh_arena__shrink(lh_arena *a, void *p, size_t n);

/* Room for n bytes written by the caller (pwrite) at a multiple of
 * 'align' past every region: their offset. Thread-safe. */
uint64_t lh_arena__reserve(lh_arena *a, uint64_t n, uint64_t align);

/* No more regions: the file is closed (the mappings stay). */
void lh_arena__close(lh_arena *a);

/* Frees p, which lies either in a's regions (released) or on the heap. */
void lh_arena__free(lh_arena *a, void *p);

/*
 * The results of an analysis that the index stores are computed on two
 * threads at once; so that the file is the same whatever their timing,
 * their regions are planned before the threads start, in a fixed order:
 * lh_arena__plan reserves the room of slot k (n bytes) past every
 * region, and lh_arena__take maps it for the array that fills it (once;
 * NULL when it was not planned, is too small, or cannot be reserved).
 */
enum { LH_SLOT_VIA, LH_SLOT_IDOM, LH_SLOT_RETAINED, LH_SLOT_ORDER,
	LH_SLOTS };
void lh_arena__plan(lh_arena *a, int k, size_t n);
void *lh_arena__take(lh_arena *a, int k, size_t n);

/* n bytes for the result in slot k of a (may be NULL): taken from a,
 * else from the heap (zeroed if 'zero'; on huge pages if big). Free it
 * with lh_arena__free_any. */
void *lh_arena__result(lh_arena *a, int k, size_t n, int zero);

/* Frees p, wherever it lies: in the regions of any live arena, or on
 * the heap. */
void lh_arena__free_any(void *p);

#endif

/*
 * Private to the analyzer: reading and writing the analysis index
 * (index.c) for lh_analysis_open (analysis.c). The index holds the
 * decoded snapshot and every analysis result as flat arrays.
 */
#ifndef LUAHEAP_INDEX_INT_H
#define LUAHEAP_INDEX_INT_H

#include "analysis_int.h"
#include "arena_int.h"

/*
 * File layout (this build's own cache, so arrays are stored as they lie
 * in memory; the header's layout words refuse a file from a build whose
 * records differ):
 *   header    idx_header, its crc covering itself (crc 0) and the table
 *   table     nsect idx_sect entries
 *   sections  each at a multiple of IDX_ALIGN, none overlapping another,
 *             in table order, except the big arrays the analysis kept in
 *             the file's own pages while it was written (arena_int.h),
 *             which lie where they were placed (with holes left by
 *             arrays given back); section 0
 *             is idx_scalars (the counts every other section's length
 *             follows from), then the parts of the analysis in the order
 *             they are computed (IDX_PART_*), so that a writer can store
 *             each one while the next is being computed; pointers are
 *             stored as 0 (the file is the same whatever the addresses)
 */
#define IDX_MAGIC "LHINDEX"
#define IDX_FORMAT 6
#define IDX_ALIGN 64
#define IDX_MAX_SECT 64

typedef struct idx_header {
	char magic[8];
	uint32_t format, nsect;
	char version[16];
	uint32_t layout[8];
	uint64_t snap_size;
	int64_t snap_mtime_s, snap_mtime_ns;
	uint32_t snap_sum, crc;
} idx_header;

typedef struct idx_sect {
	uint32_t id, present;
	uint64_t elem, count, off;
	uint64_t sum;               /* sect_sum of its bytes */
} idx_sect;

/* Numbers of a few sections (for tests that damage them on purpose). */
enum { IDX_S_EDGE_TO = 11, IDX_S_VIA = 42, IDX_S_IDOM = 45 };

/* The parts of an analysis, in the order the index stores them: the
 * snapshot, the reachability graph, root paths, dominators, classes. */
enum { IDX_PART_SNAP, IDX_PART_GRAPH, IDX_PART_BFS, IDX_PART_DOM,
	IDX_PART_CLASSES };

/* The checksum idx_sect.sum holds of a section's n bytes at p: the
 * CRC-32C of each third (see index.c), verified on every open. */
uint64_t lh_index__sum(const void *p, uint64_t n);

/* What binds an index to its snapshot: the file's size, modification
 * time and checksum (the CRC-32C of its last 4 KiB for a binary snapshot,
 * whose end frame carries the checksum of the whole stream; of the whole
 * file for JSON). */
typedef struct lh_index_bind {
	uint64_t size;
	int64_t mtime_s, mtime_ns;
	uint32_t sum;
} lh_index_bind;

/* What an analysis remembers of its index. */
typedef struct lh_index_state {
	char *path;                 /* the index file, or NULL */
	int mapped;                 /* results live in the snapshot's mapping */
	char **names;               /* mapped classes: the name pointers */
} lh_index_state;

/* The binding of the snapshot at path; LH_EIO when it cannot be read. */
int lh_index__bind(lh_index_bind *out, const char *path, lh_error *err);

/* The index files to try for the snapshot at path: beside it (*beside
 * NULL under /dev and /proc), then in the cache directory (*cache NULL
 * when there is none). Both malloc'd. */
int lh_index__paths(char **beside, char **cache, const char *path);

/*
 * Maps the index at ipath into a new analysis of the snapshot at
 * snap_path (*out owns its snapshot). LH_ENOTFOUND when there is no such
 * file; LH_EFORMAT, LH_EVERSION or LH_EIO with the reason in err when the
 * index cannot be believed; LH_ENOMEM.
 */
int lh_index__load(lh_analysis **out, const char *ipath,
	const char *snap_path, const lh_index_bind *bind, lh_error *err);

/* Writes a's index to ipath (temporary name, mode 0600, rename).
 * LH_EIO with the reason in err. */
int lh_index__write(const lh_analysis *a, const char *ipath,
	const lh_index_bind *bind, lh_error *err);

/*
 * An index written part by part while the analysis runs (its sections in
 * a temporary file, mode 0600, renamed once whole). It goes to the first
 * of paths[0..1] (NULL entries skipped; the parent directories of
 * paths[1] made) where it can be written: a failure at one path starts
 * it again at the next.
 */
typedef struct lh_index_writer lh_index_writer;

/* A writer for the index of the snapshot bind describes; NULL when out
 * of memory. The paths are copied. */
lh_index_writer *lh_index__writer_new(char *const paths[2],
	const lh_index_bind *bind);

/* The arena (arena_int.h) over w's temporary file, created at the first
 * path that takes one, for the big arrays of the analysis whose index w
 * writes: those the index stores are then noted where they lie instead
 * of copied. NULL (the heap) when no file could be made or out of
 * memory. w holds it until freed; a failure later (another path) copies
 * them as any other array. */
lh_arena *lh_index__writer_arena(lh_index_writer *w);

/* Stores the sections of a's parts up to 'part' (IDX_PART_*), which a
 * must hold, and the snapshot never changes. One thread at a time, parts
 * in order; a failure is kept for lh_index__writer_finish. */
void lh_index__writer_put(lh_index_writer *w, const lh_analysis *a,
	int part);

/* Stores the rest of a (whole now), the counts, table and header, and
 * renames the file into place; the path into *where (borrowed from w).
 * LH_EIO with the reason in err when no path could be written. */
int lh_index__writer_finish(lh_index_writer *w, const lh_analysis *a,
	const char **where, lh_error *err);

/* Frees w, removing its temporary file if it has one. */
void lh_index__writer_free(lh_index_writer *w);

/* Frees the parts of a mapped analysis (not its snapshot). */
void lh_index__release(lh_analysis *a);

#endif

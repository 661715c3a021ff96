/*
 * The dumper's C interface: write a snapshot of a running Lua 5.4 state from
 * the host program, and the Lua module's entry point. The module form is
 * `local luaheap = require "luaheap"; luaheap.dump(path [, opts])`.
 */
#ifndef LUAHEAP_DUMP_H
#define LUAHEAP_DUMP_H

#include <stddef.h>
#include <stdint.h>

struct lua_State;

#define LUAHEAP_VERSION "0.1.0"

enum luaheap_encoding { LUAHEAP_BINARY = 0, LUAHEAP_JSON = 1 };

typedef struct luaheap_dump_opts {
	int encoding;          /* LUAHEAP_BINARY (default) or LUAHEAP_JSON */
	int collect;           /* nonzero (default): full collection first */
	int strings;           /* -1 (default): full contents; 0: none;
	                          N > 0: at most N bytes of each string */
	const char *label;     /* free text stored in the header, or NULL */
} luaheap_dump_opts;

/* Fills opts with the defaults. */
void luaheap_dump_opts_init(luaheap_dump_opts *opts);

/*
 * Writes a snapshot of L's whole heap to 'path' (through a temporary file in
 * the same directory, renamed when complete; mode 0600). opts may be NULL.
 * Calls no metamethod and allocates nothing in the Lua state. Returns 0, or
 * -1 with a message in errbuf (of errlen bytes) and no file left behind.
 */
int luaheap_dump(struct lua_State *L, const char *path,
                 const luaheap_dump_opts *opts, char *errbuf, size_t errlen);

/* What one dump wrote (luaheap_dump_ex). */
typedef struct luaheap_dump_stats {
	uint64_t objects, edges, roots;
	uint64_t object_bytes;      /* sum of the objects' sizes */
	uint64_t vm_overhead_bytes; /* bytes Lua counts that no object owns */
	uint64_t lua_total_bytes;   /* Lua's own count when the heap was walked */
	uint64_t finalizers;        /* objects awaiting their finalizer */
	uint64_t file_bytes;        /* size of the snapshot file */
} luaheap_dump_stats;

/*
 * luaheap_dump, also filling *stats (when not NULL) on success. After a full
 * collection object_bytes + vm_overhead_bytes == lua_total_bytes.
 */
int luaheap_dump_ex(struct lua_State *L, const char *path,
                    const luaheap_dump_opts *opts, luaheap_dump_stats *stats,
                    char *errbuf, size_t errlen);

/* The release of the Lua headers the dumper was built against ("Lua 5.4.4"). */
const char *luaheap_built_for(void);

/* Opens the Lua module (for `require "luaheap"` and package.preload). */
int luaopen_luaheap(struct lua_State *L);

#endif

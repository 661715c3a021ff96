/*
 * The dumper's C interface: write a snapshot of a running Lua 5.4 state from
 * the host program, and the Lua module's entry point. The module form is
 * `local luaheap = require "luaheap"; luaheap.dump(path [, opts])`.
 */
#ifndef LUAHEAP_DUMP_H
#define LUAHEAP_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "luaheap/error.h"

struct lua_State;

#define LUAHEAP_VERSION "0.1.0"

enum lh_dump_encoding { LH_DUMP_BINARY = 0, LH_DUMP_JSON = 1 };

/*
 * strings = LH_DUMP_STRINGS_KEYS ("keys" in Lua) keeps the contents of the
 * strings a program uses as names and redacts the others: what paths need
 * (_G.Server.timers, package.loaded["game.mailer"]) and not what players
 * typed. A string is a name when Lua interned it (a short string, at most
 * 40 bytes) and it reads as a Lua identifier or as identifiers joined by
 * dots (a module name), or when it names a chunk ("@server.lua", "=stdin").
 * Deciding this by the string alone needs no pass over the tables and no
 * memory: a table key that is not name-like ("12:7", "player 42") is
 * redacted like a value, and a value that is (a one-word player name) is
 * kept, as a key with the same text would be.
 */
#define LH_DUMP_STRINGS_KEYS (-2)

typedef struct lh_dump_opts {
	int encoding;          /* LH_DUMP_BINARY (default) or LH_DUMP_JSON */
	int collect;           /* nonzero (default): full collection first */
	int strings;           /* -1 (default): full contents (at most
	                          LH_STORED_MAX bytes of one); 0: none;
	                          N > 0: at most N bytes of each string;
	                          LH_DUMP_STRINGS_KEYS: names only */
	const char *label;     /* free text stored in the header, or NULL */
} lh_dump_opts;

/* Fills opts with the defaults. */
void lh_dump_opts_init(lh_dump_opts *opts);

/* What one dump wrote. */
typedef struct lh_dump_stats {
	uint64_t objects, edges, roots;
	uint64_t object_bytes;      /* sum of the objects' sizes */
	uint64_t vm_overhead_bytes; /* bytes Lua counts that no object owns */
	uint64_t lua_total_bytes;   /* Lua's own count when the heap was walked */
	uint64_t finalizers;        /* objects awaiting their finalizer */
	uint64_t file_bytes;        /* size of the snapshot file */
} lh_dump_stats;

/*
 * Writes a snapshot of L's whole heap to 'path' (through a temporary file in
 * the same directory, renamed when complete; mode 0600), filling *stats
 * (when not NULL) on success. opts may be NULL (the defaults). Calls no
 * metamethod and allocates nothing in the Lua state. After a full
 * collection object_bytes + vm_overhead_bytes == lua_total_bytes.
 * Returns LH_OK, or a negative code with err's message naming the file and
 * the problem, and no file left behind: LH_EUSAGE (no path, an unknown
 * encoding), LH_EVERSION (the running Lua is not the one the dumper was
 * built for), LH_EBUSY (called from a finalizer while the collector
 * sweeps), LH_ENOMEM, LH_EIO (the file cannot be created or written).
 */
int lh_dump_write(struct lua_State *L, const char *path,
                  const lh_dump_opts *opts, lh_dump_stats *stats,
                  lh_error *err);

/* The release of the Lua headers the dumper was built against ("Lua 5.4.4"). */
const char *lh_dump_built_for(void);

/* ---- Signal-armed dumps for live servers (arm.c) ---- */

typedef struct lh_dump_arm_opts {
	int signal;              /* the signal that asks for a dump; 0: SIGUSR1 */
	const char *dir;         /* the only directory snapshots are written to */
	lh_dump_opts dump;       /* encoding, collect, strings, label */
	const char *name;        /* the state's name among the process's armed
	                            states; NULL: "stateN", unique */
} lh_dump_arm_opts;

/*
 * The run directory, where armed processes leave their beacons and the CLI
 * its requests; the protocol is specified in luaheap(3) and luaheap(1).
 */
#define LUAHEAP_RUNDIR_ENV "LUAHEAP_RUNDIR"
#define LUAHEAP_RUNDIR_FMT "/tmp/luaheap-%lu"

/* Fills opts with the defaults (SIGUSR1, no dir, lh_dump_opts_init). */
void lh_dump_arm_opts_init(lh_dump_arm_opts *opts);

/*
 * Arms L's state for dumps on demand, under opts->name (NULL: a generated
 * "stateN"); any number of states of a process may be armed, each under
 * its own name. Installs a handler for opts->signal (shared by the states
 * armed for it) that only marks the state asked for and sets a Lua hook
 * on its main thread (and on L, if L is a coroutine: a server looping in
 * it); the hook puts back the program's own hook and dumps at that safe
 * point. Another coroutine running when the signal comes dumps when it
 * yields. A signal sent by `luaheap dump --pid` (sigqueue, the state's
 * slot as value) wakes only the state asked for, which answers its
 * request files; any other (kill -USR1) makes every state armed for that
 * signal write one snapshot with a generated name. Writes the beacon
 * RUNDIR/PID.NAME.arm that the CLI reads (RUNDIR: $LUAHEAP_RUNDIR, else
 * /tmp/luaheap-UID, mode 0700). opts->dir is resolved to an absolute path
 * and copied, like the label and the name. Arming the same state again
 * replaces its options and name. A server idle in a C call dumps at its
 * next Lua instruction, or when its host calls lh_dump_poll. The state
 * disarms itself when it is closed. Returns LH_OK, or a negative code with
 * err's message (the state is then not armed): LH_EUSAGE (no directory, an
 * unusable signal, a bad name), LH_EBUSY (a name taken, a dump of the state
 * running), LH_ENOTFOUND (no such directory), LH_EIO (a directory not
 * writable, a beacon or signal handler refused), LH_ELIMIT (too many armed
 * states), LH_ENOMEM.
 */
int lh_dump_arm(struct lua_State *L, const lh_dump_arm_opts *opts,
                lh_error *err);

/* Disarms L's state: puts back its threads' hooks and (when no other state
 * uses it) the previous signal handler, removes its beacon and request
 * files. Other armed states stay armed. Does nothing if L's state is not
 * armed. Returns LH_OK. */
int lh_dump_disarm(struct lua_State *L);

/*
 * Performs a pending dump now, if a signal asked for one: for hosts whose
 * main loop waits in C (select, epoll) and that want dumps without waiting
 * for the next Lua instruction. Cheap when nothing is pending; never runs
 * a dump inside another. Returns the number of snapshots written or
 * answered with an error (0 when nothing was pending).
 */
int lh_dump_poll(struct lua_State *L);

/* Opens the Lua module (for `require "luaheap"` and package.preload). */
int luaopen_luaheap(struct lua_State *L);

/*
 * ---- Deprecated: the names of luaheap 0.1.0 (compat.c) ----
 * Kept so hosts written against them build and link unchanged; they call
 * the functions above. The old calls return 0 or -1 (never another code)
 * with the message copied into errbuf (errlen bytes, cut if longer).
 * New code uses the lh_dump_* names.
 */
typedef lh_dump_opts luaheap_dump_opts;
typedef lh_dump_stats luaheap_dump_stats;
typedef lh_dump_arm_opts luaheap_arm_opts;
#define LUAHEAP_BINARY LH_DUMP_BINARY
#define LUAHEAP_JSON LH_DUMP_JSON
#define LUAHEAP_STRINGS_KEYS LH_DUMP_STRINGS_KEYS

void luaheap_dump_opts_init(luaheap_dump_opts *opts);
int luaheap_dump(struct lua_State *L, const char *path,
                 const luaheap_dump_opts *opts, char *errbuf, size_t errlen);
int luaheap_dump_ex(struct lua_State *L, const char *path,
                    const luaheap_dump_opts *opts, luaheap_dump_stats *stats,
                    char *errbuf, size_t errlen);
const char *luaheap_built_for(void);
void luaheap_arm_opts_init(luaheap_arm_opts *opts);
int luaheap_arm(struct lua_State *L, const luaheap_arm_opts *opts,
                char *errbuf, size_t errlen);
int luaheap_disarm(struct lua_State *L);
int luaheap_poll(struct lua_State *L);

#endif

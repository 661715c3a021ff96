/*
 * The live-dump protocol between an armed process (arm.c) and
 * `luaheap dump --pid` (cli/cmd_dump.c): the run directory, the names and
 * texts of its files, and the one rule for names. Compiled into both; no
 * Lua here. Specified in luaheap(1) (dump) and luaheap(3) (arm).
 */
#ifndef LH_LIVE_H
#define LH_LIVE_H

#include <limits.h>
#include <stddef.h>

#define LH_LIVE_NAME_MAX 128     /* longest state or snapshot name */
#define LH_LIVE_TEXT_MAX (PATH_MAX + 512)   /* largest file of the protocol */
#define LH_LIVE_MSG_MAX  1024    /* longest error message in an answer */

/* The kinds of file in the run directory. */
enum lh_live_kind {
	LH_LIVE_BEACON,       /* PID.STATE.arm: a state is armed */
	LH_LIVE_REQUEST,      /* PID.STATE.req.CPID.ID: the CLI asks */
	LH_LIVE_ANSWER,       /* PID.STATE.res.CPID.ID: the state answers */
	LH_LIVE_CANCEL        /* PID.STATE.can.CPID.ID: the CLI gave up */
};

/* One file name of the run directory, taken apart. */
typedef struct lh_live_file {
	long pid;                        /* the armed process */
	char state[LH_LIVE_NAME_MAX + 1];
	int kind;                        /* enum lh_live_kind */
	long cpid;                       /* the asking CLI (not beacons) */
	unsigned long id;                /* its request number */
} lh_live_file;

/* What a beacon says. */
typedef struct lh_live_beacon {
	long pid;
	unsigned long long start;        /* lh_live_start_time; 0 unknown */
	char state[LH_LIVE_NAME_MAX + 1];
	int slot;                        /* the value sigqueue carries */
	int sig;
	int json;                        /* the armed format: 1 json */
	char dir[PATH_MAX];              /* absolute */
} lh_live_beacon;

/* What a request asks for. */
typedef struct lh_live_request {
	char name[LH_LIVE_NAME_MAX + 1]; /* "" a generated name */
	int format;                      /* -1 as armed, 0 binary, 1 json */
} lh_live_request;

/* Whether name is a state or snapshot name: 1 to LH_LIVE_NAME_MAX bytes
 * of letters, digits and "._-:+@", not starting with '.', without "..". */
int lh_live_name_ok(const char *name);

/* The run directory, $LUAHEAP_RUNDIR or /tmp/luaheap-UID (malloc'd), or
 * NULL when out of memory. */
char *lh_live_rundir(void);

/* Checks that dir is a directory private to this user, creating it (mode
 * 0700) when 'create'; without it a missing dir passes. NULL, or why not. */
const char *lh_live_rundir_check(const char *dir, int create);

/* The start time of process pid (0: this one) in clock ticks, field 22 of
 * /proc/PID/stat: tells a process from a later one with its pid. 0 unknown. */
unsigned long long lh_live_start_time(long pid);

/* dir/name, malloc'd, or NULL. */
char *lh_live_path(const char *dir, const char *name);

/* Writes text to dir/name through dir/.name.tmp (O_EXCL, mode 0600) and a
 * rename: readers see the whole file or none. 0, or an errno value. */
int lh_live_write(const char *dir, const char *name, const char *text);

/*
 * Reads dir/name (a regular file of this user, at most len - 1 bytes) into
 * buf as a string. With 'take' the file is unlinked first, so that of two
 * takers (or a taker and a withdrawing writer) exactly one gets it. 0, or
 * an errno value (EFBIG: longer than buf).
 */
int lh_live_read(const char *dir, const char *name, char *buf, size_t len,
                 int take);

/* The value of the line "key VALUE" of text into out. 1 found, 0 absent,
 * -1 longer than len - 1 bytes (an error, never cut). */
int lh_live_value(const char *text, const char *key, char *out, size_t len);

/* Formats a file name of the run directory (cpid and id are ignored for a
 * beacon). 0, or -1 if it does not fit in len. */
int lh_live_file_name(char *out, size_t len, int kind, long pid,
                      const char *state, long cpid, unsigned long id);

/* Takes a file name apart; 0, or -1 if it is none of the protocol's. */
int lh_live_file_parse(lh_live_file *f, const char *name);

/* Removes the files of process pid in rundir: of one state (NULL: all of
 * them), of the kinds in the bit mask (1 << kind); beacons are removed
 * last. Returns how many were removed. */
int lh_live_remove(const char *rundir, long pid, const char *state,
                   unsigned kinds);

/* A beacon's text into buf; 0, or -1 if it does not fit. */
int lh_live_beacon_format(char *buf, size_t len, const lh_live_beacon *b);

/* Reads a beacon's text; NULL, or what is wrong with it. */
const char *lh_live_beacon_parse(lh_live_beacon *b, const char *text);

/* A request's text into buf; 0, or -1 if it does not fit. */
int lh_live_request_format(char *buf, size_t len, const lh_live_request *r);

/* Reads a request's text; NULL, or what is wrong with it. */
const char *lh_live_request_parse(lh_live_request *r, const char *text);

/* An answer's text: "ok NAME" when ok, else "error MESSAGE" (one line). */
int lh_live_answer_format(char *buf, size_t len, int ok, const char *what);

/* Reads an answer: 1 ok with the snapshot's name in out, 0 an error with
 * the message in out, -1 not an answer. */
int lh_live_answer_parse(const char *text, char *out, size_t len);

#endif

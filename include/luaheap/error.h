/*
 * Error codes and the error record that travels, last, in every fallible
 * call of the analyzer and of the dumper's C interface. A function that fails fills 'err' (when not NULL) with its
 * code and a message such as "cannot read snapshot 'a.snap': truncated
 * edge section" and returns the negative code.
 */
#ifndef LUAHEAP_ERROR_H
#define LUAHEAP_ERROR_H

#include <stdarg.h>

enum {
	LH_OK = 0,
	LH_ENOMEM = -1,     /* out of memory */
	LH_EIO = -2,        /* the system refused a read or write */
	LH_EFORMAT = -3,    /* the input is not a valid snapshot */
	LH_ENOTFOUND = -4,  /* no such object, path or file */
	LH_EUSAGE = -5,     /* the caller asked for something meaningless */
	LH_EVERSION = -6,   /* built for another Lua release or format version */
	LH_ELIMIT = -7,     /* a size or count limit was reached (not memory) */
	LH_EINTERNAL = -8,  /* an impossible state: a bug, the message says what */
	LH_EBUSY = -9       /* not now: the state or name is in use (a dump
	                       running, a collector sweeping, a name taken) */
};

typedef struct lh_error {
	int code;
	char msg[1024];
} lh_error;

/* Sets err (if not NULL) to code and a printf-style message; returns code. */
int lh_error_set(lh_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clears err to LH_OK and an empty message. */
void lh_error_clear(lh_error *err);

#endif

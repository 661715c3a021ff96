/*
 * lh_dump_write: the safe frame around the heap walk. Creates a temporary
 * file beside the target, brings the collector to a walkable state (a full
 * collection, or out of any sweep phase), stops it for the walk, writes,
 * syncs and renames; on any failure removes the temporary file and reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lua.h"
#include "lobject.h"
#include "lstate.h"
#include "lgc.h"

#include "internal.h"
#include "lua_tree.h"

/* Bounds the steps taken to leave a sweep phase (each sweeps a few dozen
 * objects; a sweep never needs more steps than there are objects, and this
 * only guards against a collector that does not move). */
#define MAX_SWEEP_STEPS 100000000L

void lh_dump_opts_init(lh_dump_opts *opts)
{
	opts->encoding = LH_DUMP_BINARY;
	opts->collect = 1;
	opts->strings = -1;
	opts->label = NULL;
}

int lh_dump__name_like(const char *s, size_t len, int is_short)
{
	size_t i, start = 0;

	if (len > 0 && (s[0] == '@' || s[0] == '='))
		return 1;                       /* a chunk's name */
	if (!is_short || len == 0)
		return 0;
	for (i = 0; i <= len; i++) {            /* identifiers joined by dots */
		unsigned char c = i < len ? (unsigned char)s[i] : '.';

		if (c == '.') {
			if (i == start)
				return 0;
			start = i + 1;
		} else if (!(c == '_' || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (i > start && c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

const char *lh_dump_built_for(void)
{
	return LUA_RELEASE;
}

const char *lh_dump__check_release(char *buf, size_t len)
{
	return lh_dump__compare_release(lua_ident, buf, len);
}

const char *lh_dump__compare_release(const char *ident, char *buf, size_t len)
{
	static const char tag[] = "$LuaVersion: ";
	const char *p = strstr(ident, tag);
	size_t n = strlen(LUA_RELEASE), rlen = 0;

	if (p == NULL) {
		snprintf(buf, len, "built for %s but running in an unknown Lua",
		         LUA_RELEASE);
		return buf;
	}
	/* the release ends where the copyright begins, two spaces later */
	p += sizeof(tag) - 1;
	while (p[rlen] != '\0' && p[rlen] != '$' &&
	       !(p[rlen] == ' ' && p[rlen + 1] == ' '))
		rlen++;
	while (rlen > 0 && p[rlen - 1] == ' ')
		rlen--;
	if (rlen == n && strncmp(p, LUA_RELEASE, n) == 0)
		return NULL;
	snprintf(buf, len, "built for %s but running in %.*s", LUA_RELEASE,
	         (int)rlen, p);
	return buf;
}

/* Fails the dump of 'path' with code and "cannot write snapshot 'PATH':
 * WHAT". */
static int fail(lh_error *err, int code, const char *path, const char *what)
{
	return lh_error_set(err, code, "cannot write snapshot '%s': %s", path,
	                    what);
}

/* Syncs the directory holding 'path' so the rename survives a crash; a
 * directory that cannot be opened or synced is not worth failing for. */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (slash == NULL) {
		dir = strdup(".");
	} else {
		size_t n = (size_t)(slash - path);
		dir = malloc(n + 2);
		if (dir != NULL) {
			memcpy(dir, path, n ? n : 1);  /* "/x" -> "/" */
			dir[n ? n : 1] = '\0';
		}
	}
	if (dir == NULL)
		return;
	fd = open(dir, O_RDONLY);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Whether a finalizer is running: lua_gc refuses to collect there since
 * 5.4.4 ('gcstp' has GCSTPGC); before, GCTM marks the calling frame with
 * CIST_FIN, as it still does. */
static int in_finalizer(lua_State *L)
{
	const CallInfo *ci;

#if LH_LUA_GCSTP
	if (G(L)->gcstp & GCSTPGC)
		return 1;
#endif
	for (ci = L->ci; ci != NULL; ci = ci->previous)
		if (ci->callstatus & CIST_FIN)
			return 1;
	return 0;
}

/*
 * Brings the collector to a state where every object on its lists points
 * only to live memory: after a full collection, or outside the sweep
 * phases (where unswept dead objects may point at freed ones). Returns
 * whether a full collection ran, or -1 if the state cannot be walked.
 */
static int settle_collector(lua_State *L, int collect)
{
	global_State *g = G(L);
	long steps = 0;
	int collected = 0;

	if (!in_finalizer(L)) {
		if (collect) {
			lua_gc(L, LUA_GCCOLLECT);
			lua_gc(L, LUA_GCCOLLECT);  /* the finalizers of the first */
			collected = 1;
		} else {
			while (issweepphase(g) && steps++ < MAX_SWEEP_STEPS)
				lua_gc(L, LUA_GCSTEP, 0);
		}
	}
	return issweepphase(g) ? -1 : collected;
}

/* The checks that need no file: a path, the running Lua's release and
 * layout, a known encoding. */
static int check_request(lua_State *L, const char *path,
                         const lh_dump_opts *opts, lh_error *err)
{
	char msg[512];

	if (L == NULL || path == NULL || path[0] == '\0')
		return fail(err, LH_EUSAGE, path ? path : "", "no path given");
	if (lh_dump__check_release(msg, sizeof(msg)) != NULL ||
	    lh_dump__probe_layout(L, 0, msg, sizeof(msg)) != NULL)
		return fail(err, LH_EVERSION, path, msg);
	if (opts->encoding != LH_DUMP_BINARY && opts->encoding != LH_DUMP_JSON)
		return fail(err, LH_EUSAGE, path, "unknown encoding");
	return LH_OK;
}

/* Creates the temporary file beside 'path' (mode 0600): its name in *tmp
 * (freed by the caller), its descriptor in *fd. A path that exists and
 * is no regular file (/dev/null, a FIFO) is refused: the rename would put
 * the snapshot in the place of the device. */
static int open_temp(const char *path, char **tmp, int *fd, lh_error *err)
{
	static const char suffix[] = ".tmp.XXXXXX";
	char msg[512];
	struct stat st;

	*tmp = NULL;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISDIR(st.st_mode))        /* a directory: the rename says so */
		return fail(err, LH_EUSAGE, path, "not a regular file");
	if ((*tmp = malloc(strlen(path) + sizeof(suffix))) == NULL)
		return fail(err, LH_ENOMEM, path, strerror(ENOMEM));
	strcpy(*tmp, path);
	strcat(*tmp, suffix);
	if ((*fd = mkstemp(*tmp)) < 0) {
		snprintf(msg, sizeof(msg), "cannot create a temporary file: %s",
		         strerror(errno));
		free(*tmp);
		*tmp = NULL;              /* nothing to remove */
		return fail(err, LH_EIO, path, msg);
	}
	(void)fchmod(*fd, 0600);
	return LH_OK;
}

/* The header fields the caller owns: time, pid, label, flags. */
static void caller_header(lh_dump_header *h, const lh_dump_opts *opts,
                          int collected)
{
	h->f[LH_H_TIME].u = (uint64_t)time(NULL);
	h->f[LH_H_PID].u = (uint64_t)getpid();
	h->f[LH_H_LABEL].s = opts->label ? opts->label : "";
	h->f[LH_H_LABEL].len = strlen(h->f[LH_H_LABEL].s);
	h->f[LH_H_FLAGS].u = collected ? LH_FLAG_COLLECTED : LH_FLAG_GARBAGE;
	if (opts->strings == 0) {
		h->f[LH_H_FLAGS].u |= LH_FLAG_STRINGS_NONE;
	} else if (opts->strings == LH_DUMP_STRINGS_KEYS) {
		h->f[LH_H_FLAGS].u |= LH_FLAG_STRINGS_KEYS;
	} else if (opts->strings > 0) {
		h->f[LH_H_FLAGS].u |= LH_FLAG_STRINGS_CUT;
		h->f[LH_H_STRING_LIMIT].u = (uint64_t)opts->strings;
	}
}

/* Settles the collector, then walks the heap and writes it with the
 * collector stopped, restoring its exact flags after. */
static int write_heap(lh_dump_ctx *d, lua_State *L, const lh_dump_opts *opts,
                      lh_dump_header *h, const char *path, lh_error *err)
{
	global_State *g = G(L);
	lh_gc_stop saved_stp;
	int collected;

	memset(h, 0, sizeof(*h));
	h->f[LH_H_GC_WAS_RUNNING].u = lh_gc_running(g) != 0;
	collected = settle_collector(L, opts->collect);
	if (collected < 0)
		return fail(err, LH_EBUSY, path, "the collector is sweeping and "
		            "cannot be stepped now (called from a finalizer?)");
	caller_header(h, opts, collected);
	/* Nothing below allocates in the state, so the collector could not
	 * run anyway; stop it all the same, and restore its exact flags. */
	saved_stp = lh_gc_stop_save(g);
	lh_gc_stop(g);
	lh_dump__walk(d, L, h);
	lh_dump__watches(d, L);
	d->enc->finish(d);
	lh_gc_restore(g, saved_stp);
	if (d->out.err != 0)
		return fail(err, LH_EIO, path, strerror(d->out.err));
	return LH_OK;
}

/* Makes the written temporary file durable and puts it at 'path': sync,
 * close (*fd becomes -1), rename (*tmp freed and NULL), sync the
 * directory. */
static int commit_file(int *fd, char **tmp, const char *path, lh_error *err)
{
	char msg[512];
	int e;

	if (fsync(*fd) != 0)
		return fail(err, LH_EIO, path, strerror(errno));
	e = close(*fd);
	*fd = -1;
	if (e != 0)
		return fail(err, LH_EIO, path, strerror(errno));
	if (rename(*tmp, path) != 0) {
		snprintf(msg, sizeof(msg), "cannot rename the temporary file "
		         "onto it: %s", strerror(errno));
		return fail(err, LH_EIO, path, msg);
	}
	free(*tmp);
	*tmp = NULL;
	sync_dir(path);
	return LH_OK;
}

static void fill_stats(lh_dump_stats *st, const lh_dump_ctx *d,
                       const lh_dump_header *h)
{
	st->objects = d->nobjects;
	st->edges = d->nedges;
	st->roots = d->nroots;
	st->object_bytes = d->object_bytes;
	st->vm_overhead_bytes = h->f[LH_H_VM_OVERHEAD_BYTES].u;
	st->lua_total_bytes = h->f[LH_H_LUA_TOTAL_BYTES].u;
	st->finalizers = d->ntobefnz;
	st->file_bytes = d->out.written;
}

int lh_dump_write(lua_State *L, const char *path, const lh_dump_opts *opts,
                  lh_dump_stats *stats, lh_error *err)
{
	lh_dump_opts defaults;
	lh_dump_ctx *d = NULL;
	lh_dump_header h;
	char *tmp = NULL;
	int fd = -1, rc;

	lh_error_clear(err);
	if (opts == NULL) {
		lh_dump_opts_init(&defaults);
		opts = &defaults;
	}
	if ((rc = check_request(L, path, opts, err)) != LH_OK)
		goto done;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		rc = fail(err, LH_ENOMEM, path, strerror(ENOMEM));
		goto done;
	}
	if ((rc = open_temp(path, &tmp, &fd, err)) != LH_OK)
		goto done;
	if (lh_out__init(&d->out, fd, opts->encoding == LH_DUMP_BINARY) != 0) {
		rc = fail(err, LH_ENOMEM, path, strerror(ENOMEM));
		goto done;
	}
	d->enc = opts->encoding == LH_DUMP_JSON ? &lh_dump__json
	                                        : &lh_dump__binary;
	d->string_limit = opts->strings < 0 ? -1 : opts->strings;
	d->names_only = opts->strings == LH_DUMP_STRINGS_KEYS;
	if ((rc = write_heap(d, L, opts, &h, path, err)) != LH_OK ||
	    (rc = commit_file(&fd, &tmp, path, err)) != LH_OK)
		goto done;
	if (stats != NULL)
		fill_stats(stats, d, &h);
done:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	if (d != NULL) {
		lh_out__release(&d->out);
		free(d);
	}
	return rc;
}

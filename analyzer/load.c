/*
 * Loading a snapshot: opens the file (or reads memory), tells the two
 * encodings apart, runs the right reader into a fresh builder, then
 * resolves addresses (resolve.c) and trims the arrays.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "read.h"
#include "resolve.h"

/*
 * Reads the first bytes to tell the encodings apart. Nothing is rewound
 * (the file may be a pipe): the binary reader goes on after the magic, the
 * JSON reader gets the bytes read so far in head[0..*n).
 */
static int detect(lh_snap_builder *b, FILE *f, unsigned char head[LH_MAGIC_LEN],
                  size_t *n, int *is_json)
{
	*n = fread(head, 1, LH_MAGIC_LEN, f);
	*is_json = 1;
	if (ferror(f))
		return lh_snap__fail(b, LH_EIO, "%s", strerror(errno));
	if (*n == 0)
		return lh_snap__fail(b, LH_EFORMAT, "empty file");
	if (memcmp(head, LH_MAGIC, *n) == 0) {
		if (*n < LH_MAGIC_LEN)
			return lh_snap__fail(b, LH_EFORMAT, "truncated file header at byte %zu", *n);
		*is_json = 0;
	}
	return LH_OK;
}

static int load_stream(lh_snapshot **out, const char *path, FILE *f, uint64_t size,
                       lh_progress_fn progress, void *ctx, lh_arena *arena,
                       lh_error *err)
{
	lh_snap_builder b;
	lh_snapshot *s = NULL;
	lh_error local;
	unsigned char head[LH_MAGIC_LEN];
	size_t n = 0;
	int rc, is_json = 0;

	*out = NULL;
	if (err == NULL)
		err = &local;
	lh_error_clear(err);
	memset(&b, 0, sizeof(b));
	b.path = path;
	b.err = err;
	b.progress = progress;
	b.progress_ctx = ctx;
	b.file_size = size;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(path)) == NULL ||
	    (s->internal = calloc(1, sizeof(lh_snap_internal))) == NULL) {
		rc = lh_snap__nomem(&b);
		goto done;
	}
	s->main_thread = s->registry = LH_NONE;
	b.s = s;
	b.in = s->internal;
	b.in->arena = lh_arena__ref(arena);
	if ((rc = detect(&b, f, head, &n, &is_json)) != LH_OK)
		goto done;
	s->hdr.encoding = is_json;
	rc = is_json ? lh_snap__read_json(&b, f, head, n) : lh_snap__read_bin(&b, f, size);
	lh_snap__prefault_stop(&b);   /* resolving uses both cores */
	if (rc == LH_OK && (rc = lh_snap__resolve(&b)) == LH_OK)
		lh_snap__trim(&b);
done:
	lh_snap__builder_release(&b);
	if (rc != LH_OK) {
		lh_snapshot_free(s);
		return rc;
	}
	*out = s;
	return LH_OK;
}

int lh_snapshot_load(lh_snapshot **out, const char *path, lh_error *err)
{
	return lh_snapshot_load_progress(out, path, NULL, NULL, err);
}

int lh_snapshot_load_progress(lh_snapshot **out, const char *path,
                              lh_progress_fn progress, void *ctx, lh_error *err)
{
	return lh_snap__load(out, path, progress, ctx, NULL, err);
}

int lh_snap__load(lh_snapshot **out, const char *path, lh_progress_fn progress,
                  void *ctx, lh_arena *arena, lh_error *err)
{
	struct stat st;
	uint64_t size = UINT64_MAX;
	FILE *f;
	int rc;

	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return lh_error_set(err, errno == ENOENT ? LH_ENOTFOUND : LH_EIO,
		                    "cannot read snapshot '%s': %s", path, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return lh_error_set(err, LH_EIO, "cannot read snapshot '%s': is a directory", path);
	}
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
		size = (uint64_t)st.st_size;
	rc = load_stream(out, path, f, size, progress, ctx, arena, err);
	fclose(f);
	return rc;
}

int lh_snapshot_load_mem(lh_snapshot **out, const char *name, const void *data,
                         size_t len, lh_error *err)
{
	FILE *f;
	int rc;

	*out = NULL;
	if (len == 0)
		return lh_error_set(err, LH_EFORMAT, "cannot read snapshot '%s': empty file", name);
	f = fmemopen((void *)data, len, "rb");
	if (f == NULL)
		return lh_error_set(err, LH_ENOMEM, "cannot read snapshot '%s': %s", name, strerror(errno));
	rc = load_stream(out, name, f, len, NULL, NULL, NULL, err);
	fclose(f);
	return rc;
}

/*
 * Output files for export, flame and report: a temporary file beside the
 * target (mode 0600: heap contents are user data), renamed into place
 * once everything is written and flushed. A target that exists and is
 * not a regular file (/dev/null, a FIFO, a terminal) is written directly:
 * a rename would put a file in the place of the device.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"
#include "output.h"

/* A file being written. */
typedef struct output {
	const char *path;           /* the name asked for; "-" for stdout */
	char *tmp;                  /* the temporary file, NULL for stdout */
	FILE *f;
	int direct;                 /* path is a device or FIFO: written as is */
} output;

/* Opens path for writing (its temporary, or stdout for "-" or NULL);
 * prints the error and returns CLI_ERROR on failure. */
static int output_open(output *o, const char *path)
{
	struct stat st;
	size_t n;
	int fd;

	memset(o, 0, sizeof *o);
	o->path = path != NULL ? path : "-";
	if (strcmp(o->path, "-") == 0) {
		o->f = stdout;
		return CLI_OK;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		if ((o->f = fopen(path, "w")) == NULL) {
			cli_error("%s: cannot open: %s", path, strerror(errno));
			return CLI_ERROR;
		}
		o->direct = 1;
		return CLI_OK;
	}
	n = strlen(path);
	o->tmp = cli_xmalloc(n + 16);
	memcpy(o->tmp, path, n);
	memcpy(o->tmp + n, ".tmp.XXXXXX", 12);
	if ((fd = mkstemp(o->tmp)) < 0) {         /* mkstemp: mode 0600 */
		cli_error("%s: cannot create: %s", path, strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		return CLI_ERROR;
	}
	if ((o->f = fdopen(fd, "w")) == NULL) {
		cli_error("%s: cannot create: %s", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		return CLI_ERROR;
	}
	return CLI_OK;
}

/* Closes and renames into place; prints the error and removes the
 * temporary file on failure (CLI_ERROR), else CLI_OK. */
static int output_commit(output *o)
{
	int failed;

	if (o->direct) {
		failed = ferror(o->f) != 0;
		if (fclose(o->f) != 0)
			failed = 1;
		o->f = NULL;
		if (failed) {
			cli_error("%s: cannot write: %s", o->path,
				strerror(errno ? errno : EIO));
			return CLI_ERROR;
		}
		return CLI_OK;
	}
	if (o->tmp == NULL) {
		o->f = NULL;
		return CLI_OK;          /* stdout: cli_finish checks it */
	}
	failed = ferror(o->f) != 0;
	if (fclose(o->f) != 0)
		failed = 1;
	o->f = NULL;
	if (failed || rename(o->tmp, o->path) != 0) {
		cli_error("%s: cannot write: %s", o->path,
			strerror(errno ? errno : EIO));
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		return CLI_ERROR;
	}
	free(o->tmp);
	o->tmp = NULL;
	return CLI_OK;
}

/* Closes and removes the temporary file (nothing for stdout). */
static void output_abort(output *o)
{
	if (o->tmp != NULL) {
		if (o->f != NULL)
			fclose(o->f);
		unlink(o->tmp);
		free(o->tmp);
	} else if (o->direct && o->f != NULL) {
		fclose(o->f);
	}
	o->tmp = NULL;
	o->f = NULL;
}

int cli_output_write(const char *path, cli_write_fn fn, void *ctx)
{
	output out;
	lh_out *o;
	lh_error err;
	int rc;

	if (output_open(&out, path) != CLI_OK)
		return CLI_ERROR;
	lh_error_clear(&err);
	rc = lh_out_new(&o, out.f, &err);
	if (rc == LH_OK)
		rc = fn(o, ctx, &err);
	if (rc == LH_OK)
		rc = lh_out_flush(o, out.path, &err);
	lh_out_free(o);
	if (rc != LH_OK) {
		output_abort(&out);
		if (rc == LH_ENOMEM)
			cli_die_nomem();
		cli_error("%s", err.msg);
		return CLI_ERROR;
	}
	return output_commit(&out);
}

/*
 * Output files of the commands that write pictures and exports (export,
 * flame, report): written under a temporary name in the target directory
 * with mode 0600 and renamed when complete, so no half-written file is
 * ever left under the real name; "-" is standard output.
 */
#ifndef LUAHEAP_CLI_OUTPUT_H
#define LUAHEAP_CLI_OUTPUT_H

#include <stdio.h>
#include "luaheap/out.h"

typedef struct cli_output {
	const char *path;           /* the name asked for; "-" for stdout */
	char *tmp;                  /* the temporary file, NULL for stdout */
	FILE *f;
	int direct;                 /* path is a device or FIFO: written as is */
} cli_output;

/* Opens path for writing (its temporary, or stdout for "-" or NULL);
 * prints the error and returns CLI_ERROR on failure. */
int cli_output_open(cli_output *o, const char *path);

/* Closes and renames into place; prints the error and removes the
 * temporary file on failure (CLI_ERROR), else CLI_OK. */
int cli_output_commit(cli_output *o);

/* Closes and removes the temporary file (nothing for stdout). */
void cli_output_abort(cli_output *o);

/* Writes a file with fn (which writes through o and returns LH_OK or an
 * error with err set): opens path, calls fn, flushes, renames into place.
 * Prints the error; returns CLI_OK or CLI_ERROR (out of memory: exits). */
typedef int (*cli_write_fn)(lh_out *o, void *ctx, lh_error *err);
int cli_output_write(const char *path, cli_write_fn fn, void *ctx);

#endif

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

/* Writes a file with fn (which writes through o and returns LH_OK or an
 * error with err set): opens path, calls fn, flushes, renames into place.
 * Prints the error; returns CLI_OK or CLI_ERROR (out of memory: exits). */
typedef int (*cli_write_fn)(lh_out *o, void *ctx, lh_error *err);
int cli_output_write(const char *path, cli_write_fn fn, void *ctx);

#endif

/*
 * The luaheap command: the table of subcommands (main.c), one function per
 * subcommand (cmd_NAME.c, each declaring its options and help in one
 * table), the option parser (opt.c), and the helpers they share (util.c):
 * errors, exit codes, sizes, colour, tables, JSON output.
 */
#ifndef LUAHEAP_CLI_H
#define LUAHEAP_CLI_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "luaheap/snapshot.h"
#include "opt.h"

/* Exit codes. */
enum {
	CLI_OK = 0,        /* success */
	CLI_FAIL = 1,      /* a --fail-* threshold was crossed; a script failed */
	CLI_ERROR = 2      /* usage or input error */
};

/*
 * Subcommands. Each gets argv[0] = its own name and the arguments after it,
 * declares its options and help once in a cli_opt_cmd (opt.h), parses them
 * with cli_opt_parse (which answers -h/--help and usage errors), and
 * returns an exit code. To add one: write cli/cmd_NAME.c, declare it here,
 * add a line to main.c's table.
 */
int cmd_summary(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_path(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_refs(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_flame(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* ---- messages and exit codes (util.c) ---- */

/* Prints "luaheap: MESSAGE" to stderr (after flushing stdout). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_verror(const char *fmt, va_list ap);

/* Prints "luaheap: out of memory" and exits with CLI_ERROR. */
void cli_die_nomem(void) __attribute__((noreturn));

/* Prints err's message (or "out of memory" for LH_ENOMEM) and exits with
 * CLI_ERROR: for an analyzer call that failed. */
void cli_die(const lh_error *err) __attribute__((noreturn));

/* malloc/strdup that never return NULL (cli_die_nomem instead). */
void *cli_xmalloc(size_t n);
char *cli_xstrdup(const char *s);

/* Flushes and checks stdout; a write error is reported and gives CLI_ERROR,
 * otherwise rc is returned unchanged. main() calls it once, at the end. */
int cli_finish(int rc);

/* ---- formatting (util.c) ---- */

/* "512 B", "1.5 KiB", "3.2 MiB", ... into buf; returns buf. */
#define CLI_SIZE_BUF 32
const char *cli_size(uint64_t bytes, char buf[CLI_SIZE_BUF]);

/* "1,234,567" into buf; returns buf. */
const char *cli_count(uint64_t n, char buf[CLI_SIZE_BUF]);

/* "0x55d0c3a4b2c0" into buf; returns buf. */
const char *cli_addr(uint64_t addr, char buf[CLI_SIZE_BUF]);

/* Colour: escape sequences when stdout is a terminal and NO_COLOR is unset
 * or empty, otherwise "". */
enum cli_style { CLI_RESET, CLI_BOLD, CLI_DIM, CLI_RED, CLI_GREEN, CLI_YELLOW,
                 CLI_BLUE, CLI_CYAN };
const char *cli_style(enum cli_style st);

/* Aligned tables: cells are copied; align is one letter per column, 'l' or
 * 'r'. A header row (cli_table_header) prints bold. */
typedef struct cli_table cli_table;
cli_table *cli_table_new(const char *align);
void cli_table_header(cli_table *t, ...);   /* ncols const char * */
void cli_table_row(cli_table *t, ...);      /* ncols const char * */
void cli_table_print(const cli_table *t, FILE *out, int indent);
void cli_table_free(cli_table *t);

/* Bytes from a snapshot (Lua strings: any bytes) as valid UTF-8: valid
 * UTF-8 sequences are kept, other bytes are read as Latin-1, NUL becomes
 * "\0". The result is malloc'd; the caller frees it. */
char *cli_utf8(const char *s, size_t len);

/* Prints doc (not freed) to stdout, formatted, with a final newline. */
int cli_print_json(const cJSON *doc);

/* cJSON helpers that die on out of memory. */
cJSON *cli_json_object(cJSON *parent, const char *name);   /* NULL parent: root */
cJSON *cli_json_array(cJSON *parent, const char *name);
void cli_json_num(cJSON *obj, const char *name, double v);
void cli_json_str(cJSON *obj, const char *name, const char *v);
void cli_json_bool(cJSON *obj, const char *name, int v);
void cli_json_bytes(cJSON *obj, const char *name, const char *s, size_t len);
void cli_json_addr(cJSON *obj, const char *name, uint64_t addr);   /* "0x..." */

#endif

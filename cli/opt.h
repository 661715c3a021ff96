/*
 * Command-line options, declared once per command: a table of option specs
 * drives the parser (GNU style: options anywhere, '--' ends them, clusters
 * and unique long prefixes), the usage synopsis and the --help text.
 * libgit2's cli_opt_spec is the model.
 */
#ifndef LUAHEAP_CLI_OPT_H
#define LUAHEAP_CLI_OPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What an option does with its value; 'off' in the spec says where in the
 * command's own options struct the result goes. */
typedef enum cli_opt_kind {
	CLI_OPT_END = 0,      /* ends a table */
	CLI_OPT_SWITCH,       /* int = 1 */
	CLI_OPT_FLAG,         /* unsigned |= bits */
	CLI_OPT_STRING,       /* const char * = the value (borrowed from argv) */
	CLI_OPT_COUNT,        /* uint32_t: decimal count in [min, max] */
	CLI_OPT_SIZE,         /* uint64_t: size with an optional unit (64K) */
	CLI_OPT_CHOICE,       /* int = the value of the word given */
	CLI_OPT_CHECK         /* check(dest, value) stores it or returns -1 */
} cli_opt_kind;

/* How an option shows in the synopsis (the help list shows them all). */
enum {
	CLI_OPT_SHORT = 1 << 0,    /* "-o FILE", not "--output FILE" */
	CLI_OPT_REQUIRED = 1 << 1, /* no brackets; parsing fails without it */
	CLI_OPT_OR = 1 << 2        /* one bracket with the next: "[-o F | --dir D]";
	                            * the command checks that they exclude */
};

/* One word a CLI_OPT_CHOICE option accepts, and the int it stores. */
typedef struct cli_opt_choice {
	const char *word;
	int value;
} cli_opt_choice;

typedef struct cli_opt_spec {
	cli_opt_kind kind;
	char short_name;           /* 'n', or 0 */
	const char *long_name;     /* "limit" (every option has one) */
	const char *value_name;    /* "N" in the help list; NULL for switches */
	size_t off;                /* offsetof(the command's struct, field) */
	unsigned usage;            /* CLI_OPT_SHORT | ... */
	const char *help;          /* one sentence, wrapped by the printer */
	/* by kind: */
	uint32_t min, max;                  /* COUNT; max 0: no limit */
	unsigned bits;                      /* FLAG */
	const cli_opt_choice *choices;      /* CHOICE, ended by a NULL word */
	int (*check)(void *dest, const char *value);   /* CHECK */
	const char *what;          /* "--x wants WHAT, not 'v'" (default by kind) */
} cli_opt_spec;

enum {
	CLI_OPT_STOP = 1 << 0      /* options end at the first operand (run) */
};

/* A command's command line: its operands, options and help text. */
typedef struct cli_opt_cmd {
	const char *name;          /* "diff"; "" for luaheap itself */
	const char *args;          /* operands in the synopsis: "BEFORE AFTER [LATER]" */
	int min_args, max_args;    /* max_args -1: no limit */
	const char *missing;       /* the error when fewer than min_args */
	const cli_opt_spec *opts;  /* ended by CLI_OPT_END; -h/--help is implicit */
	const char *synopsis;      /* NULL: generated from args and opts */
	const char *about;         /* the paragraphs between synopsis and options */
	const char *epilogue;      /* after the options, or NULL */
	unsigned flags;            /* CLI_OPT_STOP */
} cli_opt_cmd;

/* -j/--json, the switch of every command that can print JSON, into the
 * int 'field' of the command's options struct 'type'. */
#define CLI_OPT_JSON(type, field) \
	{ CLI_OPT_SWITCH, 'j', "json", NULL, offsetof(type, field), 0, \
	  "print a JSON document instead of text" }

/* What cli_opt_parse returns when the command should go on (never an exit
 * code). */
#define CLI_OPT_GO_ON (-1)

/*
 * Parses *argv (*argc words, the first the command's name) by cmd into the
 * struct 'into'. On success *argv and *argc become the operands, in order,
 * and CLI_OPT_GO_ON is returned. Otherwise the command returns what this
 * returns: CLI_OK after printing --help, CLI_ERROR after printing a usage
 * error (unknown option, missing or bad value, wrong number of operands,
 * missing required option). argv's pointers are reordered in place.
 */
int cli_opt_parse(const cli_opt_cmd *cmd, void *into, int *argc, char ***argv);

/* Prints the synopsis ("usage: luaheap ..." lines). */
void cli_opt_synopsis(FILE *out, const cli_opt_cmd *cmd);

/* Prints the whole --help text. */
void cli_opt_help(FILE *out, const cli_opt_cmd *cmd);

/* Prints "luaheap: MESSAGE", the synopsis and where the rest is to stderr;
 * returns CLI_ERROR. */
int cli_opt_usage_error(const cli_opt_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A decimal count / a size with an optional unit (4096, 64K, 1.5MiB);
 * 0 on success, -1 if s is not one. */
int cli_parse_count(const char *s, uint32_t *out);
int cli_parse_size(const char *s, uint64_t *out);

#endif

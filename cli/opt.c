/*
 * The option parser and the usage printer of every luaheap command, both
 * driven by the command's table of cli_opt_spec (opt.h): what an option
 * accepts, where its value goes, and how --help shows it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "opt.h"

#define WIDTH 79        /* columns of a usage or help line at most */
#define LABEL_MAX 26    /* a longer option label does not set the help column */

/* Every command answers -h and --help; listed last. */
static const cli_opt_spec help_spec = {
	CLI_OPT_SWITCH, 'h', "help", NULL, 0, 0, "print this help"
};

/* The k-th option of cmd (help after the table's own); NULL past it. */
static const cli_opt_spec *nth(const cli_opt_cmd *cmd, size_t k)
{
	size_t n = 0;

	while (cmd->opts != NULL && cmd->opts[n].kind != CLI_OPT_END)
		n++;
	return k < n ? &cmd->opts[k] : k == n ? &help_spec : NULL;
}

static int takes_value(const cli_opt_spec *s)
{
	return s->kind != CLI_OPT_SWITCH && s->kind != CLI_OPT_FLAG;
}

/* ---- usage text ---- */

/* Words filled into lines of at most WIDTH columns; a new line starts
 * at column 'indent'. */
typedef struct filler {
	FILE *out;
	int col, indent;
	int fresh;                 /* nothing on the line yet to space from */
} filler;

static void fill(filler *f, const char *word, size_t len)
{
	if (!f->fresh && f->col + 1 + (int)len > WIDTH) {
		fprintf(f->out, "\n%*s", f->indent, "");
		f->col = f->indent;
		f->fresh = 1;
	}
	if (!f->fresh) {
		fputc(' ', f->out);
		f->col++;
	}
	fwrite(word, 1, len, f->out);
	f->col += (int)len;
	f->fresh = 0;
}

/* s's value as the synopsis shows it: the words of a choice, else its
 * name. */
static void value_words(char *buf, size_t size, const cli_opt_spec *s)
{
	const cli_opt_choice *c;
	size_t n = 0;

	buf[0] = '\0';
	if (s->kind != CLI_OPT_CHOICE) {
		snprintf(buf, size, "%s", s->value_name ? s->value_name : "");
		return;
	}
	for (c = s->choices; c->word != NULL && n < size; c++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s",
			c == s->choices ? "" : "|", c->word);
}

/* "--pid PID", "-o FILE", "--json": s in the synopsis, no brackets. */
static void token(char *buf, size_t size, const cli_opt_spec *s)
{
	char value[128];
	int n;

	if ((s->usage & CLI_OPT_SHORT) && s->short_name)
		n = snprintf(buf, size, "-%c", s->short_name);
	else
		n = snprintf(buf, size, "--%s", s->long_name);
	if (takes_value(s) && n >= 0 && (size_t)n < size) {
		value_words(value, sizeof value, s);
		snprintf(buf + n, size - (size_t)n, " %s", value);
	}
}

/* The next synopsis entry from option k on: "[--json]", "--pid PID",
 * "[-o FILE | --dir DIR]"; returns how many options it took. */
static size_t entry(char *buf, size_t size, const cli_opt_cmd *cmd, size_t k)
{
	const cli_opt_spec *s = nth(cmd, k), *t = nth(cmd, k + 1);
	int req = (s->usage & CLI_OPT_REQUIRED) != 0;
	char a[160], b[160];

	token(a, sizeof a, s);
	if ((s->usage & CLI_OPT_OR) && t != NULL && t != &help_spec) {
		token(b, sizeof b, t);
		snprintf(buf, size, "%s%s | %s%s", req ? "" : "[", a, b,
			req ? "" : "]");
		return 2;
	}
	snprintf(buf, size, req ? "%s" : "[%s]", a);
	return 1;
}

void cli_opt_synopsis(FILE *out, const cli_opt_cmd *cmd)
{
	filler f = { out, 0, 0, 0 };
	const char *p, *start;
	char buf[400];
	size_t k;
	int depth = 0;

	if (cmd->synopsis != NULL) {
		fputs(cmd->synopsis, out);
		return;
	}
	f.col = fprintf(out, "usage: luaheap%s%s", cmd->name[0] ? " " : "",
		cmd->name);
	f.indent = f.col + 1;
	for (p = start = cmd->args ? cmd->args : ""; ; p++) {
		if ((*p == ' ' && depth == 0) || *p == '\0') {   /* "[A [B]]" is one */
			if (p > start)
				fill(&f, start, (size_t)(p - start));
			start = p + 1;
		}
		if (*p == '\0')
			break;
		depth += *p == '[' ? 1 : *p == ']' ? -1 : 0;
	}
	for (k = 0; nth(cmd, k) != &help_spec; ) {
		k += entry(buf, sizeof buf, cmd, k);
		fill(&f, buf, strlen(buf));
	}
	fputc('\n', out);
}

/* "-n, --limit N" or "    --no-index": s at the left of the help list. */
static int label(char *buf, size_t size, const cli_opt_spec *s)
{
	char sh[8] = "    ";

	if (s->short_name)
		snprintf(sh, sizeof sh, "-%c, ", s->short_name);
	return snprintf(buf, size, "%s--%s%s%s", sh, s->long_name,
		takes_value(s) ? " " : "", takes_value(s) ? s->value_name : "");
}

void cli_opt_help(FILE *out, const cli_opt_cmd *cmd)
{
	const cli_opt_spec *s;
	filler f = { out, 0, 0, 1 };
	char buf[160];
	const char *w;
	size_t k, n;
	int col = 0, pad;

	for (k = 0; (s = nth(cmd, k)) != NULL; k++) {
		n = (size_t)label(buf, sizeof buf, s);
		if (n <= LABEL_MAX && (int)n + 4 > col)
			col = (int)n + 4;
	}
	cli_opt_synopsis(out, cmd);
	if (cmd->about != NULL)
		fprintf(out, "\n%s", cmd->about);
	fputc('\n', out);
	for (k = 0; (s = nth(cmd, k)) != NULL; k++) {
		n = (size_t)label(buf, sizeof buf, s);
		pad = (int)n + 4 <= col ? col - 2 - (int)n : 2;
		f.col = fprintf(out, "  %s%*s", buf, pad, "");
		f.indent = col;
		f.fresh = 1;
		for (w = s->help; *w; w += n + (w[n] == ' ')) {
			n = strcspn(w, " ");
			fill(&f, w, n);
		}
		fputc('\n', out);
	}
	if (cmd->epilogue != NULL)
		fprintf(out, "\n%s", cmd->epilogue);
}

int cli_opt_usage_error(const cli_opt_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_verror(fmt, ap);
	va_end(ap);
	cli_opt_synopsis(stderr, cmd);
	if (cmd->about != NULL)
		fprintf(stderr, "run 'luaheap%s%s --help' for more\n",
			cmd->name[0] ? " " : "", cmd->name);
	return CLI_ERROR;
}

/* ---- parsing ---- */

typedef struct parser {
	const cli_opt_cmd *cmd;
	void *into;
	char **argv;
	int argc, i;               /* argv[i] is the next word */
	uint64_t seen;             /* bit k: option k was given */
} parser;

/* What the value of s must be, for its error message. */
static const char *what(char *buf, size_t size, const cli_opt_spec *s)
{
	const cli_opt_choice *c;
	size_t n = 0;

	if (s->what != NULL)
		return s->what;
	switch (s->kind) {
	case CLI_OPT_COUNT:
		if (s->max != 0)
			snprintf(buf, size, "a count from %u to %u", s->min, s->max);
		else
			snprintf(buf, size, s->min > 0 ? "a positive count" : "a count");
		return buf;
	case CLI_OPT_SIZE:
		return "a size";
	case CLI_OPT_CHOICE:       /* "retained, self or count" */
		buf[0] = '\0';
		for (c = s->choices; c->word != NULL && n < size; c++)
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
				c == s->choices ? "" : c[1].word ? ", " : " or ",
				c->word);
		return buf;
	default:
		return "a value";
	}
}

/* Stores value by s's kind; 0, or -1 if the value is not one. */
static int store(const cli_opt_spec *s, void *into, const char *value)
{
	void *dest = (char *)into + s->off;
	const cli_opt_choice *c;
	uint32_t n;

	switch (s->kind) {
	case CLI_OPT_SWITCH: *(int *)dest = 1; return 0;
	case CLI_OPT_FLAG: *(unsigned *)dest |= s->bits; return 0;
	case CLI_OPT_STRING: *(const char **)dest = value; return 0;
	case CLI_OPT_COUNT:
		if (cli_parse_count(value, &n) != 0 || n < s->min ||
		    (s->max != 0 && n > s->max))
			return -1;
		*(uint32_t *)dest = n;
		return 0;
	case CLI_OPT_SIZE: return cli_parse_size(value, dest);
	case CLI_OPT_CHOICE:
		for (c = s->choices; c->word != NULL; c++)
			if (strcmp(c->word, value) == 0) {
				*(int *)dest = c->value;
				return 0;
			}
		return -1;
	case CLI_OPT_CHECK: return s->check(dest, value);
	default: return -1;
	}
}

/* Option s was given (as its short name or not), with value. */
static int take(parser *p, const cli_opt_spec *s, int as_short,
	const char *value)
{
	char name[64], buf[160];
	size_t k;

	if (s == &help_spec) {
		cli_opt_help(stdout, p->cmd);
		return CLI_OK;
	}
	for (k = 0; nth(p->cmd, k) != s; k++)
		;
	p->seen |= k < 64 ? UINT64_C(1) << k : 0;
	if (store(s, p->into, value) == 0)
		return CLI_OPT_GO_ON;
	if (as_short)
		snprintf(name, sizeof name, "-%c", s->short_name);
	else
		snprintf(name, sizeof name, "--%s", s->long_name);
	return cli_opt_usage_error(p->cmd, "%s wants %s, not '%s'", name,
		what(buf, sizeof buf, s), value);
}

/* The option named name[0..len), or a unique one it begins (as
 * getopt_long allows); NULL if none or several. */
static const cli_opt_spec *find_long(const cli_opt_cmd *cmd, const char *name,
	size_t len)
{
	const cli_opt_spec *s, *hit = NULL;
	size_t k;
	int nhit = 0;

	for (k = 0; (s = nth(cmd, k)) != NULL; k++) {
		if (strncmp(s->long_name, name, len) != 0)
			continue;
		if (s->long_name[len] == '\0')
			return s;
		hit = s;
		nhit++;
	}
	return nhit == 1 ? hit : NULL;
}

/* "--name", "--name=value", "--name value". */
static int parse_long(parser *p, const char *arg)
{
	const char *name = arg + 2, *eq = strchr(name, '='), *value = NULL;
	const cli_opt_spec *s;

	s = find_long(p->cmd, name, eq != NULL ? (size_t)(eq - name) : strlen(name));
	if (s == NULL || (eq != NULL && !takes_value(s)))
		return cli_opt_usage_error(p->cmd, "unknown option '%s'", arg);
	if (takes_value(s)) {
		if (eq != NULL)
			value = eq + 1;
		else if (p->i < p->argc)
			value = p->argv[p->i++];
		else
			return cli_opt_usage_error(p->cmd,
				"option '%s' needs a value", arg);
	}
	return take(p, s, 0, value);
}

/* "-j", "-jn5", "-n 5": switches cluster; a value ends the word. */
static int parse_short(parser *p, const char *arg)
{
	const cli_opt_spec *s;
	const char *value;
	size_t j, k;
	int rc;

	for (j = 1; arg[j] != '\0'; j++) {
		for (k = 0; (s = nth(p->cmd, k)) != NULL; k++)
			if (s->short_name == arg[j])
				break;
		if (s == NULL)
			return cli_opt_usage_error(p->cmd, "unknown option '-%c'",
				arg[j]);
		value = NULL;
		if (takes_value(s)) {
			if (arg[j + 1] != '\0')
				value = arg + j + 1;
			else if (p->i < p->argc)
				value = p->argv[p->i++];
			else
				return cli_opt_usage_error(p->cmd,
					"option '%s' needs a value", arg);
		}
		if ((rc = take(p, s, 1, value)) != CLI_OPT_GO_ON || value != NULL)
			return rc;
	}
	return CLI_OPT_GO_ON;
}

/* After the words: the number of operands, the required options. */
static int check_end(const parser *p, int nargs)
{
	const cli_opt_cmd *cmd = p->cmd;
	const cli_opt_spec *s;
	size_t k;

	if (nargs < cmd->min_args)
		return cli_opt_usage_error(cmd, "%s", cmd->missing);
	if (cmd->max_args >= 0 && nargs > cmd->max_args)
		return cli_opt_usage_error(cmd, "too many arguments");
	for (k = 0; (s = nth(cmd, k)) != NULL; k++) {
		if ((s->usage & CLI_OPT_REQUIRED) && k < 64 &&
		    !(p->seen >> k & 1))
			return cli_opt_usage_error(cmd, "no --%s given",
				s->long_name);
	}
	return CLI_OPT_GO_ON;
}

int cli_opt_parse(const cli_opt_cmd *cmd, void *into, int *argc, char ***argv)
{
	parser p = { cmd, into, *argv, *argc, 1, 0 };
	char *arg;
	int n = 0, rest = 0, rc;

	while (p.i < p.argc) {
		arg = p.argv[p.i++];
		if (rest || arg[0] != '-' || arg[1] == '\0') {
			p.argv[1 + n++] = arg;         /* operands move up, in order */
			rest |= (cmd->flags & CLI_OPT_STOP) != 0;
		} else if (strcmp(arg, "--") == 0) {
			rest = 1;
		} else if ((rc = arg[1] == '-' ? parse_long(&p, arg) :
		            parse_short(&p, arg)) != CLI_OPT_GO_ON) {
			return rc;
		}
	}
	if ((rc = check_end(&p, n)) != CLI_OPT_GO_ON)
		return rc;
	*argv += 1;
	*argc = n;
	return CLI_OPT_GO_ON;
}

int cli_parse_count(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!isdigit((unsigned char)s[0]))
		return -1;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int cli_parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *suffix; uint64_t mul; } units[] = {
		{ "", 1 }, { "B", 1 }, { "K", 1024 }, { "KB", 1024 },
		{ "KiB", 1024 }, { "M", 1024 * 1024 }, { "MB", 1024 * 1024 },
		{ "MiB", 1024 * 1024 }, { "G", 1024ull << 20 },
		{ "GB", 1024ull << 20 }, { "GiB", 1024ull << 20 }
	};
	char *end;
	double v;
	size_t i;

	if (!isdigit((unsigned char)s[0]) && s[0] != '.')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			double b = v * (double)units[i].mul;
			if (b >= 18446744073709551615.0)
				return -1;
			*out = (uint64_t)b;
			return 0;
		}
	}
	return -1;
}

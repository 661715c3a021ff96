/*
 * Helpers every luaheap subcommand shares: error lines and exit codes,
 * checked stdout, human-readable sizes, colour on terminals, aligned tables
 * and JSON output.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "luaheap/render.h"
#include "cli.h"

void cli_verror(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("luaheap: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_verror(fmt, ap);
	va_end(ap);
}

void cli_die_nomem(void)
{
	cli_error("out of memory");
	exit(CLI_ERROR);
}

void cli_die(const lh_error *err)
{
	if (err->code == LH_ENOMEM || err->msg[0] == '\0')
		cli_die_nomem();
	cli_error("%s", err->msg);
	exit(CLI_ERROR);
}

void *cli_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		cli_die_nomem();
	return p;
}

char *cli_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		cli_die_nomem();
	return p;
}

int cli_finish(int rc)
{
	int failed = fflush(stdout) != 0 || ferror(stdout);
	int saved = errno;

	if (fclose(stdout) != 0 && !failed) {
		failed = 1;
		saved = errno;
	}
	if (failed) {
		fprintf(stderr, "luaheap: cannot write to standard output: %s\n",
		        saved ? strerror(saved) : "write error");
		return CLI_ERROR;
	}
	return rc;
}

const char *cli_size(uint64_t bytes, char buf[CLI_SIZE_BUF])
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, CLI_SIZE_BUF, "%" PRIu64 " B", bytes);
		return buf;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	/* 1023.96 KiB would print as "1024.0 KiB": show the next unit */
	if (v >= 1023.95 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, CLI_SIZE_BUF, "%.1f %s", v, units[u]);
	return buf;
}

const char *cli_count(uint64_t n, char buf[CLI_SIZE_BUF])
{
	char digits[24];
	int len, i, o = 0;

	len = snprintf(digits, sizeof(digits), "%" PRIu64, n);
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

const char *cli_addr(uint64_t addr, char buf[CLI_SIZE_BUF])
{
	snprintf(buf, CLI_SIZE_BUF, "0x%" PRIx64, addr);
	return buf;
}

/* Whether stdout gets colour (computed once). */
static int use_color(void)
{
	static int cached = -1;
	const char *no;

	if (cached < 0) {
		no = getenv("NO_COLOR");
		cached = isatty(STDOUT_FILENO) && (no == NULL || no[0] == '\0');
	}
	return cached;
}

const char *cli_style(enum cli_style st)
{
	static const char *const seq[] = {
		"\033[0m", "\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[33m",
		"\033[34m", "\033[36m"
	};

	if (!use_color() || (unsigned)st >= sizeof(seq) / sizeof(seq[0]))
		return "";
	return seq[st];
}

struct cli_table {
	int ncols;
	char *align;
	char **cells;          /* [nrows * ncols] */
	size_t nrows, cap;
	int has_header;
};

cli_table *cli_table_new(const char *align)
{
	cli_table *t = cli_xmalloc(sizeof(*t));

	memset(t, 0, sizeof(*t));
	t->ncols = (int)strlen(align);
	t->align = cli_xstrdup(align);
	return t;
}

static void table_add(cli_table *t, va_list ap)
{
	const char *cell;
	int c;

	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		char **p = realloc(t->cells, ncap * t->ncols * sizeof(char *));
		if (p == NULL)
			cli_die_nomem();
		t->cells = p;
		t->cap = ncap;
	}
	for (c = 0; c < t->ncols; c++) {
		cell = va_arg(ap, const char *);
		t->cells[t->nrows * t->ncols + c] = cli_xstrdup(cell ? cell : "");
	}
	t->nrows++;
}

void cli_table_header(cli_table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	table_add(t, ap);
	va_end(ap);
	t->has_header = 1;
}

void cli_table_row(cli_table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	table_add(t, ap);
	va_end(ap);
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void cli_table_print(const cli_table *t, FILE *out, int indent)
{
	size_t r, *w = cli_xmalloc(t->ncols * sizeof(size_t)), cw, pad;
	int c, last, end;
	const char *cell;

	for (c = 0; c < t->ncols; c++) {
		w[c] = 0;
		for (r = 0; r < t->nrows; r++)
			if ((cw = width(t->cells[r * t->ncols + c])) > w[c])
				w[c] = cw;
	}
	for (r = 0; r < t->nrows; r++) {
		int bold = r == 0 && t->has_header;
		fprintf(out, "%*s%s", indent, "", bold ? cli_style(CLI_BOLD) : "");
		/* trailing empty cells print nothing: no trailing blanks */
		for (end = t->ncols; end > 1 && t->cells[r * t->ncols + end - 1][0] == '\0'; end--)
			;
		for (c = 0; c < end; c++) {
			cell = t->cells[r * t->ncols + c];
			pad = w[c] - width(cell);
			last = c == end - 1;
			if (c > 0)
				fputs("  ", out);
			if (t->align[c] == 'r')
				fprintf(out, "%*s%s", (int)pad, "", cell);
			else
				fprintf(out, "%s%*s", cell, last ? 0 : (int)pad, "");
		}
		fprintf(out, "%s\n", bold ? cli_style(CLI_RESET) : "");
	}
	free(w);
}

void cli_table_free(cli_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->align);
	free(t);
}

static cJSON *attach(cJSON *parent, const char *name, cJSON *item);

char *cli_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, k, o = 0;
	char *out = cli_xmalloc(2 * len + 1);

	for (i = 0; i < len; ) {
		if (p[i] == 0) {
			memcpy(out + o, "\\0", 2);   /* keeps the C string whole */
			o += 2;
			i++;
		} else if ((k = lh_render_utf8_seq(p + i, len - i)) > 0) {
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
		} else {                           /* a Latin-1 byte */
			out[o++] = (char)(0xc0 | p[i] >> 6);
			out[o++] = (char)(0x80 | (p[i] & 0x3f));
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

void cli_json_bytes(cJSON *obj, const char *name, const char *s, size_t len)
{
	char *u = cli_utf8(s, len);

	attach(obj, name, cJSON_CreateString(u));
	free(u);
}

int cli_print_json(const cJSON *doc)
{
	char *s = cJSON_Print(doc);

	if (s == NULL)
		cli_die_nomem();
	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
	return CLI_OK;
}

static cJSON *attach(cJSON *parent, const char *name, cJSON *item)
{
	if (item == NULL)
		cli_die_nomem();
	if (parent != NULL) {
		if (cJSON_IsArray(parent) ? !cJSON_AddItemToArray(parent, item)
		                          : !cJSON_AddItemToObject(parent, name, item))
			cli_die_nomem();
	}
	return item;
}

cJSON *cli_json_object(cJSON *parent, const char *name)
{
	return attach(parent, name, cJSON_CreateObject());
}

cJSON *cli_json_array(cJSON *parent, const char *name)
{
	return attach(parent, name, cJSON_CreateArray());
}

void cli_json_num(cJSON *obj, const char *name, double v)
{
	attach(obj, name, cJSON_CreateNumber(v));
}

void cli_json_str(cJSON *obj, const char *name, const char *v)
{
	attach(obj, name, cJSON_CreateString(v ? v : ""));
}

void cli_json_bool(cJSON *obj, const char *name, int v)
{
	attach(obj, name, cJSON_CreateBool(v));
}

void cli_json_addr(cJSON *obj, const char *name, uint64_t addr)
{
	char buf[CLI_SIZE_BUF];

	attach(obj, name, cJSON_CreateString(cli_addr(addr, buf)));
}

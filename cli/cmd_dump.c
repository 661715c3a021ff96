/*
 * luaheap dump --pid: asks a live process that armed the luaheap module
 * (luaheap.arm) for a snapshot of one of its states. Reads the state's
 * beacon, leaves a request file, sends the signal and waits for the
 * answer, through the protocol of dumper/live.c (luaheap(1), luaheap(3)).
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include "luaheap/dump.h"
#include "../dumper/live.h"
#include "cli.h"

/* The beacons of one process's armed states. */
typedef struct states {
	lh_live_beacon *b;
	size_t n, cap;
} states;

static int by_name(const void *x, const void *y)
{
	return strcmp(((const lh_live_beacon *)x)->state,
	              ((const lh_live_beacon *)y)->state);
}

/* Reads beacon file 'name' of pid into st, or removes it when it was left
 * by an earlier process with that pid (*stale then names it). */
static void add_beacon(states *st, const char *rundir, const char *name,
                       long pid, unsigned long long now, char **stale)
{
	char text[LH_LIVE_TEXT_MAX];
	lh_live_beacon b;
	const char *why = NULL;
	int e = lh_live_read(rundir, name, text, sizeof(text), 0);

	if (e != 0)
		why = e == EFBIG ? "too long" : strerror(e);
	else if ((why = lh_live_beacon_parse(&b, text)) == NULL && b.pid != pid)
		why = "another process's pid in it";
	if (why != NULL) {
		cli_error("cannot read beacon '%s/%s': %s", rundir, name, why);
	} else if (b.start != 0 && now != 0 && b.start != now) {
		free(*stale);
		*stale = lh_live_path(rundir, name);
		if (*stale != NULL)
			(void)unlink(*stale);
	} else {
		if (st->n == st->cap) {
			st->cap = st->cap ? st->cap * 2 : 8;
			st->b = realloc(st->b, st->cap * sizeof(*st->b));
			if (st->b == NULL)
				cli_die_nomem();
		}
		st->b[st->n++] = b;
	}
}

/* Every armed state of process pid, sorted by name; CLI_ERROR (printed)
 * when it has none. */
static int read_states(states *st, const char *rundir, long pid)
{
	unsigned long long now = lh_live_start_time(pid);
	char *stale = NULL;
	lh_live_file f;
	struct dirent *e;
	DIR *d = opendir(rundir);

	while (d != NULL && (e = readdir(d)) != NULL)
		if (lh_live_file_parse(&f, e->d_name) == 0 && f.pid == pid &&
		    f.kind == LH_LIVE_BEACON)
			add_beacon(st, rundir, e->d_name, pid, now, &stale);
	if (d != NULL)
		closedir(d);
	if (st->n == 0 && stale != NULL)
		cli_error("process %ld is not armed (the beacon '%s' is stale: "
		          "it was left by an earlier process with that pid)",
		          pid, stale);
	else if (st->n == 0)
		cli_error("process %ld is not armed (it has not called "
		          "luaheap.arm, or disarmed)", pid);
	free(stale);
	if (st->n > 1)
		qsort(st->b, st->n, sizeof(*st->b), by_name);
	return st->n > 0 ? CLI_OK : CLI_ERROR;
}

/* The state to ask: the one named, or the only one armed. */
static const lh_live_beacon *pick_state(const states *st, long pid,
                                        const char *name)
{
	size_t i;

	if (name == NULL && st->n == 1)
		return &st->b[0];
	if (name == NULL) {
		cli_error("process %ld has %zu armed states: choose one with "
		          "--state (--list lists them)", pid, st->n);
		return NULL;
	}
	for (i = 0; i < st->n; i++)
		if (strcmp(st->b[i].state, name) == 0)
			return &st->b[i];
	cli_error("process %ld has no armed state '%s' (luaheap dump --pid %ld "
	          "--list lists them)", pid, name, pid);
	return NULL;
}

/* Moves the snapshot from src to dst: a rename, or a copy then an unlink
 * across file systems. 0, or -1 with errno. */
static int move_file(const char *src, const char *dst)
{
	char buf[65536];
	ssize_t n = 0;
	int in, out, e = 0;
	struct stat st;

	if (stat(dst, &st) == 0 && !S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return -1;              /* never a file in a device's place */
	}
	if (rename(src, dst) == 0)
		return 0;
	if (errno != EXDEV)
		return -1;
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		e = errno;
		close(in);
		errno = e;
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (n < 0)
		e = errno ? errno : EIO;
	if (fsync(out) != 0 && e == 0)
		e = errno;
	if (close(out) != 0 && e == 0)
		e = errno;
	close(in);
	if (e != 0) {
		(void)unlink(dst);
		errno = e;
		return -1;
	}
	(void)unlink(src);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The names of the request's files, and their paths. */
typedef struct exchange {
	char req[LH_LIVE_NAME_MAX + 64], res[LH_LIVE_NAME_MAX + 64];
	char can[LH_LIVE_NAME_MAX + 64];
} exchange;

/*
 * Gives up on a request after the timeout. Unlinking it first decides the
 * race with the process, which unlinks it when it takes it: if we win, no
 * dump happens; if not, a dump is under way, and the cancel file tells
 * the process to remove its snapshot instead of answering. An answer that
 * came meanwhile is cleaned up here, snapshot included.
 */
static void withdraw(const char *rundir, const exchange *x,
                     const lh_live_beacon *b)
{
	char text[LH_LIVE_MSG_MAX + 16], name[LH_LIVE_MSG_MAX];
	char *p;

	if ((p = lh_live_path(rundir, x->req)) != NULL && unlink(p) == 0) {
		free(p);
		return;
	}
	free(p);
	(void)lh_live_write(rundir, x->can, "luaheap-cancel 2\n");
	if (lh_live_read(rundir, x->res, text, sizeof(text), 1) != 0)
		return;                   /* the process cleans up */
	if (lh_live_answer_parse(text, name, sizeof(name)) == 1 &&
	    (p = lh_live_path(b->dir, name)) != NULL) {
		(void)unlink(p);
		free(p);
	}
	if ((p = lh_live_path(rundir, x->can)) != NULL)
		(void)unlink(p);
	free(p);
}

/* Waits for the answer into text; CLI_OK, or CLI_ERROR printed. */
static int wait_answer(char *text, size_t len, const char *rundir,
                       const exchange *x, const lh_live_beacon *b,
                       double timeout)
{
	double deadline = now_s() + timeout;
	int e;

	for (;;) {
		if ((e = lh_live_read(rundir, x->res, text, len, 1)) == 0)
			return CLI_OK;
		if (e != ENOENT) {
			cli_error("cannot read answer '%s/%s': %s", rundir, x->res,
			          e == EFBIG ? "too long" : strerror(e));
			return CLI_ERROR;
		}
		if (kill((pid_t)b->pid, 0) != 0 && errno == ESRCH) {
			cli_error("process %ld exited before answering", b->pid);
			lh_live_remove(rundir, b->pid, NULL, ~0u);
			return CLI_ERROR;
		}
		if (now_s() >= deadline)
			break;
		sleep_ms(20);
	}
	withdraw(rundir, x, b);
	cli_error("process %ld did not answer within %g s (a process blocked "
	          "in C dumps at its next Lua instruction, or when its host "
	          "calls luaheap_poll)", b->pid, timeout);
	return CLI_ERROR;
}

/* Sends the request, waits for the answer; the snapshot's path in *out. */
static int ask(char **out, const lh_live_beacon *b, const char *rundir,
               const lh_live_request *r, double timeout)
{
	char text[LH_LIVE_TEXT_MAX], what[LH_LIVE_MSG_MAX];
	static unsigned long serial;
	unsigned long id;
	exchange x;
	union sigval sv;
	int e, ok;

	id = ((unsigned long)time(NULL) ^ ((unsigned long)clock() << 8) ^
	      ++serial) & 0x7fffffffUL;
	if (lh_live_file_name(x.req, sizeof(x.req), LH_LIVE_REQUEST, b->pid,
	                      b->state, (long)getpid(), id) != 0 ||
	    lh_live_file_name(x.res, sizeof(x.res), LH_LIVE_ANSWER, b->pid,
	                      b->state, (long)getpid(), id) != 0 ||
	    lh_live_file_name(x.can, sizeof(x.can), LH_LIVE_CANCEL, b->pid,
	                      b->state, (long)getpid(), id) != 0 ||
	    lh_live_request_format(text, sizeof(text), r) != 0) {
		cli_error("request for state '%s' too long", b->state);
		return CLI_ERROR;
	}
	if ((e = lh_live_write(rundir, x.req, text)) != 0) {
		cli_error("cannot write request '%s/%s': %s", rundir, x.req,
		          strerror(e));
		return CLI_ERROR;
	}
	sv.sival_int = b->slot;
	if (sigqueue((pid_t)b->pid, b->sig, sv) != 0) {
		cli_error("cannot signal process %ld: %s", b->pid,
		          strerror(errno));
		withdraw(rundir, &x, b);
		return CLI_ERROR;
	}
	if (wait_answer(text, sizeof(text), rundir, &x, b, timeout) != CLI_OK)
		return CLI_ERROR;
	ok = lh_live_answer_parse(text, what, sizeof(what));
	if (ok == 1) {
		*out = lh_live_path(b->dir, what);
		if (*out == NULL)
			cli_die_nomem();
		return CLI_OK;
	}
	if (ok == 0)
		cli_error("process %ld could not write its snapshot: %s",
		          b->pid, what);
	else
		cli_error("process %ld answered something unexpected in "
		          "'%s/%s'", b->pid, rundir, x.res);
	return CLI_ERROR;
}

/* Prints the armed states of a process: name, format, directory. */
static void list_states(const states *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		printf("%s\t%s\t%s\n", st->b[i].state,
		       st->b[i].json ? "json" : "binary", st->b[i].dir);
}

/* Whether process pid can be signalled; when it is gone, the files it left
 * in the run directory are removed. */
static int alive(long pid, const char *rundir)
{
	if (kill((pid_t)pid, 0) == 0)
		return 1;
	if (errno == ESRCH) {
		cli_error("no process with pid %ld", pid);
		if (lh_live_rundir_check(rundir, 0) == NULL)
			lh_live_remove(rundir, pid, NULL, ~0u);
	} else {
		cli_error("cannot signal process %ld: %s", pid, strerror(errno));
	}
	return 0;
}

/* Moves the snapshot where -o or --dir says; the path to print in *dest. */
static int deliver(char **dest, const char *snap, const char *output,
                   const char *dir)
{
	const char *base = strrchr(snap, '/') + 1;

	if (output == NULL && dir == NULL) {
		*dest = cli_xstrdup(snap);
		return CLI_OK;
	}
	*dest = output != NULL ? cli_xstrdup(output) : lh_live_path(dir, base);
	if (*dest == NULL)
		cli_die_nomem();
	if (move_file(snap, *dest) != 0) {
		cli_error("cannot move snapshot '%s' to '%s': %s", snap, *dest,
		          strerror(errno));
		return CLI_ERROR;
	}
	return CLI_OK;
}

/* What the command line asks. */
typedef struct dump_args {
	long pid;
	const char *output, *dir, *state;
	int list;
	double timeout;
	lh_live_request req;
} dump_args;

static int parse_pid(void *dest, const char *value)
{
	long *pid = dest;
	char *end;

	errno = 0;
	*pid = strtol(value, &end, 10);
	return errno != 0 || *end != '\0' || end == value || *pid <= 0 ||
	       *pid > INT_MAX ? -1 : 0;
}

static int parse_state(void *dest, const char *value)
{
	if (!lh_live_name_ok(value))
		return -1;
	*(const char **)dest = value;
	return 0;
}

static int parse_timeout(void *dest, const char *value)
{
	double *t = dest;
	char *end;

	*t = strtod(value, &end);
	return *end != '\0' || end == value || !(*t > 0) || *t > 86400 ? -1 : 0;
}

static int parse_name(void *dest, const char *value)
{
	if (!lh_live_name_ok(value))      /* and so fits req.name */
		return -1;
	strcpy(dest, value);
	return 0;
}

static const cli_opt_choice formats[] = {
	{ "binary", 0 }, { "json", 1 }, { NULL, 0 }
};

static const cli_opt_spec options[] = {
	{ CLI_OPT_CHECK, 'p', "pid", "PID", offsetof(dump_args, pid),
	  CLI_OPT_REQUIRED, "the process to dump",
	  .check = parse_pid, .what = "a process id" },
	{ CLI_OPT_SWITCH, 'l', "list", NULL, offsetof(dump_args, list),
	  CLI_OPT_OR, "list the armed states: name, format, directory" },
	{ CLI_OPT_CHECK, 's', "state", "NAME", offsetof(dump_args, state), 0,
	  "the armed state to dump (needed when several are)",
	  .check = parse_state, .what = "a state name" },
	{ CLI_OPT_STRING, 'o', "output", "FILE", offsetof(dump_args, output),
	  CLI_OPT_SHORT | CLI_OPT_OR, "move the snapshot to FILE" },
	{ CLI_OPT_STRING, 'd', "dir", "DIR", offsetof(dump_args, dir), 0,
	  "move the snapshot into DIR" },
	{ CLI_OPT_CHECK, 't', "timeout", "S", offsetof(dump_args, timeout), 0,
	  "seconds to wait for the snapshot (default 30)",
	  .check = parse_timeout, .what = "seconds" },
	{ CLI_OPT_CHOICE, 'f', "format", "F", offsetof(dump_args, req.format),
	  0, "binary or json (default: what the state armed)",
	  .choices = formats },
	{ CLI_OPT_CHECK, 'n', "name", "NAME", offsetof(dump_args, req.name), 0,
	  "the snapshot's file name in the armed directory",
	  .check = parse_name,
	  .what = "a plain file name (letters, digits, \"._-:+@\")" },
	{ CLI_OPT_END }
};

static const cli_opt_cmd command = {
	"dump", NULL, 0, 0, NULL, options, NULL,
	"Asks the running process PID, which armed the luaheap module with\n"
	"luaheap.arm{dir = ...} (or luaheap_arm in C), for a snapshot of the heap\n"
	"of one of its Lua states, waits until the snapshot is complete and prints\n"
	"its path. The process writes it into its armed directory; -o or --dir\n"
	"then moves it.\n",
	"Exit status: 0 the snapshot was written, 2 the process does not exist,\n"
	"is not armed, did not answer in time, or could not write it.\n",
	0
};

/* Options into a; CLI_OPT_GO_ON, or the exit code after help or a usage
 * error. */
static int parse_args(dump_args *a, int argc, char **argv)
{
	int rc;

	memset(a, 0, sizeof(*a));
	a->timeout = 30;
	a->req.format = -1;
	if ((rc = cli_opt_parse(&command, a, &argc, &argv)) != CLI_OPT_GO_ON)
		return rc;
	if (a->output != NULL && a->dir != NULL)
		return cli_opt_usage_error(&command, "-o and --dir exclude each other");
	if (a->list && (a->output || a->dir || a->state || a->req.name[0] ||
	                a->req.format >= 0))
		return cli_opt_usage_error(&command, "--list takes no other option "
		                           "but --pid");
	return CLI_OPT_GO_ON;
}

int cmd_dump(int argc, char **argv)
{
	dump_args a;
	states st = { NULL, 0, 0 };
	const lh_live_beacon *b;
	char *rundir = NULL, *snap = NULL, *dest = NULL;
	const char *why;
	int rc;

	if ((rc = parse_args(&a, argc, argv)) != CLI_OPT_GO_ON)
		return rc;
	rc = CLI_ERROR;
	if ((rundir = lh_live_rundir()) == NULL)
		cli_die_nomem();
	if ((why = lh_live_rundir_check(rundir, 0)) != NULL) {
		cli_error("run directory '%s': %s: not trusting its beacons",
		          rundir, why);
		goto done;
	}
	if (!alive(a.pid, rundir) || read_states(&st, rundir, a.pid) != CLI_OK)
		goto done;
	if (a.list) {
		list_states(&st);
		rc = CLI_OK;
		goto done;
	}
	if ((b = pick_state(&st, a.pid, a.state)) == NULL ||
	    ask(&snap, b, rundir, &a.req, a.timeout) != CLI_OK ||
	    deliver(&dest, snap, a.output, a.dir) != CLI_OK)
		goto done;
	printf("%s\n", dest);
	rc = CLI_OK;
done:
	free(rundir);
	free(st.b);
	free(snap);
	free(dest);
	return rc;
}

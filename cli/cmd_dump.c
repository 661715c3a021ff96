/*
 * luaheap dump --pid: asks a live process that armed the luaheap module
 * (luaheap.arm) for a snapshot. Reads its beacon, leaves a request file,
 * sends the signal, and waits for the answer; the protocol is described in
 * include/luaheap/dump.h beside luaheap_arm.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "luaheap/dump.h"
#include "cli.h"

static const char usage[] =
	"usage: luaheap dump --pid PID [-o FILE | --dir DIR] [--timeout S]\n"
	"                    [--format binary|json] [--name NAME]\n"
	"\n"
	"Asks the running process PID, which armed the luaheap module with\n"
	"luaheap.arm{dir = ...} (or luaheap_arm in C), for a snapshot of its heap,\n"
	"waits until the snapshot is complete and prints its path. The process\n"
	"writes it into its armed directory; -o or --dir then moves it.\n"
	"\n"
	"  -p, --pid PID        the process to dump\n"
	"  -o, --output FILE    move the snapshot to FILE\n"
	"  -d, --dir DIR        move the snapshot into DIR\n"
	"  -t, --timeout S      seconds to wait for the snapshot (default 30)\n"
	"  -f, --format F       binary or json (default: what the process armed)\n"
	"  -n, --name NAME      the snapshot's file name in the armed directory\n"
	"  -h, --help           print this help\n"
	"\n"
	"Exit status: 0 the snapshot was written, 2 the process does not exist,\n"
	"is not armed, did not answer in time, or could not write it.\n";

typedef struct beacon {
	long pid;
	unsigned long long start;
	int sig;
	char dir[PATH_MAX];
} beacon;

static char *path_join(const char *dir, const char *name)
{
	char *p = cli_xmalloc(strlen(dir) + strlen(name) + 2);

	sprintf(p, "%s/%s", dir, name);
	return p;
}

static char *run_dir(void)
{
	const char *env = getenv(LUAHEAP_RUNDIR_ENV);
	char buf[64];

	if (env != NULL && env[0] != '\0')
		return cli_xstrdup(env);
	snprintf(buf, sizeof(buf), LUAHEAP_RUNDIR_FMT, (unsigned long)geteuid());
	return cli_xstrdup(buf);
}

/* Reads a small text file whole into buf; 0, or -1 with errno. */
static int slurp(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* The value after "key " on one of text's lines, or NULL. */
static const char *line_value(const char *text, const char *key, char *out,
                              size_t len)
{
	size_t k = strlen(key), n;
	const char *p;

	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, key, k) != 0 || p[k] != ' ')
			continue;
		p += k + 1;
		n = strcspn(p, "\n");
		if (n >= len)
			return NULL;
		memcpy(out, p, n);
		out[n] = '\0';
		return out;
	}
	return NULL;
}

/* The start time of process pid, as the beacon records it; 0 unknown. */
static unsigned long long proc_start(long pid)
{
	char path[64], buf[1024], *p;
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (slurp(path, buf, sizeof(buf)) != 0 || (p = strrchr(buf, ')')) == NULL)
		return 0;
	for (i = 0; i < 20 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	return p != NULL ? strtoull(p + 1, NULL, 10) : 0;
}

/* Reads and checks the beacon of pid; prints the error and returns
 * CLI_ERROR when the process cannot be asked. */
static int read_beacon(beacon *b, const char *rundir, long pid)
{
	char name[64], text[PATH_MAX + 512], v[PATH_MAX];
	char *path;
	unsigned long long now;
	int rc = CLI_ERROR;

	snprintf(name, sizeof(name), "%ld.arm", pid);
	path = path_join(rundir, name);
	if (slurp(path, text, sizeof(text)) != 0) {
		if (errno == ENOENT)
			cli_error("process %ld is not armed (it has not called "
			          "luaheap.arm, or disarmed)", pid);
		else
			cli_error("cannot read beacon '%s': %s", path,
			          strerror(errno));
		goto done;
	}
	if (strncmp(text, "luaheap-arm 1\n", 14) != 0 ||
	    !line_value(text, "pid", v, sizeof(v)) || atol(v) != pid ||
	    !line_value(text, "signal", v, sizeof(v)) ||
	    (b->sig = atoi(v)) <= 0 || b->sig >= NSIG ||
	    !line_value(text, "dir", b->dir, sizeof(b->dir)) ||
	    b->dir[0] != '/') {
		cli_error("cannot read beacon '%s': not a luaheap beacon", path);
		goto done;
	}
	b->pid = pid;
	b->start = line_value(text, "start", v, sizeof(v)) ?
	           strtoull(v, NULL, 10) : 0;
	now = proc_start(pid);
	if (b->start != 0 && now != 0 && now != b->start) {
		cli_error("process %ld is not armed (the beacon '%s' is stale: "
		          "it was left by an earlier process with that pid)",
		          pid, path);
		(void)unlink(path);
		goto done;
	}
	rc = CLI_OK;
done:
	free(path);
	return rc;
}

/* Writes the request file through a temporary name; 0 or -1 (errno). */
static int put_request(const char *rundir, const char *tag, const char *text)
{
	char *tmp, *path, name[160];
	size_t len = strlen(text);
	int fd, rc = -1;

	snprintf(name, sizeof(name), ".%s.tmp", tag);
	tmp = path_join(rundir, name);
	path = path_join(rundir, tag);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	          0600);
	if (fd >= 0) {
		if (write(fd, text, len) == (ssize_t)len && close(fd) == 0)
			rc = rename(tmp, path);
		else
			close(fd);
		if (rc != 0)
			(void)unlink(tmp);
	}
	free(tmp);
	free(path);
	return rc;
}

/* Moves the snapshot from src to dst: a rename, or a copy then an unlink
 * across file systems. 0, or -1 with errno. */
static int move_file(const char *src, const char *dst)
{
	char buf[65536];
	ssize_t n = 0;
	int in, out, e = 0;

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

/* Sends the request, waits for the answer; the snapshot's path in *out. */
static int ask(char **out, const beacon *b, const char *rundir,
               const char *format, const char *name, double timeout)
{
	char tag[96], reqname[128], resname[128], text[PATH_MAX + 64];
	char res[2048];
	char *req = NULL, *resp = NULL;
	unsigned id;
	union sigval sv;
	double deadline;
	int rc = CLI_ERROR, answered = 0;
	size_t len;

	id = (unsigned)(time(NULL) ^ (getpid() << 12) ^ (long)clock()) & 0x7fffffff;
	snprintf(tag, sizeof(tag), "%ld.%u", (long)getpid(), id);
	snprintf(reqname, sizeof(reqname), "%ld.req.%s", b->pid, tag);
	snprintf(resname, sizeof(resname), "%ld.res.%s", b->pid, tag);
	req = path_join(rundir, reqname);
	resp = path_join(rundir, resname);
	(void)unlink(resp);
	len = (size_t)snprintf(text, sizeof(text), "luaheap-request 1\n");
	if (format != NULL)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		                        "format %s\n", format);
	if (name != NULL)
		snprintf(text + len, sizeof(text) - len, "name %s\n", name);
	if (put_request(rundir, reqname, text) != 0) {
		cli_error("cannot write request '%s': %s", req, strerror(errno));
		goto done;
	}
	sv.sival_int = (int)id;
	if (sigqueue((pid_t)b->pid, b->sig, sv) != 0) {
		cli_error("cannot signal process %ld: %s", b->pid,
		          strerror(errno));
		goto done;
	}
	deadline = now_s() + timeout;
	for (;;) {
		if (slurp(resp, res, sizeof(res)) == 0) {
			answered = 1;
			break;
		}
		if (kill((pid_t)b->pid, 0) != 0 && errno == ESRCH) {
			cli_error("process %ld exited before answering", b->pid);
			goto done;
		}
		if (now_s() >= deadline)
			break;
		sleep_ms(20);
	}
	if (!answered) {
		cli_error("process %ld did not answer within %g s (a process "
		          "blocked in C dumps at its next Lua instruction, or "
		          "when its host calls luaheap_poll)", b->pid, timeout);
		goto done;
	}
	res[strcspn(res, "\n")] = '\0';
	if (strncmp(res, "ok ", 3) == 0 && strchr(res + 3, '/') == NULL &&
	    res[3] != '\0') {
		*out = path_join(b->dir, res + 3);
		rc = CLI_OK;
	} else if (strncmp(res, "error ", 6) == 0) {
		cli_error("process %ld could not write its snapshot: %s",
		          b->pid, res + 6);
	} else {
		cli_error("process %ld answered something unexpected in '%s'",
		          b->pid, resp);
	}
done:
	(void)unlink(req);        /* unanswered: do not leave it behind */
	(void)unlink(resp);
	free(req);
	free(resp);
	return rc;
}

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "dir", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *output = NULL, *dir = NULL, *format = NULL, *name = NULL;
	char *rundir = NULL, *snap = NULL, *dest = NULL, *end;
	double timeout = 30;
	long pid = 0;
	struct stat st;
	beacon b;
	int c, rc = CLI_ERROR;

	while ((c = getopt_long(argc, argv, ":p:o:d:t:f:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			errno = 0;
			pid = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || pid <= 0 ||
			    pid > INT_MAX)
				return cli_usage_error(usage,
					"--pid wants a process id, not '%s'", optarg);
			break;
		case 'o': output = optarg; break;
		case 'd': dir = optarg; break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*end != '\0' || end == optarg || !(timeout > 0) ||
			    timeout > 86400)
				return cli_usage_error(usage,
					"--timeout wants seconds, not '%s'", optarg);
			break;
		case 'f':
			if (strcmp(optarg, "binary") != 0 && strcmp(optarg, "json") != 0)
				return cli_usage_error(usage,
					"--format wants binary or json, not '%s'", optarg);
			format = optarg;
			break;
		case 'n':
			if (optarg[0] == '\0' || optarg[0] == '.' ||
			    strchr(optarg, '/') || strstr(optarg, "..") ||
			    strchr(optarg, '\n'))
				return cli_usage_error(usage,
					"--name wants a plain file name, not '%s'", optarg);
			name = optarg;
			break;
		case 'h': return cli_help(usage);
		default: return cli_bad_option(usage, argv, c);
		}
	}
	if (optind != argc)
		return cli_usage_error(usage, "too many arguments");
	if (pid == 0)
		return cli_usage_error(usage, "no --pid given");
	if (output != NULL && dir != NULL)
		return cli_usage_error(usage, "-o and --dir exclude each other");

	if (kill((pid_t)pid, 0) != 0) {
		if (errno == ESRCH)
			cli_error("no process with pid %ld", pid);
		else
			cli_error("cannot signal process %ld: %s", pid,
			          strerror(errno));
		return CLI_ERROR;
	}
	rundir = run_dir();
	if (lstat(rundir, &st) == 0 && (!S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0)) {
		cli_error("run directory '%s' is not private to this user "
		          "(mode 0700): not trusting its beacons", rundir);
		goto done;
	}
	if (read_beacon(&b, rundir, pid) != CLI_OK)
		goto done;
	if (ask(&snap, &b, rundir, format, name, timeout) != CLI_OK)
		goto done;
	if (output != NULL || dir != NULL) {
		const char *base = strrchr(snap, '/') + 1;
		dest = output != NULL ? cli_xstrdup(output) : path_join(dir, base);
		if (move_file(snap, dest) != 0) {
			cli_error("cannot move snapshot '%s' to '%s': %s", snap,
			          dest, strerror(errno));
			goto done;
		}
	}
	printf("%s\n", dest != NULL ? dest : snap);
	rc = CLI_OK;
done:
	free(rundir);
	free(snap);
	free(dest);
	return rc;
}

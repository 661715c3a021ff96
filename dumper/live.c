/*
 * The live-dump protocol, written once for both of its sides: the armed
 * process (arm.c) and `luaheap dump --pid` (cli/cmd_dump.c). Files of the
 * run directory, their names and texts, atomic writes, owned reads, and
 * the one rule for state and snapshot names. See live.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "luaheap/dump.h"
#include "live.h"

static const char *const kind_word[] = { "arm", "req", "res", "can" };

int lh_live_name_ok(const char *name)
{
	const char *p;
	size_t n = strlen(name);

	if (n == 0 || n > LH_LIVE_NAME_MAX || name[0] == '.' ||
	    strstr(name, "..") != NULL)
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-:+@", *p) != NULL))
			return 0;
	return 1;
}

char *lh_live_rundir(void)
{
	const char *env = getenv(LUAHEAP_RUNDIR_ENV);
	char buf[64];

	if (env != NULL && env[0] != '\0')
		return strdup(env);
	snprintf(buf, sizeof(buf), LUAHEAP_RUNDIR_FMT,
	         (unsigned long)geteuid());
	return strdup(buf);
}

const char *lh_live_rundir_check(const char *dir, int create)
{
	struct stat st;

	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return strerror(errno);
	if (lstat(dir, &st) != 0)
		return !create && errno == ENOENT ? NULL : strerror(errno);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0)
		return "not a directory private to this user (mode 0700)";
	return NULL;
}

char *lh_live_path(const char *dir, const char *name)
{
	size_t n = strlen(dir), m = strlen(name);
	char *p = malloc(n + m + 2);

	if (p != NULL) {
		memcpy(p, dir, n);
		p[n] = '/';
		memcpy(p + n + 1, name, m + 1);
	}
	return p;
}

/* Reads what fd holds (at most len - 1 bytes) as a string. */
static int read_fd(int fd, char *buf, size_t len)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) != 0)
		return errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return EPERM;
	if (st.st_size > (off_t)(len - 1))   /* files are written whole */
		return EFBIG;
	if ((n = read(fd, buf, len - 1)) < 0)
		return errno;
	buf[n] = '\0';
	return 0;
}

int lh_live_read(const char *dir, const char *name, char *buf, size_t len,
                 int take)
{
	char *path = lh_live_path(dir, name);
	int fd, rc;

	if (path == NULL)
		return ENOMEM;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rc = errno;
	} else if (take && unlink(path) != 0) {
		rc = errno;               /* someone else took or withdrew it */
	} else {
		rc = read_fd(fd, buf, len);
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

int lh_live_write(const char *dir, const char *name, const char *text)
{
	char tmpname[LH_LIVE_NAME_MAX * 2 + 64];
	char *tmp = NULL, *path = NULL;
	size_t len = strlen(text);
	int fd = -1, rc = 0;

	if ((size_t)snprintf(tmpname, sizeof(tmpname), ".%s.tmp", name) >=
	    sizeof(tmpname))
		return ENAMETOOLONG;
	tmp = lh_live_path(dir, tmpname);
	path = lh_live_path(dir, name);
	if (tmp == NULL || path == NULL) {
		rc = ENOMEM;
		goto done;
	}
	(void)unlink(tmp);                /* left by a writer that died */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	          0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		rc = errno != 0 ? errno : EIO;
		goto done;
	}
	rc = close(fd) != 0 ? errno : 0;
	fd = -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = errno;
done:
	if (fd >= 0)
		close(fd);
	if (rc != 0 && tmp != NULL)
		(void)unlink(tmp);
	free(tmp);
	free(path);
	return rc;
}

unsigned long long lh_live_start_time(long pid)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, i;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/stat");
	else
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)     /* the command may hold ')' */
		return 0;
	for (i = 0; i < 20 && p != NULL; i++)    /* to field 22 */
		p = strchr(p + 1, ' ');
	return p != NULL ? strtoull(p + 1, NULL, 10) : 0;
}

int lh_live_value(const char *text, const char *key, char *out, size_t len)
{
	size_t k = strlen(key), n;
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, k) == 0 && p[k] == ' ') {
			p += k + 1;
			n = strcspn(p, "\n");
			if (n >= len)
				return -1;
			memcpy(out, p, n);
			out[n] = '\0';
			return 1;
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return 0;
}

/* ---- file names ---- */

int lh_live_file_name(char *out, size_t len, int kind, long pid,
                      const char *state, long cpid, unsigned long id)
{
	int n;

	if (kind == LH_LIVE_BEACON)
		n = snprintf(out, len, "%ld.%s.arm", pid, state);
	else
		n = snprintf(out, len, "%ld.%s.%s.%ld.%lu", pid, state,
		             kind_word[kind], cpid, id);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The number ending s at end (exclusive), and where it starts; -1 none. */
static int number_before(const char *s, const char *end, const char **start,
                         unsigned long *v)
{
	const char *p = end;

	while (p > s && p[-1] >= '0' && p[-1] <= '9')
		p--;
	if (p == end || end - p > 18)
		return -1;
	*v = strtoul(p, NULL, 10);
	*start = p;
	return 0;
}

/* Taken apart from the right: the state name may hold dots, the pid, the
 * kind word and the numbers that follow it cannot. */
int lh_live_file_parse(lh_live_file *f, const char *name)
{
	const char *end = name + strlen(name), *p, *dot;
	unsigned long v;
	size_t n;

	memset(f, 0, sizeof(*f));
	if (end - name > 4 && strcmp(end - 4, ".arm") == 0) {
		f->kind = LH_LIVE_BEACON;
		end -= 4;
	} else {
		if (number_before(name, end, &p, &f->id) != 0 || p - name < 2 ||
		    p[-1] != '.' ||
		    number_before(name, p - 1, &p, &v) != 0 || p - name < 6 ||
		    p[-1] != '.' || p[-5] != '.')
			return -1;
		f->cpid = (long)v;
		for (f->kind = LH_LIVE_REQUEST; f->kind <= LH_LIVE_CANCEL;
		     f->kind++)
			if (strncmp(p - 4, kind_word[f->kind], 3) == 0)
				break;
		if (f->kind > LH_LIVE_CANCEL)
			return -1;
		end = p - 5;
	}
	if ((dot = strchr(name, '.')) == NULL || dot >= end ||
	    number_before(name, dot, &p, &v) != 0 || p != name)
		return -1;
	f->pid = (long)v;
	n = (size_t)(end - dot - 1);
	if (n == 0 || n > LH_LIVE_NAME_MAX)
		return -1;
	memcpy(f->state, dot + 1, n);
	f->state[n] = '\0';
	return lh_live_name_ok(f->state) ? 0 : -1;
}

/* Removes the matching files of one kind; the count removed. */
static int remove_kind(const char *rundir, long pid, const char *state,
                       int kind)
{
	lh_live_file f;
	struct dirent *e;
	char *p;
	int n = 0;
	DIR *d = opendir(rundir);

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (lh_live_file_parse(&f, e->d_name) != 0 || f.pid != pid ||
		    f.kind != kind || (state != NULL && strcmp(f.state, state)))
			continue;
		if ((p = lh_live_path(rundir, e->d_name)) != NULL)
			n += unlink(p) == 0;
		free(p);
	}
	closedir(d);
	return n;
}

int lh_live_remove(const char *rundir, long pid, const char *state,
                   unsigned kinds)
{
	int kind, n = 0;

	for (kind = LH_LIVE_CANCEL; kind >= LH_LIVE_BEACON; kind--)
		if (kinds & (1u << kind))
			n += remove_kind(rundir, pid, state, kind);
	return n;
}

/* ---- texts ---- */

#define BEACON_MAGIC  "luaheap-arm 2\n"
#define REQUEST_MAGIC "luaheap-request 2\n"

int lh_live_beacon_format(char *buf, size_t len, const lh_live_beacon *b)
{
	int n = snprintf(buf, len, BEACON_MAGIC "pid %ld\nstart %llu\n"
	                 "state %s\nslot %d\nsignal %d\nformat %s\ndir %s\n",
	                 b->pid, b->start, b->state, b->slot, b->sig,
	                 b->json ? "json" : "binary", b->dir);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A decimal number line of text into *v, within [lo, hi]; 0 or -1. */
static int number_value(const char *text, const char *key, long lo, long hi,
                        long *v)
{
	char buf[32], *end;

	if (lh_live_value(text, key, buf, sizeof(buf)) != 1)
		return -1;
	errno = 0;
	*v = strtol(buf, &end, 10);
	return errno != 0 || end == buf || *end != '\0' || *v < lo ||
	       *v > hi ? -1 : 0;
}

const char *lh_live_beacon_parse(lh_live_beacon *b, const char *text)
{
	char fmt[16], start[32];
	long v;

	memset(b, 0, sizeof(*b));
	if (strncmp(text, BEACON_MAGIC, strlen(BEACON_MAGIC)) != 0)
		return "not a luaheap beacon (version 2)";
	if (number_value(text, "pid", 1, 0x7fffffff, &b->pid) != 0)
		return "bad 'pid' line";
	if (lh_live_value(text, "start", start, sizeof(start)) != 1)
		return "bad 'start' line";
	b->start = strtoull(start, NULL, 10);
	if (lh_live_value(text, "state", b->state, sizeof(b->state)) != 1 ||
	    !lh_live_name_ok(b->state))
		return "bad 'state' line";
	if (number_value(text, "slot", 0, 0x7fffffff, &v) != 0)
		return "bad 'slot' line";
	b->slot = (int)v;
	if (number_value(text, "signal", 1, 64, &v) != 0)
		return "bad 'signal' line";
	b->sig = (int)v;
	if (lh_live_value(text, "format", fmt, sizeof(fmt)) != 1 ||
	    (strcmp(fmt, "json") != 0 && strcmp(fmt, "binary") != 0))
		return "bad 'format' line";
	b->json = fmt[0] == 'j';
	if (lh_live_value(text, "dir", b->dir, sizeof(b->dir)) != 1 ||
	    b->dir[0] != '/')
		return "bad 'dir' line";
	return NULL;
}

int lh_live_request_format(char *buf, size_t len, const lh_live_request *r)
{
	int n = snprintf(buf, len, REQUEST_MAGIC "%s%s%s%s%s",
	                 r->name[0] != '\0' ? "name " : "", r->name,
	                 r->name[0] != '\0' ? "\n" : "",
	                 r->format < 0 ? "" : "format ",
	                 r->format < 0 ? "" :
	                 r->format == 1 ? "json\n" : "binary\n");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

const char *lh_live_request_parse(lh_live_request *r, const char *text)
{
	char fmt[16];
	int rc;

	memset(r, 0, sizeof(*r));
	r->format = -1;
	if (strncmp(text, REQUEST_MAGIC, strlen(REQUEST_MAGIC)) != 0)
		return "not a luaheap request (version 2)";
	rc = lh_live_value(text, "name", r->name, sizeof(r->name));
	if (rc < 0 || (rc == 1 && !lh_live_name_ok(r->name)))
		return "refused snapshot name: a plain file name is expected "
		       "(letters, digits, \"._-:+@\", no leading '.', no '..')";
	rc = lh_live_value(text, "format", fmt, sizeof(fmt));
	if (rc == 1 && strcmp(fmt, "binary") == 0)
		r->format = 0;
	else if (rc == 1 && strcmp(fmt, "json") == 0)
		r->format = 1;
	else if (rc != 0)
		return "unknown format (binary or json expected)";
	return NULL;
}

int lh_live_answer_format(char *buf, size_t len, int ok, const char *what)
{
	int n = snprintf(buf, len, "%s %.*s\n", ok ? "ok" : "error",
	                 (int)strcspn(what, "\n"), what);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int lh_live_answer_parse(const char *text, char *out, size_t len)
{
	int ok;

	if (strncmp(text, "ok ", 3) == 0)
		ok = 1;
	else if (strncmp(text, "error ", 6) == 0)
		ok = 0;
	else
		return -1;
	if (lh_live_value(text, ok ? "ok" : "error", out, len) != 1)
		return -1;
	if (ok && !lh_live_name_ok(out))
		return -1;
	return ok;
}

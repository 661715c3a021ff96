/*
 * Signal-armed dumps for live servers. The signal handler only records the
 * request and sets a Lua hook on the main thread (as lua.c does for Ctrl-C);
 * the hook puts back the program's own hook and dumps at that safe point.
 * `luaheap dump --pid` finds an armed process by its beacon file and talks
 * to it through request and result files in the run directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "internal.h"

#define REQ_MAX     4096     /* the largest request file read */
#define REQ_BATCH   32       /* requests answered per directory scan */
#define NAME_MAX_LEN 200     /* longest snapshot name accepted */

/* A thread the handler sets our hook on, and the program's hook it had. */
typedef struct hooked {
	lua_State *L;
	lua_Hook hook;
	int mask, count;
} hooked;

/* One armed state per process: signals belong to the process. */
typedef struct armed {
	lua_State *main;          /* the armed state's main thread */
	int sig;
	struct sigaction old;     /* the handler ours replaced */
	luaheap_dump_opts dump;   /* label points at 'label' */
	char *dir;                /* absolute; the only place written */
	char *label;
	char *rundir;             /* beacon, requests and results */
	char *beacon;
	pid_t pid;                /* who wrote the beacon */
	unsigned long seq;        /* snapshots asked for so far */
	unsigned long written, failed;
	char last_error[512];
	/* the main thread, and the coroutine that armed (if not main): the
	 * sentinel's user value keeps it from being collected */
	hooked threads[2];
} armed;

static armed arm;
static lua_State *volatile armed_L;      /* NULL: the handler does nothing */
static volatile sig_atomic_t pending_req, pending_plain, busy;

/* The registry key of the userdata whose __gc disarms a closing state. */
static const char sentinel_key = 's';

static void on_hook(lua_State *L, lua_Debug *ar);

/* ---- the signal handler: async-signal-safe, touches only hook fields ---- */

static void set_hook(hooked *h)
{
	if (h->L == NULL || lua_gethook(h->L) == on_hook)
		return;
	h->hook = lua_gethook(h->L);
	h->mask = lua_gethookmask(h->L);
	h->count = lua_gethookcount(h->L);
	lua_sethook(h->L, on_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT,
	            1);
}

/*
 * The hook goes on the main thread (as lua.c does) and on the coroutine
 * that armed, if one did: a server whose loop runs in that coroutine is
 * interrupted there. Any other coroutine running at this moment cannot be
 * found safely from a handler; the dump waits until it yields.
 */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si != NULL && si->si_code == SI_QUEUE)
		pending_req = 1;          /* the CLI: request files wait */
	else
		pending_plain = 1;        /* kill -USR1 by hand */
	if (armed_L != NULL && !busy) {
		set_hook(&arm.threads[0]);
		set_hook(&arm.threads[1]);
	}
}

static void put_back(lua_State *L, const hooked *h)
{
	if (L != NULL && lua_gethook(L) == on_hook)
		lua_sethook(L, h->hook, h->mask, h->count);
}

/* Puts the program's hooks back, and on th (where our hook fired: a
 * coroutine created meanwhile inherited it from its creator), with the
 * signal blocked so the handler cannot save our own hook as the program's. */
static void restore_hooks(lua_State *th)
{
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, arm.sig);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	put_back(arm.threads[0].L, &arm.threads[0]);
	put_back(arm.threads[1].L, &arm.threads[1]);
	put_back(th, &arm.threads[0]);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ---- small file helpers ---- */

static char *join(const char *dir, const char *name)
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

/* Writes text to dir/name through dir/.name.tmp and a rename; 0 or errno. */
static int write_atomic(const char *dir, const char *name, const char *text)
{
	char tmpname[NAME_MAX_LEN + 64];
	char *tmp = NULL, *path = NULL;
	size_t len = strlen(text);
	int fd = -1, rc = 0;

	snprintf(tmpname, sizeof(tmpname), ".%s.tmp", name);
	tmp = join(dir, tmpname);
	path = join(dir, name);
	if (tmp == NULL || path == NULL) {
		rc = ENOMEM;
		goto done;
	}
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	          0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		rc = errno != 0 ? errno : EIO;
		goto done;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = errno;
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
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

/* The run directory: $LUAHEAP_RUNDIR, else /tmp/luaheap-UID. */
static char *rundir_path(void)
{
	const char *env = getenv(LUAHEAP_RUNDIR_ENV);
	char buf[64];

	if (env != NULL && env[0] != '\0')
		return strdup(env);
	snprintf(buf, sizeof(buf), LUAHEAP_RUNDIR_FMT,
	         (unsigned long)geteuid());
	return strdup(buf);
}

/* Creates the run directory if needed; it must be ours and private. */
static const char *check_rundir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return strerror(errno);
	if (lstat(dir, &st) != 0)
		return strerror(errno);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0)
		return "not a directory private to this user (mode 0700)";
	return NULL;
}

/* The process's start time in clock ticks (/proc/self/stat, field 22), so
 * the CLI can tell this process from a later one with the same pid. */
static unsigned long long start_time(void)
{
	char buf[1024], *p;
	unsigned long long t = 0;
	size_t n;
	int i;
	FILE *f = fopen("/proc/self/stat", "r");

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (i = 0; i < 20 && p != NULL; i++)   /* to field 22 */
		p = strchr(p + 1, ' ');
	if (p != NULL)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

/* ---- answering ---- */

/* Whether a requested snapshot name stays inside the armed directory. */
static int name_ok(const char *name)
{
	const char *p;

	if (name[0] == '\0' || strlen(name) > NAME_MAX_LEN ||
	    strchr(name, '/') != NULL || strstr(name, "..") != NULL ||
	    name[0] == '.')
		return 0;
	for (p = name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20)
			return 0;
	return 1;
}

/* Dumps L's state to the armed dir as 'name' (NULL: a generated name) in
 * 'encoding'; writes the name used, or an error message, into msg. */
static int dump_one(lua_State *L, const char *name, int encoding, char *msg,
                    size_t len)
{
	char gen[128], stamp[32];
	luaheap_dump_opts o = arm.dump;
	struct stat st;
	struct tm tm;
	time_t now = time(NULL);
	char *path = NULL;
	int rc = -1;

	arm.seq++;
	if (name == NULL) {
		if (localtime_r(&now, &tm) == NULL ||
		    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm) == 0)
			strcpy(stamp, "0");
		snprintf(gen, sizeof(gen), "luaheap-%ld-%s-%lu.%s",
		         (long)arm.pid, stamp, arm.seq,
		         encoding == LUAHEAP_JSON ? "json" : "snap");
		name = gen;
	}
	if (!name_ok(name)) {
		snprintf(msg, len, "refused snapshot name '%.64s': a plain file "
		         "name is expected (no '/', no '..')", name);
		goto done;
	}
	if ((path = join(arm.dir, name)) == NULL) {
		snprintf(msg, len, "%s", strerror(ENOMEM));
		goto done;
	}
	if (lstat(path, &st) == 0) {
		snprintf(msg, len, "cannot write snapshot '%s': it already "
		         "exists", path);
		goto done;
	}
	o.encoding = encoding;
	if (luaheap_dump(L, path, &o, msg, len) != 0)
		goto done;
	snprintf(msg, len, "%s", name);
	rc = 0;
done:
	if (rc == 0) {
		arm.written++;
	} else {
		arm.failed++;
		snprintf(arm.last_error, sizeof(arm.last_error), "%s", msg);
	}
	free(path);
	return rc;
}

/* Reads the request file 'name' (ours, regular, small) and removes it.
 * Returns 0 with its text in buf, or -1 (then it was not a request). */
static int take_request(const char *name, char *buf, size_t len)
{
	char *path = join(arm.rundir, name);
	struct stat st;
	ssize_t n = -1;
	int fd;

	if (path == NULL)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_uid == geteuid())
			n = read(fd, buf, len - 1);
		close(fd);
	}
	(void)unlink(path);
	free(path);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* The value of "key VALUE" on a line of text, cut at the line's end into
 * buf, or NULL. */
static const char *field(const char *text, const char *key, char *buf,
                         size_t len)
{
	size_t k = strlen(key), n;
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, k) == 0 && p[k] == ' ') {
			p += k + 1;
			n = strcspn(p, "\n");
			if (n >= len)
				n = len - 1;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return buf;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/* Answers the request in file 'name' (PID.req.TAG) with PID.res.TAG;
 * returns whether there was a request to answer. */
static int answer(lua_State *L, const char *name, const char *tag)
{
	char text[REQ_MAX], namebuf[NAME_MAX_LEN + 2], fmt[16];
	char msg[1024], result[1100], resname[NAME_MAX_LEN + 32];
	const char *want, *f;
	int enc = arm.dump.encoding, rc;

	if (take_request(name, text, sizeof(text)) != 0)
		return 0;
	want = field(text, "name", namebuf, sizeof(namebuf));
	f = field(text, "format", fmt, sizeof(fmt));
	if (f == NULL || strcmp(f, "binary") == 0 || strcmp(f, "json") == 0) {
		if (f != NULL)
			enc = f[0] == 'j' ? LUAHEAP_JSON : LUAHEAP_BINARY;
		rc = dump_one(L, want, enc, msg, sizeof(msg));
	} else {
		snprintf(msg, sizeof(msg), "unknown format '%s'", f);
		rc = -1;
	}
	snprintf(result, sizeof(result), "%s %s\n", rc == 0 ? "ok" : "error",
	         msg);
	snprintf(resname, sizeof(resname), "%ld.res.%s", (long)arm.pid, tag);
	(void)write_atomic(arm.rundir, resname, result);
	return 1;
}

/* Answers every request file PID.req.TAG in the run directory. Names are
 * read first (a batch at a time), then answered: the directory changes. */
static int answer_requests(lua_State *L)
{
	char prefix[32], names[REQ_BATCH][NAME_MAX_LEN + 32];
	struct dirent *e;
	size_t plen;
	int n = 0, i, more = 0, answered = 0;
	DIR *d;

	snprintf(prefix, sizeof(prefix), "%ld.req.", (long)arm.pid);
	plen = strlen(prefix);
	if ((d = opendir(arm.rundir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		const char *tag = e->d_name + plen;
		if (strncmp(e->d_name, prefix, plen) != 0 || tag[0] == '\0' ||
		    strspn(tag, "0123456789.") != strlen(tag) ||
		    strlen(e->d_name) >= sizeof(names[0]))
			continue;
		if (n == REQ_BATCH) {
			more = 1;
			break;
		}
		strcpy(names[n++], e->d_name);
	}
	closedir(d);
	for (i = 0; i < n; i++)
		answered += answer(L, names[i], names[i] + plen);
	if (more && answered > 0)   /* never loop on what cannot be taken */
		pending_req = 1;
	return answered;
}

/* Answers what the signals asked for; never one dump inside another. */
static int serve(lua_State *L)
{
	int n = 0;

	if (busy || armed_L == NULL)
		return 0;
	do {
		busy = 1;
		restore_hooks(L);
		while (pending_req || pending_plain) {
			char msg[1024];
			if (pending_req) {
				pending_req = 0;
				n += answer_requests(L);
			}
			if (pending_plain) {
				pending_plain = 0;
				(void)dump_one(L, NULL, arm.dump.encoding, msg,
				               sizeof(msg));
				n++;
			}
		}
		busy = 0;
	} while (pending_req || pending_plain);  /* a signal in between */
	return n;
}

static void on_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	serve(L);
}

int luaheap_poll(lua_State *L)
{
	if (armed_L == NULL || L == NULL || (!pending_req && !pending_plain))
		return 0;
	return serve(L);
}

/* ---- arming ---- */

void luaheap_arm_opts_init(luaheap_arm_opts *opts)
{
	opts->signal = SIGUSR1;
	opts->dir = NULL;
	luaheap_dump_opts_init(&opts->dump);
}

static void release(void)
{
	free(arm.dir);
	free(arm.label);
	free(arm.rundir);
	free(arm.beacon);
	memset(&arm, 0, sizeof(arm));
}

/* Removes this process's requests and any answer nobody came for (a CLI
 * that timed out), when disarming. */
static void remove_leftovers(void)
{
	char req[32], res[32];
	struct dirent *e;
	DIR *d;
	char *p;

	snprintf(req, sizeof(req), "%ld.req.", (long)arm.pid);
	snprintf(res, sizeof(res), "%ld.res.", (long)arm.pid);
	if (arm.rundir == NULL || (d = opendir(arm.rundir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, req, strlen(req)) != 0 &&
		    strncmp(e->d_name, res, strlen(res)) != 0)
			continue;
		if ((p = join(arm.rundir, e->d_name)) != NULL)
			(void)unlink(p);
		free(p);
	}
	closedir(d);
}

/* Takes everything down; the handler is made harmless first. */
static void disarm_now(void)
{
	lua_State *L = armed_L;

	if (L == NULL)
		return;
	armed_L = NULL;
	restore_hooks(NULL);
	sigaction(arm.sig, &arm.old, NULL);
	if (arm.pid == getpid() && arm.beacon != NULL) {
		(void)unlink(arm.beacon);
		remove_leftovers();
	}
	pending_req = pending_plain = 0;
	release();
}

static lua_State *main_thread(lua_State *L)
{
	lua_State *m;

	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
	m = lua_tothread(L, -1);
	lua_pop(L, 1);
	return m;
}

int luaheap_disarm(lua_State *L)
{
	if (armed_L != NULL && L != NULL && main_thread(L) == arm.main) {
		disarm_now();
		lua_pushnil(L);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &sentinel_key);
	}
	return 0;
}

/* __gc of the sentinel: a state closed while armed disarms itself. */
static int sentinel_gc(lua_State *L)
{
	lua_State **m = lua_touserdata(L, 1);

	if (m != NULL && armed_L != NULL && *m == arm.main)
		disarm_now();
	return 0;
}

/* The sentinel in the registry, created on first use; its user value
 * anchors the coroutine that armed (nil when the main thread did). */
static void put_sentinel(lua_State *L, lua_State *main)
{
	lua_State **m;

	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &sentinel_key) != LUA_TUSERDATA) {
		lua_pop(L, 1);
		m = lua_newuserdatauv(L, sizeof(*m), 1);
		*m = main;
		lua_createtable(L, 0, 1);
		lua_pushcfunction(L, sentinel_gc);
		lua_setfield(L, -2, "__gc");
		lua_setmetatable(L, -2);
		lua_pushvalue(L, -1);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &sentinel_key);
	}
	if (L != main)
		lua_pushthread(L);
	else
		lua_pushnil(L);
	lua_setiuservalue(L, -2, 1);
	lua_pop(L, 1);
}

/* Signals that must keep their meaning (faults, job control, KILL). */
static int signal_ok(int sig)
{
	switch (sig) {
	case SIGKILL: case SIGSTOP: case SIGSEGV: case SIGBUS: case SIGFPE:
	case SIGILL: case SIGABRT: case SIGTRAP: case SIGSYS: case SIGCHLD:
	case SIGCONT: case SIGTSTP: case SIGTTIN: case SIGTTOU: case SIGPIPE:
		return 0;
	default:
		return sig > 0 && sig < NSIG;
	}
}

static int arm_fail(char *errbuf, size_t errlen, const char *fmt,
                    const char *a, const char *b)
{
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, fmt, a, b);
	return -1;
}

int luaheap_arm(lua_State *L, const luaheap_arm_opts *opts, char *errbuf,
                size_t errlen)
{
	armed next;
	struct sigaction sa;
	struct stat st;
	char text[PATH_MAX + 256], name[64];
	lua_State *main;
	int e;

	if (L == NULL || opts == NULL || opts->dir == NULL ||
	    opts->dir[0] == '\0')
		return arm_fail(errbuf, errlen, "cannot arm: %s%s",
		                "no directory given", "");
	if (!signal_ok(opts->signal))
		return arm_fail(errbuf, errlen, "cannot arm: %s%s",
		                "signal not usable for dumps", "");
	main = main_thread(L);
	if (armed_L != NULL && arm.main != main)
		return arm_fail(errbuf, errlen, "cannot arm: %s%s",
		                "another Lua state of this process is armed",
		                "");

	memset(&next, 0, sizeof(next));
	next.main = main;
	next.threads[0].L = main;
	next.threads[1].L = L != main ? L : NULL;
	next.sig = opts->signal;
	next.dump = opts->dump;
	next.pid = getpid();
	next.dir = realpath(opts->dir, NULL);
	if (next.dir == NULL) {
		e = errno;
		arm_fail(errbuf, errlen, "cannot arm for directory '%s': %s",
		         opts->dir, strerror(e));
		goto fail;
	}
	if (stat(next.dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    access(next.dir, W_OK | X_OK) != 0 || strchr(next.dir, '\n')) {
		arm_fail(errbuf, errlen, "cannot arm for directory '%s': %s",
		         opts->dir, "not a writable directory");
		goto fail;
	}
	if (opts->dump.label != NULL &&
	    (next.label = strdup(opts->dump.label)) == NULL)
		goto nomem;
	next.dump.label = next.label;
	if ((next.rundir = rundir_path()) == NULL)
		goto nomem;
	{
		const char *why = check_rundir(next.rundir);
		if (why != NULL) {
			arm_fail(errbuf, errlen, "cannot arm: run directory "
			         "'%s': %s", next.rundir, why);
			goto fail;
		}
	}
	snprintf(name, sizeof(name), "%ld.arm", (long)next.pid);
	if ((next.beacon = join(next.rundir, name)) == NULL)
		goto nomem;
	put_sentinel(L, main);

	disarm_now();                     /* arming again: start afresh */
	arm = next;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(arm.sig, &sa, &arm.old) != 0) {
		e = errno;
		memset(&arm, 0, sizeof(arm));
		arm_fail(errbuf, errlen, "cannot arm: %s%s", strerror(e), "");
		goto fail;
	}
	snprintf(text, sizeof(text),
	         "luaheap-arm 1\npid %ld\nstart %llu\nsignal %d\nformat %s\n"
	         "dir %s\n", (long)arm.pid, start_time(), arm.sig,
	         arm.dump.encoding == LUAHEAP_JSON ? "json" : "binary",
	         arm.dir);
	if ((e = write_atomic(arm.rundir, name, text)) != 0) {
		sigaction(arm.sig, &arm.old, NULL);
		next = arm;
		memset(&arm, 0, sizeof(arm));
		arm_fail(errbuf, errlen, "cannot arm: cannot write the beacon "
		         "'%s': %s", next.beacon, strerror(e));
		goto fail;
	}
	armed_L = main;
	return 0;
nomem:
	arm_fail(errbuf, errlen, "cannot arm: %s%s", strerror(ENOMEM), "");
fail:
	free(next.dir);
	free(next.label);
	free(next.rundir);
	free(next.beacon);
	return -1;
}

void lh_dump__arm_counts(unsigned long *written, unsigned long *failed,
                         const char **last_error)
{
	*written = arm.written;
	*failed = arm.failed;
	*last_error = arm.last_error;
}

const char *lh_dump__arm_beacon(void)
{
	return armed_L != NULL ? arm.beacon : NULL;
}

/* ---- the Lua functions ---- */

static const struct { const char *name; int sig; } signames[] = {
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "HUP", SIGHUP },
	{ "WINCH", SIGWINCH }, { "URG", SIGURG }, { "ALRM", SIGALRM },
	{ "PROF", SIGPROF }, { "VTALRM", SIGVTALRM }, { "PWR", SIGPWR },
	{ "INT", SIGINT }, { "QUIT", SIGQUIT }, { "TERM", SIGTERM },
};

static int arm_opt_error(lua_State *L, const char *k, const char *expected)
{
	return luaL_error(L, "bad option '%s' to 'arm' (%s expected)", k,
	                  expected);
}

static int opt_signal(lua_State *L, const char *k)
{
	const char *s;
	size_t i;

	if (lua_type(L, -1) == LUA_TNUMBER && lua_isinteger(L, -1)) {
		lua_Integer n = lua_tointeger(L, -1);
		if (n > 0 && n < NSIG && signal_ok((int)n))
			return (int)n;
	} else if (lua_type(L, -1) == LUA_TSTRING) {
		s = lua_tostring(L, -1);
		if (strncmp(s, "SIG", 3) == 0)
			s += 3;
		for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
			if (strcmp(s, signames[i].name) == 0)
				return signames[i].sig;
	}
	return arm_opt_error(L, k, "\"USR1\", \"USR2\", \"HUP\"... or a "
	                     "usable signal number");
}

/* arm's options: signal and dir, then those of dump */
static void read_arm_opts(lua_State *L, luaheap_arm_opts *o)
{
	const char *k;

	lua_pushnil(L);
	while (lua_next(L, 1) != 0) {
		k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
		if (strcmp(k, "signal") == 0) {
			o->signal = opt_signal(L, k);
		} else if (strcmp(k, "dir") == 0) {
			if (lua_type(L, -1) != LUA_TSTRING)
				arm_opt_error(L, k, "string");
			o->dir = lua_tostring(L, -1);
		} else if (strcmp(k, "format") == 0) {
			const char *v = lua_type(L, -1) == LUA_TSTRING ?
			                lua_tostring(L, -1) : "";
			if (strcmp(v, "binary") != 0 && strcmp(v, "json") != 0)
				arm_opt_error(L, k, "\"binary\" or \"json\"");
			o->dump.encoding = v[0] == 'j' ? LUAHEAP_JSON :
			                   LUAHEAP_BINARY;
		} else if (strcmp(k, "collect") == 0) {
			if (!lua_isboolean(L, -1))
				arm_opt_error(L, k, "boolean");
			o->dump.collect = lua_toboolean(L, -1);
		} else if (strcmp(k, "strings") == 0) {
			int isnum;
			lua_Integer n = lua_tointegerx(L, -1, &isnum);
			const char *v = lua_type(L, -1) == LUA_TSTRING ?
			                lua_tostring(L, -1) : "";
			if (strcmp(v, "full") == 0)
				o->dump.strings = -1;
			else if (strcmp(v, "none") == 0)
				o->dump.strings = 0;
			else if (lua_type(L, -1) == LUA_TNUMBER && isnum &&
			         n >= 0 && n <= 0x7fffffff)
				o->dump.strings = (int)n;
			else
				arm_opt_error(L, k, "\"full\", \"none\" or a "
				              "byte count");
		} else if (strcmp(k, "label") == 0) {
			if (lua_type(L, -1) != LUA_TSTRING)
				arm_opt_error(L, k, "string");
			o->dump.label = lua_tostring(L, -1);
		} else {
			luaL_error(L, "unknown option '%s' to 'arm'", k);
		}
		lua_pop(L, 1);
	}
}

/* luaheap.arm{ dir = DIR [, signal, format, collect, strings, label] }
 * -> true, beacon path | nil, message */
int lh_dump__l_arm(lua_State *L)
{
	luaheap_arm_opts o;
	char err[1024];

	luaL_checktype(L, 1, LUA_TTABLE);
	luaheap_arm_opts_init(&o);
	read_arm_opts(L, &o);
	if (o.dir == NULL)
		return luaL_error(L, "bad option 'dir' to 'arm' (string "
		                  "expected)");
	if (luaheap_arm(L, &o, err, sizeof(err)) != 0) {
		luaL_pushfail(L);
		lua_pushstring(L, err);
		return 2;
	}
	lua_pushboolean(L, 1);
	lua_pushstring(L, arm.beacon);
	return 2;
}

/* luaheap.disarm() -> true */
int lh_dump__l_disarm(lua_State *L)
{
	luaheap_disarm(L);
	lua_pushboolean(L, 1);
	return 1;
}

/* luaheap.poll() -> number of snapshots answered */
int lh_dump__l_poll(lua_State *L)
{
	lua_pushinteger(L, luaheap_poll(L));
	return 1;
}

/*
 * Signal-armed dumps for live servers, any number of states per process,
 * each under a name. The signal handler only marks the slot asked for and
 * sets a Lua hook on its threads (as lua.c does for Ctrl-C); the hook puts
 * back the program's own hook and dumps at that safe point. The files it
 * answers through are the protocol of live.c.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
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
#include "live.h"

#define REQ_BATCH   32       /* requests answered per directory scan */
#define CHUNK       64       /* slots per chunk */
#define NCHUNKS     1024     /* at most CHUNK * NCHUNKS armed states */

#define LOAD(p)      __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define STORE(p, v)  __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define ADD(p, v)    __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)

/* A thread the handler sets our hook on, and the program's hook it had. */
typedef struct hooked {
	lua_State *L;
	lua_Hook hook;
	int mask, count;
} hooked;

/* What the handler never touches: the armed state's options and files. */
typedef struct armed {
	lua_State *main;          /* the armed state's main thread */
	lh_dump_opts dump;        /* label points at 'label' */
	char name[LH_LIVE_NAME_MAX + 1];
	char *dir;                /* absolute; the only place written */
	char *label;
	char *rundir;             /* beacons, requests and answers */
	char *beacon;
	pid_t pid;                /* who wrote the beacon */
	int slot;                 /* its index, the value sigqueue carries */
	unsigned long seq;        /* snapshots asked for so far */
	unsigned long written, failed;
	char last_error[512];
} armed;

/*
 * One armed state as the handler sees it. Slots live in chunks that are
 * allocated once and never freed, published through 'chunks' before the
 * count that lets the handler see them: the handler reads only memory
 * that stays valid, and 'armed_flag' (atomic) says whether the rest is.
 * 'inside' counts handlers on the slot, so that disarming waits for one
 * running on another thread before the state may go away.
 */
typedef struct slot {
	int armed_flag;
	int inside;
	volatile sig_atomic_t pending_req, pending_plain, busy;
	int disarm_later;         /* asked during a dump (by a finalizer) */
	int sig;
	hooked threads[2];        /* the main thread; the coroutine that armed */
	armed *a;
} slot;

static slot *chunks[NCHUNKS];
static int nchunks;                           /* atomic */
static volatile sig_atomic_t any_pending;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long default_names;           /* "state1", "state2", ... */

/* The handlers ours replaced, one per signal, while any state uses it. */
static struct { int users; struct sigaction old; } handlers[NSIG];

/* The registry key of the sentinel: its __gc disarms a closing state. */
static const char sentinel_key = 's';
typedef struct sentinel { lua_State *main; int slot; } sentinel;

static void on_hook(lua_State *L, lua_Debug *ar);
static void disarm_slot(slot *s);

static slot *slot_at(int i)
{
	if (i < 0 || i / CHUNK >= LOAD(&nchunks))
		return NULL;
	return &chunks[i / CHUNK][i % CHUNK];
}

/* ---- the signal handler: async-signal-safe, touches only slots ---- */

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

/* Marks s when it is armed for sig; the first handler in sets the hooks
 * (another one, on another thread, would save ours as the program's). */
static void wake(slot *s, int sig, int req)
{
	int first = ADD(&s->inside, 1) == 0;

	if (LOAD(&s->armed_flag) && s->sig == sig) {
		if (req)
			s->pending_req = 1;
		else
			s->pending_plain = 1;
		any_pending = 1;
		if (first && !s->busy) {
			set_hook(&s->threads[0]);
			set_hook(&s->threads[1]);
		}
	}
	ADD(&s->inside, -1);
}

/*
 * A request from `luaheap dump --pid` comes by sigqueue with the slot of
 * the state asked for: only that state is woken. Any other signal (kill
 * -USR1 by hand) wakes every state armed for it.
 */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int i, n;
	slot *s;

	(void)uc;
	if (si != NULL && si->si_code == SI_QUEUE) {
		if ((s = slot_at(si->si_value.sival_int)) != NULL)
			wake(s, sig, 1);
		return;
	}
	n = LOAD(&nchunks) * CHUNK;
	for (i = 0; i < n; i++)
		wake(&chunks[i / CHUNK][i % CHUNK], sig, 0);
}

static void put_back(lua_State *L, const hooked *h)
{
	if (L != NULL && lua_gethook(L) == on_hook)
		lua_sethook(L, h->hook, h->mask, h->count);
}

/* Puts the program's hooks back, and on th (where our hook fired: a
 * coroutine created meanwhile inherited it from its creator), with the
 * signal blocked so the handler cannot save our own hook as the program's. */
static void restore_hooks(slot *s, lua_State *th)
{
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, s->sig);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	put_back(s->threads[0].L, &s->threads[0]);
	put_back(s->threads[1].L, &s->threads[1]);
	put_back(th, &s->threads[0]);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ---- answering ---- */

/* Dumps L's state to the armed dir as 'name' (NULL: a generated name) in
 * 'encoding'; writes the name used, or an error message, into msg. */
static int dump_one(slot *s, lua_State *L, const char *name, int encoding,
                    char *msg, size_t len)
{
	armed *a = s->a;
	char gen[LH_LIVE_NAME_MAX + 1], stamp[32];
	lh_dump_opts o = a->dump;
	lh_error err;
	struct stat st;
	struct tm tm;
	time_t now = time(NULL);
	char *path = NULL;
	int rc = -1, n;

	a->seq++;
	if (name == NULL) {
		if (localtime_r(&now, &tm) == NULL ||
		    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm) == 0)
			strcpy(stamp, "0");
		n = snprintf(gen, sizeof(gen), "luaheap-%ld-%s-%s-%lu.%s",
		             (long)a->pid, a->name, stamp, a->seq,
		             encoding == LH_DUMP_JSON ? "json" : "snap");
		if (n < 0 || (size_t)n >= sizeof(gen))  /* a long state name */
			snprintf(gen, sizeof(gen), "luaheap-%ld-slot%ld-%s-%lu.%s",
			         (long)a->pid, (long)a->slot, stamp,
			         a->seq, encoding == LH_DUMP_JSON ? "json" : "snap");
		name = gen;
	}
	if ((path = lh_live_path(a->dir, name)) == NULL) {
		snprintf(msg, len, "%s", strerror(ENOMEM));
		goto done;
	}
	if (lstat(path, &st) == 0) {
		snprintf(msg, len, "cannot write snapshot '%s': it already "
		         "exists", path);
		goto done;
	}
	o.encoding = encoding;
	if (lh_dump_write(L, path, &o, NULL, &err) != LH_OK) {
		snprintf(msg, len, "%s", err.msg);
		goto done;
	}
	snprintf(msg, len, "%s", name);
	rc = 0;
done:
	if (rc == 0) {
		a->written++;
	} else {
		a->failed++;
		snprintf(a->last_error, sizeof(a->last_error), "%s", msg);
	}
	free(path);
	return rc;
}

/* Whether the CLI that sent request f still waits for its answer: it is
 * alive and has not left a cancel file (it timed out). */
static int still_waiting(const armed *a, const lh_live_file *f)
{
	char name[LH_LIVE_NAME_MAX + 64];
	char *path;
	int gone;

	if (kill((pid_t)f->cpid, 0) != 0 && errno == ESRCH)
		return 0;
	if (lh_live_file_name(name, sizeof(name), LH_LIVE_CANCEL, f->pid,
	                      f->state, f->cpid, f->id) != 0 ||
	    (path = lh_live_path(a->rundir, name)) == NULL)
		return 1;
	gone = access(path, F_OK) == 0;
	free(path);
	return !gone;
}

/* Removes a snapshot nobody waits for, with the request's answer and
 * cancel files. */
static void discard(const armed *a, const lh_live_file *f, const char *snap)
{
	char *path = snap != NULL ? lh_live_path(a->dir, snap) : NULL;
	char name[LH_LIVE_NAME_MAX + 64];
	int kind;

	if (path != NULL)
		(void)unlink(path);
	free(path);
	for (kind = LH_LIVE_ANSWER; kind <= LH_LIVE_CANCEL; kind++) {
		if (lh_live_file_name(name, sizeof(name), kind, f->pid, f->state,
		                      f->cpid, f->id) != 0 ||
		    (path = lh_live_path(a->rundir, name)) == NULL)
			continue;
		(void)unlink(path);
		free(path);
	}
}

/*
 * Answers the request file 'file'. Taking it unlinks it first, so a CLI
 * that withdraws it at the same moment either wins (no dump) or finds it
 * gone and leaves a cancel file; the answer is checked against that file
 * after the dump and again after the answer is written, and a snapshot
 * nobody waits for is removed. Returns whether there was a request.
 */
static int answer(slot *s, lua_State *L, const char *file,
                  const lh_live_file *f)
{
	armed *a = s->a;
	char text[LH_LIVE_TEXT_MAX], msg[LH_LIVE_MSG_MAX];
	char result[LH_LIVE_MSG_MAX + 16], resname[LH_LIVE_NAME_MAX + 64];
	lh_live_request r;
	const char *why;
	int rc, ok = 0;

	rc = lh_live_read(a->rundir, file, text, sizeof(text), 1);
	if (rc == ENOENT || rc == EPERM || rc == ELOOP)
		return 0;                 /* withdrawn, or not a request */
	if (rc != 0)
		snprintf(msg, sizeof(msg), "cannot read request: %s",
		         rc == EFBIG ? "too long" : strerror(rc));
	else if ((why = lh_live_request_parse(&r, text)) != NULL)
		snprintf(msg, sizeof(msg), "%s", why);
	else
		ok = dump_one(s, L, r.name[0] != '\0' ? r.name : NULL,
		              r.format < 0 ? a->dump.encoding : r.format == 1 ?
		              LH_DUMP_JSON : LH_DUMP_BINARY, msg, sizeof(msg)) == 0;
	if (!still_waiting(a, f)) {
		discard(a, f, ok ? msg : NULL);
		return 1;
	}
	if (lh_live_file_name(resname, sizeof(resname), LH_LIVE_ANSWER, f->pid,
	                      f->state, f->cpid, f->id) == 0 &&
	    lh_live_answer_format(result, sizeof(result), ok, msg) == 0)
		(void)lh_live_write(a->rundir, resname, result);
	if (!still_waiting(a, f))       /* it gave up while we answered */
		discard(a, f, ok ? msg : NULL);
	return 1;
}

/* Removes what a request of a CLI that is gone left (it was killed while
 * waiting): its answer, its cancel file and the snapshot answered. */
static void sweep(const armed *a, const lh_live_file *f)
{
	char name[LH_LIVE_NAME_MAX + 64], text[LH_LIVE_MSG_MAX + 16];
	char snap[LH_LIVE_MSG_MAX];
	int ok = -1;

	if (lh_live_file_name(name, sizeof(name), LH_LIVE_ANSWER, f->pid,
	                      f->state, f->cpid, f->id) == 0 &&
	    lh_live_read(a->rundir, name, text, sizeof(text), 1) == 0)
		ok = lh_live_answer_parse(text, snap, sizeof(snap));
	discard(a, f, ok == 1 ? snap : NULL);
}

/* Whether file f of the run directory is for state a: a request, or what
 * is left of one whose CLI is gone. */
static int ours(const armed *a, const lh_live_file *f)
{
	if (f->pid != (long)a->pid || strcmp(f->state, a->name) != 0 ||
	    f->kind == LH_LIVE_BEACON)
		return 0;
	return f->kind == LH_LIVE_REQUEST ||
	       (kill((pid_t)f->cpid, 0) != 0 && errno == ESRCH);
}

/* Answers every request to this state in the run directory, and sweeps
 * what gone CLIs left. Names are read first (a batch at a time), then
 * handled: the directory changes. */
static int answer_requests(slot *s, lua_State *L)
{
	armed *a = s->a;
	char names[REQ_BATCH][LH_LIVE_NAME_MAX + 64];
	lh_live_file files[REQ_BATCH], f;
	struct dirent *e;
	int n = 0, i, more = 0, answered = 0;
	DIR *d;

	if ((d = opendir(a->rundir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (lh_live_file_parse(&f, e->d_name) != 0 || !ours(a, &f) ||
		    strlen(e->d_name) >= sizeof(names[0]))
			continue;
		if (n == REQ_BATCH) {
			more = 1;
			break;
		}
		files[n] = f;
		strcpy(names[n++], e->d_name);
	}
	closedir(d);
	for (i = 0; i < n; i++)
		if (files[i].kind == LH_LIVE_REQUEST)
			answered += answer(s, L, names[i], &files[i]);
		else
			sweep(a, &files[i]);
	if (more && answered > 0)   /* never loop on what cannot be taken */
		s->pending_req = 1;
	return answered;
}

/* Answers what the signals asked of s; never one dump inside another. */
static int serve(slot *s, lua_State *L)
{
	char msg[LH_LIVE_MSG_MAX];
	int n = 0;

	if (s->busy)
		return 0;
	do {
		s->busy = 1;
		restore_hooks(s, L);
		while (s->pending_req || s->pending_plain) {
			if (s->pending_req) {
				s->pending_req = 0;
				n += answer_requests(s, L);
			}
			if (s->pending_plain) {
				s->pending_plain = 0;
				(void)dump_one(s, L, NULL, s->a->dump.encoding,
				               msg, sizeof(msg));
				n++;
			}
		}
		s->busy = 0;
	} while (s->pending_req || s->pending_plain);  /* a signal in between */
	if (s->disarm_later) {
		pthread_mutex_lock(&lock);
		disarm_slot(s);
		pthread_mutex_unlock(&lock);
	}
	return n;
}

/* The armed slot of L's state, found through its sentinel, or NULL. */
static slot *slot_of(lua_State *L)
{
	sentinel *sen;
	slot *s = NULL;

	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &sentinel_key) == LUA_TUSERDATA) {
		sen = lua_touserdata(L, -1);
		s = slot_at(sen->slot);
		if (s != NULL && (!LOAD(&s->armed_flag) || s->a->main != sen->main))
			s = NULL;
	}
	lua_pop(L, 1);
	return s;
}

static void on_hook(lua_State *L, lua_Debug *ar)
{
	slot *s = slot_of(L);

	(void)ar;
	if (s != NULL)
		serve(s, L);
	else                            /* disarmed meanwhile */
		lua_sethook(L, NULL, 0, 0);
}

int lh_dump_poll(lua_State *L)
{
	slot *s;

	if (!any_pending || L == NULL || (s = slot_of(L)) == NULL ||
	    (!s->pending_req && !s->pending_plain))
		return 0;
	return serve(s, L);
}

/* ---- disarming ---- */

static void free_armed(armed *a)
{
	if (a != NULL) {
		free(a->dir);
		free(a->label);
		free(a->rundir);
		free(a->beacon);
		free(a);
	}
}

/* Takes slot s down (the lock held); the handler is kept off it first. */
static void disarm_slot(slot *s)
{
	armed *a = s->a;

	STORE(&s->armed_flag, 0);
	while (LOAD(&s->inside) != 0)     /* a handler on another thread */
		sched_yield();
	restore_hooks(s, NULL);
	if (--handlers[s->sig].users == 0)
		sigaction(s->sig, &handlers[s->sig].old, NULL);
	if (a->pid == getpid()) {         /* not in a forked child */
		lh_live_remove(a->rundir, (long)a->pid, a->name,
		               1u << LH_LIVE_REQUEST | 1u << LH_LIVE_ANSWER |
		               1u << LH_LIVE_CANCEL);
		(void)unlink(a->beacon);
	}
	free_armed(a);
	s->a = NULL;                      /* 'inside' is the handlers' own */
	s->pending_req = s->pending_plain = s->busy = 0;
	s->disarm_later = 0;
	memset(s->threads, 0, sizeof(s->threads));
}

static lua_State *main_thread(lua_State *L)
{
	lua_State *m;

	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
	m = lua_tothread(L, -1);
	lua_pop(L, 1);
	return m;
}

int lh_dump_disarm(lua_State *L)
{
	slot *s;

	if (L == NULL)
		return 0;
	pthread_mutex_lock(&lock);
	if ((s = slot_of(L)) != NULL && s->busy)
		s->disarm_later = 1;      /* a finalizer, during its dump */
	else if (s != NULL)
		disarm_slot(s);
	pthread_mutex_unlock(&lock);
	return 0;
}

/* __gc of the sentinel: a state closed while armed disarms itself. */
static int sentinel_gc(lua_State *L)
{
	sentinel *sen = lua_touserdata(L, 1);
	slot *s;

	pthread_mutex_lock(&lock);
	if (sen != NULL && (s = slot_at(sen->slot)) != NULL &&
	    LOAD(&s->armed_flag) && s->a->main == sen->main)
		disarm_slot(s);
	pthread_mutex_unlock(&lock);
	return 0;
}

/* ---- arming ---- */

void lh_dump_arm_opts_init(lh_dump_arm_opts *opts)
{
	opts->signal = SIGUSR1;
	opts->dir = NULL;
	lh_dump_opts_init(&opts->dump);
	opts->name = NULL;
}

/* The sentinel in the registry, created on first use: the one step of
 * arming that may raise (a memory error), taken before anything of ours
 * is allocated. */
static void put_sentinel(lua_State *L, lua_State *main)
{
	sentinel *sen;

	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &sentinel_key) != LUA_TUSERDATA) {
		lua_pop(L, 1);
		sen = lua_newuserdatauv(L, sizeof(*sen), 1);
		sen->main = main;
		sen->slot = -1;
		lua_createtable(L, 0, 1);
		lua_pushcfunction(L, sentinel_gc);
		lua_setfield(L, -2, "__gc");
		lua_setmetatable(L, -2);
		lua_pushvalue(L, -1);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &sentinel_key);
	}
	lua_pop(L, 1);
}

/* Points the sentinel at slot i, its user value anchoring the coroutine
 * that armed (nil when the main thread did). Allocates nothing. */
static void point_sentinel(lua_State *L, lua_State *main, int i)
{
	sentinel *sen;

	lua_rawgetp(L, LUA_REGISTRYINDEX, &sentinel_key);
	sen = lua_touserdata(L, -1);
	sen->slot = i;
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

/* The slot of the armed state named 'name', or NULL (the lock held). */
static slot *find_name(const char *name)
{
	int i, n = LOAD(&nchunks) * CHUNK;
	slot *s;

	for (i = 0; i < n; i++) {
		s = &chunks[i / CHUNK][i % CHUNK];
		if (s->armed_flag && strcmp(s->a->name, name) == 0)
			return s;
	}
	return NULL;
}

/* A free slot, adding a chunk when all are taken; -1 when the process
 * has CHUNK * NCHUNKS armed states or no memory (the lock held). */
static int free_slot(void)
{
	int i, n = LOAD(&nchunks);

	for (i = 0; i < n * CHUNK; i++)
		if (!chunks[i / CHUNK][i % CHUNK].armed_flag)
			return i;
	if (n == NCHUNKS || (chunks[n] = calloc(CHUNK, sizeof(slot))) == NULL)
		return -1;
	STORE(&nchunks, n + 1);           /* published after it is zeroed */
	return n * CHUNK;
}

/* Fills a's files and options from opts; the message on failure. */
static int prepare(armed *a, const lh_dump_arm_opts *opts, lh_error *err)
{
	struct stat st;
	const char *why;
	int e;

	a->dump = opts->dump;
	a->pid = getpid();
	if ((a->dir = realpath(opts->dir, NULL)) == NULL) {
		e = errno;
		return lh_error_set(err, e == ENOENT ? LH_ENOTFOUND : LH_EIO,
		                    "cannot arm for directory '%s': %s", opts->dir,
		                    strerror(e));
	}
	if (stat(a->dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    access(a->dir, W_OK | X_OK) != 0 || strchr(a->dir, '\n'))
		return lh_error_set(err, LH_EIO, "cannot arm for directory "
		                    "'%s': not a writable directory", opts->dir);
	if (opts->dump.label != NULL &&
	    (a->label = strdup(opts->dump.label)) == NULL)
		return lh_error_set(err, LH_ENOMEM, "cannot arm: %s",
		                    strerror(ENOMEM));
	a->dump.label = a->label;
	if ((a->rundir = lh_live_rundir()) == NULL)
		return lh_error_set(err, LH_ENOMEM, "cannot arm: %s",
		                    strerror(ENOMEM));
	if ((why = lh_live_rundir_check(a->rundir, 1)) != NULL)
		return lh_error_set(err, LH_EIO, "cannot arm: run directory "
		                    "'%s': %s", a->rundir, why);
	return 0;
}

/* Names a: the host's name, else the name of 'self' (the slot being
 * re-armed, whose name is free), else the next "stateN" no armed state
 * has; the lock held. */
static int pick_name(armed *a, const char *name, const slot *self,
                     lh_error *err)
{
	slot *other;

	if (name != NULL) {
		other = find_name(name);
		if (other != NULL && other != self)
			return lh_error_set(err, LH_EBUSY, "cannot arm: the name "
			                    "'%s' is taken by another armed state "
			                    "of this process", name);
		snprintf(a->name, sizeof(a->name), "%s", name);
		return 0;
	}
	if (self != NULL) {               /* re-armed: keeps its name */
		memcpy(a->name, self->a->name, sizeof(a->name));
		return 0;
	}
	do
		snprintf(a->name, sizeof(a->name), "state%lu", ++default_names);
	while ((other = find_name(a->name)) != NULL && other != self);
	return 0;
}

/* Installs our handler for sig unless a state already did (the lock held);
 * 0 or errno. */
static int take_signal(int sig)
{
	struct sigaction sa;

	if (handlers[sig].users++ > 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);          /* never nested in itself */
	if (sigaction(sig, &sa, &handlers[sig].old) == 0)
		return 0;
	handlers[sig].users--;
	return errno;
}

/* Writes a's beacon for slot i; 0 or errno. */
static int write_beacon(armed *a, int sig, int i)
{
	char name[LH_LIVE_NAME_MAX + 64], text[LH_LIVE_TEXT_MAX];
	lh_live_beacon b;

	memset(&b, 0, sizeof(b));
	b.pid = (long)a->pid;
	b.start = lh_live_start_time(0);
	snprintf(b.state, sizeof(b.state), "%s", a->name);
	b.slot = i;
	b.sig = sig;
	b.json = a->dump.encoding == LH_DUMP_JSON;
	snprintf(b.dir, sizeof(b.dir), "%s", a->dir);
	if (lh_live_file_name(name, sizeof(name), LH_LIVE_BEACON, b.pid,
	                      a->name, 0, 0) != 0 ||
	    lh_live_beacon_format(text, sizeof(text), &b) != 0)
		return ENAMETOOLONG;
	if ((a->beacon = lh_live_path(a->rundir, name)) == NULL)
		return ENOMEM;
	return lh_live_write(a->rundir, name, text);
}

/* Puts a into a free slot for L's state (the lock held); -1 on failure. */
static int install(armed *a, lua_State *L, int sig, lh_error *err)
{
	slot *s;
	int i, e;

	if ((i = free_slot()) < 0)
		return lh_error_set(err, LH_ELIMIT, "cannot arm: too many "
		                    "armed states in this process");
	s = slot_at(i);
	if ((e = take_signal(sig)) != 0)
		return lh_error_set(err, LH_EIO, "cannot arm: %s",
		                    strerror(e));
	if ((e = write_beacon(a, sig, i)) != 0) {
		if (--handlers[sig].users == 0)
			sigaction(sig, &handlers[sig].old, NULL);
		return lh_error_set(err, LH_EIO, "cannot arm: cannot write the "
		                    "beacon in '%s': %s", a->rundir, strerror(e));
	}
	a->slot = i;
	s->a = a;
	s->sig = sig;
	s->threads[0].L = a->main;
	s->threads[1].L = L != a->main ? L : NULL;
	STORE(&s->armed_flag, 1);         /* now the handler may look */
	return i;
}

int lh_dump_arm(lua_State *L, const lh_dump_arm_opts *opts, lh_error *err)
{
	armed *a = NULL;
	slot *old;
	lua_State *main;
	int i = -1, rc;

	lh_error_clear(err);
	if (L == NULL || opts == NULL || opts->dir == NULL ||
	    opts->dir[0] == '\0')
		return lh_error_set(err, LH_EUSAGE,
		                    "cannot arm: no directory given");
	if (!signal_ok(opts->signal))
		return lh_error_set(err, LH_EUSAGE,
		                    "cannot arm: signal not usable for dumps");
	if (opts->name != NULL && !lh_live_name_ok(opts->name))
		return lh_error_set(err, LH_EUSAGE, "cannot arm: bad state name "
		                    "'%.64s' (1 to 128 letters, digits or "
		                    "\"._-:+@\", no leading '.', no '..')",
		                    opts->name);
	main = main_thread(L);
	put_sentinel(L, main);            /* may raise: nothing to leak yet */
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return lh_error_set(err, LH_ENOMEM, "cannot arm: %s",
		                    strerror(ENOMEM));
	a->main = main;
	if ((rc = prepare(a, opts, err)) != LH_OK)
		goto done;
	pthread_mutex_lock(&lock);
	old = slot_of(L);
	if (old != NULL && old->busy)
		rc = lh_error_set(err, LH_EBUSY, "cannot arm: a dump of this "
		                  "state is running (arm from a finalizer)");
	else if ((rc = pick_name(a, opts->name, old, err)) == LH_OK) {
		if (old != NULL)          /* arming again: start afresh */
			disarm_slot(old);
		i = install(a, L, opts->signal, err);
		rc = i >= 0 ? LH_OK : i;
	}
	pthread_mutex_unlock(&lock);
	if (i >= 0)
		point_sentinel(L, main, i);
done:
	if (i < 0)
		free_armed(a);
	return rc;
}

/* The slot of the armed state named 'state', or of the first one armed
 * when NULL; the lock held. */
static slot *find_state(const char *state)
{
	int i, n = LOAD(&nchunks) * CHUNK;

	if (state != NULL)
		return find_name(state);
	for (i = 0; i < n; i++)
		if (chunks[i / CHUNK][i % CHUNK].armed_flag)
			return &chunks[i / CHUNK][i % CHUNK];
	return NULL;
}

void lh_dump__arm_counts(const char *state, unsigned long *written,
                         unsigned long *failed, const char **last_error)
{
	slot *s;

	pthread_mutex_lock(&lock);
	s = find_state(state);
	*written = s != NULL ? s->a->written : 0;
	*failed = s != NULL ? s->a->failed : 0;
	*last_error = s != NULL ? s->a->last_error : "";
	pthread_mutex_unlock(&lock);
}

const char *lh_dump__arm_beacon(const char *state)
{
	slot *s;

	pthread_mutex_lock(&lock);
	s = find_state(state);
	pthread_mutex_unlock(&lock);
	return s != NULL ? s->a->beacon : NULL;
}

/* ---- the Lua functions ---- */

static const struct { const char *name; int sig; } signames[] = {
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "HUP", SIGHUP },
	{ "WINCH", SIGWINCH }, { "URG", SIGURG }, { "ALRM", SIGALRM },
	{ "PROF", SIGPROF }, { "VTALRM", SIGVTALRM }, { "PWR", SIGPWR },
	{ "INT", SIGINT }, { "QUIT", SIGQUIT }, { "TERM", SIGTERM },
};

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
	return lh_dump__opt_error(L, "arm", k, "\"USR1\", \"USR2\", \"HUP\"... "
	                          "or a usable signal number");
}

/* arm's own options (signal, dir, name) beside those of dump. */
static int arm_opt(lua_State *L, const char *k, void *ud)
{
	lh_dump_arm_opts *o = ud;

	if (strcmp(k, "signal") == 0) {
		o->signal = opt_signal(L, k);
	} else if (strcmp(k, "dir") == 0 || strcmp(k, "name") == 0) {
		if (lua_type(L, -1) != LUA_TSTRING)
			lh_dump__opt_error(L, "arm", k, "string");
		if (k[0] == 'n' && !lh_live_name_ok(lua_tostring(L, -1)))
			lh_dump__opt_error(L, "arm", k, "1 to 128 letters, digits "
			                   "or \"._-:+@\", no leading '.', no '..'");
		*(k[0] == 'd' ? &o->dir : &o->name) = lua_tostring(L, -1);
	} else {
		return 0;
	}
	return 1;
}

/* luaheap.arm{ dir = DIR [, name, signal, format, collect, strings,
 * label] } -> true, beacon path, name | nil, message */
int lh_dump__l_arm(lua_State *L)
{
	lh_dump_arm_opts o;
	lh_error err;
	slot *s;

	luaL_checktype(L, 1, LUA_TTABLE);
	lh_dump_arm_opts_init(&o);
	lh_dump__read_opts(L, 1, "arm", &o.dump, arm_opt, &o);
	if (o.dir == NULL)
		return lh_dump__opt_error(L, "arm", "dir", "string");
	if (lh_dump_arm(L, &o, &err) != LH_OK) {
		luaL_pushfail(L);
		lua_pushstring(L, err.msg);
		return 2;
	}
	s = slot_of(L);
	lua_pushboolean(L, 1);
	lua_pushstring(L, s->a->beacon);
	lua_pushstring(L, s->a->name);
	return 3;
}

/* luaheap.disarm() -> true */
int lh_dump__l_disarm(lua_State *L)
{
	lh_dump_disarm(L);
	lua_pushboolean(L, 1);
	return 1;
}

/* luaheap.poll() -> number of snapshots answered */
int lh_dump__l_poll(lua_State *L)
{
	lua_pushinteger(L, lh_dump_poll(L));
	return 1;
}

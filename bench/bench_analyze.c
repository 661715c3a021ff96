/*
 * Analyzer benchmark: for one snapshot, the CPU time and peak memory of
 * reading the file, loading it, and each analysis (reachability,
 * dominators, paths, classes); with a second snapshot, the diff of the
 * two against the analysis of one. Figures are ratios measured in one run.
 * With -p, the memory (now and peak, per object) and time after each phase.
 */
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "luaheap/analysis.h"
#include "luaheap/diff.h"

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double peak_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

static long current_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;

	if (f != NULL) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static double read_file(const char *path, off_t *size)
{
	static char buf[1 << 16];
	double t0 = cpu_now();
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(path);
		exit(2);
	}
	*size = st.st_size;
	while (read(fd, buf, sizeof buf) > 0)
		;
	close(fd);
	return cpu_now() - t0;
}

static void die(const lh_error *err)
{
	fprintf(stderr, "bench_analyze: %s\n", err->msg);
	exit(2);
}

static lh_analysis *analyse(const char *path, lh_snapshot **snap, int verbose)
{
	lh_analysis *a;
	lh_error err;
	double t0, t_read, t_load, t_all;
	off_t size;
	long base = current_kib();

	t_read = read_file(path, &size);
	t0 = cpu_now();
	if (lh_snapshot_load(snap, path, &err) != LH_OK)
		die(&err);
	t_load = cpu_now() - t0;
	t0 = cpu_now();
	if (lh_analysis_new(&a, *snap, &err) != LH_OK)
		die(&err);
	t_all = cpu_now() - t0;
	if (verbose) {
		double n = (double)lh_snapshot_count(*snap);
		double e = (double)lh_snapshot_edge_count(*snap);
		double peak = peak_mib() * 1024 * 1024 - (double)base * 1024;

		printf("%s: %.0f objects, %.0f edges, %.1f MiB file (%.1f bytes/object)\n",
			path, n, e, (double)size / 1048576.0, (double)size / n);
		printf("  read file %.3fs; load %.3fs (%.1fx read); analysis %.3fs; "
			"load+analysis %.3fs = %.1fx reading the file\n",
			t_read, t_load, t_load / t_read, t_all, t_load + t_all,
			(t_load + t_all) / t_read);
		printf("  peak memory %.1f MiB above start = %.1f bytes/object; "
			"less 12 bytes/edge: %.1f bytes/object (budget 48)\n",
			peak / 1048576.0, peak / n, (peak - 12 * e) / n);
	}
	return a;
}

/* Each phase of lh_analysis_new on its own: memory in use and peak above
 * the start, per object, and the phase's CPU and wall-clock time. */
static void phases(const char *path)
{
	lh_snapshot *s;
	lh_graph *g;
	lh_dom *d;
	lh_bfs *b;
	lh_classes *c;
	lh_error err;
	long base = current_kib();
	double n, t0 = cpu_now(), w0 = wall_now();

#define PHASE(name, call) do { \
		if ((call) != LH_OK) \
			die(&err); \
		printf("  %-8s now %5.1f, peak %5.1f bytes/object; %.3fs CPU %.3fs wall\n", \
			name, (double)(current_kib() - base) * 1024 / n, \
			(peak_mib() * 1024 - (double)base) * 1024 / n, cpu_now() - t0, \
			wall_now() - w0); \
		t0 = cpu_now(); \
		w0 = wall_now(); \
	} while (0)
	n = 1;
	if (lh_snapshot_load(&s, path, &err) != LH_OK)
		die(&err);
	n = lh_snapshot_count(s) ? (double)lh_snapshot_count(s) : 1;
	printf("%s: %u objects, %.2f edges/object\n", path, lh_snapshot_count(s),
		(double)lh_snapshot_edge_count(s) / n);
	PHASE("load", LH_OK);
	PHASE("graph", lh_graph_from_snapshot(&g, s, &err));
	PHASE("dom", lh_dom_build_snapshot(&d, g, s, &err));
	PHASE("bfs", lh_bfs_build(&b, g, &err));
	PHASE("classes", lh_classes_build(&c, s, g, d, b, &err));
#undef PHASE
	lh_classes_free(c);
	lh_bfs_free(b);
	lh_dom_free(d);
	lh_graph_free(g);
	lh_snapshot_free(s);
}

int main(int argc, char **argv)
{
	lh_snapshot *s1 = NULL, *s2 = NULL;
	lh_analysis *a1, *a2;
	lh_diff *d;
	lh_error err;
	double t0, t_one, t_diff;

#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);   /* as luaheap does (cli/main.c) */
#endif
	if (argc == 3 && strcmp(argv[1], "-p") == 0) {
		phases(argv[2]);
		return 0;
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench_analyze [-p] SNAPSHOT [LATER_SNAPSHOT]\n");
		return 2;
	}
	t0 = cpu_now();
	a1 = analyse(argv[1], &s1, 1);
	t_one = cpu_now() - t0;
	if (argc == 3) {
		const lh_analysis *pair[2];

		t0 = cpu_now();
		a2 = analyse(argv[2], &s2, 0);
		pair[0] = a1;
		pair[1] = a2;
		if (lh_diff_compute(&d, pair, 2, NULL, &err) != LH_OK)
			die(&err);
		t_diff = cpu_now() - t0 + t_one;
		printf("  diff of two: %.3fs = %.2fx one summary (%.3fs); %u suspects\n",
			t_diff, t_diff / t_one, t_one, lh_diff_num_suspects(d));
		lh_diff_free(d);
		lh_analysis_free(a2);
		lh_snapshot_free(s2);
	}
	lh_analysis_free(a1);
	lh_snapshot_free(s1);
	return 0;
}

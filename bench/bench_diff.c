/*
 * Diff benchmark: opens two or three snapshots through their analysis
 * indexes (built when missing), then times lh_diff_compute alone, wall
 * clock and CPU, best of a few runs. The open and the diff are reported
 * apart, so the diff's own cost shows beside the index's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "luaheap/analysis.h"
#include "luaheap/diff.h"

static double now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	lh_analysis *an[3] = { NULL, NULL, NULL };
	lh_error err = { 0 };
	double w0, c0, best_w = 1e9, best_c = 1e9;
	int n = argc - 1, k, runs = getenv("RUNS") ? atoi(getenv("RUNS")) : 1;

	if (n != 2 && n != 3) {
		fprintf(stderr, "usage: bench_diff SNAP1 SNAP2 [SNAP3]\n");
		return 2;
	}
	w0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	for (k = 0; k < n; k++)
		if (lh_analysis_open(&an[k], argv[k + 1], NULL, &err) != LH_OK) {
			fprintf(stderr, "%s: %s\n", argv[k + 1], err.msg);
			return 2;
		}
	printf("open %.3fs wall %.3fs cpu\n", now(CLOCK_MONOTONIC) - w0,
		now(CLOCK_PROCESS_CPUTIME_ID) - c0);
	for (k = 0; k < runs; k++) {
		lh_diff *d;

		w0 = now(CLOCK_MONOTONIC);
		c0 = now(CLOCK_PROCESS_CPUTIME_ID);
		if (lh_diff_compute(&d, (const lh_analysis *const *)an, n, NULL,
		    &err) != LH_OK) {
			fprintf(stderr, "diff: %s\n", err.msg);
			return 2;
		}
		w0 = now(CLOCK_MONOTONIC) - w0;
		c0 = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
		best_w = w0 < best_w ? w0 : best_w;
		best_c = c0 < best_c ? c0 : best_c;
		lh_diff_free(d);
	}
	printf("diff %.3fs wall %.3fs cpu (best of %d runs)\n", best_w, best_c, runs);
	for (k = 0; k < n; k++)
		lh_analysis_free(an[k]);
	return 0;
}

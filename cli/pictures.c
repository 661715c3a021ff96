/*
 * Loading for flame and report: the snapshots, their analyses and the
 * diff between them, with errors printed the way diff prints them.
 */
#include <string.h>
#include "pictures.h"

int cli_pictures_load(cli_pictures *p, char **paths, int n, unsigned flags)
{
	lh_error err;
	int k, rc;

	memset(p, 0, sizeof *p);
	p->n = n;
	for (k = 0; k < n; k++) {
		if ((rc = cli_open(&p->an[k], paths[k], flags)) != CLI_OK)
			return rc;
		p->snap[k] = lh_analysis_snapshot(p->an[k]);
	}
	if (n < 2)
		return CLI_OK;
	lh_error_clear(&err);
	if (lh_diff_compute(&p->diff, (const lh_analysis *const *)p->an, n,
	    NULL, &err) != LH_OK) {
		if (err.code == LH_ENOMEM)
			cli_die_nomem();
		cli_error("cannot diff: %s", err.msg);
		return CLI_ERROR;
	}
	return CLI_OK;
}

void cli_pictures_release(cli_pictures *p)
{
	int k;

	lh_diff_free(p->diff);
	for (k = 0; k < 3; k++) {
		lh_analysis_free(p->an[k]);
	}
	memset(p, 0, sizeof *p);
}

int cli_pictures_fresh(const void *diff, uint32_t v)
{
	return lh_diff_candidate((const lh_diff *)diff, v);
}

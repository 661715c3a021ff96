/*
 * luaheap flame: a flame graph (icicle) of the dominator tree as a
 * self-contained SVG, of retained size (one snapshot) or of growth (two
 * or three: the new objects that survived), or as folded stacks.
 */
#include <stdlib.h>
#include <string.h>
#include "pictures.h"
#include "output.h"

/* What the command line asks. */
typedef struct flame_args {
	const char *path;
	uint32_t width;
	int folded;
	unsigned flags;                 /* LH_OPEN_* */
} flame_args;

static const cli_opt_spec options[] = {
	{ CLI_OPT_STRING, 'o', "output", "FILE", offsetof(flame_args, path),
	  CLI_OPT_SHORT, "where to write (default: standard output)" },
	{ CLI_OPT_SWITCH, 'F', "folded", NULL, offsetof(flame_args, folded), 0,
	  "folded stacks instead of SVG" },
	{ CLI_OPT_COUNT, 'w', "width", "PIXELS", offsetof(flame_args, width), 0,
	  "SVG width (default 1200)", .min = 200, .max = 100000,
	  .what = "a number of pixels from 200 to 100000" },
	CLI_OPT_NO_INDEX(flame_args, flags),
	{ CLI_OPT_END }
};

static const cli_opt_cmd command = {
	"flame", "SNAPSHOT [LATER [LAST]]", 1, 3, "no snapshot given", options,
	NULL,
	"Draws the dominator tree of SNAPSHOT as a flame graph: each box an\n"
	"object, as wide as what it retains, under the object that dominates it;\n"
	"siblings under an index or computed key with the same class merge into\n"
	"one box ('[*] table x1800'), and what is still too small to see folds\n"
	"into one. With two snapshots (three, as for diff) it draws growth: the\n"
	"bytes of the new objects that survived into the last one, each box\n"
	"coloured by the share of it that is new. The SVG has tooltips (sizes,\n"
	"full path) and zooms on a click; it loads nothing from anywhere.\n"
	"--folded writes folded stacks instead (one 'frame;frame;...;frame BYTES'\n"
	"line per stack, for flamegraph.pl and speedscope); their weights add up\n"
	"to the live bytes (growth: the new bytes).\n",
	NULL, 0
};

typedef struct flame_job {
	const cli_pictures *p;
	const lh_flame_opts *fo;
	int folded;
} flame_job;

static int write_flame(lh_out *o, void *ctx, lh_error *err)
{
	const flame_job *j = ctx;
	const cli_pictures *p = j->p;
	lh_flame_mark mark = p->n > 1 ? cli_pictures_fresh : NULL;

	if (j->folded)
		return lh_flame_folded(o, p->an[p->n - 1], mark, p->diff, j->fo, err);
	return lh_flame_svg(o, p->an[p->n - 1], mark, p->diff, j->fo, err);
}

int cmd_flame(int argc, char **argv)
{
	flame_args args = { NULL, 0, 0, 0 };
	cli_pictures p;
	lh_flame_opts fo;
	char title[256];
	flame_job job;
	int n, rc;

	if ((rc = cli_opt_parse(&command, &args, &argc, &argv)) != CLI_OPT_GO_ON)
		return rc;
	n = argc;
	memset(&fo, 0, sizeof fo);
	fo.width = args.width;
	if ((rc = cli_pictures_load(&p, argv, n, args.flags)) != CLI_OK)
		goto done;
	snprintf(title, sizeof title, "%s %s", n > 1 ? "growth into" :
		"retained size of", argv[n - 1]);
	fo.title = title;
	job.p = &p;
	job.fo = &fo;
	job.folded = args.folded;
	rc = cli_output_write(args.path, write_flame, &job);
done:
	cli_pictures_release(&p);
	return rc;
}

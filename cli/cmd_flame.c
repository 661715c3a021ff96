/*
 * luaheap flame: a flame graph (icicle) of the dominator tree as a
 * self-contained SVG, of retained size (one snapshot) or of growth (two
 * or three: the new objects that survived), or as folded stacks.
 */
#include <stdlib.h>
#include <string.h>
#include "pictures.h"
#include "output.h"

static const char usage[] =
	"usage: luaheap flame SNAPSHOT [LATER [LAST]] [-o FILE] [--folded]\n"
	"                     [--width PIXELS] [--no-index]\n"
	"\n"
	"Draws the dominator tree of SNAPSHOT as a flame graph: each box an\n"
	"object, as wide as what it retains, under the object that dominates it;\n"
	"siblings under an index or computed key with the same class merge into\n"
	"one box ('[*] table x1800'), and what is still too small to see folds\n"
	"into one. With two snapshots (three,\n"
	"as for diff) it draws growth: the bytes of the new objects that survived\n"
	"into the last one, each box coloured by the share of it that is new.\n"
	"The SVG has tooltips (sizes, full path) and zooms on a click; it loads\n"
	"nothing from anywhere. --folded writes folded stacks instead (one\n"
	"'frame;frame;...;frame BYTES' line per stack, for flamegraph.pl and\n"
	"speedscope); their weights add up to the live bytes (growth: the new\n"
	"bytes).\n"
	"\n"
	"  -o, --output FILE   where to write (default: standard output)\n"
	"  -F, --folded        folded stacks instead of SVG\n"
	"  -w, --width PIXELS  SVG width (default 1200)\n"
	"      --no-index      neither read nor write an analysis index\n"
	"  -h, --help          print this help\n";

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
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "folded", no_argument, NULL, 'F' },
		{ "width", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		CLI_NO_INDEX_LONG,
		{ NULL, 0, NULL, 0 }
	};
	cli_pictures p;
	lh_flame_opts fo;
	const char *path = NULL;
	char title[256];
	flame_job job;
	int c, n, folded = 0, rc;
	unsigned flags = 0;

	memset(&fo, 0, sizeof fo);
	while ((c = getopt_long(argc, argv, ":o:Fw:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': path = optarg; break;
		case 'F': folded = 1; break;
		case 'w':
			if (cli_parse_count(optarg, &fo.width) != 0 || fo.width < 200 ||
			    fo.width > 100000)
				return cli_usage_error(usage, "--width wants a number "
					"of pixels from 200 to 100000, not '%s'", optarg);
			break;
		case 'h': return cli_help(usage);
		case CLI_OPT_NO_INDEX: flags |= LH_OPEN_NO_INDEX; break;
		default: return cli_bad_option(usage, argv, c);
		}
	}
	n = argc - optind;
	if (n < 1 || n > 3)
		return cli_usage_error(usage, n < 1 ? "no snapshot given" :
			"too many arguments");
	if ((rc = cli_pictures_load(&p, argv + optind, n, flags)) != CLI_OK)
		goto done;
	snprintf(title, sizeof title, "%s %s", n > 1 ? "growth into" :
		"retained size of", argv[argc - 1]);
	fo.title = title;
	job.p = &p;
	job.fo = &fo;
	job.folded = folded;
	rc = cli_output_write(path, write_flame, &job);
done:
	cli_pictures_release(&p);
	return rc;
}

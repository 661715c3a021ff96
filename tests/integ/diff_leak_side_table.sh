# leak_side_table: the first suspect of its diff must name .progress.
sample=leak_side_table expect='.progress'
. "$SRC/tests/diff_sample.sh"

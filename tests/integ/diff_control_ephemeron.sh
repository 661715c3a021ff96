# control_ephemeron: the first suspect of its diff must name none.
sample=control_ephemeron expect='none'
. "$SRC/tests/diff_sample.sh"

# control_weak_cache: the first suspect of its diff must name none.
sample=control_weak_cache expect='none'
. "$SRC/tests/diff_sample.sh"

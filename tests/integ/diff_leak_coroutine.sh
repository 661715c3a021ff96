# leak_coroutine: the first suspect of its diff must name .waiting[*].
sample=leak_coroutine expect='.waiting[*]'
. "$SRC/tests/diff_sample.sh"

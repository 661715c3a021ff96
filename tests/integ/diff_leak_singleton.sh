# leak_singleton: the first suspect of its diff must name .entries[*].
sample=leak_singleton expect='.entries[*]'
. "$SRC/tests/diff_sample.sh"

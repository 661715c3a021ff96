# leak_registry: the first suspect of its diff must name registry[*].
sample=leak_registry expect='registry[*]'
. "$SRC/tests/diff_sample.sh"

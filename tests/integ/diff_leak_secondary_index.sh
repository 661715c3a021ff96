# leak_secondary_index: the first suspect of its diff must name _G.Index[*][*].
sample=leak_secondary_index expect='_G.Index[*][*]'
. "$SRC/tests/diff_sample.sh"

# leak_global: the first suspect of its diff must name _G.history.
sample=leak_global expect='_G.history'
. "$SRC/tests/diff_sample.sh"

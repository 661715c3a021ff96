# leak_closure_chain: the first suspect of its diff must name _G.Hooks.on_save.
sample=leak_closure_chain expect='_G.Hooks.on_save'
. "$SRC/tests/diff_sample.sh"

# leak_manager: the first suspect of its diff must name .sessions[*].
sample=leak_manager expect='.sessions[*]'
. "$SRC/tests/diff_sample.sh"

# leak_role_data: the first suspect of its diff must name .by_player[*].
sample=leak_role_data expect='.by_player[*]'
. "$SRC/tests/diff_sample.sh"

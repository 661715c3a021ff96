# control_pool: a steady state that reallocates; its diff must have no suspect.
sample=control_pool expect=none
. "$SRC/tests/diff_sample.sh"

# control_lru: a steady state that reallocates; its diff must have no suspect.
sample=control_lru expect=none
. "$SRC/tests/diff_sample.sh"

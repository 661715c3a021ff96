# control_sliding_window: a steady state that reallocates; its diff must have no suspect.
sample=control_sliding_window expect=none
. "$SRC/tests/diff_sample.sh"

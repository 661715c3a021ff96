# leak_timer: the first suspect of its diff must name .timers[*].
sample=leak_timer expect='.timers[*]'
. "$SRC/tests/diff_sample.sh"

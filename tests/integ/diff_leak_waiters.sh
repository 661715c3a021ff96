# leak_waiters: the first suspect of its diff must name _G.Sched.waiting[*][*].
sample=leak_waiters expect='_G.Sched.waiting[*][*]'
. "$SRC/tests/diff_sample.sh"

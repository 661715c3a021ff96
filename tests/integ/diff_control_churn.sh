# control_churn: the first suspect of its diff must name none.
sample=control_churn expect='none'
. "$SRC/tests/diff_sample.sh"

# leak_memo: the first suspect of its diff must name memo.
sample=leak_memo expect='memo'
. "$SRC/tests/diff_sample.sh"

# leak_string_log: the first suspect of its diff must name _G.Audit.lines[*].
sample=leak_string_log expect='_G.Audit.lines[*]'
. "$SRC/tests/diff_sample.sh"

# leak_object_set: the first suspect of its diff must name _G.Tracker.flagged <key>.
sample=leak_object_set expect='_G.Tracker.flagged <key>'
. "$SRC/tests/diff_sample.sh"

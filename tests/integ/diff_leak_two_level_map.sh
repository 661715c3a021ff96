# leak_two_level_map: the first suspect of its diff must name _G.Map.cells[*][*].
sample=leak_two_level_map expect='_G.Map.cells[*][*]'
. "$SRC/tests/diff_sample.sh"

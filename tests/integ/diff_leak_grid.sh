# leak_grid: the first suspect of its diff must name _G.World.grid[*][*].
sample=leak_grid expect='_G.World.grid[*][*]'
. "$SRC/tests/diff_sample.sh"

# Deep shapes: a linked list of a million tables and a table nested a
# million deep. summary, top, path and tree must work on them (nothing in
# the analysis recurses) and give the exact depths and dominator chains.
"$LUA" "$SRC/tests/lua/analysis_deep.lua" deep.snap 1000000 > tails.txt
list_tail=$(sed -n 1p tails.txt)
nest_tail=$(sed -n 2p tails.txt)

"$LUAHEAP" summary deep.snap > summary.txt
"$LUAHEAP" top deep.snap --group type -n 3 > top.txt
grep -q '2,0[0-9][0-9],[0-9][0-9][0-9]  table' top.txt

# registry -> _G -> list/nest -> a million tables: 1,000,002 hops
"$LUAHEAP" path deep.snap "$list_tail" > list.txt
grep -q '^path 1 (1000002 hops): _G\.list\.next\.next\.next' list.txt
grep -q '999,962 more hops' list.txt
"$LUAHEAP" path deep.snap "$list_tail" --json > list.json
grep -q '"length":	1000002' list.json
grep -q '"hops_omitted":	990002' list.json
test "$(grep -c '"edge":' list.json)" -eq 10000
"$LUAHEAP" path deep.snap "$nest_tail" > nest.txt
grep -q '^path 1 (1000002 hops): _G\.nest\[1\]\[1\]\[1\]' nest.txt

# each list node dominates the rest of the list: the tree is a chain of
# single children whose retained sizes shrink by one node each
"$LUAHEAP" tree deep.snap _G.list --depth 4 --min-size 0 --json > tree.json
test "$(grep -c '"depth":' tree.json)" -eq 6   # 5 nodes + the document's
"$LUAHEAP" tree deep.snap _G.nest.1 --depth 4 2>/dev/null && exit 1
"$LUAHEAP" tree deep.snap '_G.nest[1][1]' --depth 100000 --min-size 0 > chain.txt
test "$(wc -l < chain.txt)" -eq 100002               # header + 100,001 rows
"$LUAHEAP" tree deep.snap > roots.txt
grep -q '<roots>' roots.txt

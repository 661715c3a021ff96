// Loads a .heapsnapshot with memlab (a real client of the format) and
// compares what it finds with luaheap's numbers: node and edge counts and
// the retained size of given node ids.
// Usage: NODE_PATH=.../node_modules node memlab_sizes.js FILE NODES EDGES
//        ID=RETAINED...   Exits 1 on any difference.
'use strict';
const { getFullHeapFromFile } = require('@memlab/heap-analysis');

(async () => {
  const [file, wantNodes, wantEdges, ...pairs] = process.argv.slice(2);
  const heap = await getFullHeapFromFile(file);
  let nodes = 0, edges = 0, bad = 0;
  heap.nodes.forEach((n) => { nodes++; edges += n.references.length; });
  const report = [`memlab: ${nodes} nodes, ${edges} edges; luaheap: ` +
    `${wantNodes} nodes, ${wantEdges} edges`];
  if (nodes !== Number(wantNodes) || edges !== Number(wantEdges)) bad++;
  for (const p of pairs) {
    const [id, want] = p.split('=');
    const n = heap.getNodeById(Number(id));
    const got = n ? n.retainedSize : 'missing';
    report.push(`  id ${id}: memlab ${got}, luaheap ${want}` +
      (String(got) === want ? '' : '  <- differs'));
    if (String(got) !== want) bad++;
  }
  process.stdout.write('\n' + report.join('\n') + '\n');
  process.exit(bad ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });

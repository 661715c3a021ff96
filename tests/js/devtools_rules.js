// Checks a .heapsnapshot file against the rules Chrome DevTools' loader and
// memlab's parser rely on. Usage: node devtools_rules.js FILE
// Prints "nodes N edges M" and exits 1 naming the first broken rule.
'use strict';
const fs = require('fs');
const file = process.argv[2];
const text = fs.readFileSync(file, 'utf8');
function fail(msg) { console.error(`${file}: ${msg}`); process.exit(1); }
const snap = JSON.parse(text);

// The loader streams the file and takes the sections in V8's order.
const order = ['snapshot', 'nodes', 'edges', 'trace_function_infos',
  'trace_tree', 'samples', 'locations', 'strings'];
if (JSON.stringify(Object.keys(snap)) !== JSON.stringify(order))
  fail(`top-level keys ${Object.keys(snap)} are not ${order}`);
// memlab reads the meta between "snapshot": and the first "nodes":
if (text.indexOf('"nodes":') > text.indexOf('"node_count"') + 200)
  fail('"nodes" does not follow the snapshot header');

const meta = snap.snapshot.meta;
const want = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count',
    'trace_node_id', 'detachedness'],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  trace_function_info_fields: ['function_id', 'name', 'script_name',
    'script_id', 'line', 'column'],
  trace_node_fields: ['id', 'function_info_index', 'count', 'size',
    'children'],
  sample_fields: ['timestamp_us', 'last_assigned_id'],
  location_fields: ['object_index', 'script_id', 'line', 'column'],
};
for (const k of Object.keys(want))
  if (JSON.stringify(meta[k]) !== JSON.stringify(want[k]))
    fail(`meta.${k} is ${JSON.stringify(meta[k])}`);
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
if (JSON.stringify(edgeTypes) !== JSON.stringify(['context', 'element',
  'property', 'internal', 'hidden', 'shortcut', 'weak']))
  fail(`edge types ${edgeTypes}`);
if (nodeTypes.length !== 15 || nodeTypes[9] !== 'synthetic' ||
    nodeTypes[0] !== 'hidden' || nodeTypes[3] !== 'object')
  fail(`node types ${nodeTypes}`);
if (meta.node_types.length !== meta.node_fields.length ||
    meta.edge_types.length !== meta.edge_fields.length)
  fail('type lists do not match the field lists');

const NF = meta.node_fields.length, EF = meta.edge_fields.length;
const { nodes, edges, strings } = snap;
const u32 = (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
if (nodes.length % NF || edges.length % EF) fail('ragged arrays');
const nnodes = nodes.length / NF, nedges = edges.length / EF;
if (snap.snapshot.node_count !== nnodes) fail('node_count is wrong');
if (snap.snapshot.edge_count !== nedges) fail('edge_count is wrong');
for (const arr of [nodes, edges, snap.locations])
  for (let i = 0; i < arr.length; i++)
    if (!u32(arr[i])) fail(`a number beyond 32 bits: ${arr[i]}`);
for (const s of strings) if (typeof s !== 'string') fail('a string is not');

// node 0: the synthetic root
if (nodeTypes[nodes[0]] !== 'synthetic') fail('node 0 is not synthetic');
let sum = 0;
const ids = new Set();
for (let i = 0; i < nodes.length; i += NF) {
  if (nodes[i] >= nodeTypes.length) fail(`node type ${nodes[i]}`);
  if (nodes[i + 1] >= strings.length) fail('node name beyond strings');
  if (ids.has(nodes[i + 2])) fail(`node id ${nodes[i + 2]} twice`);
  ids.add(nodes[i + 2]);
  sum += nodes[i + 4];
}
if (sum !== nedges) fail(`edge counts add up to ${sum}, not ${nedges}`);
for (let i = 0; i < edges.length; i += EF) {
  const t = edgeTypes[edges[i]], noi = edges[i + 1], to = edges[i + 2];
  if (t === undefined) fail(`edge type ${edges[i]}`);
  if (to % NF !== 0 || to >= nodes.length)
    fail(`to_node ${to} is not a node's ordinal times ${NF}`);
  if (t !== 'element' && t !== 'hidden' && noi >= strings.length)
    fail(`edge name ${noi} beyond strings`);
}
console.log(`nodes ${nnodes} edges ${nedges}`);

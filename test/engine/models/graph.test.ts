// The graph family's own rules: which nodes it marks prunable, and one line naming the node for each
// malformed graph. (Its examples run through both conformance suites like every family's.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../../src-shared/errors.ts';
import { graph, type GraphSpec } from '../../../src-main/engine/models/graph.ts';
import { resolveArch } from '../../../src-main/engine/models/register-all.ts';
import { prunableUnits } from '../../../src-main/engine/pruning/units.ts';

const [concatNet, residualNet] = graph.examples.map((e) => e.spec) as [GraphSpec, GraphSpec];

test('prunable: convs and dense layers whose channels reach only layers, or one coupled unit where a sum joins them; not the logits', () => {
  assert.deepEqual(prunableUnits(concatNet).map((u) => u.kind === 'conv' && [u.layer, u.role, u.slot]), [
    ['stem', 'feature', { field: 'nodes', index: 0, key: 'filters' }],
    ['a', 'feature', { field: 'nodes', index: 3, key: 'filters' }],
    ['b', 'feature', { field: 'nodes', index: 6, key: 'filters' }],
    ['mix', 'feature', { field: 'nodes', index: 11, key: 'filters' }],
  ]);
  // stem and project feed the sum: one coupled unit; expand reaches project through the depthwise conv; hidden is a BN1d head.
  assert.deepEqual(prunableUnits(residualNet).map((u) => u.kind === 'conv' && [u.layer, u.bn, u.coupled?.map((c) => [c.layer, c.bn, c.slot])]), [
    ['stem', 'stem_bn', [['project', 'project_bn', { field: 'nodes', index: 9, key: 'filters' }]]],
    ['expand', 'expand_bn', undefined],
    ['hidden', 'hidden_bn', undefined],
  ]);
});

test('a coupled group may mix BN and BN-less members; it stays whole where a sum joins the image or reaches a concatenation', () => {
  const net = (nodes: GraphSpec['nodes'], output = 'fc'): GraphSpec => ({ family: 'graph', input: [8, 8, 3], classes: 10, nodes, output });
  const block: GraphSpec['nodes'] = [
    { op: 'conv', id: 'c', inputs: ['input'], filters: 3, kernel: 3 },
    { op: 'bn', id: 'c_bn', inputs: ['c'] },
  ];
  const head: GraphSpec['nodes'] = [{ op: 'global_avg_pool', id: 'gap', inputs: ['sum'] }, { op: 'dense', id: 'fc', inputs: ['gap'], units: 10 }];
  const layers = (spec: GraphSpec) => prunableUnits(spec).map((u) => (u.kind === 'conv' ? [u.layer, ...(u.coupled ?? []).map((c) => c.layer)] : []));
  // The image's channels cannot go, so neither can those of the conv added to it.
  assert.deepEqual(layers(net([...block, { op: 'add', id: 'sum', inputs: ['input', 'c_bn'] }, ...head])), []);
  const twoConvs: GraphSpec['nodes'] = [...block, { op: 'conv', id: 'd', inputs: ['input'], filters: 3, kernel: 1, pad: 0 }, { op: 'add', id: 'sum', inputs: ['c_bn', 'd'] }];
  assert.deepEqual(layers(net([...twoConvs, ...head])), [['c', 'd']], 'a BN-less member is coupled too');
  const [coupled] = prunableUnits(net([...twoConvs, ...head]));
  assert.equal(coupled?.kind === 'conv' && coupled.coupled?.[0]?.bn, '');
  assert.deepEqual(layers(net([...twoConvs, { op: 'concat', id: 'cat', inputs: ['sum', 'input'] }, { op: 'global_avg_pool', id: 'gap', inputs: ['cat'] }, { op: 'dense', id: 'fc', inputs: ['gap'], units: 10 }])), []);
});

const broken = (edit: (nodes: GraphSpec['nodes']) => void, output?: string): unknown => {
  const spec = structuredClone(concatNet);
  edit(spec.nodes);
  if (output) spec.output = output;
  return spec;
};

for (const [what, spec, message] of [
  ['an id used twice', broken((n) => (n[4]!.id = 'a')), /node 'a': id used twice/],
  ['an input read before it is defined', broken((n) => (n[1]!.inputs = ['mix'])), /node 'stem_bn': input 'mix' is not a node defined before it/],
  ['an add with one input', broken((n) => n.splice(10, 1, { op: 'add', id: 'cat', inputs: ['a_pool'] })), /node 'cat': 'add' takes exactly 2 inputs, got 1/],
  ['a node nobody reads', broken((n) => n.splice(15, 0, { op: 'relu', id: 'spare', inputs: ['gap'] })), /node 'spare': its output is never used/],
  ['an output that is not a node', broken(() => {}, 'logits'), /field 'output': 'logits' is not a node/],
  ['an output that is not [classes]', broken((n) => ((n[15] as { units: number }).units = 7)), /field 'output': node 'fc' gives \[7\], not the \[10\] logits/],
  ['an op outside the vocabulary', broken((n) => ((n[2] as { op: string }).op = 'tanh')), /arch spec \(graph\): field 'nodes.2.op'/],
] as const) {
  test(`refused in one line naming the node: ${what}`, () => {
    assert.throws(() => resolveArch(spec), (e: unknown) => e instanceof ValidationError && message.test(e.message) && !e.message.includes('\n'));
  });
}

// Conformance over every registered family and variant, plus the registry's lookup rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArchSpecSchema, type ArchSpec } from '../../../src-shared/arch-spec.ts';
import { NotFoundError, ValidationError } from '../../../src-shared/errors.ts';
import {
  archIds,
  families,
  familyOf,
  resolveArch,
  validateSpec,
  withData,
} from '../../../src-main/engine/models/register-all.ts';
import { collectParams } from '../../../src-main/engine/models/build.ts';
import { analyseCost } from '../../../src-main/engine/analysis/cost.ts';
import { gatedUnits } from '../../../src-main/engine/pruning/fisher.ts';

/** A resolved spec with its cfg in view (every family here has one). */
type WithCfg = ArchSpec & { cfg: number[] };
const arch = (idOrSpec: string | unknown): WithCfg => resolveArch(idOrSpec) as WithCfg;

/** Ids that existed when this list was written: they may never disappear (new ones need no entry here). */
const EXPECTED_IDS = [
  'vgg11', 'vgg13', 'vgg16', 'vgg19',
  'vgg11_slim', 'vgg13_slim', 'vgg16_slim', 'vgg19_slim',
  'vgg11_bn', 'vgg13_bn', 'vgg16_bn', 'vgg19_bn',
  'vgg11_bn_imagenet', 'vgg_mini',
  'resnet20', 'resnet32', 'resnet56', 'resnet110', 'resnet_mini',
  'preresnet164', 'densenet40',
  'resnet18_imagenet', 'resnet34_imagenet', 'resnet50_imagenet',
];

test('the registry keeps every stable id (stored experiments and presets name them), each once', () => {
  const ids = archIds();
  assert.deepEqual(EXPECTED_IDS.filter((id) => !ids.includes(id)), [], 'ids that have gone');
  assert.equal(new Set(ids).size, ids.length);
});

for (const family of families) {
  test(`${family.family}: its examples parse with its schema, validate and trace`, () => {
    assert.ok(family.examples.length > 0, 'at least one example for the conformance suites');
    for (const { label, spec } of family.examples) {
      assert.equal(spec.family, family.family, label);
      assert.deepEqual(family.schema.parse(JSON.parse(JSON.stringify(spec))), spec, label);
      validateSpec(spec);
    }
  });
}

for (const family of families) {
  for (const [id, spec] of Object.entries(family.variants)) {
    test(`${id}: keyed by its id, round-trips through ArchSpecSchema and its family schema, validates and ends in [classes]`, () => {
      assert.match(id, /^[a-z0-9_]+$/);
      assert.equal(spec.id, id);
      assert.equal(spec.family, family.family);
      assert.equal(familyOf(spec), family);
      assert.deepEqual(ArchSpecSchema.parse(JSON.parse(JSON.stringify(spec))), spec);
      assert.deepEqual(family.schema.parse(JSON.parse(JSON.stringify(spec))), spec);
      validateSpec(spec);
      assert.ok(collectParams(spec).length > 0);
    });
  }
}

test('resolveArch returns a deep copy of a variant', () => {
  const a = arch('vgg16');
  assert.deepEqual(a, familyOf(a).variants['vgg16']);
  (a.cfg as unknown[])[0] = 1;
  assert.equal(arch('vgg16').cfg[0], 64);
});

test('an unknown id throws NotFoundError listing the valid ids', () => {
  assert.throws(
    () => arch('vgg17'),
    (e: unknown) => e instanceof NotFoundError && EXPECTED_IDS.every((id) => e.message.includes(id)),
  );
});

test('a spec object is parsed and validated', () => {
  const spec = arch({ family: 'resnet', input: [32, 32, 3], classes: 100, depth: 20, widths: [16, 32, 64], cfg: Array(9).fill(8) });
  assert.equal(spec.classes, 100);
  assert.throws(() => arch({ ...arch('resnet20'), extra: 1 }), ValidationError);
  assert.throws(() => arch({ ...arch('resnet20'), family: 'lenet' }), ValidationError);
});

const wrongCfg: Array<[string, (s: WithCfg) => unknown]> = [
  ['resnet56', (s) => ({ ...s, cfg: s.cfg.slice(1) })],
  ['preresnet164', (s) => ({ ...s, cfg: s.cfg.slice(1) })],
  ['densenet40', (s) => ({ ...s, cfg: [...s.cfg, 456] })],
  ['densenet_bc100', (s) => ({ ...s, cfg: s.cfg.slice(1) })],
  ['resnet34_imagenet', (s) => ({ ...s, cfg: s.cfg.slice(2) })],
  ['resnet50_imagenet', (s) => ({ ...s, cfg: s.cfg.slice(1) })],
  ['vgg16', (s) => ({ ...s, cfg: ['M'] })],
];
for (const [id, breakIt] of wrongCfg) {
  test(`${id}: a cfg of the wrong length throws ValidationError naming cfg`, () => {
    assert.throws(() => arch(breakIt(arch(id))), (e: unknown) => e instanceof ValidationError && /'cfg'/.test(e.message));
  });
}

test('reference cfg lengths: PreResNet-164 163 entries, DenseNet-40 39 entries', () => {
  const pre = arch('preresnet164');
  const dense = arch('densenet40');
  assert.equal(pre.cfg.length, 163);
  assert.deepEqual(pre.cfg.slice(0, 6), [16, 16, 16, 64, 16, 16]);
  assert.deepEqual(pre.cfg.slice(54, 57), [64, 32, 32]);
  assert.deepEqual(pre.cfg.slice(108, 111), [128, 64, 64]);
  assert.equal(pre.cfg.at(-1), 256);
  assert.equal(dense.cfg.length, 39);
  assert.deepEqual([dense.cfg[0], dense.cfg[12], dense.cfg[13], dense.cfg[25], dense.cfg[26], dense.cfg[38]], [24, 168, 168, 312, 312, 456]);
});

test('DenseNet-BC-100 (growth 12, compression 0.5): 769,162 parameters, transitions to 108 and 150, 342 features; 48 bottlenecks of 48 prunable channels', () => {
  const bc = arch('densenet_bc100');
  // Counted independently from the layout (stem 24; 16 bottlenecks a block of 1×1 → 48 and 3×3 → 12; transitions ⌊½·width⌋):
  // Huang et al. (CVPR 2017, Table 2) give 0.8M.
  assert.equal(analyseCost(bc).totals.params, 769_162);
  const shapes = Object.fromEntries(collectParams(bc).map((p) => [p.name, p.shape]));
  assert.deepEqual([shapes['trans1.conv1.weight'], shapes['trans2.conv1.weight'], shapes['fc.weight']], [[1, 1, 216, 108], [1, 1, 300, 150], [342, 10]]);
  // pytorch-prunes' MaskBlocks (anchors-mission §2.1): the inner channels of the 48 bottlenecks, 2304 in all.
  const gated = gatedUnits(bc);
  assert.equal(gated.length, 48);
  assert.equal(gated.reduce((n, g) => n + g.candidates.length, 0), 2304);
  assert.throws(() => arch({ ...bc, depth: 99 }), (e: unknown) => e instanceof ValidationError && /densenet_bc spec: field 'depth' must be 6n\+4 with n ≥ 1 \(got 99\)/.test(e.message));
});

test('channel selection: select lists must match cfg and stay within the full width', () => {
  const pre = arch('preresnet164');
  if (pre.family !== 'preresnet') throw new Error('unreachable');
  const n = 18;
  const full = [...Array.from({ length: 3 * n }, (_, k) => pre.cfg[3 * k]!), pre.cfg[9 * n]!];
  const all = full.map((c) => Array.from({ length: c }, (_, i) => i));
  // Keep only even channels of block 1's selection layer: cfg says 32 of 64.
  const select = all.map((l, k) => (k === 1 ? l.filter((i) => i % 2 === 0) : l));
  const cfg = [...pre.cfg];
  cfg[3] = 32;
  const smaller = arch({ ...pre, cfg, select });
  const conv = collectParams(smaller).find((p) => p.name === 'layer1.1.conv1.weight')!;
  assert.deepEqual(conv.shape, [1, 1, 32, 16]);

  assert.throws(() => arch({ ...pre, cfg }), /'cfg' selects 32 of 64/);
  assert.throws(() => arch({ ...pre, cfg, select: select.slice(1) }), /'select' must have 55 lists/);
  const bad = select.map((l, k) => (k === 1 ? [...l.slice(0, -1), 64] : l));
  assert.throws(() => arch({ ...pre, cfg, select: bad }), (e: unknown) => e instanceof ValidationError && /select\.1.*out of range/.test(e.message));
  const short = select.map((l, k) => (k === 2 ? l.slice(1) : l));
  assert.throws(() => arch({ ...pre, cfg, select: short }), /'select\.2' has 63 indices but cfg says 64/);
});

test('withData replaces input and classes on a copy', () => {
  const base = arch('resnet_mini');
  const c100 = withData(base, [32, 32, 3], 100);
  assert.deepEqual(c100.input, [32, 32, 3]);
  assert.equal(c100.classes, 100);
  assert.deepEqual(base.input, [28, 28, 1]);
  assert.deepEqual(c100.cfg, base.cfg);
  assert.notEqual(c100.cfg, base.cfg);
});

test('an input too small for the network fails with a ValidationError naming the layer', () => {
  assert.throws(
    () => validateSpec(withData(arch('vgg11_bn_imagenet'), [16, 16, 3], 10)),
    (e: unknown) => e instanceof ValidationError && /max_pool_\d+ \(after features\.\d+\)/.test(e.message),
  );
});

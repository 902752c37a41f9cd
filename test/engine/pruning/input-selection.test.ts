// The regression method's channel selection before a ResNet block's first conv (input-selection.ts): the target
// resnet50_2x gives the reference's ResNet-50-2x from ResNet-50 (inner widths and each block's input width); only
// channel_regression accepts input widths; and on a hand-computable case — every block's first conv reads only
// four channels of its stream — the method keeps those four and the pruned network computes the un-pruned
// network's logits, with a cancel between blocks resumed bit-identically.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { CancelledError, ValidationError } from '../../../src-shared/errors.ts';
import { analyseCost } from '../../../src-main/engine/analysis/cost.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { resolveArch } from '../../../src-main/engine/models/register-all.ts';
import type { ImageNetResNetSpec } from '../../../src-main/engine/models/resnet-imagenet.ts';
import { applyPlan, parsePlan } from '../../../src-main/engine/pruning/apply-plan.ts';
import { scratchBEpochs } from '../../../src-main/engine/pruning/budget.ts';
import { blockInputs } from '../../../src-main/engine/pruning/input-selection.ts';
import { layerInputs } from '../../../src-main/engine/pruning/layer-inputs.ts';
import { planPruning, specForTarget } from '../../../src-main/engine/pruning/method.ts';
import { getMethod } from '../../../src-main/engine/pruning/methods/register-all.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { readCheckpoint } from '../../../src-main/engine/training/checkpoint.ts';
import { evalLogits, randomImages, randomInput, randomWeights, relativeError } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-input-select-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await selectBackend('cpu');
});

test('target resnet50_2x gives the reference\'s ResNet-50-2x from ResNet-50: its inner widths, its input widths, Scratch-B 134 epochs', () => {
  const base = resolveArch('resnet50_imagenet');
  const pruned = specForTarget(base, { target: 'resnet50_2x' }, 'channel_regression params.widthsFrom', { inputSelection: true }) as ImageNetResNetSpec;
  const reference = resolveArch('resnet50_2x') as ImageNetResNetSpec;
  assert.equal(pruned.id, 'resnet50_2x');
  assert.deepEqual(pruned.cfg, reference.cfg);
  assert.deepEqual(pruned.inputSelect!.map((l) => l.length), [35, 101, 97, 144, 205, 198, 288, 278, 418, 407, 423, 412, 595, 606, 1222, 1147]);
  // The reference's network has biases on its four projections (3840 values), which a network pruned from ResNet-50 cannot grow.
  const [b, p, r] = [base, pruned, reference].map((s) => analyseCost(s).totals);
  assert.equal(r.params - p.params, 256 + 512 + 1024 + 2048);
  assert.equal(scratchBEpochs(90, b.flops, p.flops, { capMultiple: 2 }), 134);
});

test('input widths are refused in one line by a method that does not choose them, and where they do not fit', () => {
  const base = resolveArch('resnet50_imagenet');
  for (const id of ['l1_norm', 'thinet']) {
    const params = id === 'l1_norm' ? { target: 'resnet50_2x' } : { widthsFrom: { target: 'resnet50_2x' } };
    assert.throws(() => getMethod(id).targetSpec!(base, params), (e: unknown) =>
      e instanceof ValidationError && /field 'inputWidths' chooses which channels each residual block's first conv reads, which only channel_regression does/.test(e.message) && !e.message.includes('\n'));
  }
  const regression = getMethod('channel_regression');
  assert.throws(() => regression.targetSpec!(resolveArch('vgg16'), { widthsFrom: { cfg: (resolveArch('vgg16').cfg as unknown[]), inputWidths: [1] } }), (e: unknown) =>
    e instanceof ValidationError && /field 'inputWidths' applies to ImageNet ResNets \(resnet_imagenet\), not this vgg spec/.test(e.message));
  assert.throws(() => regression.targetSpec!(base, { widthsFrom: { cfg: base.cfg as number[], inputWidths: Array(16).fill(300) } }), (e: unknown) =>
    e instanceof ValidationError && /field 'inputWidths' entry 0 must be from 1 to 64, the width of the stream 'layer1\.0\.conv1' reads \(got 300\)/.test(e.message));
});

// A bottleneck ResNet small enough for the cpu backend: one block per stage, inner widths 4, 16×16 inputs.
const spec: ArchSpec = {
  family: 'resnet_imagenet', input: [16, 16, 3], classes: 5, depth: 14, block: 'bottleneck', blocks: [1, 1, 1, 1], cfg: [4, 4, 4, 4, 4, 4, 4, 4],
} as ArchSpec;
const inputs = blockInputs(spec)!;
const weights = randomWeights(spec, 7);
// Every block's first conv reads only four channels of its stream (zero weights on the others): four that every
// training image activates (so that no other channel carries the same — nothing).
const read: number[][] = [];
before(async () => {
  await selectBackend('cpu');
  const images = await randomImages(spec, 32).read(Int32Array.from({ length: 32 }, (_, i) => i));
  for (const b of inputs) {
    // The stream as the blocks before, already reading their four, leave it.
    const x = (await layerInputs(spec, weights, images, 32, new Set([b.conv1]))).get(b.conv1)!;
    const live = Array.from({ length: b.full }, (_, c) => c).filter((c) => {
      for (let i = c; i < x.values.length; i += b.full) if (!(x.values[i]! > 0)) return false;
      return true;
    });
    const chosen = [live[1]!, live[4]!, live[9]!, live.at(-1)!];
    read.push(chosen);
    const w = weights.get(`${b.conv1}.weight`)!;
    const out = w.length / b.full;
    for (let c = 0; c < b.full; c++) if (!chosen.includes(c)) for (let o = 0; o < out; o++) w[c * out + o] = 0;
  }
});
const params = { widthsFrom: { cfg: [4, 4, 4, 4, 4, 4, 4, 4], inputWidths: [4, 4, 4, 4] }, images: 32, locations: 4 };
const plan = (p: Record<string, unknown>, data: Parameters<typeof planPruning>[5]) => planPruning(getMethod('channel_regression'), spec, weights, p, Rng.fromSeed(4, 'prune'), data);
const bits = (w: Map<string, Float32Array>): string[] => [...w].map(([k, v]) => `${k}:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}`);

test('where every block\'s first conv reads four channels of its stream, those are kept and the logits are the un-pruned ones', async () => {
  assert.deepEqual(inputs.map((b) => b.full), [64, 256, 512, 1024]);
  const statePath = join(dir, 'straight.ckpt');
  const reports: string[] = [];
  const p = parsePlan(await plan(params, { ...randomImages(spec, 32), statePath, onProgress: (r) => reports.push(`${r.done}/${r.total} ${r.info}`) }));
  assert.deepEqual((p.pruned as ImageNetResNetSpec).inputSelect, read);
  assert.equal(reports.at(-1), '4/4 layer4.0.conv1 reads 4 of 1024 inputs, refitted');
  assert.equal(p.finetuneFrom, 'planning-pruned');
  const x = randomInput(spec, 6, 3);
  const full = await evalLogits(spec, weights, x);
  const planned = relativeError(await evalLogits(p.pruned, readCheckpoint(statePath).weights, x), full);
  const replayed = relativeError(await evalLogits(p.pruned, applyPlan(p, weights), x), full);
  x.dispose();
  assert.ok(planned < 1e-4, `the planning's weights: relative error ${planned}`);
  assert.ok(replayed < 1e-4, `the plan replayed on the base's weights: relative error ${replayed}`);
});

test('cancelled after a block and resumed, the input selection ends bit-identical to one run straight through', async () => {
  const straightPath = join(dir, 'straight2.ckpt');
  const straight = await plan(params, { ...randomImages(spec, 32), statePath: straightPath });
  const statePath = join(dir, 'resume.ckpt');
  const abort = new AbortController();
  await assert.rejects(
    plan(params, { ...randomImages(spec, 32), statePath, signal: abort.signal, onProgress: (r) => { if (r.done === 2) abort.abort(); } }),
    (e: unknown) => e instanceof CancelledError && /cancelled while pruning \(2 of 4 layers pruned\)/.test(e.message),
  );
  const resumed = await plan(params, { ...randomImages(spec, 32), statePath });
  assert.deepEqual(resumed, straight);
  assert.deepEqual(bits(readCheckpoint(statePath).weights), bits(readCheckpoint(straightPath).weights));
  // One factor per kept channel instead of the refit (refit=false): the same choices here, no state needed to replay them.
  const factors = parsePlan(await plan({ ...params, refit: false }, randomImages(spec, 32)));
  assert.deepEqual((factors.pruned as ImageNetResNetSpec).inputSelect, (straight.pruned as ImageNetResNetSpec).inputSelect);
});

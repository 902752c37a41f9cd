// ThiNet with fine-tuning between layers (params.finetune): each layer is chosen on the network as the
// earlier layers' cut, rescale and fine-tuning left it; the finetune regime then starts from those weights
// (finetuneFrom 'planning-pruned', kept in the state file); cancelled after a layer and resumed, the
// planning ends bit-identical to one run straight through; without layerByLayer it is refused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CancelledError, ValidationError } from '../../../src-shared/errors.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { collectParams } from '../../../src-main/engine/models/build.ts';
import { applyPlan, parsePlan } from '../../../src-main/engine/pruning/apply-plan.ts';
import { planPruning } from '../../../src-main/engine/pruning/method.ts';
import { thinet } from '../../../src-main/engine/pruning/methods/thinet.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { readCheckpoint } from '../../../src-main/engine/training/checkpoint.ts';
import { TEST_SPECS, randomImages, randomWeights } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-thinet-ft-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await selectBackend('cpu');
});

const spec = TEST_SPECS.vgg.find((s) => s.label.startsWith('vgg_mini'))!.spec;
const weights = randomWeights(spec, 4);
const params = { widthsFrom: { ratio: 0.5 }, images: 8, locations: 4, finetune: { batches: 3, batchSize: 4, lr: 0.05 } };
const plan = (data: Parameters<typeof planPruning>[5]) => planPruning(thinet, spec, weights, params, Rng.fromSeed(2, 'prune'), data);
const bits = (w: Map<string, Float32Array>): string[] => [...w].map(([k, v]) => `${k}:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}`);

test('fine-tuned between layers: the plan names the pruned weights it ends with, moved by training from the plain cut', async () => {
  const statePath = join(dir, 'straight.ckpt');
  const reports: string[] = [];
  const p = parsePlan(await plan({ ...randomImages(spec, 8), statePath, onProgress: (r) => reports.push(`${r.done}/${r.total} ${r.unit}`) }));
  assert.equal(p.finetuneFrom, 'planning-pruned');
  const narrowed = Object.keys(p.keep).length;
  assert.ok(narrowed >= 2, `${narrowed} layers narrowed`);
  assert.deepEqual([reports[0], reports.at(-1)], [`0/${narrowed} layers pruned`, `${narrowed}/${narrowed} layers pruned`]);
  const tuned = readCheckpoint(statePath).weights;
  assert.deepEqual([...tuned.keys()].sort(), collectParams(p.pruned).map((q) => q.name).sort(), 'the state holds the pruned network');
  for (const q of collectParams(p.pruned)) assert.equal(tuned.get(q.name)!.length, q.shape.reduce((a, b) => a * b, 1), q.name);
  // The same choices replayed on the baseline's weights give other values: the fine-tuning is in them.
  const replayed = applyPlan(p, weights);
  const moved = [...replayed].filter(([k, v]) => k.endsWith('.weight') && v.some((x, i) => x !== tuned.get(k)![i])).length;
  assert.ok(moved > 0, 'fine-tuning changed the conv weights');
  // Without `finetune` the plan replays on the baseline's weights, as before.
  const plain = parsePlan(await planPruning(thinet, spec, weights, { ...params, finetune: undefined }, Rng.fromSeed(2, 'prune'), randomImages(spec, 8)));
  assert.equal(plain.finetuneFrom, undefined);
});

test('cancelled after a layer and resumed from its state, the planning ends bit-identical to one run straight through', async () => {
  const straightPath = join(dir, 'straight2.ckpt');
  const straight = await plan({ ...randomImages(spec, 8), statePath: straightPath });
  const statePath = join(dir, 'resume.ckpt');
  const abort = new AbortController();
  await assert.rejects(
    plan({ ...randomImages(spec, 8), statePath, signal: abort.signal, onProgress: (r) => { if (r.done === 1) abort.abort(); } }),
    (e: unknown) => e instanceof CancelledError && /cancelled while pruning \(1 of \d+ layers pruned\)/.test(e.message),
  );
  assert.equal((readCheckpoint(statePath).planning as { layers: number }).layers, 1, 'the state holds the first layer');
  const resumed = await plan({ ...randomImages(spec, 8), statePath });
  assert.deepEqual(resumed, straight);
  assert.deepEqual(bits(readCheckpoint(statePath).weights), bits(readCheckpoint(straightPath).weights));
});

test('fine-tuning between layers without layerByLayer, or a state file of another planning, is refused in one line', async () => {
  await assert.rejects(
    planPruning(thinet, spec, weights, { ...params, layerByLayer: false }, Rng.fromSeed(2, 'prune'), randomImages(spec, 8)),
    (e: unknown) => e instanceof ValidationError && /thinet params\.finetune: fine-tuning between layers needs layerByLayer/.test(e.message) && !e.message.includes('\n'),
  );
  // A state written for another network (here: the same layers under another id) is not resumed from.
  const path = join(dir, 'other.ckpt');
  const renamed = { ...spec, id: 'another_net' };
  await planPruning(thinet, renamed, weights, params, Rng.fromSeed(2, 'prune'), { ...randomImages(renamed, 8), statePath: path });
  await assert.rejects(plan({ ...randomImages(spec, 8), statePath: path }), (e: unknown) =>
    e instanceof Error && /other\.ckpt: not this experiment's thinet planning state; delete it to plan again/.test(e.message) && !e.message.includes('\n'));
});

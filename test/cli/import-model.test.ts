// `pwb import-model`: a TF.js Layers model saved by tfjs becomes DIR/arch.json and DIR/weights.ckpt, which
// `pwb prune --weights` plans from and an experiment spec names as its arch (a small full `pwb run`) and
// as the weights its baseline starts from (baselineWeights); an existing folder, a missing weights file and
// a checkpoint of another architecture are refused in one line, nothing written.
import { readCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import '../../src-main/engine/tf.ts';
import * as tfl from '@tensorflow/tfjs';
import { saveTfjsModel as saveArtifacts } from '../engine/import/save-tfjs-model.ts';
import { explain, sandbox, tempDir } from './helpers.ts';

/** A small Fashion-MNIST-shaped CNN (`width` filters in its first conv), saved the way tfjs's file handler lays it out. */
async function saveTfjsModel(folder: string, width = 8): Promise<string> {
  await tfl.setBackend('cpu');
  const model = tfl.sequential({
    name: 'tiny_cnn',
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: width, kernelSize: 3, padding: 'same', useBias: false, name: 'c1' }),
      tfl.layers.batchNormalization({ name: 'b1' }),
      tfl.layers.reLU({ name: 'r1' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'p1' }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', useBias: false, name: 'c2' }),
      tfl.layers.batchNormalization({ name: 'b2' }),
      tfl.layers.reLU({ name: 'r2' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: 10, activation: 'softmax', name: 'out' }),
    ],
  });
  const path = await saveArtifacts(model, folder);
  model.dispose();
  return path;
}

test('pwb import-model: arch.json and weights.ckpt that prune and run an experiment; refusals in one line', { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t, 'pwb-import-');
  const modelJson = await saveTfjsModel(join(dir, 'tfjs'));
  const box = sandbox(dir);
  const out = join(dir, 'imported');

  const r = await box.runNoDb(['import-model', modelJson, '--out', out, '--json']);
  assert.equal(r.code, 0, explain(r));
  const summary = JSON.parse(r.stdout) as { nodes: number; params: number; prunableLayers: number; notes: string[] };
  assert.equal(summary.prunableLayers, 2);
  assert.ok(summary.notes.some((n) => /softmax is dropped/.test(n)), summary.notes.join('; '));
  const arch = JSON.parse(readFileSync(join(out, 'arch.json'), 'utf8')) as { family: string; id: string; input: number[] };
  assert.deepEqual([arch.family, arch.id, arch.input], ['graph', 'tiny_cnn', [28, 28, 1]]);

  const again = await box.runNoDb(['import-model', modelJson, '--out', out]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr.trim(), /^pwb: error: .*arch\.json exists; choose another --out folder or pass --force to replace it$/);

  rmSync(join(dir, 'tfjs', 'weights.bin'));
  const missing = await box.runNoDb(['import-model', modelJson, '--out', join(dir, 'other')]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr.trim(), /^pwb: error: .*model\.json: its weights file 'weights\.bin' is not beside it/);
  assert.equal(existsSync(join(dir, 'other')), false, 'nothing written');

  const pruned = await box.runNoDb(['prune', '--arch', join(out, 'arch.json'), '--weights', join(out, 'weights.ckpt'), '--method', 'l1_norm', '--param', 'ratio=0.5', '--json']);
  assert.equal(pruned.code, 0, explain(pruned));
  const p = JSON.parse(pruned.stdout) as { params: { base: number; pruned: number } };
  assert.ok(p.params.pruned < p.params.base, JSON.stringify(p.params));

  const specPath = join(dir, 'experiment.json');
  writeFileSync(specPath, JSON.stringify({
    version: 1, name: 'imported tiny CNN', dataset: 'fashion-mnist-mini', arch,
    method: { id: 'l1_norm', params: { ratio: 0.5 } }, regimes: ['finetune', 'scratch-e'], seeds: [1],
    baseline: { epochs: 1, trainLimit: 256, testLimit: 200 }, finetune: { epochs: 1, trainLimit: 256, testLimit: 200 },
  }));
  const run = await box.run(['run', specPath, '--threads', '1', '--json']);
  assert.equal(run.code, 0, explain(run));
  const result = JSON.parse(run.stdout) as { runs: Array<{ regime: string; status: string }> };
  assert.deepEqual(result.runs.map((x) => [x.regime, x.status]), [['baseline', 'completed'], ['finetune', 'completed'], ['scratch-e', 'completed']]);

  // The baseline starts from the imported weights: at lr 1e-6 for one epoch its conv weights stay theirs.
  const startPath = join(dir, 'start.json');
  const imported = readCheckpoint(join(out, 'weights.ckpt')).weights;
  writeFileSync(startPath, JSON.stringify({
    version: 1, name: 'from the imported weights', dataset: 'fashion-mnist-mini', arch, baselineWeights: join(out, 'weights.ckpt'),
    method: { id: 'l1_norm', params: { ratio: 0.5 } }, regimes: ['finetune'], seeds: [1],
    baseline: { epochs: 1, lr: 1e-6, trainLimit: 256, testLimit: 200 }, finetune: { epochs: 1, trainLimit: 256, testLimit: 200 },
  }));
  const started = await box.run(['run', startPath, '--threads', '1', '--json']);
  assert.equal(started.code, 0, explain(started));
  const baselineRun = (JSON.parse(started.stdout) as { runs: Array<{ regime: string; checkpointDir: string }> }).runs.find((x) => x.regime === 'baseline')!;
  const trained = readCheckpoint(join(baselineRun.checkpointDir, 'last.ckpt')).weights;
  for (const name of ['c1.weight', 'c2.weight', 'out.weight']) {
    const a = trained.get(name)!;
    const b = imported.get(name)!;
    const drift = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    assert.ok(drift < 1e-3, `${name} moved ${drift} from the imported weights`);
  }

  // A checkpoint of another architecture (16 filters in c1, not 8) is refused before anything trains.
  const otherOut = join(dir, 'other-arch');
  assert.equal((await box.runNoDb(['import-model', await saveTfjsModel(join(dir, 'tfjs16'), 16), '--out', otherOut])).code, 0);
  writeFileSync(startPath, JSON.stringify({ ...JSON.parse(readFileSync(startPath, 'utf8')), baselineWeights: join(otherOut, 'weights.ckpt') }));
  const refused = await box.run(['run', startPath, '--threads', '1']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr.trim(), /^pwb: error: .*field 'baselineWeights': .*weights\.ckpt has 144 values for 'c1\.weight', the architecture on dataset 'fashion-mnist-mini' needs 72 \(\[3,3,1,8\]\)/);
});

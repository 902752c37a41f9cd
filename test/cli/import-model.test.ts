// `pwb import-model`: a TF.js Layers model saved by tfjs becomes DIR/arch.json and DIR/weights.ckpt, which
// `pwb prune --weights` plans from and an experiment spec names as its arch (a small full `pwb run`) and
// as the weights its baseline starts from (baselineWeights); an existing folder, a missing weights file and
// a checkpoint of another architecture are refused in one line, nothing written; used as trained
// (baselineTrained), the baseline trains nothing and hands the imported weights on unchanged.
import { readCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import '../../src-main/engine/tf.ts';
import { saveTinyTfjsCnn } from '../engine/import/save-tfjs-model.ts';
import { explain, sandbox, tempDir } from './helpers.ts';

test('pwb import-model: arch.json and weights.ckpt that prune and run an experiment; refusals in one line', { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t, 'pwb-import-');
  const modelJson = await saveTinyTfjsCnn(join(dir, 'tfjs'));
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

  // Used as trained (baselineTrained): the baseline trains no epoch, keeps the imported weights bit for bit
  // and is evaluated; pruning and fine-tuning read them; Scratch-E trains the baseline's stated epochs.
  const asTrainedPath = join(dir, 'as-trained.json');
  writeFileSync(asTrainedPath, JSON.stringify({
    ...JSON.parse(readFileSync(startPath, 'utf8')), name: 'the imported model as trained', baselineTrained: true, regimes: ['finetune', 'scratch-e'],
    baseline: { epochs: 2, trainLimit: 256, testLimit: 200 },
  }));
  const asTrained = await box.run(['run', asTrainedPath, '--threads', '1', '--json']);
  assert.equal(asTrained.code, 0, explain(asTrained));
  const runs = (JSON.parse(asTrained.stdout) as { runs: Array<{ regime: string; status: string; epochsPlanned: number; epochsDone: number; testAcc: number | null; checkpointDir: string }> }).runs;
  const base = runs.find((x) => x.regime === 'baseline')!;
  assert.deepEqual([base.status, base.epochsPlanned, base.epochsDone], ['completed', 0, 0]);
  assert.ok(base.testAcc !== null && base.testAcc >= 0 && base.testAcc <= 1, String(base.testAcc));
  const kept = readCheckpoint(join(base.checkpointDir, 'last.ckpt')).weights;
  for (const [name, v] of imported) assert.deepEqual(kept.get(name), v, `${name} is the imported one`);
  assert.deepEqual(runs.map((x) => [x.regime, x.status, x.epochsDone]), [['baseline', 'completed', 0], ['finetune', 'completed', 1], ['scratch-e', 'completed', 2]]);
  const { baselineWeights: _unused, ...noWeights } = JSON.parse(readFileSync(asTrainedPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(asTrainedPath, JSON.stringify(noWeights));
  const noStart = await box.run(['run', asTrainedPath, '--threads', '1']);
  assert.notEqual(noStart.code, 0);
  assert.match(noStart.stderr.trim(), /^pwb: error: .*field 'baselineTrained': a baseline used as trained needs its weights; set baselineWeights/);

  // A checkpoint of another architecture (16 filters in c1, not 8) is refused before anything trains.
  const otherOut = join(dir, 'other-arch');
  assert.equal((await box.runNoDb(['import-model', await saveTinyTfjsCnn(join(dir, 'tfjs16'), 16), '--out', otherOut])).code, 0);
  writeFileSync(startPath, JSON.stringify({ ...JSON.parse(readFileSync(startPath, 'utf8')), baselineWeights: join(otherOut, 'weights.ckpt') }));
  const refused = await box.run(['run', startPath, '--threads', '1']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr.trim(), /^pwb: error: .*field 'baselineWeights': .*weights\.ckpt has 144 values for 'c1\.weight', the architecture on dataset 'fashion-mnist-mini' needs 72 \(\[3,3,1,8\]\)/);
});

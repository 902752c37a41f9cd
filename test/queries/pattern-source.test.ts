// A guided spec that names where its widths come from (method.params.pattern = { fromPreset } or
// { fromExperiment }): the pattern of that experiment's plans takes its place before the spec is prepared;
// a preset's is its newest completed experiment at the same scale; anything missing is one line saying what
// to run. Unresolved, the engine refuses the name in one line instead of guessing widths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../src-shared/errors.ts';
import { resolveArch } from '../../src-main/engine/models/register-all.ts';
import { networkSlimming } from '../../src-main/engine/pruning/methods/network-slimming.ts';
import { Rng } from '../../src-main/engine/random.ts';
import { prepareExperiment } from '../../src-main/jobs/experiment-prepare.ts';
import { experimentPattern } from '../../src-main/queries/experiment-pattern.ts';
import { namesPatternSource, withPatternResolved } from '../../src-main/queries/pattern-source.ts';
import { loadPreset } from '../../src-main/queries/presets.ts';
import { createExperiment } from '../../src-main/store/experiments.ts';
import { putPlan } from '../../src-main/store/plans.ts';
import { randomWeights } from '../engine/pruning/helpers.ts';
import { memoryDb } from '../store/helpers.ts';

const PRESET = 'slim-vgg19-70-cifar10';
const guided = (pattern: unknown, scale = 0.1) => ({
  version: 1, name: 'guided', dataset: 'fashion-mnist-mini', arch: 'vgg_mini', method: { id: 'guided', params: { pattern, by: 'stage' } },
  regimes: ['scratch-e'], seeds: [1], scale,
});

test("a named pattern is the plans' pattern of the preset's newest completed experiment at the same scale, or of the experiment named", (t) => {
  const db = memoryDb(t);
  const name = loadPreset(PRESET).name;
  const spec = resolveArch('vgg_mini');
  const plan = (seed: number, percent: number) => JSON.stringify(networkSlimming.plan(spec, randomWeights(spec, seed), { percent }, Rng.fromSeed(seed)));
  const older = createExperiment(db, { name, spec: { scale: 0.1 }, status: 'completed' });
  putPlan(db, older.id, 1, plan(1, 0.3));
  const other = createExperiment(db, { name, spec: { scale: 0.2 }, status: 'completed' });
  putPlan(db, other.id, 1, plan(2, 0.6));
  const newest = createExperiment(db, { name, spec: { scale: 0.1 }, status: 'completed' });
  for (const seed of [1, 2]) putPlan(db, newest.id, seed, plan(seed, 0.5));
  const unfinished = createExperiment(db, { name, spec: { scale: 0.1 }, status: 'running' });
  putPlan(db, unfinished.id, 1, plan(3, 0.1));

  assert.equal(namesPatternSource(guided({ fromPreset: PRESET })), true);
  const resolved = withPatternResolved(db, guided({ fromPreset: PRESET }), 'spec') as ReturnType<typeof guided>;
  const pattern = resolved.method.params.pattern as ReturnType<typeof experimentPattern>;
  assert.deepEqual(pattern.stages, experimentPattern(db, newest.id).stages, 'the newest completed one at scale 0.1');
  assert.deepEqual(pattern.source, { arch: 'vgg_mini', method: 'network_slimming', seeds: [1, 2], experiment: newest.id }, 'the stored spec says where its widths came from');
  assert.equal(resolved.method.params.by, 'stage', 'the other params as they were');
  const atScale = withPatternResolved(db, guided({ fromPreset: PRESET }, 0.2), 'spec') as ReturnType<typeof guided>;
  assert.equal((atScale.method.params.pattern as { source: { experiment: number } }).source.experiment, other.id);
  const byId = withPatternResolved(db, guided({ fromExperiment: older.id }), 'spec') as ReturnType<typeof guided>;
  assert.deepEqual((byId.method.params.pattern as { stages: unknown }).stages, experimentPattern(db, older.id).stages);

  const inline = guided({ stages: [{ fraction: 0.5 }] });
  assert.equal(namesPatternSource(inline), false);
  assert.equal(withPatternResolved(db, inline, 'spec'), inline, 'a spec with its widths is left as it is');
});

test('what cannot be resolved is one line naming the field and what to run', async (t) => {
  const db = memoryDb(t);
  const refuse = (pattern: unknown, scale: number, message: RegExp) =>
    assert.throws(() => withPatternResolved(db, guided(pattern, scale), 'spec.json'), (e: unknown) => e instanceof ValidationError && message.test(e.message) && !e.message.includes('\n'));
  refuse({ fromPreset: PRESET }, 0.25, /^spec\.json: field 'method\.params\.pattern': no completed experiment of preset 'slim-vgg19-70-cifar10' at scale 0\.25 in this database; run `pwb run slim-vgg19-70-cifar10 --scale 0\.25` first/);
  refuse({ fromPreset: 'no-such-preset' }, 1, /^spec\.json: field 'method\.params\.pattern': unknown preset 'no-such-preset'/);
  refuse({ fromExperiment: 42 }, 1, /^spec\.json: field 'method\.params\.pattern': experiment 42 not found/);
  const e = createExperiment(db, { name: 'no plans yet', spec: {}, status: 'running' });
  refuse({ fromExperiment: e.id }, 1, /has no pruning plan yet/);
  // Unresolved (a spec run where no database is read), the method says so instead of guessing.
  await assert.rejects(prepareExperiment(guided({ fromPreset: PRESET })), /names preset 'slim-vgg19-70-cifar10' instead of giving the widths/);
});

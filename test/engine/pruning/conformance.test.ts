// Every registered pruning method on every family it supports (small specs from helpers.ts), with the
// method's exampleParams — a new method is tested here with no new code:
//   - the plan parses as a PruningPlan;
//   - ORACLE: the physically pruned model's eval logits equal the base model's with the removed
//     channels' contributions zeroed, within 1e-5 of the logit scale (random weights, random BN stats);
//   - the pruned model's trainable values number exactly analyseCost(pruned).totals.params, fewer
//     than the base's (structured) / the masks' kept count (unstructured);
//   - a method that trains its own version of the network (SSS's scaled blocks) prunes that version;
//   - a method that reads activations (planFromData) gets random images of the spec's input shape,
//     plans once (on wasm) and is checked on every backend from that plan;
//   - replaying the plan after a JSON round trip gives bit-identical weights; applyPlan mutates nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '../../../src-main/engine/tf.ts';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import { analyseCost } from '../../../src-main/engine/analysis/cost.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { applyPlan, parsePlan } from '../../../src-main/engine/pruning/apply-plan.ts';
import { decodeMasks } from '../../../src-main/engine/pruning/masks.ts';
import { planPruning, supportedFamilies, supports, type PruningMethod } from '../../../src-main/engine/pruning/method.ts';
import type { PruningPlan } from '../../../src-shared/pruning.ts';
import { methods } from '../../../src-main/engine/pruning/methods/register-all.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { backendsUnderTest, skipReason } from '../backends.ts';
import { TEST_SPECS, evalLogits, oracleBase, randomImages, randomInput, randomWeights, relativeError, trainableCount } from './helpers.ts';

const TOLERANCE = 1e-5;
const BATCH = 2;

const weightCache = new Map<string, Map<string, Float32Array>>();
const weightsFor = (label: string, spec: ArchSpec): Map<string, Float32Array> => {
  let w = weightCache.get(label);
  if (!w) weightCache.set(label, (w = randomWeights(spec, 11)));
  return w;
};
const checksum = (weights: ReadonlyMap<string, Float32Array>): number => {
  let s = 0;
  for (const v of weights.values()) for (let i = 0; i < v.length; i += 97) s += v[i]! * (i + 1);
  return s;
};

// A data-aware method's plan is made once, on wasm, and replayed
// on the others: its planning runs the same eval forward the model suite checks on every backend, and on
// a software GPU that forward, once per layer (layer by layer), is most of the suite's time.
const dataPlans = new Map<string, PruningPlan>();
async function planFor(method: PruningMethod, label: string, spec: ArchSpec, weights: Map<string, Float32Array>): Promise<PruningPlan> {
  const key = `${method.id}/${label}`;
  const cached = dataPlans.get(key);
  if (cached) return cached;
  if (!method.planFromData) return parsePlan(await planPruning(method, spec, weights, method.exampleParams, Rng.fromSeed(3, 'prune'), null));
  // Planned on wasm, the fastest backend every machine has: a method that fine-tunes while it plans (Fisher)
  // trains there ≈ 100× faster than on the reference cpu backend. Then the suite's backend again.
  const current = tf.getBackend();
  await selectBackend('wasm');
  try {
    const plan = parsePlan(await planPruning(method, spec, weights, method.exampleParams, Rng.fromSeed(3, 'prune'), randomImages(spec, 6)));
    dataPlans.set(key, plan);
    return plan;
  } finally {
    await selectBackend(current as Parameters<typeof selectBackend>[0]);
  }
}

after(() => {
  weightCache.clear();
  dataPlans.clear();
});

for (const backend of backendsUnderTest) {
for (const method of methods) {
  describe(`pruning method ${method.id} on ${backend}`, { skip: skipReason(backend) }, () => {
    before(async () => {
      assert.equal((await selectBackend(backend)).name, backend);
    });
    for (const family of supportedFamilies(method)) {
      for (const { label, spec: plain } of TEST_SPECS[family]) {
        test(`${family}: ${label}`, async () => {
          // The network the method prunes: the spec's own, or the version it trains (SSS: scaled blocks).
          const spec = supports(method, plain) ? method.training?.trainingSpec?.(plain, method.exampleParams) ?? plain : plain;
          const weights = weightsFor(spec === plain ? label : `${label} (${method.id})`, spec);
          if (!supports(method, spec)) {
            // A spec of a supported family without what the method needs (network slimming on a VGG without
            // BN): refused in one line naming what is missing, nothing planned.
            assert.throws(() => method.plan(spec, weights, method.exampleParams, Rng.fromSeed(3, 'prune')), (e: unknown) =>
              e instanceof ValidationError && e.message.startsWith(`pruning method '${method.id}' needs `) && !e.message.includes('\n'));
            return;
          }
          const before = checksum(weights);
          const plan = await planFor(method, label, spec, weights);
          assert.equal(plan.method, method.id);
          const pruned = applyPlan(plan, weights);
          assert.equal(checksum(weights), before, 'applyPlan left the base weights alone');

          // Parameter count.
          const count = trainableCount(plan.pruned, pruned);
          assert.equal(count, analyseCost(plan.pruned).totals.params, 'trainable values vs analyseCost(pruned)');
          if (plan.kind === 'structured') {
            assert.ok(count < analyseCost(spec).totals.params, 'a structured plan at this ratio removes parameters');
          } else {
            const masks = decodeMasks(plan);
            let kept = 0;
            let nonZero = 0;
            let total = 0;
            for (const [name, mask] of masks) {
              kept += mask.reduce((a, b) => a + b, 0);
              total += mask.length;
              nonZero += pruned.get(name)!.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0);
            }
            assert.equal(nonZero, kept, 'non-zero conv weights = kept mask entries');
            assert.ok(Math.abs(1 - kept / total - 0.5) < 0.01, `removed fraction ${1 - kept / total}`);
          }

          // Oracle.
          const x = randomInput(spec, BATCH, 5);
          try {
            const oracle = oracleBase(plan, weights);
            const expected = await evalLogits(oracle.spec, oracle.weights, x);
            const actual = await evalLogits(plan.pruned, pruned, x);
            assert.equal(actual.length, BATCH * spec.classes);
            assert.ok(expected.every(Number.isFinite) && Math.max(...expected.map(Math.abs)) > 1e-6, 'oracle logits are not trivial');
            const err = relativeError(actual, expected);
            assert.ok(err <= TOLERANCE, `pruned vs zeroed base: relative error ${err} > ${TOLERANCE}`);
          } finally {
            x.dispose();
          }

          // Replay from JSON.
          const replayed = applyPlan(parsePlan(JSON.parse(JSON.stringify(plan))), weights);
          assert.deepEqual([...replayed.keys()], [...pruned.keys()]);
          for (const [name, v] of pruned) assert.ok(Buffer.from(v.buffer).equals(Buffer.from(replayed.get(name)!.buffer)), `replay of ${name}`);
        });
      }
    }
  });
}
}

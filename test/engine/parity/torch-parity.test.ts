// pwb against PyTorch on the same weights and the same batch (torch_step.py beside this file, float64):
// one training step's loss (1e-6 relative) and gradients (1e-4 relative, per parameter), the BN batch
// statistics, and the eval-mode logits (1e-5), on the cpu backend. Families: VGG (with the L1-norm
// head's BatchNorm1d) and the CIFAR ResNet (option-A shortcuts). Skipped, with the reason, where no
// Python with torch is installed (Debian: apt-get install python3-torch; CI installs it).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { selectBackend } from '../../../src-main/engine/backend/select-backend.ts';
import { findTorch } from '../../../src-main/engine/bench/torch-reference.ts';
import { collectParams, initParams } from '../../../src-main/engine/models/build.ts';
import { Model } from '../../../src-main/engine/models/model.ts';
import { resolveArch } from '../../../src-main/engine/models/register-all.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import * as tf from '../../../src-main/engine/tf.ts';
import { computeGradients } from '../../../src-main/engine/training/step.ts';

const SCRIPT = fileURLToPath(new URL('./torch_step.py', import.meta.url));
const torch = await findTorch();
const skip = torch.found ? false : torch.reason;

interface TorchStep {
  loss: number;
  grads: Record<string, number[]>;
  eval_logits: number[];
  batch_stats: Record<string, [number[], number[]]>;
}

function torchStep(request: unknown): Promise<TorchStep> {
  return new Promise((resolve, reject) => {
    const child = spawn(torch.found!.python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as TorchStep) : reject(new Error(`torch_step.py exited ${code}: ${err.trim().split('\n').at(-1)}`))));
    child.stdin.end(JSON.stringify(request));
  });
}

/** max|a − b| / max|b|. */
function relative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    ref = Math.max(ref, Math.abs(b[i]!));
  }
  return diff / Math.max(ref, 1e-30);
}

const CASES: Array<[string, ArchSpec]> = [
  // The L1-norm CIFAR VGG head (Linear–BN1d–ReLU–Linear) on a small cfg.
  ['VGG with the L1-norm head', { family: 'vgg', id: 'vgg_parity', input: [16, 16, 3], classes: 10, cfg: [8, 'M', 16, 'M', 32], pool: 'global_avg', fc: [24] }],
  ['VGG with the slimming head (vgg_mini)', resolveArch('vgg_mini')],
  ['CIFAR ResNet-20 (option-A shortcuts)', resolveArch('resnet20')],
];

describe('one training step and an evaluation, pwb (cpu) vs PyTorch (float64)', { skip }, () => {
  before(async () => {
    await selectBackend('cpu');
  });

  for (const [label, spec] of CASES) {
    test(label, { timeout: 120_000 }, async () => {
      const rng = Rng.fromSeed(5, 'parity');
      const weights = initParams(spec, rng);
      // Non-trivial BN affine parameters and running statistics, so every path is exercised.
      for (const [name, v] of weights) {
        if (/\.(gamma|beta|running_mean)$/.test(name)) v.forEach((_, i) => (v[i] = (name.endsWith('gamma') ? 1 : 0) + 0.2 * rng.normal()));
        if (name.endsWith('running_var')) v.forEach((_, i) => (v[i] = 0.5 + rng.uniform()));
      }
      const n = 6;
      const [h, w, c] = spec.input;
      const x = Float32Array.from({ length: n * h * w * c }, () => rng.normal());
      const y = Int32Array.from({ length: n }, (_, i) => (i * 7) % spec.classes);
      const params = collectParams(spec);
      const reply = await torchStep({
        spec,
        params: Object.fromEntries(params.map((p) => [p.name, { kind: p.layerKind, shape: p.shape, over: p.bnOver }])),
        weights: Object.fromEntries([...weights].map(([k, v]) => [k, Array.from(v)])),
        x: Array.from(x), shape: [n, h, w, c], y: Array.from(y),
      });

      const model = Model.fromWeights(spec, weights);
      try {
        const trainable = model.trainable();
        const step = await computeGradients(model, trainable, x, y, n);
        // A Linear's bias before a BatchNorm1d has gradient 0 in exact arithmetic (BN removes constants):
        // there pwb's float32 gradient must be noise, ≤ 1e-5 of the network's largest gradient.
        const largest = Math.max(...Object.values(reply.grads).map((g) => Math.max(...g.map(Math.abs))));
        assert.ok(Math.abs(step.loss - reply.loss) <= 1e-6 * Math.abs(reply.loss), `loss ${step.loss} vs ${reply.loss}`);
        for (const [name, v] of trainable) {
          const g = step.grads[v.name];
          assert.ok(g, `a gradient for ${name}`);
          const ref = reply.grads[name]!;
          const got = await g.data();
          if (Math.max(...ref.map(Math.abs)) <= 1e-9 * largest) {
            const noise = Math.max(...Array.from(got, Math.abs)) / largest;
            assert.ok(noise <= 1e-5, `gradient of ${name} is 0 in exact arithmetic; pwb's is ${noise.toExponential(2)} of the largest`);
            continue;
          }
          const e = relative(got, ref);
          assert.ok(e <= 1e-4, `gradient of ${name}: ${e.toExponential(2)} relative`);
        }
        for (const s of step.batchStats) {
          const [mean, variance] = reply.batch_stats[s.layer]!;
          assert.ok(relative(await s.mean.data(), mean) <= 1e-5, `${s.layer} batch mean`);
          assert.ok(relative(await s.variance.data(), variance) <= 1e-5, `${s.layer} batch variance`);
        }
        tf.dispose([...Object.values(step.grads), ...step.batchStats.flatMap((s) => [s.mean, s.variance])]);
        const logits = tf.tidy(() => model.forward(tf.tensor4d(x, [n, h, w, c]), false).logits);
        const e = relative(await logits.data(), reply.eval_logits);
        assert.ok(e <= 1e-5, `eval logits: ${e.toExponential(2)} relative`);
        logits.dispose();
      } finally {
        model.dispose();
      }
    });
  }
});

// Accelerated proximal gradient (APG) for non-negative scales under an L1 penalty γ·|λ|: Huang & Wang, "Data-Driven
// Sparse Structure Selection for Deep Neural Networks", ECCV 2018, eqs. 10–12, in the form their released
// optimizer applies every step (TuSimple/sparse-structure-selection core/optimizer.py: APGNAG), with learning
// rate η and momentum μ — no weight decay on λ, and λ clipped at 0 after each step:
//   z ← S(λ − η·g, η·γ)          S(x, a) = sign(x)·max(|x| − a, 0), the soft threshold
//   v ← z − λ + μ·v
//   λ ← max(0, z + μ·v)
// So a scale whose gradient stays below γ is driven to exactly 0, and its block can go.
import * as tf from '../tf.ts';
import type { ProximalRule } from './method.ts';

/** One APG step on plain numbers: the reference the tensor rule is tested against. */
export function apgStep(w: number, grad: number, v: number, step: { lr: number; momentum: number; gamma: number }): { w: number; v: number } {
  const { lr, momentum, gamma } = step;
  const x = w - lr * grad;
  const z = Math.sign(x) * Math.max(Math.abs(x) - lr * gamma, 0);
  const next = z - w + momentum * v;
  return { w: Math.max(0, z + momentum * next), v: next };
}

/** The APG update with sparsity `gamma` for the parameters `appliesTo` picks. */
export function apgRule(gamma: number, appliesTo: (name: string) => boolean, what: string): ProximalRule {
  return {
    describe: `accelerated proximal gradient with γ = ${gamma} on ${what}`,
    appliesTo,
    update(w, grad, buffer, { lr, momentum }) {
      const x = tf.sub(w, tf.mul(grad, lr));
      const z = tf.mul(tf.sign(x), tf.relu(tf.sub(tf.abs(x), lr * gamma)));
      buffer.assign(tf.add(tf.sub(z, w), tf.mul(buffer, momentum)));
      return tf.relu(tf.add(z, tf.mul(buffer, momentum)));
    },
  };
}

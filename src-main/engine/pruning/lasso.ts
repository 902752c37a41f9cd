// LASSO channel selection (He, Zhang, Sun, "Channel Pruning for Accelerating Very Deep Neural Networks",
// ICCV 2017, §3.1): β = argmin ½‖y − Xβ‖² + λ‖β‖₁ over per-channel coefficients, X's columns the channels'
// contributions to sampled output entries and y their sum (the unpruned entries), with λ raised until
// at most the target number of β are non-zero. Solved by cyclic coordinate descent on the Gram form
// (Friedman et al. 2010), warm-started along λ; λ itself by bisection between 0 and λ_max = max |Xᵀy|.
import { normalEquations, type Contributions } from './contributions.ts';

const SWEEPS = 200;
const TOLERANCE = 1e-7;
const BISECTIONS = 30;

/** Coordinate descent for ½βᵀGβ − rᵀβ + λ‖β‖₁ from `beta` (updated in place). */
export function lassoDescent(gram: Float64Array, rhs: Float64Array, n: number, lambda: number, beta: Float64Array): Float64Array {
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    let change = 0;
    let scale = 0;
    for (let j = 0; j < n; j++) {
      const g = gram[j * n + j]!;
      if (g <= 0) {
        beta[j] = 0;
        continue;
      }
      let rho = rhs[j]!;
      for (let k = 0; k < n; k++) if (k !== j) rho -= gram[j * n + k]! * beta[k]!;
      const next = Math.sign(rho) * Math.max(Math.abs(rho) - lambda, 0) / g;
      change = Math.max(change, Math.abs(next - beta[j]!));
      scale = Math.max(scale, Math.abs(next));
      beta[j] = next;
    }
    if (change <= TOLERANCE * Math.max(scale, 1e-30)) break;
  }
  return beta;
}

/**
 * The same descent on the columns themselves, keeping the residual y − Xβ: O(rows) per coordinate instead
 * of O(channels), for fewer sampled rows than channels (few images, wide layers).
 */
function lassoDescentColumns(contrib: Contributions, y: Float64Array, diag: Float64Array, lambda: number, beta: Float64Array): Float64Array {
  const { columns, rows, channels: n } = contrib;
  const resid = Float64Array.from(y);
  for (let j = 0; j < n; j++) if (beta[j] !== 0) for (let r = 0; r < rows; r++) resid[r] = resid[r]! - columns[j]![r]! * beta[j]!;
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    let change = 0;
    let scale = 0;
    for (let j = 0; j < n; j++) {
      const g = diag[j]!;
      const col = columns[j]!;
      if (g <= 0) {
        // A channel no sample activates carries nothing (its column is zero): β 0, as in the Gram form.
        beta[j] = 0;
        continue;
      }
      let rho = g * beta[j]!;
      for (let r = 0; r < rows; r++) rho += col[r]! * resid[r]!;
      const next = (Math.sign(rho) * Math.max(Math.abs(rho) - lambda, 0)) / g;
      const delta = next - beta[j]!;
      if (delta !== 0) {
        for (let r = 0; r < rows; r++) resid[r] = resid[r]! - col[r]! * delta;
        beta[j] = next;
      }
      change = Math.max(change, Math.abs(delta));
      scale = Math.max(scale, Math.abs(next));
    }
    if (change <= TOLERANCE * Math.max(scale, 1e-30)) break;
  }
  return beta;
}

const nonZero = (beta: Float64Array): number => beta.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0);

/**
 * The `keep` channels (ascending) the LASSO keeps: λ bisected to the smallest value leaving at most
 * `keep` non-zero β; channels are ranked by |β| at the largest λ that still leaves at least `keep`
 * (so exactly `keep` are taken even where no λ gives that count), ties to the lower channel.
 */
export function lassoSelect(contrib: Contributions, keep: number): number[] {
  const n = contrib.channels;
  if (keep >= n) return Array.from({ length: n }, (_, c) => c);
  const { gram, rhs, y } = normalEquations(contrib, Array.from({ length: n }, (_, c) => c));
  const diag = Float64Array.from({ length: n }, (_, j) => gram[j * n + j]!);
  const descend = contrib.rows < n
    ? (lambda: number, beta: Float64Array) => lassoDescentColumns(contrib, y, diag, lambda, beta)
    : (lambda: number, beta: Float64Array) => lassoDescent(gram, rhs, n, lambda, beta);
  let lo = 0;
  let hi = rhs.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let loBeta = descend(0, new Float64Array(n).fill(1));
  const beta = Float64Array.from(loBeta);
  for (let i = 0; i < BISECTIONS && hi > 0; i++) {
    const mid = (lo + hi) / 2;
    descend(mid, beta);
    if (nonZero(beta) >= keep) {
      lo = mid;
      loBeta = Float64Array.from(beta);
    } else {
      hi = mid;
      beta.set(loBeta);
    }
  }
  const order = Array.from({ length: n }, (_, c) => c).sort((a, b) => Math.abs(loBeta[b]!) - Math.abs(loBeta[a]!) || a - b);
  return order.slice(0, keep).sort((a, b) => a - b);
}

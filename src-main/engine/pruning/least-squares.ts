// Small dense least squares for reconstruction methods (ThiNet's rescaling): the normal equations with
// a ridge, solved by Cholesky. Sizes are a layer's channel count (≤ a few thousand), so O(n³) is fine.

/**
 * w minimising ‖y − X w‖² + λ‖w − prior‖², from the Gram matrix G = XᵀX (n×n, row-major) and r = Xᵀy:
 * (G + λI) w = r + λ·prior. λ > 0 makes the system definite (a column of zeros keeps its prior).
 */
export function ridgeSolve(gram: Float64Array, rhs: Float64Array, n: number, lambda: number, prior: Float64Array): Float64Array {
  const a = Float64Array.from(gram);
  const b = Float64Array.from(rhs, (v, i) => v + lambda * prior[i]!);
  for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + lambda;
  // Cholesky: a = L Lᵀ, L in the lower triangle.
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! * a[j * n + k]!;
    if (!(d > 0)) throw new Error(`ridgeSolve: the system is not positive definite at row ${j} (λ ${lambda})`);
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / l;
    }
  }
  // L z = b, then Lᵀ w = z.
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= a[i * n + k]! * b[k]!;
    b[i] = s / a[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= a[k * n + i]! * b[k]!;
    b[i] = s / a[i * n + i]!;
  }
  return b;
}

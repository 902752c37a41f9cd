// Small dense least squares for reconstruction methods (ThiNet's rescaling, the regression method's refit):
// the normal equations with a ridge, solved by Cholesky. Sizes are a layer's channel count or a reader's
// kept patch (≤ a few thousand), so O(n³) is fine.

/**
 * w minimising ‖y − X w‖² + λ‖w − prior‖², from the Gram matrix G = XᵀX (n×n, row-major) and r = Xᵀy:
 * (G + λI) w = r + λ·prior. λ > 0 makes the system definite (a column of zeros keeps its prior).
 */
export function ridgeSolve(gram: Float64Array, rhs: Float64Array, n: number, lambda: number, prior: Float64Array): Float64Array {
  return ridgeSolveMany(gram, rhs, n, 1, lambda, prior);
}

/**
 * The same for m right-hand sides at once (one factorisation): W (n×m, row-major) minimising
 * ‖Y − X W‖² + λ‖W − prior‖², from G = XᵀX and R = XᵀY (n×m).
 */
export function ridgeSolveMany(gram: Float64Array, rhs: Float64Array, n: number, m: number, lambda: number, prior: Float64Array): Float64Array {
  const a = Float64Array.from(gram);
  const b = Float64Array.from(rhs, (v, i) => v + lambda * prior[i]!);
  for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + lambda;
  // Cholesky: a = L Lᵀ, L in the lower triangle.
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j]!;
    for (let k = 0; k < j; k++) d -= a[rj + k]! * a[rj + k]!;
    if (!(d > 0)) throw new Error(`ridgeSolve: the system is not positive definite at row ${j} (λ ${lambda})`);
    const l = Math.sqrt(d);
    a[rj + j] = l;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = s / l;
    }
  }
  // L Z = B row by row, then Lᵀ W = Z, every column of B at once.
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < i; k++) {
      const f = a[ri + k]!;
      if (f === 0) continue;
      for (let c = 0; c < m; c++) b[i * m + c] = b[i * m + c]! - f * b[k * m + c]!;
    }
    const d = a[ri + i]!;
    for (let c = 0; c < m; c++) b[i * m + c] = b[i * m + c]! / d;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const f = a[k * n + i]!;
      if (f === 0) continue;
      for (let c = 0; c < m; c++) b[i * m + c] = b[i * m + c]! - f * b[k * m + c]!;
    }
    const d = a[i * n + i]!;
    for (let c = 0; c < m; c++) b[i * m + c] = b[i * m + c]! / d;
  }
  return b;
}

// Per-epoch mean ± std across seeds: the bands of the comparison chart.

export interface Band {
  /** [n] x positions, ascending. */
  x: number[];
  /** [n] mean over the seeds that have a value at x; lo/hi = mean ∓ sample std (n-1). */
  mean: number[];
  lo: number[];
  hi: number[];
  /** [n] how many seeds contributed at x. */
  count: number[];
}

export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, std: 0 };
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, std: Math.sqrt(variance) };
}

/** Curves of several seeds ([x, y] pairs each) -> one band; non-finite ys are skipped. */
export function bandAcrossSeeds(curves: ReadonlyArray<ReadonlyArray<readonly [number, number | null]>>): Band {
  const byX = new Map<number, number[]>();
  for (const curve of curves) {
    for (const [x, y] of curve) {
      if (y === null || !Number.isFinite(y)) continue;
      const list = byX.get(x);
      if (list) list.push(y);
      else byX.set(x, [y]);
    }
  }
  const band: Band = { x: [], mean: [], lo: [], hi: [], count: [] };
  for (const x of [...byX.keys()].sort((a, b) => a - b)) {
    const ys = byX.get(x)!;
    const { mean, std } = meanStd(ys);
    band.x.push(x);
    band.mean.push(mean);
    band.lo.push(mean - std);
    band.hi.push(mean + std);
    band.count.push(ys.length);
  }
  return band;
}

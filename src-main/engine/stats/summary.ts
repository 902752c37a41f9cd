// Summary statistics of a sample: mean, sample standard deviation, and whether it varies at all.

export function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

/**
 * Whether `values` have no spread beyond floating-point noise at the scale of `scale` (accuracies on a
 * fixed test set move in whole images: 0.853 − 0.849 and 0.862 − 0.858 differ in the 17th digit only).
 */
export function noSpread(values: readonly number[], scale: readonly number[] = values): boolean {
  const magnitude = Math.max(...scale.map(Math.abs), Number.MIN_VALUE);
  return std(values) <= 1e-9 * magnitude;
}

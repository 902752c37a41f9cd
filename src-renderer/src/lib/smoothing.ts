// Exponential moving average with debiasing, as TensorBoard draws smoothed scalars
// (tensorflow/tensorboard#610): the running average starts at 0 and is divided by 1 - w^n, so the
// first points are not dragged towards zero. Non-finite values (null, NaN: a diverged loss) pass
// through unsmoothed and do not enter the average.

/** [n] values, weight w in [0, 1) -> [n] smoothed values (w = 0 returns the values). */
export function emaDebiased(values: ReadonlyArray<number | null>, weight: number): Array<number | null> {
  const w = Math.min(Math.max(weight, 0), 0.999);
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    last = last * w + (1 - w) * v;
    count++;
    const debias = w === 0 ? 1 : 1 - w ** count;
    return last / debias;
  });
}

// Student's t distribution (from jstat), the one place the tests get it from.
import jstatModule from 'jstat';

const { jStat } = jstatModule as unknown as typeof import('jstat');

export function tCdf(x: number, df: number): number {
  return jStat.studentt.cdf(x, df);
}

/** The p-quantile. */
export function tQuantile(p: number, df: number): number {
  return jStat.studentt.inv(p, df);
}

/** Φ, the standard normal distribution function. */
export function normalCdf(z: number): number {
  return jStat.normal.cdf(z, 0, 1);
}

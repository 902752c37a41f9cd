// Combines `pwb bench` rounds. A round measures every (backend, thread count) and then PyTorch, one after
// the other, so a machine whose speed drifts (other load, a shared VM's neighbours, clock changes) shifts
// both sides of a round alike. Each row's figures are the medians over rounds; its ratio is the median of
// the per-round ratios (each pwb figure over the PyTorch figure of the same round), with their range.
import type { BenchRow } from './bench.ts';

/** PyTorch's figures for one (model, threads) in one round, or why it failed. */
export type TorchFigures = { train: number; infer: number } | { error: string };

export interface Round {
  rows: BenchRow[];
  /** Keyed by `${model} ${threads}`. */
  torch: Map<string, TorchFigures>;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function range(values: number[]): [number, number] | null {
  return values.length === 0 ? null : [Math.min(...values), Math.max(...values)];
}

/** One row per (model, backend, threads) of the first round, with figures over every round. */
export function combineRounds(rounds: Round[], torchUnavailable: string | null): BenchRow[] {
  return rounds[0]!.rows.map((first) => {
    const same = rounds.map((r) => ({ row: r.rows.find((x) => x.model === first.model && x.backend === first.backend && x.threads === first.threads)!, torch: r.torch.get(`${first.model} ${first.threads}`) }));
    const pick = (f: (s: (typeof same)[number]) => number | null | undefined): number[] =>
      same.map(f).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const torchOk = (t: TorchFigures | undefined): t is { train: number; infer: number } => t !== undefined && !('error' in t);
    const trainRatios = pick((s) => (s.row.trainImagesPerSec !== null && torchOk(s.torch) ? s.row.trainImagesPerSec / s.torch.train : null));
    const inferRatios = pick((s) => (s.row.inferImagesPerSec !== null && torchOk(s.torch) ? s.row.inferImagesPerSec / s.torch.infer : null));
    const torchError = torchUnavailable ?? same.map((s) => (s.torch === undefined ? 'not run' : 'error' in s.torch ? s.torch.error : null)).find((e) => e !== null) ?? null;
    return {
      ...first,
      rounds: rounds.length,
      trainImagesPerSec: median(pick((s) => s.row.trainImagesPerSec)),
      inferImagesPerSec: median(pick((s) => s.row.inferImagesPerSec)),
      torchTrainImagesPerSec: median(pick((s) => (torchOk(s.torch) ? s.torch.train : null))),
      torchInferImagesPerSec: median(pick((s) => (torchOk(s.torch) ? s.torch.infer : null))),
      trainRatio: median(trainRatios),
      inferRatio: median(inferRatios),
      trainRatioRange: range(trainRatios),
      inferRatioRange: range(inferRatios),
      error: same.map((s) => s.row.error).find((e) => e !== null) ?? null,
      torchError: trainRatios.length === rounds.length ? null : torchError,
    };
  });
}

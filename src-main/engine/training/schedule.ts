// Learning rate for a 0-based epoch under a TrainConfig's schedule.
import type { TrainConfig } from '../../../src-shared/train-config.ts';

/**
 * The 0-based epochs at whose start the lr drops: floor(f · epochs) for each milestone fraction f
 * (160 epochs → 80, 120 as in the reference; 243 → 121, 182). A milestone that would fall on epoch 0
 * is dropped, so a very short run still starts at its base lr.
 */
export function milestoneEpochs(config: Pick<TrainConfig, 'epochs' | 'milestones'>): number[] {
  return config.milestones.map((f) => Math.floor(f * config.epochs)).filter((m) => m > 0);
}

export function learningRate(config: TrainConfig, epoch: number): number {
  if (config.schedule === 'constant') return config.lr;
  const passed = milestoneEpochs(config).filter((m) => epoch >= m).length;
  return config.lr * config.gamma ** passed;
}

// Learning rate for a 0-based epoch under a TrainConfig's schedule.
import type { TrainConfig } from '../../../src-shared/train-config.ts';

export function milestoneEpochs(config: Pick<TrainConfig, 'epochs' | 'milestones'>): number[] {
  return config.milestones.map((f) => Math.floor(f * config.epochs));
}

export function learningRate(config: TrainConfig, epoch: number): number {
  if (config.schedule === 'constant') return config.lr;
  const passed = milestoneEpochs(config).filter((m) => epoch >= m).length;
  return config.lr * config.gamma ** passed;
}

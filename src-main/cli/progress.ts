// Training progress on stderr: a live bar on a terminal, one line per epoch otherwise (logs, CI).
import cliProgress from 'cli-progress';
import type { BatchProgress } from '../engine/training/train.ts';

export interface ProgressReporter {
  batch(p: BatchProgress): void;
  epochDone(line: string): void;
  stop(): void;
}

export function createProgress(enabled: boolean): ProgressReporter {
  if (!enabled) return { batch() {}, epochDone() {}, stop() {} };
  if (!process.stderr.isTTY) {
    return { batch() {}, epochDone: (line) => process.stderr.write(`${line}\n`), stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'epoch {epoch}/{epochs} |{bar}| {value}/{total} batches | loss {loss} | {ips} img/s | eta {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let active = false;
  return {
    batch(p) {
      const payload = { epoch: p.epoch, epochs: p.epochs, loss: p.loss.toFixed(4), ips: p.imagesPerSec.toFixed(0) };
      if (!active) {
        bar.start(p.batches, p.batch, payload);
        active = true;
      } else bar.update(p.batch, payload);
    },
    epochDone(line) {
      if (active) bar.stop();
      active = false;
      process.stderr.write(`${line}\n`);
    },
    stop() {
      if (active) bar.stop();
      active = false;
    },
  };
}

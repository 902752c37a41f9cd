// At most N runs of an experiment training at once (`--parallel-runs`): each run takes a slot before it
// starts and gives it back when it ends, in the order they asked. The first failure (a cancel included)
// stops the experiment as it would one at a time: no waiting run starts after it, the running ones end,
// and that failure is the one reported.
export interface RunSlots {
  /** Waits for a free slot; resolves with the function that gives it back. Rejects once a run has failed. */
  acquire(): Promise<() => void>;
  /** Records a failure (the first one wins) and turns away every run still waiting. */
  fail(e: unknown): void;
  /** The first failure, or undefined. */
  readonly failure: unknown;
}

/** Why a waiting run did not start: another run had failed (that failure is the experiment's). */
export class SlotsStopped extends Error {}

export function runSlots(size: number): RunSlots {
  let free = size;
  let failure: unknown;
  let failed = false;
  const waiting: Array<{ resolve: (release: () => void) => void; reject: (e: unknown) => void }> = [];
  const release = (): (() => void) => {
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = failed ? undefined : waiting.shift();
      if (next) next.resolve(release());
      else free++;
    };
  };
  return {
    acquire() {
      if (failed) return Promise.reject(new SlotsStopped('another run failed'));
      if (free > 0) {
        free--;
        return Promise.resolve(release());
      }
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    fail(e) {
      if (failed) return;
      failed = true;
      failure = e;
      for (const w of waiting.splice(0)) w.reject(new SlotsStopped('another run failed'));
    },
    get failure() {
      return failure;
    },
  };
}

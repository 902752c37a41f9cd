/** A call that runs fn once, `ms` later; `cancel` drops a pending call. `restart`: each call resets the wait. */
function delayed(fn: () => void, ms: number, restart: boolean): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const call = (): void => {
    if (timer !== null) {
      if (!restart) return;
      clearTimeout(timer);
    }
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
  call.cancel = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return call;
}

/** Calls fn once, `ms` after the last of a burst of calls. For input (typing). */
export function debounce(fn: () => void, ms: number): { (): void; cancel(): void } {
  return delayed(fn, ms, true);
}

/**
 * Calls fn once, `ms` after the first of a burst of calls (the later ones join it). For streams of
 * events: a debounce never fires while events keep coming faster than `ms` (a run's epochs every 0.3 s
 * starved the live view's refresh, so a new run never appeared on its chart).
 */
export function coalesce(fn: () => void, ms: number): { (): void; cancel(): void } {
  return delayed(fn, ms, false);
}

/** Calls fn once, `ms` after the last of a burst of calls; `cancel` drops a pending call. For input (typing). */
export function debounce(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const call = (): void => {
    if (timer !== null) clearTimeout(timer);
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

/**
 * Calls fn once, `ms` after the first of a burst of calls (the later ones join it); `cancel` drops a
 * pending call. For streams of events: a debounce would never fire while events keep coming faster than
 * `ms` (a run's epochs every 0.3 s starved the live view's refresh, so a new run never appeared).
 */
export function coalesce(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const call = (): void => {
    if (timer !== null) return;
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

// Ctrl-C during a long job: the first asks it to stop after the current batch (so its checkpoint and
// the database stay consistent and `pwb resume` can continue); a second quits at once.
export function cancelOnSigint(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSigint = (): void => {
    process.stderr.write('\npwb: cancelling after the current batch (Ctrl-C again to quit at once)\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, release: () => process.removeListener('SIGINT', onSigint) };
}

import type { Worker } from './worker.js';

/**
 * The shutdown policy of DESIGN.md: the first SIGTERM or SIGINT stops claiming and lets
 * running jobs finish within the grace period (Docker sends SIGKILL 10 s after SIGTERM by
 * default, so the default grace is 8 s), handing back the rest; the worker then resolves
 * and the process exits 0. A second signal hands everything back at once and exits 130.
 */
export function stopOnSignals(worker: Worker, opts: { graceMs?: number; exit?: (code: number) => void } = {}): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let signalled = false;
  const onSignal = (): void => {
    if (!signalled) {
      signalled = true;
      void worker.stop(opts.graceMs);
      return;
    }
    worker.stopNow();
    exit(130);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}

import chokidar, { type FSWatcher } from 'chokidar';

/**
 * Idle workers wait on one small file that every enqueue touches (Postfix's trigger, not
 * a watch on pending/): chokidar answers any change in a watched folder by listing it
 * again with a stat per entry, which at 100k pending files would cost more than the
 * claims. Events are a hint only; they get lost (inotify overflow, network filesystems,
 * Docker Desktop volumes), so the worker's jittered rescan is what guarantees progress,
 * and `poll` swaps inotify for stat polling where events never arrive.
 */
export function watchDoorbell(
  file: string,
  onRing: () => void,
  opts: { poll?: boolean; pollIntervalMs?: number; onError?: (err: unknown) => void } = {},
): FSWatcher {
  const watcher = chokidar.watch(file, {
    persistent: true,
    ignoreInitial: true,
    usePolling: opts.poll ?? false,
    interval: opts.pollIntervalMs ?? 100,
    atomic: false,
  });
  // 'change' is throttled by chokidar to one per 50 ms per path, and the ones in between
  // are dropped, not delayed: rings closer than that would wait for the next rescan. 'raw'
  // carries every event the OS reports; a wake-up is idempotent, so each one may wake us.
  watcher.on('raw', () => onRing());
  watcher.on('change', onRing);
  watcher.on('add', onRing);
  watcher.on('error', (err) => opts.onError?.(err));
  return watcher;
}

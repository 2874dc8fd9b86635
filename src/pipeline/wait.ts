import cliProgress from 'cli-progress';
import type { FsQueue, JobRecord, JobState } from '../queue/index.js';

export interface WaitOptions {
  /** The job ids to wait for; all pending and processing jobs when absent. */
  ids?: string[];
  timeoutMs?: number;
  pollMs?: number;
  /** Progress bar on a terminal, a plain line every few seconds otherwise. */
  out?: NodeJS.WriteStream;
  signal?: AbortSignal;
}

export interface WaitResult {
  counts: Record<JobState | 'missing', number>;
  failures: { id: string; error: string; attempts: number }[];
  timedOut: boolean;
  interrupted: boolean;
  elapsedMs: number;
}

/**
 * Waits until every job of the batch has ended (completed or failed). It only reads the
 * folders, so it can be stopped at any time (Ctrl-C) and the queue goes on without it.
 */
export async function waitForJobs(queue: FsQueue, opts: WaitOptions = {}): Promise<WaitResult> {
  const started = Date.now();
  const out = opts.out ?? process.stderr;
  let ids = opts.ids;
  if (!ids) {
    ids = [];
    for (const [id, state] of queue.knownIds()) if (state === 'pending' || state === 'processing') ids.push(id);
  }
  const want = new Set(ids);
  const total = want.size;
  const tty = out.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          // Short enough for an 80-column terminal: a wrapped bar line garbles every redraw.
          format: ' {bar} {value}/{total} | pending {pending} running {processing} done {completed} failed {failed} | {rate}/s ETA {eta_formatted}',
          barsize: 20,
          hideCursor: true,
          stream: out,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(total, 0, { pending: total, processing: 0, completed: 0, failed: 0, rate: '0.0' });
  let lastLine = 0;
  let counts = tally(queue, want);
  let timedOut = false;
  let interrupted = false;
  for (;;) {
    counts = tally(queue, want);
    const ended = counts.completed + counts.failed + counts.missing;
    const secs = (Date.now() - started) / 1000;
    const rate = secs > 0 ? (counts.completed + counts.failed) / secs : 0;
    if (bar) bar.update(ended, { ...counts, rate: rate.toFixed(1) });
    else if (Date.now() - lastLine >= 5_000 || ended === total) {
      out.write(`waiting: ${ended}/${total} ended (pending ${counts.pending}, processing ${counts.processing}, completed ${counts.completed}, failed ${counts.failed}), ${rate.toFixed(1)} jobs/s\n`);
      lastLine = Date.now();
    }
    if (counts.pending + counts.processing === 0) break;
    if (opts.timeoutMs !== undefined && Date.now() - started >= opts.timeoutMs) {
      timedOut = true;
      break;
    }
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
    await new Promise<void>((resolve) => {
      // One listener per wait, removed when the wait ends: added per poll and left behind,
      // they pile up on the signal (Node warns after 10).
      const wake = (): void => {
        clearTimeout(t);
        opts.signal?.removeEventListener('abort', wake);
        resolve();
      };
      const t = setTimeout(wake, opts.pollMs ?? 250);
      opts.signal?.addEventListener('abort', wake, { once: true });
    });
  }
  bar?.stop();
  const failures: WaitResult['failures'] = [];
  for (const id of want) {
    const rec: JobRecord | null = counts.failed > 0 ? queue.readFinished('failed', id) : null;
    if (rec) failures.push({ id, error: String(rec.error ?? 'unknown error'), attempts: rec.attempts });
  }
  return { counts, failures, timedOut, interrupted, elapsedMs: Date.now() - started };
}

function tally(queue: FsQueue, want: Set<string>): Record<JobState | 'missing', number> {
  const c = { pending: 0, processing: 0, completed: 0, failed: 0, missing: 0 };
  const known = queue.knownIds();
  for (const id of want) {
    const s = known.get(id);
    if (s) c[s]++;
    else c.missing++; // pruned or forgotten by a forced re-run elsewhere: ended for us
  }
  return c;
}

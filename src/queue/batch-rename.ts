import { Worker } from 'node:worker_threads';
import { isMissing, nodeQueueFs, type QueueFs } from './fs.js';

/**
 * Renames a chunk of enqueued files (tmp/ -> pending/), in order, stopping at the first
 * failure: `done` pairs were renamed, `error` is why the next one was not.
 */
export interface RenameOutcome {
  done: number;
  error: unknown;
}

/** `pairs` is flat: from, to, from, to, ... (cheap to post to a thread). */
export type BatchRename = (pairs: string[]) => Promise<RenameOutcome>;

/** In this thread, through the queue's fs (so tests can inject faults in any rename). */
export function renameInline(fs: QueueFs): BatchRename {
  return (pairs) => {
    let done = 0;
    try {
      for (; 2 * done < pairs.length; done++) fs.renameSync(pairs[2 * done] as string, pairs[2 * done + 1] as string);
    } catch (err) {
      return Promise.resolve({ done, error: err });
    }
    return Promise.resolve({ done, error: null });
  };
}

/**
 * Why a thread: renames are the costliest step of an enqueue, and the kernel runs them one
 * at a time anyway. On a thread of their own they overlap with the creation of the next
 * chunk's files, which the enqueuing thread does meanwhile in the other tmp folder (with
 * one folder the two would queue on its lock). Plain JS evaluated in the thread, so it
 * loads the same from src/ (tests) and dist/.
 */
const THREAD_SOURCE = `
const { renameSync } = require('node:fs');
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, pairs }) => {
  let done = 0;
  try {
    for (; 2 * done < pairs.length; done++) renameSync(pairs[2 * done], pairs[2 * done + 1]);
  } catch (e) {
    parentPort.postMessage({ id, done, error: { message: e.message, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, dest: e.dest } });
    return;
  }
  parentPort.postMessage({ id, done });
});
`;

interface Reply {
  id: number;
  done: number;
  error?: { message: string; code?: string; errno?: number; syscall?: string; path?: string; dest?: string };
}

interface Waiting {
  pairs: string[];
  resolve: (o: RenameOutcome) => void;
}

/**
 * One renaming thread per process, started on first use; it keeps the process alive only
 * while a chunk is out. If it dies, how far it got is read back from the disk (renames run
 * in order, so the chunk's files still in tmp/ are exactly the ones not renamed) and the
 * rest of the chunk is renamed in the calling thread; the next chunk starts a new thread.
 */
export class RenameThread {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly waiting = new Map<number, Waiting>();

  private readonly here: BatchRename;

  /**
   * `fs` renames here when the thread cannot, and says how far a dead one got. `start`
   * makes the thread (tests pass one that dies, or that cannot be made).
   */
  constructor(
    private readonly fs: QueueFs,
    private readonly start: () => Worker = startRenamer,
  ) {
    this.here = renameInline(fs);
  }

  rename: BatchRename = (pairs) => {
    let w: Worker;
    try {
      w = this.thread();
    } catch {
      // No thread to be had (a limit on threads, memory): the renames run here instead.
      return this.here(pairs);
    }
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.waiting.set(id, { pairs, resolve });
      // Held while a chunk is out (an enqueue awaits it), let go when idle.
      w.ref();
      w.postMessage({ id, pairs });
    });
  };

  /** Only a file surely gone counts as moved. */
  private exists(p: string): boolean {
    try {
      this.fs.statSync(p);
      return true;
    } catch (err) {
      return !isMissing(err);
    }
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = this.start();
    w.on('message', (r: Reply) => {
      const wait = this.waiting.get(r.id);
      if (!wait) return;
      this.waiting.delete(r.id);
      if (this.waiting.size === 0) w.unref();
      wait.resolve({ done: r.done, error: r.error ? Object.assign(new Error(r.error.message), r.error) : null });
    });
    // However it died (at start-up, mid-chunk, after a chunk's last rename but before its
    // reply), each chunk out is finished here: its journal was synced before it was sent.
    const lost = () => {
      if (this.worker !== w) return;
      this.worker = null;
      for (const [id, wait] of this.waiting) {
        this.waiting.delete(id);
        let done = 0;
        while (2 * done < wait.pairs.length && !this.exists(wait.pairs[2 * done] as string)) done++;
        void this.here(wait.pairs.slice(2 * done)).then((r) => wait.resolve({ done: done + r.done, error: r.error }));
      }
    };
    w.on('error', lost);
    w.on('exit', lost);
    this.worker = w;
    return w;
  }
}

// No inherited flags: `--input-type=module` would make the source an ES module.
const startRenamer = (): Worker => new Worker(THREAD_SOURCE, { eval: true, execArgv: [] });

let shared: RenameThread | null = null;

/** The process's renaming thread (see RenameThread), on the real filesystem. */
export function renameOffThread(): BatchRename {
  shared ??= new RenameThread(nodeQueueFs);
  return shared.rename;
}

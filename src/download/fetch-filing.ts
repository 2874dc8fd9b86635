import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { endsLikeSubmission, isCompleteSubmission } from './complete.js';
import { FetchError, isLocalFileError, LocalFileError, type EdgarClient } from './http-client.js';
import type { IndexEntry } from './index-file.js';

export interface FetchedFiling {
  status: 'fetched' | 'skipped';
  file: string;
  bytes: number;
}

/**
 * Leftovers of a writer killed mid-file are removed at once when the writer was a process
 * of this machine that no longer exists (its host and pid are in the name), else once
 * nobody has written to them for this long. A live writer touches its file with every chunk and gives up by itself after
 * the client's idle timeout (30 s), so a .part untouched for 2 minutes has no writer.
 */
export const ABANDONED_PART_MS = 2 * 60_000;

/** Where an index row's submission lands: EDGAR's own layout below FILINGS_DIR. */
export function filingDest(filingsDir: string, entry: Pick<IndexEntry, 'path'>): string {
  // The index parser admits only edgar/data/<digits>/<name>; checked again here because a
  // queued job's path is data anyone with write access to the queue could forge.
  if (!/^edgar\/data\/\d+\/[\w-]+\.(txt|nc)$/i.test(entry.path)) throw new Error(`not an EDGAR archive path: ${entry.path}`);
  return path.join(filingsDir, ...entry.path.split('/'));
}

/**
 * The temp name starts with a dot and ends in .part: the coordinator's scan reads only
 * *.txt / *.nc files and skips dot files, so a half-downloaded filing is never taken for one.
 */
export function partName(dest: string): string {
  return path.join(path.dirname(dest), `.${path.basename(dest)}.${HOST}~${process.pid}.${randomBytes(3).toString('hex')}.part`);
}

/** This machine (container) in a .part name, so that a later run here can tell whose writer is dead. */
const HOST = os.hostname().replace(/[^\w-]/g, '_').slice(0, 64) || 'host';

/**
 * Downloads one full submission unless a complete one is already in place. Bytes go to a
 * .part file beside the destination, which is checked (Content-Length when the body was
 * not compressed in transit, and the closing tag), fsynced, then renamed over the
 * destination: the destination is either absent, the old complete file, or the new
 * complete file, whatever happens (Ctrl-C, kill -9, a cut connection).
 */
export async function fetchFiling(
  client: EdgarClient,
  filingsDir: string,
  entry: Pick<IndexEntry, 'path'>,
  opts: { signal?: AbortSignal; onBytes?: (n: number) => void; openPart?: (file: string) => NodeJS.WritableStream } = {},
): Promise<FetchedFiling> {
  const dest = filingDest(filingsDir, entry);
  // Before the skip too: a run resumed right after a kill -9 finds the file complete
  // (renamed by another writer) or not, and the dead writer's leftover either way.
  removeAbandonedParts(dest);
  if (isCompleteSubmission(dest)) return { status: 'skipped', file: dest, bytes: fs.statSync(dest).size };
  try {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
  } catch (err) {
    if (isLocalFileError(err)) throw new LocalFileError(err);
    throw err;
  }
  const bytes = await client.get(
    entry.path,
    async ({ res, signal, alive }) => {
      const tmp = partName(dest);
      let n = 0;
      let tail = '';
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          alive();
          n += chunk.length;
          opts.onBytes?.(chunk.length);
          tail = (tail + chunk.toString('latin1')).slice(-256);
          done(null, chunk);
        },
      });
      try {
        const out = opts.openPart ? opts.openPart(tmp) : fs.createWriteStream(tmp, { flags: 'wx' });
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), count, out, { signal });
        // Content-Length counts the bytes on the wire; with Content-Encoding it says nothing about the file.
        const declared = res.headers.get('content-encoding') ? null : res.headers.get('content-length');
        if (declared !== null && Number(declared) !== n) {
          throw new FetchError(`${client.url(entry.path)}: got ${n} of ${declared} bytes`, true);
        }
        if (!endsLikeSubmission(tail)) {
          // With a declared length that matched, the server sent all it meant to: it is not a submission.
          throw new FetchError(`${client.url(entry.path)}: not a complete EDGAR submission (no closing </SEC-DOCUMENT> or </SUBMISSION>)`, declared === null);
        }
        const fd = fs.openSync(tmp, 'r');
        try {
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        signal.throwIfAborted();
        fs.renameSync(tmp, dest);
        return n;
      } catch (err) {
        fs.rmSync(tmp, { force: true });
        throw err;
      }
    },
    opts.signal,
  );
  return { status: 'fetched', file: dest, bytes };
}

function removeAbandonedParts(dest: string): void {
  const dir = path.dirname(dest);
  const prefix = `.${path.basename(dest)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.part')) continue;
    const p = path.join(dir, name);
    try {
      if (deadWriterHere(name.slice(prefix.length)) || Date.now() - fs.statSync(p).mtimeMs > ABANDONED_PART_MS) fs.rmSync(p, { force: true });
    } catch {
      // gone already
    }
  }
}

/** `<host>~<pid>.<rand>.part` written on this machine by a process that no longer exists. */
function deadWriterHere(rest: string): boolean {
  const m = /^(.+)~(\d+)\.[0-9a-f]+\.part$/.exec(rest);
  if (!m || m[1] !== HOST) return false;
  const pid = Number(m[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: alive, someone else's.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

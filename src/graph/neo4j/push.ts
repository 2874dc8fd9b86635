/**
 * `edgar graph push`: replays the outbox (the fragment files) into Neo4j. Every write is
 * a MERGE, so pushing a fragment Neo4j already holds changes nothing, and a push that is
 * interrupted is simply run again.
 *
 * Fragments are grouped into transactions of about `rowsPerTransaction` rows, far fewer
 * round trips than one per filing. A group that Neo4j refuses for a reason a retry cannot
 * fix (a bad label in one hand-edited file) is written again one fragment at a time, so
 * one bad file is named and the others still land.
 */
import * as fs from 'node:fs';
import type { GraphFragment } from '../fragment.js';
import { listFragmentFiles, readFragment } from '../file-store.js';
import { Neo4jError } from './errors.js';
import { InvalidGraphKeyError, InvalidGraphNameError } from './names.js';
import type { Neo4jGraphWriter } from './writer.js';

export interface PushOptions {
  /** Only fragments written (file modified) at or after this time. */
  since?: Date;
  rowsPerTransaction?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface PushProblem {
  file: string;
  error: string;
}

export interface PushResult {
  graphDir: string;
  fragments: number;
  pushed: number;
  olderThanSince: number;
  transactions: number;
  rows: number;
  /** Files that are not fragments, and fragments Neo4j refused. */
  problems: PushProblem[];
}

export const DEFAULT_ROWS_PER_TRANSACTION = 5_000;

function rowsOf(f: GraphFragment): number {
  return f.nodes.length + f.relationships.length;
}

export async function pushFragments(writer: Neo4jGraphWriter, graphDir: string, opts: PushOptions = {}): Promise<PushResult> {
  const limit = opts.rowsPerTransaction ?? DEFAULT_ROWS_PER_TRANSACTION;
  const files = listFragmentFiles(graphDir);
  const result: PushResult = { graphDir, fragments: files.length, pushed: 0, olderThanSince: 0, transactions: 0, rows: 0, problems: [] };
  let group: { file: string; fragment: GraphFragment }[] = [];
  let groupRows = 0;
  let done = 0;

  const writeGroup = async (batch: { file: string; fragment: GraphFragment }[]): Promise<void> => {
    try {
      const s = await writer.writeMany(
        batch.map((b) => b.fragment),
        opts.signal,
      );
      result.transactions++;
      result.rows += s.rows;
      result.pushed += batch.length;
    } catch (err) {
      if (!isFragmentsFault(err)) throw err;
      if (batch.length === 1) result.problems.push({ file: batch[0]!.file, error: (err as Error).message });
      else for (const one of batch) await writeGroup([one]);
    }
  };

  const flush = async (): Promise<void> => {
    if (group.length === 0) return;
    const batch = group;
    group = [];
    groupRows = 0;
    await writeGroup(batch);
    done += batch.length;
    opts.onProgress?.(done, files.length);
  };

  for (const file of files) {
    opts.signal?.throwIfAborted();
    if (opts.since) {
      let mtime: number;
      try {
        mtime = fs.statSync(file).mtimeMs;
      } catch {
        continue; // replaced or removed since the listing: a newer version was or will be written
      }
      if (mtime < opts.since.getTime()) {
        result.olderThanSince++;
        continue;
      }
    }
    let fragment: GraphFragment;
    try {
      fragment = readFragment(file);
      if (!Array.isArray(fragment?.nodes) || !Array.isArray(fragment?.relationships)) throw new Error('not a graph fragment');
    } catch (err) {
      result.problems.push({ file, error: (err as Error).message });
      continue;
    }
    group.push({ file, fragment });
    groupRows += rowsOf(fragment);
    if (groupRows >= limit) await flush();
  }
  await flush();
  return result;
}

/** Refused because of what a fragment holds (not credentials, not the server): skip that fragment. */
function isFragmentsFault(err: unknown): boolean {
  return (err instanceof Neo4jError && err.kind === 'rejected') || err instanceof InvalidGraphNameError || err instanceof InvalidGraphKeyError || err instanceof TypeError;
}

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GraphFragment } from './fragment.js';

/**
 * The file graph store, and the outbox in front of Neo4j: one fragment per filing under
 * GRAPH_DIR/fragments/<accession>.json. Written before anything else sees the result, by
 * tmp file and rename, so a reader never meets half a fragment and a re-run of the same
 * filing replaces its fragment whole (the store is idempotent by construction).
 */
export function fragmentsDir(graphDir: string): string {
  return path.join(graphDir, 'fragments');
}

export function fragmentPath(graphDir: string, accession: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(accession) || accession.startsWith('.')) {
    throw new Error(`accession "${accession}" cannot name a fragment file`);
  }
  return path.join(fragmentsDir(graphDir), `${accession}.json`);
}

export function writeFragment(graphDir: string, fragment: GraphFragment): string {
  const dest = fragmentPath(graphDir, fragment.filing.accession);
  const dir = path.dirname(dest);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${fragment.filing.accession}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(fragment));
  fs.renameSync(tmp, dest);
  return dest;
}

export function readFragment(file: string): GraphFragment {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as GraphFragment;
}

/** Every stored fragment file, in a stable order. */
export function listFragmentFiles(graphDir: string): string[] {
  const dir = fragmentsDir(graphDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .sort()
    .map((n) => path.join(dir, n));
}

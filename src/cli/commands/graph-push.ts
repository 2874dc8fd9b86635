import * as fs from 'node:fs';
import cliProgress from 'cli-progress';
import { safeUri } from '../../graph/neo4j/errors.js';
import { pushFragments, type PushResult } from '../../graph/neo4j/push.js';
import { Neo4jGraphWriter } from '../../graph/neo4j/writer.js';
import { parseDuration } from '../duration.js';
import { EXIT, UsageError } from '../errors.js';
import { prepareNeo4j } from '../neo4j-setup.js';
import { runtime } from '../runtime.js';
import { graphDirOf, type GraphFlags } from './graph-stats.js';

interface Flags extends GraphFlags {
  since?: string;
  json?: boolean;
}

/** `--since 2h` (the last two hours) or `--since 2010-03-01` / a full ISO time. */
export function parseSince(text: string, now = Date.now()): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const t = Date.parse(text.trim());
    if (Number.isNaN(t)) throw new UsageError(`--since: "${text}" is not a date (write 2026-03-01, an ISO time, or a duration such as 2h)`);
    return new Date(t);
  }
  try {
    return new Date(now - parseDuration(text, '--since'));
  } catch {
    throw new UsageError(`--since: "${text}" is neither a duration (30m, 2h, 7d) nor a date (2026-03-01)`);
  }
}

/**
 * Replays the fragment files (the outbox) into Neo4j: after an outage that outlasted the
 * jobs' retries, after changing databases, or to load a graph built without Neo4j.
 */
export default async function graphPush(flags: Flags): Promise<number> {
  const { config, log } = runtime(flags);
  const since = flags.since !== undefined ? parseSince(flags.since) : undefined;
  if (!config.neo4j) throw new UsageError('NEO4J_URI is not set: there is no Neo4j to push to (set NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, and NEO4J_DATABASE if not neo4j)');
  const graphDir = graphDirOf(flags, config.graphDir);
  if (!fs.existsSync(graphDir)) throw new UsageError(`no graph store at ${graphDir} (set --graph-dir or GRAPH_DIR)`);
  await prepareNeo4j(config, log, 'nothing was pushed');

  const writer = Neo4jGraphWriter.open(config.neo4j);
  const ac = new AbortController();
  const onSig = (): void => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  const bar = process.stderr.isTTY && !flags.json ? new cliProgress.SingleBar({ format: ' {bar} {value}/{total} fragments | ETA {eta_formatted}', barsize: 20, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : null;
  let result: PushResult;
  try {
    bar?.start(1, 0);
    result = await pushFragments(writer, graphDir, {
      ...(since ? { since } : {}),
      signal: ac.signal,
      onProgress: (done, total) => (bar?.setTotal(total), bar?.update(done)),
    });
  } catch (err) {
    bar?.stop();
    if (ac.signal.aborted) {
      process.stderr.write('edgar: push interrupted; run it again, fragments already written are merged, not duplicated\n');
      return EXIT.interrupted;
    }
    process.stderr.write(`edgar: ${(err as Error).message}; nothing is lost: run \`edgar graph push\` again once it is fixed\n`);
    return EXIT.jobsFailed;
  } finally {
    bar?.stop();
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
    await writer.close();
  }
  const target = writer.conn.target;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...result, neo4j: safeUri(target.uri), database: target.database, since: since?.toISOString() ?? null })}\n`);
  } else {
    const skipped = since ? `, ${result.olderThanSince} older than ${since.toISOString()} left out` : '';
    process.stdout.write(
      `pushed ${result.pushed} of ${result.fragments} fragment(s) from ${graphDir} to database "${target.database}": ${result.rows} rows in ${result.transactions} transaction(s)${skipped}\n`,
    );
  }
  for (const p of result.problems) process.stderr.write(`edgar: ${p.file}: ${p.error}\n`);
  return result.problems.length > 0 ? EXIT.jobsFailed : EXIT.ok;
}

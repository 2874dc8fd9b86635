import * as fs from 'node:fs';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../config.js';
import { createLogger, LOG_LEVELS } from '../log.js';
import { FsQueue, QueueConfigError } from '../queue/index.js';
import { UsageError } from './errors.js';

export interface CommonFlags {
  queueDir?: string;
  logLevel?: string;
  jsonLogs?: boolean;
}

export interface Runtime {
  config: Config;
  log: Logger;
}

export function runtime(flags: CommonFlags): Runtime {
  const config = loadConfig();
  if (flags.queueDir) config.queueDir = flags.queueDir;
  const level = flags.logLevel ?? config.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`log level "${level}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  config.logLevel = level;
  return { config, log: createLogger({ level, json: flags.jsonLogs === true }) };
}

/**
 * Opens the queue. Commands that only read or repair (`status`, `reap-stuck`, `retry`)
 * refuse a folder that does not exist, rather than create one where a typo pointed;
 * commands that produce or consume work create it.
 */
export function openQueue(dir: string, opts: { create: boolean }): FsQueue {
  if (!opts.create && !fs.existsSync(dir)) {
    throw new UsageError(`no queue at ${dir} (set --queue-dir or QUEUE_DIR; a worker or coordinator creates it)`);
  }
  try {
    return new FsQueue({ dir }).init();
  } catch (err) {
    if (err instanceof QueueConfigError) throw new UsageError(err.message);
    throw err;
  }
}

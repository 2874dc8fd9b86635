import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Keys whose values never reach a log line, wherever they sit in the object. */
const REDACT = ['password', 'token', 'apiKey', 'authorization', '*.password', '*.token', '*.apiKey', '*.authorization', '*.*.password'];

const require = createRequire(import.meta.url);

/**
 * Logs go to stderr so that stdout stays the command's answer (`status --json | jq`).
 * JSON lines when asked or when stderr is not a terminal (a container, a pipe, a file);
 * readable lines on a terminal.
 */
export function createLogger(opts: { level: string; json: boolean }): Logger {
  const json = opts.json || !process.stderr.isTTY;
  const base = { level: opts.level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (json) return pino(base, pino.destination({ fd: 2, sync: true }));
  // pino-pretty as a synchronous stream, not a transport thread: lines stay in order with
  // the command's own output and none is lost at exit. Loaded only for a terminal.
  const pretty = require('pino-pretty') as (o: object) => pino.DestinationStream;
  return pino(
    base,
    pretty({ destination: 2, sync: true, colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
  );
}

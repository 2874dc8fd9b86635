/** Bad usage or configuration: one line on stderr, exit 2, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The user pressed Ctrl-C (or sent SIGTERM) while the command was still deciding: exit 130, nothing done. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

export const EXIT = { ok: 0, jobsFailed: 1, usage: 2, interrupted: 130 } as const;

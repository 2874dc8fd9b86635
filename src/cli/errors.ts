/** Bad usage or configuration: one line on stderr, exit 2, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT = { ok: 0, jobsFailed: 1, usage: 2, interrupted: 130 } as const;

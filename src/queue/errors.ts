/** Base class: every error the queue raises on purpose, with a message fit for a user. */
export class QueueError extends Error {
  override name = 'QueueError';
}

/** The queue folder cannot be used (missing, read-only, spread over filesystems). */
export class QueueConfigError extends QueueError {
  override name = 'QueueConfigError';
}

/**
 * The claim was taken over (reaped) while this worker held it: its result must not be
 * published. Delivery is at-least-once, so another attempt runs or has run the job.
 */
export class LeaseLostError extends QueueError {
  override name = 'LeaseLostError';
  constructor(
    readonly jobId: string,
    detail = 'the claim was reaped or moved by someone else',
  ) {
    super(`lease lost on job ${jobId}: ${detail}`);
  }
}

/**
 * The job reached completed/ (the fencing rename succeeded) but the result could not be
 * written into its record: the job is done and must not be retried; only the summary is lost.
 */
export class RecordUpdateError extends QueueError {
  override name = 'RecordUpdateError';
}

/** Thrown by a handler for a failure that no retry can fix (bad input): straight to failed/. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
  readonly permanent = true;
}

export function isPermanent(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { permanent?: unknown }).permanent === true;
}

/** A job's handler was stopped because the worker is shutting down; the job goes back to pending. */
export class ShutdownError extends QueueError {
  override name = 'ShutdownError';
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

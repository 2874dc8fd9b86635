export interface BackoffPolicy {
  /** Delay before the second attempt. */
  baseMs: number;
  /** No delay grows beyond this. */
  maxMs: number;
  /** Fraction of the delay drawn at random, so jobs failed together do not retry together. */
  jitter: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000, jitter: 0.25 };

/**
 * Capped exponential backoff with jitter: attempt 1 failed -> ~base, attempt 2 -> ~2*base...
 * Jitter is subtracted as well as added so the cap stays a cap.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy = defaultBackoff, random = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const spread = exp * policy.jitter;
  return Math.max(0, Math.round(exp - spread + random() * 2 * spread));
}

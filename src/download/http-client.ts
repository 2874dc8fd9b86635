import type { SharedRateLimiter } from './rate-limit.js';
import { MAX_PAUSE_MS, sleep } from './rate-limit.js';

/** The server says this file is not there: recorded, never retried. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(readonly url: string, readonly status: number) {
    super(`${status} not found: ${url}`);
  }
}

/**
 * 403 is how SEC answers an undeclared User-Agent or an address it has blocked for going
 * over the limit: every further request would only extend the block, so the client records
 * a pause in the shared rate file (every process and worker then waits in acquire()) and
 * `edgar download` stops.
 */
export class AccessDeniedError extends Error {
  override name = 'AccessDeniedError';
  constructor(readonly url: string, readonly pausedUntil: number) {
    super(
      `403 forbidden from ${new URL(url).host}: SEC refuses requests without a declared User-Agent ("Name email@domain") ` +
        `and blocks addresses that went over 10 requests per second for a while; every edgar process sharing the rate file now waits until ${new Date(pausedUntil).toISOString()}; check the User-Agent, then run again`,
    );
  }
}

/** Errno codes of the local machine (disk, permissions, descriptors): asking the server again cures none of them. */
const LOCAL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG', 'EFBIG']);
/** Of those, the ones that will fail every further filing too: the run stops. */
const FATAL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO']);

/** Writing the filing here failed: not retried; `fatal` when no further filing can be written either. */
export class LocalFileError extends Error {
  override name = 'LocalFileError';
  readonly code: string;
  readonly fatal: boolean;
  constructor(source: NodeJS.ErrnoException) {
    super(`cannot write the filing locally: ${source.message}`, { cause: source });
    this.code = String(source.code);
    this.fatal = FATAL_CODES.has(this.code);
  }
}

/**
 * An error thrown by our own file handling, not by the network: fs errors carry an errno
 * code and a syscall at the top level (write errors name no path), while network failures
 * reach us wrapped by fetch (TypeError with the socket error as its cause) or as undici errors.
 */
export function isLocalFileError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | null;
  return typeof e === 'object' && e !== null && typeof e.code === 'string' && LOCAL_CODES.has(e.code) && (typeof e.syscall === 'string' || typeof e.path === 'string');
}

/** Any other failure, after the retries it deserved. */
export class FetchError extends Error {
  override name = 'FetchError';
  constructor(message: string, readonly retryable: boolean, readonly retryAfterMs?: number) {
    super(message);
  }
}

export interface ClientOptions {
  baseUrl: string;
  userAgent: string;
  limiter: SharedRateLimiter;
  /** No byte for this long (headers or body) and the attempt is abandoned. */
  idleTimeoutMs?: number;
  maxAttempts?: number;
  /** First backoff when the server gives no Retry-After; doubles per attempt. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** How long everyone pauses after a 403 without Retry-After (SEC's blocks last about 10 minutes). */
  blockPauseMs?: number;
  onRetry?: (info: { url: string; attempt: number; delayMs: number; reason: string }) => void;
}

export interface Attempt {
  res: Response;
  /** Aborts on the caller's signal or when the connection goes idle. */
  signal: AbortSignal;
  /** Call on every chunk received, to keep the idle timer from firing. */
  alive: () => void;
}

/**
 * GETs below the base URL with the declared User-Agent, one rate-limit slot per request
 * (retries included). 429 and 503 honour Retry-After (seconds or an HTTP date) and pause
 * every process sharing the limit; 403 pauses them all (Retry-After, else 10 minutes) and is
 * final here; other 5xx, timeouts and cut connections back off exponentially; 404/410 and
 * other 4xx are final; local file errors (full disk, permissions) are never retried.
 */
export class EdgarClient {
  private readonly idleTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private warmed: Promise<void> | undefined;

  constructor(private readonly opts: ClientOptions) {
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
    this.maxAttempts = opts.maxAttempts ?? 6;
    this.backoffMs = opts.backoffMs ?? 1_000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 60_000;
  }

  url(archivePath: string): string {
    return `${this.opts.baseUrl.replace(/\/+$/, '')}/Archives/${archivePath.replace(/^\/+/, '')}`;
  }

  /**
   * Runs `consume` on a 200 answer. When consume throws a retryable FetchError (a body cut
   * short), the whole request is made again, in a new slot.
   */
  async get<T>(archivePath: string, consume: (a: Attempt) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const url = this.url(archivePath);
    await (this.warmed ??= warmUpFetch());
    for (let attempt = 1; ; attempt++) {
      let failure: FetchError;
      let delayMs: number | undefined;
      await this.opts.limiter.acquire(signal);
      const idle = new AbortController();
      const timer = setTimeout(() => idle.abort(new FetchError(`no data for ${this.idleTimeoutMs} ms from ${url}`, true)), this.idleTimeoutMs);
      const alive = (): void => {
        timer.refresh();
      };
      const both = signal ? AbortSignal.any([signal, idle.signal]) : idle.signal;
      try {
        const res = await fetch(url, {
          headers: { 'User-Agent': this.opts.userAgent, 'Accept-Encoding': 'gzip, deflate' },
          signal: both,
        });
        if (res.status === 200) return await consume({ res, signal: both, alive });
        await res.body?.cancel().catch(() => undefined);
        if (res.status === 404 || res.status === 410) throw new NotFoundError(url, res.status);
        if (res.status === 403) {
          const until = Date.now() + (parseRetryAfter(res.headers.get('retry-after')) ?? this.opts.blockPauseMs ?? MAX_PAUSE_MS);
          await this.opts.limiter.pauseUntil(until);
          throw new AccessDeniedError(url, until);
        }
        const transient = res.status === 429 || res.status === 503 || res.status === 408 || res.status >= 500;
        failure = new FetchError(`HTTP ${res.status} from ${url}`, transient, res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : undefined);
        if (res.status === 429 || res.status === 503) {
          // Throttled: the whole host slows down, not just this request.
          delayMs = failure.retryAfterMs ?? this.backoff(attempt);
          await this.opts.limiter.pauseUntil(Date.now() + delayMs);
        }
      } catch (err) {
        if (signal?.aborted) throw signal.reason ?? err;
        if (err instanceof NotFoundError || err instanceof AccessDeniedError || err instanceof LocalFileError) throw err;
        // A full disk, a read-only or forbidden folder: not cured by asking the server again.
        if (isLocalFileError(err)) throw new LocalFileError(err);
        if (err instanceof FetchError) failure = err;
        else if (idle.signal.aborted) failure = idle.signal.reason as FetchError;
        // fetch rejects what it cannot send (a header value outside Latin-1, a bad URL)
        // with a bare TypeError; a network failure always carries its cause.
        else if (err instanceof TypeError && err.cause === undefined) failure = new FetchError(`${url}: ${describe(err)}`, false);
        else failure = new FetchError(`${url}: ${describe(err)}`, true);
      } finally {
        clearTimeout(timer);
      }
      if (!failure.retryable || attempt >= this.maxAttempts) {
        if (failure.retryable) failure.message += ` (gave up after ${attempt} attempts)`;
        throw failure;
      }
      delayMs ??= this.backoff(attempt);
      this.opts.onRetry?.({ url, attempt, delayMs, reason: failure.message });
      await sleep(delayMs, signal);
    }
  }

  /** Small bodies (the index): read whole. */
  getBuffer(archivePath: string, signal?: AbortSignal): Promise<Buffer> {
    return this.get(
      archivePath,
      async ({ res, alive }) => {
        const chunks: Buffer[] = [];
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          alive();
          chunks.push(Buffer.from(chunk));
        }
        return Buffer.concat(chunks);
      },
      signal,
    );
  }

  private backoff(attempt: number): number {
    const ms = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1));
    return Math.round(ms * (0.8 + Math.random() * 0.4));
  }
}

/**
 * Node loads its fetch implementation on the first call, which takes tens of milliseconds:
 * paid between taking a rate-limit slot and sending, it would push this request onto the
 * next one's. A data: URL goes through the same machinery without touching the network.
 */
async function warmUpFetch(): Promise<void> {
  try {
    await (await fetch('data:text/plain,')).arrayBuffer();
  } catch {
    // nothing to warm: the real request will say what is wrong
  }
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3); capped at 10 minutes. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(10 * 60_000, Math.max(0, ms));
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message} (${cause})` : String(e?.message ?? err);
}

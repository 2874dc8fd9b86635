import { createHash } from 'node:crypto';
import { Ollama, type ChatResponse, type ProgressResponse } from 'ollama';
import { backoffDelay, type BackoffPolicy } from '../../queue/backoff.js';
import type { QueueLogger } from '../../queue/logger.js';
import { LlmPermanentError, LlmUnavailableError, OllamaHttpError } from './errors.js';
import { Limiter } from './limiter.js';
import { ANSWER_JSON_SCHEMA } from './schema.js';

export interface OllamaSettings {
  baseUrl: string;
  model: string;
  /** Context window asked of the server for every request (the chunker sizes chunks by it). */
  numCtx: number;
  /** Longest answer, in tokens; also reserved out of numCtx. */
  maxOutputTokens: number;
  keepAlive: string;
  /** Per request: the HTTP request is aborted after this long and retried. */
  timeoutMs: number;
  /** Pull a missing model once (POST /api/pull) instead of failing. */
  pull: boolean;
  /** Attempts per request before the job is handed back to the queue. */
  attempts: number;
}

export interface ChatResult {
  content: string;
  /** The answer hit num_predict (done_reason "length"): cut short, likely unreadable. */
  truncated: boolean;
  promptTokens: number;
  outputTokens: number;
  /** eval_duration in ms: the time spent producing the output tokens. */
  evalMs: number;
}

export interface PullProgress {
  status: string;
  total?: number;
  completed?: number;
}

const RETRY: BackoffPolicy = { baseMs: 500, maxMs: 8_000, jitter: 0.25 };

/** One pull per model per process, however many jobs find the model missing at once. */
const pulls = new Map<string, Promise<void>>();

/**
 * The LLM calls of one worker process, on the `ollama` package: structured output through
 * `format`, temperature 0, an explicit context size, keep_alive, a timeout that aborts the
 * HTTP request, retries with backoff for what can pass (refused connections, 5xx, 503 when
 * Ollama's queue is full, timeouts), and a single pull when the model is missing.
 */
export class OllamaClient {
  constructor(
    readonly settings: OllamaSettings,
    readonly limiter: Limiter,
    private readonly log: QueueLogger,
    private readonly retry: BackoffPolicy = RETRY,
  ) {}

  async chat(system: string, user: string, signal: AbortSignal): Promise<ChatResult> {
    const { settings } = this;
    let pulled = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.limiter.run(
          () =>
            this.client(signal).chat({
              model: settings.model,
              messages: [
                { role: 'system', content: system },
                { role: 'user', content: user },
              ],
              format: ANSWER_JSON_SCHEMA,
              stream: false,
              keep_alive: settings.keepAlive,
              options: { temperature: 0, num_ctx: settings.numCtx, num_predict: settings.maxOutputTokens },
            }) as Promise<ChatResponse>,
          signal,
        );
        return {
          content: res.message?.content ?? '',
          truncated: res.done_reason === 'length',
          promptTokens: res.prompt_eval_count ?? 0,
          outputTokens: res.eval_count ?? 0,
          evalMs: (res.eval_duration ?? 0) / 1e6,
        };
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (isModelMissing(err) && !pulled) {
          if (!settings.pull) {
            throw new LlmPermanentError(
              `model ${settings.model} is not on the Ollama server at ${settings.baseUrl}: run \`ollama pull ${settings.model}\` there, or allow pulling (OLLAMA_PULL=true)`,
            );
          }
          await this.pullOnce(signal);
          pulled = true;
          continue;
        }
        if (!isTransient(err)) {
          throw new LlmPermanentError(`the Ollama request was refused: ${describe(err)}`);
        }
        if (attempt >= settings.attempts) {
          throw new LlmUnavailableError(`Ollama at ${settings.baseUrl} failed ${attempt} time(s), last: ${describe(err)}`);
        }
        // Retry-After is honoured up to 8 of the longest backoffs (64 s by default): a proxy
        // asking for an hour must not park a job, and its lease, that long.
        const asked = err instanceof OllamaHttpError ? Math.min(err.retryAfterMs ?? 0, this.retry.maxMs * 8) : 0;
        const delay = Math.max(backoffDelay(attempt, this.retry), asked);
        this.log.warn({ attempt, delayMs: delay, err: describe(err) }, 'Ollama request failed; retrying');
        await sleep(delay, signal);
      }
    }
  }

  /**
   * Pulls the model once per process; concurrent callers share the one pull. The pull runs
   * under no job's signal: one job losing its lease must not fail the pull the others wait
   * on. Each caller stops waiting when its own signal fires.
   */
  pullOnce(signal: AbortSignal, onProgress?: (p: PullProgress) => void): Promise<void> {
    const key = `${this.settings.baseUrl}\u0000${this.settings.model}`;
    let p = pulls.get(key);
    if (p === undefined) {
      p = pullModel(this.settings.baseUrl, this.settings.model, new AbortController().signal, onProgress ?? progressLogger(this.log, this.settings.model)).finally(() => pulls.delete(key));
      // Every waiter may have gone (aborted); the outcome must still not be an unhandled rejection.
      p.catch(() => {});
      pulls.set(key, p);
    }
    return untilAborted(p, signal);
  }

  /**
   * Everything the request sends except nothing: with the document's hash, the cache key. A
   * change to the prompt, the schema, the options or the model misses the cache.
   */
  fingerprint(system: string, user: string): string {
    const { model, numCtx, maxOutputTokens } = this.settings;
    return createHash('sha256')
      .update(JSON.stringify({ model, system, user, format: ANSWER_JSON_SCHEMA, options: { temperature: 0, num_ctx: numCtx, num_predict: maxOutputTokens } }))
      .digest('hex');
  }

  private client(signal: AbortSignal): Ollama {
    return ollamaFor(this.settings.baseUrl, AbortSignal.any([signal, AbortSignal.timeout(this.settings.timeoutMs)]));
  }
}

/**
 * An `ollama` client whose requests carry `signal`, and whose HTTP errors become
 * OllamaHttpError with the status (the package's own error handling prints to stdout on
 * non-JSON bodies, and drops Retry-After).
 */
export function ollamaFor(baseUrl: string, signal: AbortSignal): Ollama {
  const fetchWithSignal: typeof fetch = async (input, init) => {
    const res = await fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new OllamaHttpError(res.status, (message || res.statusText).slice(0, 300), retryAfterMs(res.headers.get('retry-after')));
    }
    return res;
  };
  return new Ollama({ host: baseUrl, fetch: fetchWithSignal });
}

export async function pullModel(baseUrl: string, model: string, signal: AbortSignal, onProgress: (p: PullProgress) => void): Promise<void> {
  try {
    const stream = await ollamaFor(baseUrl, signal).pull({ model, stream: true });
    let last: ProgressResponse | undefined;
    for await (const part of stream) {
      last = part;
      onProgress({ status: part.status, ...(part.total ? { total: part.total } : {}), ...(part.completed ? { completed: part.completed } : {}) });
    }
    if (last?.status !== 'success') throw new Error('the pull ended before Ollama said success');
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    const msg = describe(err);
    // Ollama reports a pull failure inside a 200 stream ({"error": ...}); the package throws it as a plain Error.
    if (/not exist|not found|invalid|manifest unknown/i.test(msg)) throw new LlmPermanentError(`cannot pull model ${model} from ${baseUrl}: ${msg}`);
    throw new LlmUnavailableError(`pulling model ${model} from ${baseUrl} failed: ${msg}`);
  }
}

function progressLogger(log: QueueLogger, model: string): (p: PullProgress) => void {
  let lastAt = 0;
  return (p) => {
    const now = Date.now();
    if (now - lastAt < 2_000 && p.status !== 'success') return;
    lastAt = now;
    const pct = p.total ? Math.floor(((p.completed ?? 0) / p.total) * 100) : undefined;
    log.info({ model, status: p.status, ...(pct !== undefined ? { percent: pct } : {}) }, 'pulling model');
  };
}

export interface OllamaProbe {
  reachable: boolean;
  hasModel: boolean;
  detail: string;
}

/** What `coordinate` and `doctor` ask before anything is queued: is the server there, with the model? */
export async function probeOllama(baseUrl: string, model: string, timeoutMs = 3_000): Promise<OllamaProbe> {
  try {
    const { models } = await ollamaFor(baseUrl, AbortSignal.timeout(timeoutMs)).list();
    const want = model.includes(':') ? model : `${model}:latest`;
    const hasModel = models.some((m) => m.name === model || m.name === want || m.model === model);
    return { reachable: true, hasModel, detail: hasModel ? `model ${model} present` : `model ${model} not pulled` };
  } catch (err) {
    return { reachable: false, hasModel: false, detail: describe(err) };
  }
}

function isModelMissing(err: unknown): boolean {
  return err instanceof OllamaHttpError && err.status === 404 && /model|not found/i.test(err.body);
}

function isTransient(err: unknown): boolean {
  if (err instanceof OllamaHttpError) return err.status >= 500 || err.status === 429 || err.status === 408;
  const e = err as { name?: string; cause?: { code?: string }; code?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return true;
  // undici: TypeError('fetch failed') with the socket error as cause.
  if (e?.name === 'TypeError' && e.cause !== undefined) return true;
  return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET'].includes(e?.cause?.code ?? e?.code ?? '');
}

export function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}`;
}

function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const s = Number(value);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    const onAbort = (): void => (clearTimeout(t), reject(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

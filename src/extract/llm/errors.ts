/** The server answered with an HTTP error; `body` is Ollama's `{"error": ...}` text. */
export class OllamaHttpError extends Error {
  override name = 'OllamaHttpError';
  constructor(
    readonly status: number,
    readonly body: string,
    readonly retryAfterMs?: number,
  ) {
    super(`Ollama answered HTTP ${status}: ${body}`);
  }
}

/**
 * No retry can fix it (a missing model with pulling disabled, a bad request): the job
 * fails permanently with this message, which names the way out.
 */
export class LlmPermanentError extends Error {
  override name = 'LlmPermanentError';
  readonly permanent = true;
}

/** Ollama stayed unreachable or busy through every retry: the queue retries the job later. */
export class LlmUnavailableError extends Error {
  override name = 'LlmUnavailableError';
}

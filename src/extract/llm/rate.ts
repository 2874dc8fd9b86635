/** Output tokens per second of generation, as Ollama measures it (eval_count / eval_duration). */
export function tokensPerSecond(outputTokens: number, evalMs: number): number {
  return evalMs > 0 ? Math.round((outputTokens / evalMs) * 1000 * 10) / 10 : 0;
}

import * as path from 'node:path';

/** Settings from the environment; a command's flags override them (CONTRACT.md). */
export interface Config {
  queueDir: string;
  filingsDir: string;
  graphDir: string;
  workerId: string | undefined;
  useAi: boolean;
  ollamaBaseUrl: string;
  ollamaModel: string;
  /** EXTRACTOR (auto | llm | rules) and the OLLAMA_* tuning, as written; checked by src/pipeline/llm-settings.ts. */
  llm: {
    extractor: string | undefined;
    concurrency: string | undefined;
    timeout: string | undefined;
    numCtx: string | undefined;
    keepAlive: string | undefined;
    pull: string | undefined;
    maxChunks: string | undefined;
    cacheDir: string;
  };
  neo4j: { uri: string; user: string; password: string; database: string | undefined } | null;
  logLevel: string;
  /** EDGAR_SIMULATED_LATENCY_MS: extra time per filing, the LLM's cost stand-in for benchmarks. */
  simulatedLatencyMs: number;
  /** `edgar download`: EDGAR_USER_AGENT, EDGAR_BASE_URL, EDGAR_RATE_LIMIT (checked by the command), EDGAR_RATE_FILE. */
  download: { userAgent: string | undefined; baseUrl: string; rateLimit: string | undefined; rateFile: string | undefined };
}

export const DEFAULT_OLLAMA_MODEL = 'qwen2.5:3b-instruct';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const neo4jUri = env.NEO4J_URI?.trim();
  return {
    queueDir: path.resolve(env.QUEUE_DIR || 'data/queue'),
    filingsDir: path.resolve(env.FILINGS_DIR || 'data/filings'),
    graphDir: path.resolve(env.GRAPH_DIR || 'data/graph'),
    workerId: env.WORKER_ID || undefined,
    useAi: (env.USE_AI_EXTRACTION ?? 'true').toLowerCase() !== 'false',
    ollamaBaseUrl: env.OLLAMA_BASE_URL || 'http://localhost:11434',
    ollamaModel: env.OLLAMA_MODEL || DEFAULT_OLLAMA_MODEL,
    llm: {
      extractor: env.EXTRACTOR || undefined,
      concurrency: env.OLLAMA_CONCURRENCY || undefined,
      timeout: env.OLLAMA_TIMEOUT || undefined,
      numCtx: env.OLLAMA_NUM_CTX || undefined,
      keepAlive: env.OLLAMA_KEEP_ALIVE || undefined,
      pull: env.OLLAMA_PULL || undefined,
      maxChunks: env.LLM_MAX_CHUNKS || undefined,
      cacheDir: env.LLM_CACHE_DIR || 'data/llm-cache',
    },
    neo4j: neo4jUri
      ? { uri: neo4jUri, user: env.NEO4J_USER || 'neo4j', password: env.NEO4J_PASSWORD || '', database: env.NEO4J_DATABASE || undefined }
      : null,
    logLevel: env.LOG_LEVEL || 'info',
    simulatedLatencyMs: Math.max(0, Number(env.EDGAR_SIMULATED_LATENCY_MS) || 0),
    download: {
      userAgent: env.EDGAR_USER_AGENT?.trim() || undefined,
      baseUrl: env.EDGAR_BASE_URL || 'https://www.sec.gov',
      rateLimit: env.EDGAR_RATE_LIMIT || undefined,
      rateFile: env.EDGAR_RATE_FILE ? path.resolve(env.EDGAR_RATE_FILE) : undefined,
    },
  };
}

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
  neo4j: { uri: string; user: string; password: string; database: string | undefined } | null;
  logLevel: string;
  /** EDGAR_SIMULATED_LATENCY_MS: extra time per filing, the LLM's cost stand-in for benchmarks. */
  simulatedLatencyMs: number;
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
    neo4j: neo4jUri
      ? { uri: neo4jUri, user: env.NEO4J_USER || 'neo4j', password: env.NEO4J_PASSWORD || '', database: env.NEO4J_DATABASE || undefined }
      : null,
    logLevel: env.LOG_LEVEL || 'info',
    simulatedLatencyMs: Math.max(0, Number(env.EDGAR_SIMULATED_LATENCY_MS) || 0),
  };
}

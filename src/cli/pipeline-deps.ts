import * as path from 'node:path';
import type { Config } from '../config.js';
import type { PipelineDirs } from '../pipeline/filing-job.js';
import { llmRuntimes } from '../pipeline/llm-settings.js';
import { usageDirOf } from '../pipeline/llm-usage.js';
import type { QueueLogger } from '../queue/logger.js';

/** What a worker process (edgar worker, or load-graph's in-process worker) hands the job handlers. */
export function pipelineDirs(config: Config, flags: { filingsDir?: string; graphDir?: string }, queueDir: string, log: QueueLogger): PipelineDirs {
  return {
    filingsDir: path.resolve(flags.filingsDir ?? config.filingsDir),
    graphDir: path.resolve(flags.graphDir ?? config.graphDir),
    simulatedLatencyMs: config.simulatedLatencyMs,
    // Built lazily per model: a worker that only ever sees rules jobs never touches Ollama.
    llm: llmRuntimes(config, log),
    usageDir: usageDirOf(queueDir),
    download: { queueDir, ...(config.download.rateFile ? { rateFile: config.download.rateFile } : {}) },
  };
}

import cliProgress from 'cli-progress';
import type { Config } from '../config.js';
import { InterruptedError, UsageError } from '../cli/errors.js';
import { probeOllama, pullModel, type PullProgress } from '../extract/llm/index.js';
import type { FilingJobOptions } from './filing-job.js';
import { extractorChoice, llmOptions } from './llm-settings.js';

export interface ExtractorInput {
  /** commander's --no-ai: false when given. */
  ai?: boolean;
  /** --extractor auto|llm|rules */
  extractor?: string;
}

/**
 * Decided once, by whoever queues the work, and written into every job, so that a batch
 * is extracted one way whatever the workers' environment says.
 *
 * - rules: --no-ai, USE_AI_EXTRACTION=false or EXTRACTOR=rules.
 * - llm: Ollama must answer now, with the model (pulled here, with progress, when missing
 *   and OLLAMA_PULL allows); otherwise exit 2 naming the ways out, before anything is queued.
 * - auto (the default): llm when Ollama answers, else rules, said in one line on stderr
 *   with the same ways out. Never silent: the user always learns which extractor runs.
 */
export async function decideExtractor(input: ExtractorInput, config: Config, notice: (line: string) => void): Promise<FilingJobOptions> {
  const choice = extractorChoice(input.extractor, '--extractor') ?? extractorChoice(config.llm.extractor, 'EXTRACTOR') ?? 'auto';
  if (input.ai === false || !config.useAi || choice === 'rules') return { extractor: 'rules' };
  const { settings } = llmOptions(config);
  const { baseUrl, model } = settings;
  const start = `start Ollama (\`ollama serve\`, or set OLLAMA_BASE_URL)`;
  const probe = await probeOllama(baseUrl, model);
  if (!probe.reachable) {
    if (choice === 'llm') throw new UsageError(`Ollama is not reachable at ${baseUrl} (${probe.detail}): ${start}, or pass --no-ai for rules only`);
    notice(`edgar: Ollama is not reachable at ${baseUrl} (${probe.detail}); extracting with rules only. For LLM extraction ${start}; pass --no-ai to choose rules and silence this`);
    return { extractor: 'rules' };
  }
  if (!probe.hasModel) {
    if (!settings.pull) {
      const msg = `model ${model} is not on the Ollama server at ${baseUrl}: run \`ollama pull ${model}\`, set OLLAMA_PULL=true, or pass --no-ai`;
      if (choice === 'llm') throw new UsageError(msg);
      notice(`edgar: ${msg}; extracting with rules only`);
      return { extractor: 'rules' };
    }
    notice(`edgar: pulling model ${model} into the Ollama server at ${baseUrl} (once; OLLAMA_PULL=false to refuse)`);
    try {
      await pullWithProgress(baseUrl, model);
    } catch (err) {
      if (err instanceof InterruptedError) throw err;
      const msg = `pulling model ${model} failed: ${(err as Error).message}`;
      if (choice === 'llm') throw new UsageError(`${msg}; pass --no-ai for rules only`);
      notice(`edgar: ${msg}; extracting with rules only`);
      return { extractor: 'rules' };
    }
  }
  notice(`edgar: extracting with ${model} on ${baseUrl} and the rules (--no-ai for rules only)`);
  return { extractor: 'llm', model };
}

/** A bar on a terminal, a line every few seconds otherwise (logs, CI). */
async function pullWithProgress(baseUrl: string, model: string): Promise<void> {
  const tty = process.stderr.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar(
        { stream: process.stderr, format: ' {status} [{bar}] {percentage}% {value}/{total} MB', hideCursor: true, barsize: 30 },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  let lastLine = 0;
  const onProgress = (p: PullProgress): void => {
    const totalMb = Math.round((p.total ?? 0) / 1e6);
    const doneMb = Math.round((p.completed ?? 0) / 1e6);
    if (bar !== null) {
      if (!started) bar.start(Math.max(totalMb, 1), doneMb, { status: p.status });
      started = true;
      if (totalMb > 0) bar.setTotal(totalMb);
      bar.update(doneMb, { status: p.status.slice(0, 24) });
    } else if (Date.now() - lastLine > 5_000 || p.status === 'success') {
      lastLine = Date.now();
      process.stderr.write(`pull ${model}: ${p.status}${totalMb ? ` ${doneMb}/${totalMb} MB` : ''}\n`);
    }
  };
  const ac = new AbortController();
  // Ctrl-C here means stop: nothing is queued, exit 130 (not "pull failed, use rules").
  const onSig = (): void => ac.abort(new InterruptedError(`interrupted while pulling ${model}; nothing was queued (the pull resumes where it stopped next time)`));
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    await pullModel(baseUrl, model, ac.signal, onProgress);
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
    bar?.stop();
  }
}

import { summarizeLlmUsage, usageDirOf, type LlmUsageSummary } from '../../pipeline/llm-usage.js';
import { journalSettleMs, snapshot, type StatusSnapshot } from '../../queue/index.js';
import { formatDuration, parseDuration } from '../duration.js';
import { EXIT } from '../errors.js';
import { openQueue, runtime, type CommonFlags } from '../runtime.js';

interface Flags extends CommonFlags {
  json?: boolean;
  watch?: boolean;
  staleAfter: string;
}

export default async function status(flags: Flags): Promise<number> {
  const { config } = runtime(flags);
  const staleAfterMs = parseDuration(flags.staleAfter, '--stale-after');
  const queue = openQueue(config.queueDir, { create: false });
  const show = (): void => {
    const snap = snapshot(queue, { staleAfterMs });
    // The queue knows nothing of LLMs; the pipeline's usage ledger sits beside it.
    const llm = summarizeLlmUsage(usageDirOf(queue.dir));
    const out = llm ? { ...snap, llm } : snap;
    process.stdout.write(flags.json ? JSON.stringify(out) + '\n' : render(snap) + (llm ? renderLlm(llm) : ''));
  };
  if (!flags.watch) {
    show();
    return EXIT.ok;
  }
  return new Promise<number>((resolve) => {
    const tick = (): void => {
      if (process.stdout.isTTY && !flags.json) process.stdout.write('\x1b[2J\x1b[H');
      show();
    };
    tick();
    const timer = setInterval(tick, 1_000);
    process.once('SIGINT', () => {
      clearInterval(timer);
      resolve(EXIT.interrupted);
    });
  });
}

export function render(s: StatusSnapshot): string {
  const lines: string[] = [];
  const c = s.counts;
  const w = Math.max(...Object.values(c).map((n) => String(n).length));
  lines.push(`queue ${s.queueDir}`);
  lines.push(`  pending     ${String(c.pending).padStart(w)}${c.pending ? `   oldest waiting ${formatDuration(s.oldestPendingAgeMs)}` : ''}${s.delayed ? `, ${s.delayed} waiting to retry` : ''}`);
  lines.push(`  processing  ${String(c.processing).padStart(w)}${s.stale ? `   ${s.stale} stale (run \`edgar reap-stuck\`)` : ''}`);
  lines.push(`  completed   ${String(c.completed).padStart(w)}`);
  lines.push(`  failed      ${String(c.failed).padStart(w)}${c.failed ? '   (`edgar retry --all` to run them again)' : ''}`);
  lines.push(`workers: ${s.workers.length} live`);
  // Harmless, but only a worker (or prune) retires them: say so when none is running.
  if (s.journalsAwaitingSync && !s.workers.length) {
    lines.push(
      `enqueue journal: ${s.journalsAwaitingSync} batch(es) not yet retired: a worker syncs the filesystem and retires them once ${formatDuration(journalSettleMs())} old, \`edgar prune\` at once`,
    );
  }
  for (const wk of s.workers) {
    const jobs = wk.jobs.length ? wk.jobs.join(', ') : 'idle';
    lines.push(`  ${wk.id}  pid ${wk.pid} on ${wk.host}, seen ${wk.lastSeen}, done ${wk.processed}, failed ${wk.failed}: ${jobs}`);
  }
  if (s.staleJobs.length) {
    lines.push('stale claims:');
    for (const j of s.staleJobs) lines.push(`  ${j.id}  worker ${j.workerId}, attempt ${j.attempt}, no heartbeat for ${formatDuration(j.ageMs)}`);
  }
  if (s.recentFailures.length) {
    lines.push('recent failures:');
    for (const f of s.recentFailures) lines.push(`  ${f.id}  after ${f.attempts} attempt(s): ${f.error}`);
  }
  return lines.join('\n') + '\n';
}

export function renderLlm(u: LlmUsageSummary): string {
  const lines = [
    `llm: ${u.jobs} job(s), ${u.chunks} chunk(s): ${u.calls} call(s), ${u.cached} from cache; ` +
      `${u.promptTokens} prompt + ${u.outputTokens} output tokens, ${u.tokensPerSec} tok/s; facts ${u.factsKept} kept, ${u.factsDropped} dropped`,
  ];
  if (u.sectionsSkipped) lines.push(`  ${u.sectionsSkipped} section(s) found but not sent: filings reached LLM_MAX_CHUNKS (raise it to read them)`);
  if (u.truncatedAnswers) lines.push(`  ${u.truncatedAnswers} answer(s) cut short by the output limit: not cached, their facts lost`);
  if (u.emptyAnswers) {
    lines.push(`  ${u.emptyAnswers} job(s) where the model listed no one for a section that names officers (check the model, or OLLAMA_NUM_CTX):`);
    for (const j of u.suspicious) lines.push(`    ${j.jobId}${j.sections.length ? `: ${j.sections.join(' | ')}` : ''}`);
  }
  return lines.join('\n') + '\n';
}

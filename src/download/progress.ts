import cliProgress from 'cli-progress';
import type { DownloadSummary, Outcome } from './run.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) (v /= 1024), i++;
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export interface Progress {
  bytes(n: number): void;
  outcome(o: Outcome): void;
  stop(): void;
}

/** A bar with filings and bytes on a terminal; a plain line every few seconds otherwise (logs, CI). */
export function downloadProgress(total: number, out: NodeJS.WriteStream = process.stderr, everyMs = 5_000): Progress {
  const started = Date.now();
  let bytes = 0;
  const c = { fetched: 0, skipped: 0, missing: 0, failed: 0 };
  const payload = (): Record<string, string | number> => {
    const secs = Math.max(0.001, (Date.now() - started) / 1000);
    // Only the counts that are not zero: the line must fit 80 columns, or every redraw wraps.
    const counts = [`new ${c.fetched}`, c.skipped && `had ${c.skipped}`, c.missing && `404 ${c.missing}`, c.failed && `failed ${c.failed}`].filter(Boolean).join(' ');
    return { counts, bytes: formatBytes(bytes), speed: `${formatBytes(Math.round(bytes / secs))}/s` };
  };
  const done = (): number => c.fetched + c.skipped + c.missing + c.failed;
  const count = (o: Outcome): void => void c[o.status === 'not-found' ? 'missing' : o.status]++;
  if (out.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: ' {bar} {value}/{total} | {bytes} {speed} | {counts} | ETA {eta_formatted}',
        barsize: 16,
        hideCursor: true,
        stream: out,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, payload());
    // Bytes arrive in many small chunks: redraw on a clock, not per chunk.
    const t = setInterval(() => bar.update(done(), payload()), 250);
    return {
      bytes: (n) => void (bytes += n),
      outcome: (o) => {
        count(o);
        bar.update(done(), payload());
      },
      stop: () => {
        clearInterval(t);
        bar.update(done(), payload());
        bar.stop();
      },
    };
  }
  let last = Date.now();
  const line = (): void => {
    const p = payload();
    out.write(`download: ${done()}/${total} filings (new ${c.fetched}, had ${c.skipped}, not found ${c.missing}, failed ${c.failed}), ${String(p.bytes)}, ${String(p.speed)}\n`);
    last = Date.now();
  };
  const t = setInterval(() => Date.now() - last >= everyMs && line(), Math.min(1_000, everyMs));
  return {
    bytes: (n) => void (bytes += n),
    outcome: count,
    stop: () => {
      clearInterval(t);
      line();
    },
  };
}

/** The closing account: what was fetched, what was there already, what failed and why. */
export function summaryLines(s: DownloadSummary, elapsed: string): string[] {
  const lines = [
    `${s.fetched} fetched (${formatBytes(s.bytes)}), ${s.skipped} already complete, ${s.notFound.length} not found, ${s.failed.length} failed, of ${s.selected} selected, in ${elapsed}`,
  ];
  for (const n of s.notFound.slice(0, 20)) lines.push(`  not found (404): ${n.accession} ${n.url}`);
  if (s.notFound.length > 20) lines.push(`  ... and ${s.notFound.length - 20} more not found`);
  for (const f of s.failed.slice(0, 20)) lines.push(`  failed: ${f.accession}: ${f.reason}`);
  if (s.failed.length > 20) lines.push(`  ... and ${s.failed.length - 20} more failed`);
  if (s.refused) lines.push(`stopped: ${s.refused}`);
  if (s.diskError) lines.push(`stopped: ${s.diskError}; free space or fix the folder, then run again (complete filings are kept)`);
  if (s.interrupted) lines.push('interrupted: run the same command again to resume (complete files are kept and not fetched again)');
  return lines;
}

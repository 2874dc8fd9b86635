import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What is kept of one answer: the raw text (validation may improve later) and its cost. */
export interface CachedAnswer {
  model: string;
  promptVersion: string;
  content: string;
  truncated?: boolean;
  promptTokens: number;
  outputTokens: number;
  evalMs: number;
  at: string;
}

export interface CacheKeyParts {
  /** sha256 of the document the chunk was cut from. */
  documentHash: string;
  /** OllamaClient.fingerprint: the model, prompt, chunk, schema and options of the request. */
  request: string;
}

/**
 * Answers on disk, one file each, keyed by the filing's content, the chunk, the model and
 * the prompt. A re-run of the same filings makes no LLM call; a new model or prompt misses.
 * Written like everything else here: a temporary file, then a rename, so concurrent
 * workers and crashes leave either no entry or a whole one.
 */
export class AnswerCache {
  constructor(readonly dir: string) {}

  static key(parts: CacheKeyParts): string {
    return createHash('sha256').update(JSON.stringify([parts.documentHash, parts.request])).digest('hex');
  }

  private file(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  get(key: string): CachedAnswer | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file(key), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const value = JSON.parse(text) as CachedAnswer;
      return typeof value.content === 'string' ? value : undefined;
    } catch {
      // A damaged entry is a miss, and the next answer replaces it.
      return undefined;
    }
  }

  /**
   * Best effort: the answer is already paid for and the job must not fail because the
   * cache cannot be written (full disk, read-only folder). Returns the error, if any, for
   * the caller to warn about once.
   */
  put(key: string, value: CachedAnswer): Error | undefined {
    const file = this.file(key);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(tmp, JSON.stringify(value));
      fs.renameSync(tmp, file);
      return undefined;
    } catch (err) {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // The folder itself is unusable: there is no temporary file to remove.
      }
      return err as Error;
    }
  }
}

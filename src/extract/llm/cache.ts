import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What is kept of one answer: the raw text (validation may improve later) and its cost. */
export interface CachedAnswer {
  model: string;
  promptVersion: string;
  content: string;
  promptTokens: number;
  outputTokens: number;
  evalMs: number;
  at: string;
}

export interface CacheKeyParts {
  documentHash: string;
  chunkHash: string;
  model: string;
  prompt: string;
  numCtx: number;
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
    return createHash('sha256').update(JSON.stringify([parts.documentHash, parts.chunkHash, parts.model, parts.prompt, parts.numCtx])).digest('hex');
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

  put(key: string, value: CachedAnswer): void {
    const file = this.file(key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(value));
    fs.renameSync(tmp, file);
  }
}

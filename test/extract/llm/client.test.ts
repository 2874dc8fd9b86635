import * as net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmPermanentError, LlmUnavailableError, probeOllama } from '../../../src/extract/llm/index.js';
import { ANSWER_JSON_SCHEMA } from '../../../src/extract/llm/schema.js';
import { startOllamaStandin, type OllamaStandin } from '../../support/ollama-standin.mjs';
import { until } from '../../helpers.js';
import { MODEL, client } from './helpers.js';

const SYSTEM = 'system';
const USER = 'Registrant: X\n<filing_text>\nJohn Smith, Chief Financial Officer\n</filing_text>';

let s: OllamaStandin;
beforeEach(async () => {
  s = await startOllamaStandin();
});
afterEach(async () => {
  await s.close();
});

const never = new AbortController().signal;

describe('OllamaClient against the Ollama stand-in (real HTTP, the ollama package)', () => {
  it('sends the schema as format, temperature 0, num_ctx, num_predict and keep_alive; reads tokens and durations', async () => {
    const res = await client(s.url, { numCtx: 6000, keepAlive: '7m' }).chat(SYSTEM, USER, never);
    expect(JSON.parse(res.content).people).toEqual([{ name: 'John Smith', title: 'Chief Financial Officer', role: 'officer' }]);
    expect(res.promptTokens).toBeGreaterThan(0);
    expect(res.outputTokens).toBeGreaterThan(0);
    const body = s.stats.bodies[0];
    expect(body).toMatchObject({ model: MODEL, stream: false, keep_alive: '7m', format: ANSWER_JSON_SCHEMA, options: { temperature: 0, num_ctx: 6000, num_predict: 1024 } });
    expect(body.messages).toEqual([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: USER },
    ]);
  });

  it('503 (queue full), 500 and a dropped connection are retried; the answer then arrives', async () => {
    s.fault({ status: 503, error: 'server busy, please try again.  maximum pending requests exceeded' }, { status: 500, error: 'llama runner process has terminated' }, { drop: true });
    const res = await client(s.url, { attempts: 4 }).chat(SYSTEM, USER, never);
    expect(JSON.parse(res.content).people).toHaveLength(1);
    expect(s.stats.chat).toBe(4);
  });

  it('gives up after its attempts with LlmUnavailableError (the queue retries the job later)', async () => {
    s.fault({ status: 503 }, { status: 503 }, { status: 503 });
    const err = await client(s.url, { attempts: 3 }).chat(SYSTEM, USER, never).catch((e) => e);
    expect(err).toBeInstanceOf(LlmUnavailableError);
    expect(err.message).toMatch(/failed 3 time\(s\), last: .*503/);
    expect(s.stats.chat).toBe(3);
  });

  it('a refused connection is retried, then reported as unavailable', async () => {
    const port = await freePort();
    const err = await client(`http://127.0.0.1:${port}`, { attempts: 2 }).chat(SYSTEM, USER, never).catch((e) => e);
    expect(err).toBeInstanceOf(LlmUnavailableError);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('the per-request timeout aborts the HTTP request (the server sees it closed) and the retry succeeds', async () => {
    s.fault({ hang: true });
    // Long enough that the retry's own answer is never cut off on a loaded machine.
    const res = await client(s.url, { timeoutMs: 1_500, attempts: 2 }).chat(SYSTEM, USER, never);
    const closed = s.stats.chat - s.stats.chatOk;
    expect(JSON.parse(res.content).people).toHaveLength(1);
    expect(closed).toBe(1);
    expect(s.stats.inFlight).toBe(0);
  });

  it("the job's own abort signal stops the request at once, without retrying", async () => {
    s.fault({ hang: true });
    const ac = new AbortController();
    const p = client(s.url, { timeoutMs: 60_000 }).chat(SYSTEM, USER, ac.signal);
    // Aborted once the request is at the server (a fixed delay may come first on a loaded machine).
    await until(() => s.stats.inFlight === 1, 10_000);
    ac.abort(new Error('lease lost'));
    await expect(p).rejects.toThrow('lease lost');
    expect(s.stats.chat).toBe(1);
    // The HTTP request itself was aborted: the server saw the connection close.
    await until(() => s.stats.inFlight === 0, 5_000);
  });

  it('Retry-After is honoured but capped: an hour asked by a proxy does not park the job', async () => {
    s.fault({ status: 503, error: 'busy', retryAfter: '3600' });
    const res = await client(s.url, { attempts: 2 }).chat(SYSTEM, USER, never);
    expect(JSON.parse(res.content).people).toHaveLength(1);
    expect(s.stats.chat).toBe(2);
  });

  it('a shared pull survives one waiting job being aborted; that job alone fails, with its own reason', async () => {
    s.state.models.clear();
    s.state.pullable.add(MODEL);
    s.state.pullChunks = 20;
    s.state.pullDelayMs = 20;
    const c = client(s.url, {}, 2);
    const ac = new AbortController();
    const a = c.chat(SYSTEM, USER, ac.signal);
    const b = c.chat(SYSTEM, USER, never);
    await until(() => s.stats.pulls === 1, 5_000);
    ac.abort(new Error('lease lost on job A'));
    await expect(a).rejects.toThrow('lease lost on job A');
    expect(JSON.parse((await b).content).people).toHaveLength(1);
    expect(s.stats.pulls).toBe(1);
  });

  it('a 400 is not retried: the request itself is wrong', async () => {
    s.fault({ status: 400, error: 'invalid format: json: cannot unmarshal' });
    const err = await client(s.url).chat(SYSTEM, USER, never).catch((e) => e);
    expect(err).toBeInstanceOf(LlmPermanentError);
    expect(err.message).toContain('invalid format');
    expect(s.stats.chat).toBe(1);
  });

  it('a missing model (404) is pulled once through /api/pull, then used; concurrent callers share the one pull', async () => {
    s.state.models.clear();
    s.state.pullable.add(MODEL);
    const c = client(s.url, {}, 3);
    const answers = await Promise.all([c.chat(SYSTEM, USER, never), c.chat(SYSTEM, USER, never), c.chat(SYSTEM, USER, never)]);
    expect(answers.every((a) => JSON.parse(a.content).people.length === 1)).toBe(true);
    expect(s.stats.pulls).toBe(1);
  });

  it('with pulling disabled, a missing model is a permanent error that names the way out', async () => {
    s.state.models.clear();
    const err = await client(s.url, { pull: false }).chat(SYSTEM, USER, never).catch((e) => e);
    expect(err).toBeInstanceOf(LlmPermanentError);
    expect(err.message).toBe(`model ${MODEL} is not on the Ollama server at ${s.url}: run \`ollama pull ${MODEL}\` there, or allow pulling (OLLAMA_PULL=true)`);
    expect(s.stats.pulls).toBe(0);
  });

  it('a pull that fails inside its 200 stream (unknown model) is a permanent error, not a hang or a success', async () => {
    s.state.models.clear();
    const err = await client(s.url).chat(SYSTEM, USER, never).catch((e) => e);
    expect(err).toBeInstanceOf(LlmPermanentError);
    expect(err.message).toMatch(/cannot pull model .*file does not exist/);
    expect(s.stats.pulls).toBe(1);
  });

  it('the per-process limit holds: never more requests in flight than the limiter allows', async () => {
    s.state.capacity = 8;
    s.state.latencyMs = 40;
    const c = client(s.url, {}, 2);
    await Promise.all(Array.from({ length: 8 }, () => c.chat(SYSTEM, USER, never)));
    expect(s.stats.chatOk).toBe(8);
    expect(s.stats.maxInFlight).toBe(2);
  });

  it('probeOllama: reachable with or without the model, or not reachable', async () => {
    expect(await probeOllama(s.url, MODEL)).toMatchObject({ reachable: true, hasModel: true });
    expect(await probeOllama(s.url, 'llama3.2:1b')).toMatchObject({ reachable: true, hasModel: false });
    const port = await freePort();
    expect(await probeOllama(`http://127.0.0.1:${port}`, MODEL)).toMatchObject({ reachable: false, hasModel: false });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// A local stand-in for Ollama's HTTP API, for tests and benchmarks (no model weights run
// here). It speaks the wire protocol the `ollama` package speaks, with Ollama's status
// codes and error bodies, and adds the knobs a test needs: latency, parallel capacity,
// a bounded wait queue (503 past it, like OLLAMA_MAX_QUEUE), one-shot faults, and counters.
//
// What it implements, as Ollama 0.12 does:
//   GET  /api/version, GET /api/tags, POST /api/show (404 for an unknown model)
//   POST /api/chat   non-streaming and streaming (NDJSON); `format` as a JSON schema: the
//                    answer it produces is checked against that schema (ajv) so a test that
//                    forgets `format` sees prose, as a real model without it would; 404
//                    "model ... not found, try pulling it first" for a missing model;
//                    options.num_ctx (default 2048): a longer prompt is truncated from the
//                    start, as Ollama does, and counted in stats.truncated
//   POST /api/pull   streaming progress (pulling manifest, pulling <digest> with total and
//                    completed, verifying, writing manifest, success); an unknown model fails
//                    with an {"error": ...} line inside the 200 stream, as Ollama does
// What it does not: generate text. Its "model" is a rule reader (answerFromText below) that
// finds officers written as "Name  Age  Title" rows, "Name, Title" lines and "/s/ Name"
// signatures, and auditors ending in LLP; tests replace it with `responder` when they need
// an exact answer, and the faults make it answer badly on purpose.
import * as http from 'node:http';
import { createHash } from 'node:crypto';
import Ajv from 'ajv';

const ajv = new Ajv({ strict: false, allErrors: false });

/**
 * @typedef {{ status?: number, error?: string, content?: string, hang?: boolean, drop?: boolean, delayMs?: number, retryAfter?: string }} Fault
 */

export async function startOllamaStandin(opts = {}) {
  const state = {
    models: new Set(opts.models ?? ['qwen2.5:3b-instruct']),
    pullable: new Set(opts.pullable ?? []),
    latencyMs: opts.latencyMs ?? 0,
    capacity: opts.capacity ?? 1,
    maxQueue: opts.maxQueue ?? 512,
    /** @type {Fault[]} */
    faults: [],
    responder: opts.responder ?? null,
    pullChunks: opts.pullChunks ?? 4,
    pullDelayMs: opts.pullDelayMs ?? 5,
  };
  const stats = {
    requests: {},
    chat: 0,
    chatOk: 0,
    inFlight: 0,
    maxInFlight: 0,
    queued: 0,
    rejectedBusy: 0,
    truncated: 0,
    /** The largest (prompt + num_predict) / num_ctx seen: above 1, an answer could be cut or the prompt truncated. */
    maxContextUsed: 0,
    pulls: 0,
    /** performance.now() of the first chat admitted and of the last answered: the busy window. */
    firstStartMs: 0,
    lastEndMs: 0,
    /** First time every slot was busy, last time a call was admitted, and when each call ended. */
    saturatedAtMs: 0,
    lastStartMs: 0,
    endTimes: [],
    /** The last chat request bodies (at most 50), for assertions on what the client sends. */
    bodies: [],
  };
  /** @type {Array<() => void>} */
  const waiting = [];
  let active = 0;

  const acquire = () =>
    new Promise((resolve, reject) => {
      if (active < state.capacity) {
        active++;
        return resolve(undefined);
      }
      if (waiting.length >= state.maxQueue) return reject(Object.assign(new Error('busy'), { busy: true }));
      stats.queued++;
      waiting.push(() => {
        active++;
        resolve(undefined);
      });
    });
  const release = () => {
    active--;
    const next = waiting.shift();
    if (next) next();
  };

  const sockets = new Set();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    stats.requests[url.pathname] = (stats.requests[url.pathname] ?? 0) + 1;
    try {
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      if (req.method === 'GET' && url.pathname === '/api/version') return json(res, 200, { version: '0.12.0' });
      if (req.method === 'GET' && url.pathname === '/api/tags') {
        return json(res, 200, { models: [...state.models].map((name) => modelEntry(name)) });
      }
      if (req.method === 'POST' && url.pathname === '/api/show') {
        const name = body?.model ?? body?.name;
        if (!hasModel(state, name)) return json(res, 404, { error: `model '${name}' not found` });
        return json(res, 200, { modelfile: '', parameters: 'temperature 0.7', template: '{{ .Prompt }}', details: modelEntry(name).details, model_info: { 'general.architecture': 'qwen2', 'qwen2.context_length': 32768 } });
      }
      if (req.method === 'POST' && url.pathname === '/api/chat') return await chat(body, req, res);
      if (req.method === 'POST' && url.pathname === '/api/pull') return await pull(body, res);
      return json(res, 404, { error: '404 page not found' });
    } catch (err) {
      if (!res.headersSent) json(res, 400, { error: String(err?.message ?? err) });
    }
  });

  async function chat(body, req, res) {
    stats.chat++;
    if (stats.bodies.length >= 50) stats.bodies.shift();
    stats.bodies.push(body);
    if (typeof body?.model !== 'string' || body.model === '') return json(res, 400, { error: 'model is required' });
    if (!hasModel(state, body.model)) return json(res, 404, { error: `model "${body.model}" not found, try pulling it first` });
    const fault = state.faults.shift();
    if (fault?.drop) return req.socket.destroy();
    if (fault?.status) {
      const headers = fault.retryAfter ? { 'retry-after': fault.retryAfter } : {};
      return json(res, fault.status, { error: fault.error ?? http.STATUS_CODES[fault.status] ?? 'error' }, headers);
    }
    try {
      await acquire();
    } catch {
      stats.rejectedBusy++;
      return json(res, 503, { error: 'server busy, please try again.  maximum pending requests exceeded' });
    }
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    stats.lastStartMs = performance.now();
    if (stats.saturatedAtMs === 0 && stats.inFlight >= state.capacity) stats.saturatedAtMs = stats.lastStartMs;
    let aborted = false;
    res.on('close', () => {
      if (!res.writableFinished) aborted = true;
    });
    try {
      if (fault?.hang) {
        await new Promise((resolve) => res.on('close', resolve));
        return;
      }
      const started = process.hrtime.bigint();
      if (stats.firstStartMs === 0) stats.firstStartMs = performance.now();
      await sleep(fault?.delayMs ?? state.latencyMs);
      if (aborted) return;
      const numCtx = body.options?.num_ctx ?? 2048;
      const messages = Array.isArray(body.messages) ? body.messages : [];
      const promptText = messages.map((m) => String(m?.content ?? '')).join('\n');
      let promptTokens = Math.ceil(promptText.length / 4);
      stats.maxContextUsed = Math.max(stats.maxContextUsed, (promptTokens + (body.options?.num_predict ?? 0)) / numCtx);
      let userText = String(messages.filter((m) => m?.role === 'user').at(-1)?.content ?? '');
      if (promptTokens > numCtx) {
        // Ollama keeps the end of an over-long prompt: the start of the text is lost.
        stats.truncated++;
        userText = userText.slice(Math.min(userText.length, (promptTokens - numCtx) * 4));
        promptTokens = numCtx;
      }
      let content;
      if (fault && 'content' in fault) content = fault.content;
      else {
        const answer = state.responder ? await state.responder({ body, userText, text: filingText(userText) }) : answerFromText(filingText(userText));
        if (typeof answer === 'string') content = answer;
        else if (body.format && typeof body.format === 'object') {
          const validate = ajv.compile(body.format);
          // A real model under a grammar cannot leave the schema; a responder that does is a test bug.
          if (!validate(answer)) throw new Error(`stand-in responder broke the format schema: ${ajv.errorsText(validate.errors)}`);
          content = JSON.stringify(answer);
        } else if (body.format === 'json') content = JSON.stringify(answer);
        else content = `Here is what I found in the filing: ${JSON.stringify(answer)}. Let me know if you need anything else!`;
      }
      const evalCount = Math.max(1, Math.ceil(content.length / 4));
      const total = Number(process.hrtime.bigint() - started);
      const done = {
        model: body.model,
        created_at: new Date().toISOString(),
        done: true,
        done_reason: 'stop',
        total_duration: total,
        load_duration: 1_000_000,
        prompt_eval_count: promptTokens,
        prompt_eval_duration: Math.round(total * 0.2),
        eval_count: evalCount,
        eval_duration: Math.max(1, Math.round(total * 0.8)),
      };
      stats.chatOk++;
      stats.lastEndMs = performance.now();
      stats.endTimes.push(stats.lastEndMs);
      if (body.stream === false) return json(res, 200, { ...done, message: { role: 'assistant', content } });
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      for (const piece of content.match(/[\s\S]{1,16}/g) ?? ['']) {
        res.write(JSON.stringify({ model: body.model, created_at: done.created_at, message: { role: 'assistant', content: piece }, done: false }) + '\n');
      }
      res.end(JSON.stringify({ ...done, message: { role: 'assistant', content: '' } }) + '\n');
    } finally {
      stats.inFlight--;
      release();
    }
  }

  async function pull(body, res) {
    stats.pulls++;
    const name = body?.model ?? body?.name;
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const line = (o) => res.write(JSON.stringify(o) + '\n');
    line({ status: 'pulling manifest' });
    await sleep(5);
    if (!state.pullable.has(name)) {
      line({ error: 'pull model manifest: file does not exist' });
      return res.end();
    }
    const digest = 'sha256:' + createHash('sha256').update(name).digest('hex');
    const total = 1_900_000_000;
    for (let i = 1; i <= state.pullChunks; i++) {
      line({ status: `pulling ${digest.slice(7, 19)}`, digest, total, completed: Math.round((total * i) / state.pullChunks) });
      await sleep(state.pullDelayMs);
      if (res.destroyed) return;
    }
    line({ status: 'verifying sha256 digest' });
    line({ status: 'writing manifest' });
    state.models.add(name);
    line({ status: 'success' });
    res.end();
  }

  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    state,
    /** Faults consumed one per chat request, in order. */
    fault(...faults) {
      state.faults.push(...faults);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

function hasModel(state, name) {
  if (typeof name !== 'string') return false;
  return state.models.has(name) || state.models.has(name.includes(':') ? name : `${name}:latest`);
}

function modelEntry(name) {
  return {
    name,
    model: name,
    modified_at: '2026-10-01T00:00:00Z',
    size: 1_929_912_432,
    digest: createHash('sha256').update(name).digest('hex'),
    details: { parent_model: '', format: 'gguf', family: 'qwen2', families: ['qwen2'], parameter_size: '3.1B', quantization_level: 'Q4_K_M' },
  };
}

function json(res, status, obj, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(obj));
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      try {
        resolve(data === '' ? {} : JSON.parse(data));
      } catch {
        reject(new Error('invalid character in JSON body'));
      }
    });
    req.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The filing text between the client's markers, or the whole message when there are none. */
export function filingText(userText) {
  const m = /<filing_text>\n?([\s\S]*?)\n?<\/filing_text>/.exec(userText);
  return m ? m[1] : userText;
}

const TITLE = /(chief [a-z ]*officer|president|vice president|treasurer|secretary|chairman|chairwoman|director|controller|general counsel)/i;
const NAME = "[A-Z][a-z'\u2019-]+(?: [A-Z]\\.)?(?: [A-Z][a-z'\u2019-]+){1,2}";

/** The stand-in's "model": officers and auditors written in the usual ways. */
export function answerFromText(text) {
  const people = new Map();
  const add = (name, title) => {
    const t = title.replace(/\s+/g, ' ').trim();
    if (!TITLE.test(t) || people.has(name)) return;
    const director = /director|chairman|chairwoman/i.test(t);
    const officer = /officer|president|treasurer|secretary|controller|counsel/i.test(t);
    people.set(name, { name, title: t, role: director && officer ? 'both' : director ? 'director' : 'officer' });
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    let m = new RegExp(`^(${NAME})\\s{2,}(\\d{2})\\s{2,}(.+)$`).exec(line);
    if (m) add(m[1], m[3]);
    m = new RegExp(`^(${NAME}),\\s+(.{3,80})$`).exec(line);
    if (m) add(m[1], m[2]);
    m = new RegExp(`^/s/\\s*(${NAME})\\s*(.*)$`).exec(line);
    if (m) add(m[1], m[2] || (lines[i + 1] ?? ''));
  }
  const auditors = [...new Set([...text.matchAll(/\b([A-Z][A-Za-z&]+(?: [A-Z&][A-Za-z&,.]*){0,3} LLP)\b/g)].map((x) => x[1]))].map((name) => ({ name }));
  return { people: [...people.values()], subsidiaries: [], auditors, customers: [], suppliers: [], competitors: [], acquisitions: [] };
}

/**
 * The stand-in as a process of its own (for the benchmark, so server and client do not
 * share one event loop): prints `listening <port> <user> <password>` and serves until its
 * stdin closes.
 */
import { BoltStandin } from './server.js';

const s = await BoltStandin.start({ port: Number(process.env.STANDIN_PORT) || 0 });
process.stdout.write(`listening ${s.port} ${s.user} ${s.password}\n`);
process.stdin.resume();
process.stdin.on('end', () => void s.close().then(() => process.exit(0)));

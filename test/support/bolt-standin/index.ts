export { BoltStandin, type StandinOptions, type StandinCounters } from './server.js';
export { Graph } from './graph.js';
export { parse, lex, CypherSyntaxError } from './cypher.js';

import { Option, type Command } from 'commander';
import { aiOptions, filingsDirOption, graphDirOption } from './options.js';

/**
 * Registration of the graph-side commands (extract, sample, graph stats/export), kept
 * apart from main.ts so that each command family is wired in one place.
 */
export type CommonOptions = (cmd: Command) => Command;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ActionFactory = (load: () => Promise<{ default: (opts: any, args: string[]) => Promise<number> }>) => (...all: unknown[]) => Promise<void>;

export function registerGraphCommands(program: Command, common: CommonOptions, action: ActionFactory): void {
  const sample = common(program.command('sample'))
    .description(
      'write N fictitious filings of year Y in EDGAR full-submission format, for demos and benchmarks',
    )
    .requiredOption('--year <year>', 'filing year, 1994 to 2099')
    .requiredOption('--count <n>', 'how many filings, 1 to 100000');
  filingsDirOption(sample, 'where to write')
    .option('--seed <n>', 'seed of the generator (default: the year)')
    .addHelpText(
      'after',
      '\nForms: 10-K (EX-21 as a text or HTML table, executive officers in the prose), 10-Q, 8-K (some filed\n' +
        'jointly by two registrants), Form 4 (ownership XML). Files land in <filings-dir>/edgar/data/<cik>/<accession>.txt,\n' +
        'EDGAR\'s own layout, each written whole (tmp file, then rename); the same seed writes the same bytes.\n' +
        'Names carry the word FICTITIOUS, CIKs start at 9000000000 and accession numbers at 9999999999-YY-: nothing\n' +
        'can be mistaken for a real registrant. Example: edgar sample --year 2010 --count 24 --seed 2010',
    )
    .action(action(() => import('./commands/sample.js')));

  aiOptions(
    common(program.command('extract'))
      .description('what one filing would put into the graph, without the queue: its GraphFragment, readable or as JSON')
      .argument('<file>', 'an EDGAR full submission (.txt or .nc)'),
  )
    .option('--json', 'the GraphFragment as JSON (the fragment-file format, see CONTRACT.md)')
    .addHelpText('after', '\nExit status: 0 extracted; 1 the file is missing or not an EDGAR submission, or Ollama failed (one line on stderr); 2 bad usage, or --extractor llm with Ollama unreachable.')
    .action(action(() => import('./commands/extract.js')));

  const graph = program
    .command('graph')
    .description('the graph the stored fragments make: counts, exports for neo4j-admin or cypher-shell, and a replay into Neo4j');

  graphDirOption(common(graph.command('stats')))
    .description('nodes per label and relationships per type: in Neo4j when NEO4J_URI is set, else once every fragment in GRAPH_DIR is merged')
    .option('--files', 'count the file graph store (GRAPH_DIR) even when NEO4J_URI is set')
    .option('--json', 'one JSON object: { graphDir, fragments, nodes: {Label: n}, relationships: {TYPE: n}, totalNodes, totalRelationships } (from Neo4j: { neo4j, database, nodes, ... })')
    .action(action(() => import('./commands/graph-stats.js')));

  graphDirOption(common(graph.command('push')))
    .description('replay the stored fragments (the outbox in GRAPH_DIR) into Neo4j; idempotent: what Neo4j already holds is merged, never duplicated')
    .option('--since <when>', 'only fragments written in the last DURATION (30m, 2h, 7d) or since a date (2026-03-01, an ISO time)')
    .option('--json', 'one JSON object: { graphDir, fragments, pushed, olderThanSince, transactions, rows, problems, neo4j, database, since }')
    .addHelpText(
      'after',
      '\nNeeds NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE). Creates the key constraints first, then writes\n' +
        'the fragments in transactions of about 5000 rows. Use it after an outage that outlasted the jobs\' retries, to fill a\n' +
        'new database, or to load a graph built without Neo4j. Exit status: 0 all pushed; 1 a fragment was refused or Neo4j\n' +
        'failed mid-way (run it again: nothing is duplicated); 2 Neo4j unreachable or refusing the credentials at the start.',
    )
    .action(action(() => import('./commands/graph-push.js')));

  graphDirOption(common(graph.command('export')))
    .description('export the merged graph: CSV files plus import.sh for `neo4j-admin database import full`, or a Cypher script for `cypher-shell -f`')
    .addOption(new Option('--format <format>', 'csv or cypher').choices(['csv', 'cypher']).makeOptionMandatory())
    .requiredOption('--out <dir>', 'output folder (created if missing; files in it are replaced)')
    .addHelpText(
      'after',
      '\ncsv: nodes_<Label>.csv, relationships_<TYPE>_<From>_<To>.csv and import.sh, for a new, empty database.\n' +
        'cypher: graph.cypher (constraints, then MERGE statements): safe to run again on a database that has the graph.',
    )
    .action(action(() => import('./commands/graph-export.js')));
}

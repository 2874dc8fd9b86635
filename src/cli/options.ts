import { Option, type Command } from 'commander';
import { EXTRACTOR_CHOICES } from '../pipeline/extractor-choice.js';

/**
 * Options several commands share, declared once so that their spelling, choices and
 * help stay the same everywhere (CONTRACT.md lists them per command).
 */
export function aiOptions(cmd: Command): Command {
  return cmd
    .option('--no-ai', 'rules only (same as USE_AI_EXTRACTION=false or --extractor rules)')
    .addOption(
      new Option(
        '--extractor <mode>',
        'auto: the LLM when Ollama answers, else rules, said on stderr; llm: Ollama required (exit 2 if not); rules (env EXTRACTOR, default auto)',
      ).choices(EXTRACTOR_CHOICES),
    );
}

export function filingsDirOption(cmd: Command, help = 'where the filings are'): Command {
  return cmd.option('--filings-dir <dir>', `${help} (env FILINGS_DIR, default data/filings)`);
}

export function graphDirOption(cmd: Command): Command {
  return cmd.option('--graph-dir <dir>', 'the file graph store (env GRAPH_DIR, default data/graph)');
}

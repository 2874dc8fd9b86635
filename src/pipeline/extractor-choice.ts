/**
 * The extractor names, alone in a module: the CLI declares them as choices at start-up
 * and must not load the Ollama client and zod to do so.
 */
export type ExtractorChoice = 'auto' | 'llm' | 'rules';
export const EXTRACTOR_CHOICES: readonly ExtractorChoice[] = ['auto', 'llm', 'rules'];

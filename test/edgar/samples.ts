import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared real EDGAR samples; read in place, never copied into the project. */
export const samplesDir = path.resolve(repoRoot, '..', 'shared', 'edgar-samples');

export const filingPath = (name: string): string => path.join(samplesDir, 'filings', name);
export const headerPath = (name: string): string => path.join(samplesDir, 'headers', name);

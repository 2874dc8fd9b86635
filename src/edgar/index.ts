export { FilingParseError, type FilingParseErrorCode } from './errors.js';
export { parseSubmissionFile, parseSubmissionText, SubmissionParser, type FileParseOptions } from './parser.js';
export { documentPlainText, htmlFragmentText } from './plain-text.js';
export type * from './types.js';

export type FilingParseErrorCode =
  | 'EMPTY'
  | 'NOT_EDGAR'
  | 'TRUNCATED'
  | 'NO_ACCESSION'
  | 'NO_FORM_TYPE';

/**
 * A file that cannot be read as an EDGAR submission. Permanent by nature: retrying the
 * same bytes gives the same answer, so a job queue should not retry it.
 */
export class FilingParseError extends Error {
  override readonly name = 'FilingParseError';

  constructor(
    readonly code: FilingParseErrorCode,
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/**
 * Labels, relationship types and property names are the only things a statement cannot
 * take as parameters (Cypher has no `$label` in a MERGE pattern that can use an index).
 * They come from fragments, which an LLM helps write, so each one is checked against a
 * strict pattern first and backtick-quoted second: the check refuses anything surprising,
 * the quoting makes even a reserved word (`Match`, `key`) a plain identifier.
 */
const NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;

/** A fragment names a label, type or property that cannot safely become a Cypher identifier. */
export class InvalidGraphNameError extends Error {
  override name = 'InvalidGraphNameError';
  readonly permanent = true;
}

/**
 * A fragment names a node with no key (an empty string): nothing can be MERGEd on it. The
 * fragment is wrong, so the job fails at once (the queue reads `permanent`) instead of
 * being retried to no end.
 */
export class InvalidGraphKeyError extends Error {
  override name = 'InvalidGraphKeyError';
  readonly permanent = true;
}

export type NameKind = 'label' | 'relationship type' | 'property' | 'constraint' | 'index';

export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name);
}

/** The name, validated and backtick-quoted. */
export function identifier(kind: NameKind, name: unknown): string {
  if (!isValidName(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}...` : name) : String(name);
    throw new InvalidGraphNameError(`${kind} ${shown} is not a valid name (letters, digits and _; a letter first; at most 128)`);
  }
  return `\`${name}\``;
}

/**
 * Quoting alone, for names read back from the database (`db.labels()`), which may have
 * been written by something else and follow no pattern: backticks doubled, as Cypher wants.
 */
export function quoteAny(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

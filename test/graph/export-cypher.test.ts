import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  constraintStatement,
  cypherName,
  cypherString,
  cypherValue,
  exportCypher,
  nodeStatement,
  relationshipStatement,
} from '../../src/graph/export-cypher.js';
import { MergedGraph } from '../../src/graph/merge.js';
import { tempDir } from '../helpers.js';
import { TRICKY_NAME, twoFragments } from './helpers.js';

/** Cypher's string-literal escapes, read the way the Cypher lexer reads them. */
function readLiteral(literal: string): string {
  expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
  const body = literal.slice(1, -1);
  const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'") throw new Error(`unescaped quote at ${i}: the literal would end early`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = body[++i]!;
    if (next === 'u') {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else if (simple[next] !== undefined) {
      out += simple[next];
    } else {
      throw new Error(`unknown escape \\${next}`);
    }
  }
  return out;
}

/** Java-style early \uXXXX translation (a backslash preceded by an even run of backslashes). */
function translateUnicodeEarly(text: string): string {
  let out = '';
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && run % 2 === 0 && text[i + 1] === 'u' && /^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      i += 5;
      run = 0;
      continue;
    }
    run = c === '\\' ? run + 1 : 0;
    out += c;
  }
  return out;
}

const CASES: Array<[string, string]> = [
  ['plain', "'plain'"],
  ["O'Brien", "'O\\'Brien'"],
  ['back\\slash', "'back\\\\slash'"],
  ['two\nlines\r\n', "'two\\nlines\\r\\n'"],
  ['tab\there', "'tab\\there'"],
  ['semi;colon', "'semi\\u003Bcolon'"],
  ['$param {brace} `tick` "dq" // not a comment', "'$param {brace} `tick` \"dq\" // not a comment'"],
  ['caf\u00e9', "'caf\\u00E9'"],
  ['\u{1F600}', "'\\uD83D\\uDE00'"],
  ['nul\u0000bell\u0007', "'nul\\u0000bell\\u0007'"],
  ['a\\u0041', "'a\\\\\\u00750041'"],
  ['\\\\U', "'\\\\\\\\\\u0055'"],
  ["\\'", "'\\\\\\''"],
  ['', "''"],
];

describe('cypherString', () => {
  for (const [input, literal] of CASES) {
    it(`${JSON.stringify(input)} -> ${literal}`, () => {
      const out = cypherString(input);
      expect(out).toBe(literal);
      expect(out).toMatch(/^[\x20-\x7e]*$/);
      expect(out.slice(1, -1)).not.toMatch(/;/);
      // Whether Cypher translates \uXXXX early (as Java source does) or only inside literals, the value is the same.
      expect(readLiteral(out)).toBe(input);
      expect(readLiteral(translateUnicodeEarly(out))).toBe(input);
    });
  }

  it('round-trips random strings of awkward characters', () => {
    const alphabet = ['\\', "'", '"', 'u', 'U', '0', '4', '1', ';', '\n', '\r', '`', '$', '{', '}', 'é', '😀', '\u0000', ' ', 'a'];
    let state = 12345;
    const rand = (n: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % n;
    };
    for (let k = 0; k < 500; k++) {
      const s = Array.from({ length: rand(12) }, () => alphabet[rand(alphabet.length)]).join('');
      const out = cypherString(s);
      expect(readLiteral(out)).toBe(s);
      expect(readLiteral(translateUnicodeEarly(out))).toBe(s);
    }
  });
});

describe('names, values and statements', () => {
  it('backtick-quotes names with backticks doubled', () => {
    expect(cypherName('Company')).toBe('`Company`');
    expect(cypherName('we`ird')).toBe('`we``ird`');
    expect(cypherName('has space')).toBe('`has space`');
  });

  it('writes values as literals', () => {
    expect(cypherValue(5)).toBe('5');
    expect(cypherValue(2.5)).toBe('2.5');
    expect(cypherValue(true)).toBe('true');
    expect(cypherValue(['a', "b'c"])).toBe("['a', 'b\\'c']");
  });

  it('constraints, node MERGE and relationship MERGE on identity properties', () => {
    expect(constraintStatement('Company')).toBe('CREATE CONSTRAINT IF NOT EXISTS FOR (n:`Company`) REQUIRE n.`key` IS UNIQUE;');
    expect(nodeStatement('Company', '9000000001', { name: "O'Neil Co", cik: '9000000001' })).toBe(
      "MERGE (n:`Company` {`key`: '9000000001'}) SET n += {`name`: 'O\\'Neil Co', `cik`: '9000000001'};",
    );
    expect(nodeStatement('State', 'DE', {})).toBe("MERGE (n:`State` {`key`: 'DE'});");
    expect(
      relationshipStatement({
        type: 'FILED',
        from: { label: 'Company', key: '1' },
        to: { label: 'Filing', key: 'A' },
        props: { role: 'FILER', accession: 'A' },
      }),
    ).toBe("MATCH (a:`Company` {`key`: '1'}) MATCH (b:`Filing` {`key`: 'A'}) MERGE (a)-[r:`FILED` {`role`: 'FILER'}]->(b) SET r += {`accession`: 'A'};");
    expect(
      relationshipStatement({ type: 'INCORPORATED_IN', from: { label: 'Company', key: '1' }, to: { label: 'State', key: 'DE' }, props: {} }),
    ).toBe("MATCH (a:`Company` {`key`: '1'}) MATCH (b:`State` {`key`: 'DE'}) MERGE (a)-[r:`INCORPORATED_IN`]->(b);");
  });
});

describe('exportCypher', () => {
  it('writes constraints first, then batched MERGEs; tricky names stay inside their literal', () => {
    const graph = new MergedGraph();
    for (const f of twoFragments()) graph.add(f);
    const out = tempDir();
    const result = exportCypher(graph, out);
    expect(result).toMatchObject({ file: path.join(out, 'graph.cypher'), constraints: 4, nodes: 5, relationships: 8 });
    const lines = fs.readFileSync(result.file, 'utf8').trimEnd().split('\n');
    const code = lines.filter((l) => !l.startsWith('//'));
    expect(code.slice(0, 4)).toEqual(['Company', 'Filing', 'Person', 'State'].map(constraintStatement));
    expect(code[4]).toBe(':begin');
    expect(code[code.length - 1]).toBe(':commit');
    const statements = code.slice(5, -1);
    expect(statements).toHaveLength(13);
    for (const s of statements) {
      expect(s).toMatch(/^(MERGE|MATCH) /);
      expect(s.endsWith(';')).toBe(true);
      expect(s.slice(0, -1)).not.toContain(';');
    }
    const person = statements.find((s) => s.startsWith('MERGE (n:`Person`'))!;
    const literal = person.match(/`name`: ('(?:[^'\\]|\\.)*')/)![1]!;
    expect(readLiteral(literal)).toBe(TRICKY_NAME);
    expect(statements.filter((s) => s.includes('[r:`FILED`'))).toHaveLength(4);
  });
});

describe('relationship identity in the Cypher export', () => {
  it("a missing identity value MERGEs as '' (as the file store and the Neo4j writer count it), never as a wildcard", () => {
    const from = { label: 'Company', key: '0000000001' };
    const to = { label: 'FormerName', key: '0000000001:OLD CO' };
    const undated = relationshipStatement({ type: 'FORMERLY_NAMED', from, to, props: { accession: 'a-1' } });
    const dated = relationshipStatement({ type: 'FORMERLY_NAMED', from, to, props: { accession: 'a-2', changedAt: '2001-02-03' } });
    expect(undated).toContain("MERGE (a)-[r:`FORMERLY_NAMED` {`changedAt`: ''}]->(b)");
    expect(dated).toContain("MERGE (a)-[r:`FORMERLY_NAMED` {`changedAt`: '2001-02-03'}]->(b)");
  });
});

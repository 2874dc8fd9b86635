import { describe, expect, it } from 'vitest';
import { FragmentBuilder } from '../../../src/graph/fragment.js';
import { addLlmFacts } from '../../../src/extract/llm/facts-to-graph.js';
import { ANSWER_JSON_SCHEMA, ExtractionAnswer, emptyAnswer } from '../../../src/extract/llm/schema.js';
import { checkAnswer } from '../../../src/extract/llm/validate.js';
import { normalizeCompanyName } from '../../../src/extract/normalize.js';

const TEXT = `Executive Officers of the Registrant
Jane Q. Public   54   Chief Executive Officer and Director
John Smith, Chief Financial Officer
Our auditor is Ernst & Young LLP. Apple Inc. is our largest customer; APPLE INC buys most of our output.
ACME WIDGETS INC is the registrant.`;

const ctx = { text: TEXT, registrantKeys: new Set([normalizeCompanyName('Acme Widgets, Inc.')]), normalizeCompany: normalizeCompanyName };
const answer = (over: Record<string, unknown>) => JSON.stringify({ ...emptyAnswer(), ...over });

describe('the answer schema', () => {
  it('is one definition: the JSON schema sent as format is generated from the validator', () => {
    expect(ANSWER_JSON_SCHEMA).toMatchObject({ type: 'object', additionalProperties: false, required: expect.arrayContaining(['people', 'auditors', 'acquisitions']) });
    const people = (ANSWER_JSON_SCHEMA.properties as Record<string, { items: { required: string[]; properties: { role: { enum: string[] } } } }>).people!;
    expect(people.items.required).toEqual(['name', 'title', 'role']);
    expect(people.items.properties.role.enum).toEqual(['officer', 'director', 'both']);
    expect(ExtractionAnswer.safeParse(emptyAnswer()).success).toBe(true);
  });
});

describe('checkAnswer: validate, repair, prune, account', () => {
  it('keeps valid facts that the text names', () => {
    const r = checkAnswer(answer({ people: [{ name: 'Jane Q. Public', title: 'Chief Executive Officer and Director', role: 'both' }], auditors: [{ name: 'Ernst & Young LLP' }] }), ctx);
    expect(r.unreadable).toBeUndefined();
    expect(r.tally).toEqual({ kept: 2, dropped: {}, repaired: {} });
    expect(r.answer.people).toEqual([{ name: 'Jane Q. Public', title: 'Chief Executive Officer and Director', role: 'both' }]);
  });

  it('malformed JSON and an empty answer are unreadable, counted, and keep nothing', () => {
    for (const [content, why] of [
      ['{"people": [ {"name": "Jane', 'malformed JSON'],
      ['', 'empty answer'],
      ['   ', 'empty answer'],
      ['[1, 2]', 'not a JSON object'],
    ] as const) {
      const r = checkAnswer(content, ctx);
      expect(r.unreadable).toBe(why);
      expect(r.tally.kept).toBe(0);
      expect(r.tally.dropped).toEqual({ [why]: 1 });
    }
  });

  it('repairs code fences, prose around the object and trailing commas, and says so', () => {
    const r = checkAnswer('Sure! ```json\n{"people": [{"name": "John Smith", "title": "Chief Financial Officer", "role": "officer"},], "auditors": []}\n```', ctx);
    expect(r.unreadable).toBeUndefined();
    expect(r.answer.people.map((p) => p.name)).toEqual(['John Smith']);
    expect(r.tally.repaired).toMatchObject({ 'JSON repaired': 1, 'missing list taken as empty': 5 });
  });

  it('unknown fields are removed, missing optional parts filled, a missing role inferred from the title', () => {
    const r = checkAnswer(answer({ people: [{ name: 'John Smith', title: 'Chief Financial Officer', age: 51 }], note: 'extra', subsidiaries: [] }), ctx);
    expect(r.answer.people).toEqual([{ name: 'John Smith', title: 'Chief Financial Officer', role: 'officer' }]);
    expect(r.tally.repaired).toEqual({ 'unknown field removed': 2, 'role inferred from title': 1 });
  });

  it('items missing what cannot be guessed are dropped one by one, with the reason', () => {
    const r = checkAnswer(
      answer({
        people: [{ title: 'Director', role: 'director' }, { name: 'Jane Q. Public', title: 'CEO', role: 'king' }, { name: 'John Smith', title: 'CFO', role: 'officer' }],
        acquisitions: [{ name: 'Apple Inc.' }],
      }),
      ctx,
    );
    expect(r.answer.people.map((p) => p.name)).toEqual(['John Smith']);
    expect(r.tally.dropped).toEqual({ 'people: name missing': 1, 'people: role invalid': 1, 'acquisitions: status missing': 1 });
  });

  it('prunes names not in the text, companies posing as people, the registrant itself, and duplicates', () => {
    const r = checkAnswer(
      answer({
        people: [
          { name: 'Mallory Evil', title: 'Chief Executive Officer', role: 'officer' },
          { name: 'Ernst & Young LLP', title: 'auditor', role: 'officer' },
          { name: 'John Smith', title: 'CFO', role: 'officer' },
          { name: 'JOHN  SMITH', title: 'CFO', role: 'officer' },
        ],
        customers: [{ name: 'Apple Inc.' }, { name: 'APPLE INC' }, { name: 'ACME WIDGETS INC' }],
      }),
      ctx,
    );
    expect(r.answer.people.map((p) => p.name)).toEqual(['John Smith']);
    expect(r.answer.customers).toEqual([{ name: 'Apple Inc.' }]);
    expect(r.tally.dropped).toEqual({
      'people: not in the text': 1,
      'people: a company, not a person': 1,
      'people: duplicate': 1,
      'customers: duplicate': 1,
      'customers: the registrant itself': 1,
    });
  });
});

describe('addLlmFacts', () => {
  it('links facts to the registrant, scopes people to it, normalizes company names, marks the source', () => {
    const build = (registrantKey: string) => {
      const g = new FragmentBuilder({ accession: '0000000001-10-000001', formType: '10-K' });
      const registrant = g.node('Company', registrantKey, { name: 'ACME WIDGETS INC', cik: registrantKey });
      addLlmFacts(
        g,
        registrant,
        { ...emptyAnswer(), people: [{ name: 'John Smith', title: 'Chief Financial Officer', role: 'both' }], customers: [{ name: 'Apple Inc.' }], suppliers: [{ name: 'APPLE INC' }] },
        'm',
      );
      return g.build();
    };
    const a = build('0000000111');
    const b = build('0000000222');
    const personA = a.nodes.find((n) => n.label === 'Person')!;
    const personB = b.nodes.find((n) => n.label === 'Person')!;
    expect(personA.key).toBe('0000000111:JOHN SMITH');
    expect(personB.key).not.toBe(personA.key);
    expect(a.nodes.filter((n) => n.label === 'Company').map((n) => n.key).sort()).toEqual(['0000000111', 'APPLE INC']);
    const rels = a.relationships.filter((r) => r.type !== 'MENTIONED_IN').map((r) => `${r.type} ${r.from.key}->${r.to.key} ${r.props.source}`);
    expect(rels.sort()).toEqual([
      'CUSTOMER_OF APPLE INC->0000000111 llm',
      'DIRECTOR_OF 0000000111:JOHN SMITH->0000000111 llm',
      'OFFICER_OF 0000000111:JOHN SMITH->0000000111 llm',
      'SUPPLIER_OF APPLE INC->0000000111 llm',
    ]);
    expect(a.nodes.find((n) => n.key === '0000000111')!.props).toEqual({ name: 'ACME WIDGETS INC', cik: '0000000111' });
  });
});

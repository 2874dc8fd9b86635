import type { FragmentBuilder, NodeRef } from '../../graph/fragment.js';
import { normalizeCompanyName, normalizeText } from '../normalize.js';
import type { ExtractionAnswer } from './schema.js';

/**
 * What the LLM adds is marked so; users can filter it or weigh it below the rules' facts.
 * Every node and relationship goes in with 'fill': where the rules already have a fact
 * (an Exhibit 21 subsidiary and its jurisdiction, a company's name), the LLM's version
 * adds what is missing and changes nothing else.
 */
const SOURCE = 'llm';

/**
 * Adds checked LLM facts to the rules' graph. The filer's node is never changed here:
 * header facts are the rules', and the LLM only adds nodes and relationships around them.
 * A person's key is scoped to the company they serve, so two John Smiths at two companies
 * stay two people, while the same officer named in several filings of one company meets.
 */
export function addLlmFacts(graph: FragmentBuilder, filer: NodeRef, answer: ExtractionAnswer, model: string): void {
  const company = (name: string): NodeRef => {
    const key = normalizeCompanyName(name);
    return graph.node('Company', key, { name }, 'fill');
  };
  const rel = { source: SOURCE, model };
  for (const p of answer.people) {
    const person = graph.node('Person', `${filer.key}:${normalizeText(p.name)}`, { name: p.name }, 'fill');
    const title = p.title.trim() || undefined;
    if (p.role === 'officer' || p.role === 'both') graph.relationship('OFFICER_OF', person, filer, { title, ...rel }, 'fill');
    if (p.role === 'director' || p.role === 'both') graph.relationship('DIRECTOR_OF', person, filer, { ...(p.role === 'director' ? { title } : {}), ...rel }, 'fill');
  }
  for (const s of answer.subsidiaries) {
    graph.relationship('HAS_SUBSIDIARY', filer, company(s.name), { jurisdiction: s.jurisdiction.trim() || undefined, ...rel }, 'fill');
  }
  for (const a of answer.auditors) graph.relationship('AUDITED_BY', filer, company(a.name), rel, 'fill');
  for (const c of answer.customers) graph.relationship('CUSTOMER_OF', company(c.name), filer, rel, 'fill');
  for (const s of answer.suppliers) graph.relationship('SUPPLIER_OF', company(s.name), filer, rel, 'fill');
  for (const c of answer.competitors) graph.relationship('COMPETES_WITH', filer, company(c.name), rel, 'fill');
  for (const a of answer.acquisitions) graph.relationship('ACQUIRED', filer, company(a.name), { status: a.status, ...rel }, 'fill');
}

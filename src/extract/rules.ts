import type { DocumentMeta, HeaderEntity, PostalAddress, Submission } from '../edgar/index.js';
import { FragmentBuilder, type GraphFragment, type NodeRef } from '../graph/fragment.js';
import { normalizeCompanyName, normalizeText } from './normalize.js';
import { isOwnershipForm, ownerRelationships } from './ownership.js';
import { parseSubsidiaries } from './subsidiaries.js';

/** EDGAR writes nine zeros where it has no IRS number. */
const NO_IRS_NUMBER = /^0+$/;

/** The documents whose bodies `extractRules` reads; pass as `keepText` to keep no other body in memory. */
export function keepTextForRules(meta: DocumentMeta): boolean {
  return isSubsidiaryExhibit(meta.type) || isOwnershipForm(meta.type);
}

/**
 * The facts a filing states outright: its header (parties, their industry, state, addresses
 * and former names), its EX-21 subsidiaries and, for Forms 3/4/5, what the reporting owner
 * is to the issuer. No guessing: what the rules cannot read is left to the LLM extractor.
 */
export function extractRules(sub: Submission, extend?: (graph: FragmentBuilder, registrant: NodeRef) => void): GraphFragment {
  const graph = new FragmentBuilder({
    accession: sub.accession,
    formType: sub.formType,
    filedAt: sub.filedAt,
    period: sub.period,
    acceptedAt: sub.acceptedAt,
    dateOfChange: sub.dateOfChange,
    items: sub.items,
    groupMembers: sub.groupMembers,
    publicDocumentCount: sub.publicDocumentCount,
    documentCount: sub.documents.length,
    truncated: sub.truncated ? true : undefined,
  });
  const parties = new Map<string, NodeRef>();
  for (const entity of sub.entities) {
    const ref = addParty(graph, entity);
    if (ref === undefined) continue;
    graph.relationship('FILED', ref, graph.filingRef, { role: entity.role });
    if (entity.data.cik !== undefined) parties.set(entity.data.cik, ref);
  }
  addSubsidiaries(graph, sub);
  if (isOwnershipForm(sub.formType)) addOwnership(graph, sub, parties);
  const registrant = registrantRef(sub);
  // The LLM's facts join here, around nodes the rules made; they never replace header facts.
  if (extend !== undefined && registrant !== undefined) extend(graph, registrant);
  return graph.build();
}

/** The registrant: the first FILER company, the node that EX-21 and the LLM's facts hang from. */
export function registrantRef(sub: Submission): NodeRef | undefined {
  const filer = sub.entities.find((e) => e.role === 'FILER' && (e.data.cik ?? e.data.name) !== undefined);
  if (filer === undefined) return undefined;
  const key = filer.data.cik ?? normalizeCompanyName(filer.data.name ?? '');
  return key === '' ? undefined : { label: 'Company', key };
}

/**
 * A header block's party. A REPORTING-OWNER is a Person when the block is OWNER DATA, and
 * also when it is a pre-2003 COMPANY DATA block that says nothing only a company has (no
 * SIC, IRS number or state of incorporation): that is how those headers wrote people.
 */
function addParty(graph: FragmentBuilder, entity: HeaderEntity): NodeRef | undefined {
  const { data } = entity;
  if (data.cik === undefined && data.name === undefined) return undefined;
  // A name of punctuation alone ("***") normalises to nothing: no key to MERGE on, no party.
  if (isPerson(entity)) {
    if (data.cik === undefined && normalizeText(data.name ?? '') === '') return undefined;
    const key = data.cik ?? `name:${normalizeText(data.name ?? '')}`;
    const person = graph.node('Person', key, { name: data.name, cik: data.cik });
    addAddresses(graph, person, entity);
    return person;
  }
  const key = data.cik ?? normalizeCompanyName(data.name ?? '');
  if (key === '') return undefined;
  const company = graph.node('Company', key, {
    cik: data.cik,
    name: data.name,
    sic: data.sic,
    irsNumber: data.irsNumber !== undefined && !NO_IRS_NUMBER.test(data.irsNumber) ? data.irsNumber : undefined,
    fiscalYearEnd: data.fiscalYearEnd,
    stateOfIncorporation: data.stateOfIncorporation,
  });
  if (data.stateOfIncorporation !== undefined) {
    const state = graph.node('State', data.stateOfIncorporation, { code: data.stateOfIncorporation });
    graph.relationship('INCORPORATED_IN', company, state);
  }
  if (data.sic !== undefined) {
    const industry = graph.node('Industry', data.sic, { sic: data.sic, name: data.industry });
    graph.relationship('IN_INDUSTRY', company, industry);
  }
  addAddresses(graph, company, entity);
  for (const former of entity.formerNames) {
    // A FormerName node scoped to the CIK rather than a Company: the old name is the same
    // legal entity, and another company that later took that name must not merge with it.
    const normalized = normalizeCompanyName(former.name);
    const formerName = graph.node('FormerName', `${key}:${normalized}`, {
      name: former.name,
      normalizedName: normalized,
      cik: data.cik,
    });
    graph.relationship('FORMERLY_NAMED', company, formerName, { changedAt: former.changedAt });
  }
  return company;
}

function isPerson(entity: HeaderEntity): boolean {
  if (entity.role !== 'REPORTING-OWNER') return false;
  if (entity.dataKind === 'owner') return true;
  const { data } = entity;
  return data.sic === undefined && data.irsNumber === undefined && data.stateOfIncorporation === undefined;
}

function addAddresses(graph: FragmentBuilder, party: NodeRef, entity: HeaderEntity): void {
  const addresses: Array<readonly ['business' | 'mail', PostalAddress | undefined]> = [
    ['business', entity.businessAddress],
    ['mail', entity.mailAddress],
  ];
  for (const [type, address] of addresses) {
    if (address === undefined) continue;
    const key = addressKey(address);
    if (key === '') continue;
    const { phone, ...postal } = address;
    const node = graph.node('Address', key, { ...postal });
    graph.relationship('LOCATED_AT', party, node, { type, phone });
  }
}

/** "30 IVAN ALLEN JR. BLVD., N.W." / ATLANTA / GA / 30308 -> "30 IVAN ALLEN JR BLVD N W, ATLANTA, GA, 30308". */
function addressKey(address: PostalAddress): string {
  if (address.street1 === undefined && address.city === undefined) return '';
  return [address.street1, address.street2, address.city, address.state, address.zip]
    .map((part) => normalizeText(part ?? ''))
    .filter((part) => part !== '')
    .join(', ');
}

function isSubsidiaryExhibit(type: string): boolean {
  return type.toUpperCase().startsWith('EX-21');
}

/** EX-21 lists the registrant's subsidiaries: the registrant is the (first) FILER company. */
function addSubsidiaries(graph: FragmentBuilder, sub: Submission): void {
  const exhibits = sub.documents.filter((doc) => isSubsidiaryExhibit(doc.type) && doc.text !== undefined);
  const filer = sub.entities.find((e) => e.role === 'FILER' && (e.data.cik ?? e.data.name) !== undefined);
  const parent = registrantRef(sub);
  if (exhibits.length === 0 || filer === undefined || parent === undefined) return;
  const parentName = normalizeCompanyName(filer.data.name ?? '');
  for (const exhibit of exhibits) {
    for (const subsidiary of parseSubsidiaries(exhibit)) {
      const key = normalizeCompanyName(subsidiary.name);
      if (key === '' || key === parentName) continue;
      const child = graph.node('Company', key, { name: subsidiary.name });
      graph.relationship('HAS_SUBSIDIARY', parent, child, { jurisdiction: subsidiary.jurisdiction });
    }
  }
}

/** (owner)-[:REPORTS_ON {role, title}]->(issuer), between parties already in the header. */
function addOwnership(graph: FragmentBuilder, sub: Submission, parties: Map<string, NodeRef>): void {
  const issuerEntity =
    sub.entities.find((e) => e.role === 'ISSUER') ?? sub.entities.find((e) => e.role === 'SUBJECT COMPANY');
  for (const relation of ownerRelationships(sub)) {
    const owner = parties.get(relation.ownerCik);
    const issuerCik = relation.issuerCik ?? issuerEntity?.data.cik;
    const issuer = issuerCik === undefined ? undefined : parties.get(issuerCik);
    if (owner === undefined || issuer === undefined || owner === issuer) continue;
    graph.relationship('REPORTS_ON', owner, issuer, {
      role: relation.roles.length > 0 ? relation.roles.join(', ') : undefined,
      title: relation.title,
    });
  }
}

import type { Submission } from '../edgar/index.js';

/** A reporting owner's relationship to the issuer, as a Form 3/4/5 states it. */
export interface OwnerRelationship {
  ownerCik: string;
  issuerCik?: string;
  /** As written: "DIRECTOR" in old headers; "Director", "Officer", "10% Owner", "Other" from the XML. */
  roles: string[];
  /** The officer title or the "other" text, when given. */
  title?: string;
}

const OWNERSHIP_FORMS = /^[345](?:\/A)?$/;

export function isOwnershipForm(formType: string): boolean {
  return OWNERSHIP_FORMS.test(formType.toUpperCase());
}

const XML_ROLES: ReadonlyArray<readonly [string, string]> = [
  ['isDirector', 'Director'],
  ['isOfficer', 'Officer'],
  ['isTenPercentOwner', '10% Owner'],
  ['isOther', 'Other'],
];

/**
 * What each reporting owner is to the issuer: from the `<ownershipDocument>` XML (2003 on)
 * when there is one, else from the header's `<RELATIONSHIP>` lines (1990s). Reading a few
 * known tags is enough; no XML parser needed for a form this regular.
 */
export function ownerRelationships(sub: Submission): OwnerRelationship[] {
  const xml = sub.documents.find((doc) => doc.text?.includes('<ownershipDocument') === true)?.text;
  if (xml !== undefined) return fromXml(xml);
  return sub.entities
    .filter((e) => e.role === 'REPORTING-OWNER' && e.data.cik !== undefined)
    .map((e) => ({ ownerCik: e.data.cik as string, roles: e.relationships }));
}

function fromXml(xml: string): OwnerRelationship[] {
  const issuerCik = tagValue(xml, 'issuerCik');
  const found: OwnerRelationship[] = [];
  for (const block of xml.split('<reportingOwner>').slice(1)) {
    const ownerCik = tagValue(block, 'rptOwnerCik');
    if (ownerCik === undefined) continue;
    const roles = XML_ROLES.filter(([tag]) => isTrue(tagValue(block, tag))).map(([, role]) => role);
    const title = tagValue(block, 'officerTitle') ?? tagValue(block, 'otherText');
    const relationship: OwnerRelationship = { ownerCik: ownerCik.padStart(10, '0'), roles };
    if (issuerCik !== undefined) relationship.issuerCik = issuerCik.padStart(10, '0');
    if (title !== undefined) relationship.title = title;
    found.push(relationship);
  }
  return found;
}

function tagValue(xml: string, tag: string): string | undefined {
  const open = xml.indexOf(`<${tag}>`);
  if (open === -1) return undefined;
  const start = open + tag.length + 2;
  const end = xml.indexOf(`</${tag}>`, start);
  if (end === -1) return undefined;
  const value = decodeXmlEntities(xml.slice(start, end).trim());
  return value === '' ? undefined : value;
}

function isTrue(value: string | undefined): boolean {
  return value === '1' || value?.toLowerCase() === 'true';
}

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return XML_ENTITIES[name] ?? whole;
  });
}

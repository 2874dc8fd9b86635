import { z } from 'zod';

/**
 * The one definition of what the LLM must answer. It yields the JSON schema sent as
 * Ollama's `format` (constrained decoding), the schema quoted in the prompt, and the
 * validator every answer goes through: the three can never drift apart.
 *
 * Everything is a list of small objects, even the auditor: a 3B model fills lists far more
 * reliably than optional scalars, and one bad item then costs that item, not the answer.
 */
const name = z.string().describe('the name exactly as written in the text');

export const PersonFact = z.object({
  name,
  title: z.string().describe('the title as written, e.g. "Chief Financial Officer"; "" when none is given'),
  role: z.enum(['officer', 'director', 'both']).describe('officer, director, or both'),
});

export const SubsidiaryFact = z.object({
  name,
  jurisdiction: z.string().describe('state or country of organization as written; "" when not given'),
});

export const OrganizationFact = z.object({ name });

export const AcquisitionFact = z.object({
  name: name.describe('the company or business acquired or to be acquired'),
  status: z.enum(['announced', 'agreed', 'completed']).describe('how far the deal is, as the text says'),
});

export const ExtractionAnswer = z.object({
  people: z.array(PersonFact).describe('executive officers and directors of the registrant'),
  subsidiaries: z.array(SubsidiaryFact).describe("the registrant's subsidiaries named in the text"),
  auditors: z.array(OrganizationFact).describe('the independent registered public accounting firm'),
  customers: z.array(OrganizationFact).describe('major customers named in the text'),
  suppliers: z.array(OrganizationFact).describe('major suppliers named in the text'),
  competitors: z.array(OrganizationFact).describe('competitors named in the text'),
  acquisitions: z.array(AcquisitionFact).describe('companies the registrant acquired or agreed to acquire'),
});

export type ExtractionAnswer = z.infer<typeof ExtractionAnswer>;
export type FactKind = keyof ExtractionAnswer;
export const FACT_KINDS = Object.keys(ExtractionAnswer.shape) as FactKind[];

/** Item validators per list, for validating (and dropping) one item at a time. */
export const ITEM_SCHEMAS: Readonly<Record<FactKind, z.ZodType>> = {
  people: PersonFact,
  subsidiaries: SubsidiaryFact,
  auditors: OrganizationFact,
  customers: OrganizationFact,
  suppliers: OrganizationFact,
  competitors: OrganizationFact,
  acquisitions: AcquisitionFact,
};

/** The JSON schema for Ollama's `format`; generated, never written by hand. */
export const ANSWER_JSON_SCHEMA: Record<string, unknown> = (() => {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(ExtractionAnswer) as Record<string, unknown>;
  return schema;
})();

export function emptyAnswer(): ExtractionAnswer {
  return { people: [], subsidiaries: [], auditors: [], customers: [], suppliers: [], competitors: [], acquisitions: [] };
}

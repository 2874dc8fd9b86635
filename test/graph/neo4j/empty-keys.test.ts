/**
 * A party whose name normalises to nothing ("***", no CIK) has no key to MERGE on: the
 * rules leave it out, and should a fragment still hold an empty key, the writer fails the
 * job permanently rather than retrying it (statements.test.ts, writer.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseSubmissionText } from '../../../src/edgar/index.js';
import { extractRules, keepTextForRules, registrantRef } from '../../../src/extract/rules.js';
import { writeStatements } from '../../../src/graph/neo4j/statements.js';

const submission = (filerName: string, ownerName: string): string =>
  [
    '<SEC-DOCUMENT>9999999999-10-000042.txt : 20100301',
    '<SEC-HEADER>9999999999-10-000042.hdr.sgml : 20100301',
    'ACCESSION NUMBER:\t\t9999999999-10-000042',
    'CONFORMED SUBMISSION TYPE:\t4',
    'PUBLIC DOCUMENT COUNT:\t\t1',
    'FILED AS OF DATE:\t\t20100301',
    '',
    'REPORTING-OWNER:\t',
    '',
    '\tOWNER DATA:\t',
    `\t\tCOMPANY CONFORMED NAME:\t\t\t${ownerName}`,
    '',
    'FILER:',
    '',
    '\tCOMPANY DATA:\t',
    `\t\tCOMPANY CONFORMED NAME:\t\t\t${filerName}`,
    '\t\tSTATE OF INCORPORATION:\t\t\tDE',
    '</SEC-HEADER>',
    '<DOCUMENT>',
    '<TYPE>4',
    '<TEXT>',
    'nothing',
    '</TEXT>',
    '</DOCUMENT>',
    '</SEC-DOCUMENT>',
    '',
  ].join('\n');

describe('parties without a usable key', () => {
  it('a company and a person named "***" with no CIK are left out, and the fragment writes', () => {
    const sub = parseSubmissionText(submission('***', '* * *'), { keepText: keepTextForRules });
    expect(sub.entities.map((e) => e.data.name)).toEqual(['* * *', '***']);
    const fragment = extractRules(sub);
    expect(fragment.nodes.map((n) => `${n.label}:${n.key}`)).toEqual(['Filing:9999999999-10-000042']);
    expect(fragment.relationships).toEqual([]);
    expect(registrantRef(sub)).toBeUndefined();
    expect(() => writeStatements([fragment])).not.toThrow();
  });

  it('the same filing with real names keeps both parties', () => {
    const fragment = extractRules(parseSubmissionText(submission('ACME FICTITIOUS INC', 'DOE JANE'), { keepText: keepTextForRules }));
    expect(fragment.nodes.map((n) => `${n.label}:${n.key}`).sort()).toEqual(['Company:ACME FICTITIOUS INC', 'Filing:9999999999-10-000042', 'Person:name:DOE JANE', 'State:DE']);
  });
});

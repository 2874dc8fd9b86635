import { describe, expect, it } from 'vitest';
import { parseSubmissionFile } from '../../src/edgar/index.js';
import { keepTextForRules } from '../../src/extract/rules.js';
import { parseSubsidiaries, textColumns } from '../../src/extract/subsidiaries.js';
import { filingPath } from '../edgar/samples.js';

async function exhibit21(file: string) {
  const sub = await parseSubmissionFile(filingPath(file), { keepText: keepTextForRules });
  const doc = sub.documents.find((d) => d.type.startsWith('EX-21'));
  if (doc === undefined) throw new Error(`no EX-21 in ${file}`);
  return doc;
}

describe('EX-21 in the real 10-Ks', () => {
  it('Apple 1994: a plain-text two-column table under a two-line heading', async () => {
    const doc = await exhibit21('0000320193-94-000016.txt');
    expect(doc.isHtml).toBe(false);
    expect(parseSubsidiaries(doc)).toEqual([
      { name: 'Ac Real Properties, Inc.', jurisdiction: 'Delaware' },
      { name: 'Apple Computer B.V.', jurisdiction: 'Netherlands' },
      { name: 'Apple Computer France S.A.R.L.', jurisdiction: 'France' },
      { name: 'Apple Computer, Inc. Limited', jurisdiction: 'Ireland' },
      { name: 'Apple Computer Limited', jurisdiction: 'Ireland' },
      { name: 'Apple Computer (UK) Ltd.', jurisdiction: 'United Kingdom' },
      { name: 'Apple Japan, Inc.', jurisdiction: 'Japan' },
    ]);
  });

  it('Amazon 2009: an HTML table with spacer cells, a percent column and entities', async () => {
    const subsidiaries = parseSubsidiaries(await exhibit21('0001193125-09-014406.txt'));
    expect(subsidiaries).toHaveLength(12);
    expect(subsidiaries[0]).toEqual({ name: 'Amazon.com Corporate LLC', jurisdiction: 'Delaware' });
    expect(subsidiaries).toContainEqual({ name: "Amazon.com Int'l Sales, Inc.", jurisdiction: 'Delaware' });
    expect(subsidiaries).toContainEqual({ name: 'Amazon Services Europe S.a r.l.', jurisdiction: 'Luxembourg' });
    expect(subsidiaries).toContainEqual({ name: 'Amazon EU S\u00e0rl', jurisdiction: 'Luxembourg' });
    expect(subsidiaries[11]).toEqual({ name: 'Amazon.com.nvdc, Inc.', jurisdiction: 'Delaware' });
  });

  it('Amazon 2010: ten rows', async () => {
    const subsidiaries = parseSubsidiaries(await exhibit21('0001193125-10-016098.txt'));
    expect(subsidiaries.map((s) => s.name)).toEqual([
      'Amazon Corporate LLC',
      'Amazon.com LLC',
      'Amazon.com.kydc LLC',
      'NV Services, Inc.',
      "Amazon.com Int'l Sales, Inc.",
      'Amazon Global Resources, Inc.',
      'Amazon Services LLC',
      'Amazon, Inc.',
      'Amazon EU S.\u00e0 r.l.',
      'Amazon Technologies, Inc.',
    ]);
    expect(subsidiaries[9]?.jurisdiction).toBe('Nevada');
  });
});

describe('EX-21 layouts', () => {
  it('dotted leaders, a percent column, indentation and a names heading', () => {
    const text = [
      '                      SUBSIDIARIES OF THE REGISTRANT',
      '',
      'Name of Subsidiary                    State or Country of Organization    Percent Owned',
      '------------------                    --------------------------------    -------------',
      'Widget Holdings, Inc. ............... Delaware                            100%',
      '   Widget Europe B.V. . . . . . . . . Netherlands                         100%',
      '   Widget (Shanghai) Co., Ltd.\tPeople\'s Republic of China\t80%',
      'Gadget LLC..........................Nevada',
      '* Omitted subsidiaries would not, in the aggregate, constitute a significant subsidiary.',
    ].join('\n');
    expect(parseSubsidiaries({ text, isHtml: false })).toEqual([
      { name: 'Widget Holdings, Inc.', jurisdiction: 'Delaware' },
      { name: 'Widget Europe B.V.', jurisdiction: 'Netherlands' },
      { name: 'Widget (Shanghai) Co., Ltd.', jurisdiction: "People's Republic of China" },
      { name: 'Gadget LLC', jurisdiction: 'Nevada' },
    ]);
  });

  it('an HTML table with <th> headings and entities', () => {
    const html = `<html><body><p>Exhibit 21</p><table>
      <tr><th>Name of Subsidiary</th><th>Jurisdiction of Incorporation</th></tr>
      <tr><td><font>Acme &amp; Sons, Ltd.</font></td><td>&nbsp;</td><td>England</td></tr>
      <TR><TD>Soci&eacute;t&eacute; Acme SAS</TD><TD>France</TD></TR>
    </table></body></html>`;
    expect(parseSubsidiaries({ text: html, isHtml: true })).toEqual([
      { name: 'Acme & Sons, Ltd.', jurisdiction: 'England' },
      { name: 'Soci\u00e9t\u00e9 Acme SAS', jurisdiction: 'France' },
    ]);
  });

  it('a names-only list keeps every name', () => {
    const text = 'Exhibit 21\n\nSubsidiaries of the Registrant:\n\nAlpha Corp.\nBeta Holdings LLC\nGamma GmbH\n';
    expect(parseSubsidiaries({ text, isHtml: false }).map((s) => s.name)).toEqual(['Alpha Corp.', 'Beta Holdings LLC', 'Gamma GmbH']);
  });

  it('splits columns at tabs, double spaces and leaders, not at single spaces or a period', () => {
    expect(textColumns('  Apple Computer B.V.     Netherlands  ')).toEqual(['Apple Computer B.V.', 'Netherlands']);
    expect(textColumns('Foo Inc. . . . . Delaware')).toEqual(['Foo Inc.', 'Delaware']);
    expect(textColumns('Foo LLC.......Delaware')).toEqual(['Foo LLC', 'Delaware']);
    expect(textColumns('Foo Inc.\tDelaware\t100%')).toEqual(['Foo Inc.', 'Delaware', '100%']);
  });
});

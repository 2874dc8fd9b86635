/**
 * Name keys for entities that have no CIK. The goal is that two spellings of one legal name
 * meet ("Apple Inc." / "APPLE INC", "Amazon EU S.à r.l." / "Amazon EU Sàrl") while two legal
 * entities stay apart: legal-form words are abbreviated, never dropped, because
 * "Amazon.com LLC" and "Amazon.com, Inc." are different subsidiaries.
 */

const LEGAL_FORMS: Readonly<Record<string, string>> = {
  INCORPORATED: 'INC',
  CORPORATION: 'CORP',
  COMPANY: 'CO',
  LIMITED: 'LTD',
};

/** Multi-token legal forms as they look once punctuation is gone ("S.à r.l." -> "SA RL"). */
const SPLIT_FORMS: ReadonlyArray<readonly [string, string]> = [
  ['SA RL', 'SARL'],
  ['S AR L', 'SARL'],
  ['S A R L', 'SARL'],
];

export function normalizeCompanyName(name: string): string {
  let text = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    // EDGAR's conformed names carry a disambiguation suffix: "... INC /MD/", "... CORP /".
    .replace(/(?:\s+\/[A-Z0-9 .]{0,12}\/?|\/[A-Z0-9 .]{1,12}\/|\/)\s*$/, '')
    .replace(/['\u2019`]/g, '')
    .replace(/&/g, ' AND ')
    // Dotted initialisms collapse before punctuation goes: "L.L.C." -> "LLC", "S.A." -> "SA".
    .replace(/(?<=\b[A-Z])\.(?=[A-Z]\b)/g, '')
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();
  for (const [split, joined] of SPLIT_FORMS) {
    if (text.endsWith(` ${split}`)) text = `${text.slice(0, -split.length)}${joined}`;
  }
  const words = text.split(' ').map((word) => LEGAL_FORMS[word] ?? word);
  if (words[0] === 'THE' && words.length > 1) words.shift();
  return words.join(' ');
}

/** Upper case, punctuation to spaces, spaces collapsed: for keys of addresses and the like. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9#]+/g, ' ')
    .trim();
}

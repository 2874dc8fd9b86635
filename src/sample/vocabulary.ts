/**
 * Word lists for fictitious filings. Stems are glued from syllables chosen to sound like no
 * real word, and every company name carries the word FICTITIOUS, so a generated name can
 * never be mistaken for (or collide with) a real registrant. SIC codes, state codes and
 * 8-K item titles are real: they are public classifications, and the parser must meet the
 * values it meets in real headers.
 */
import type { Random } from './random.js';

export const MARKER = 'Fictitious';

const SYLLABLES = [
  'zor', 'vex', 'quil', 'thra', 'mox', 'zan', 'pliv', 'drox', 'kesh', 'ulv', 'yarn', 'brix',
  'quo', 'vel', 'snib', 'gral', 'xan', 'oby', 'murl', 'tiv', 'crad', 'wob', 'fnor', 'jix',
] as const;

export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** "Zorquilvex": two or three syllables. */
export function inventStem(rng: Random): string {
  const parts = rng.int(2, 3);
  let stem = '';
  for (let i = 0; i < parts; i++) stem += rng.pick(SYLLABLES);
  return capitalize(stem);
}

export interface Industry {
  sic: string;
  /** As EDGAR's STANDARD INDUSTRIAL CLASSIFICATION spells it. */
  title: string;
  /** The business word in the company's name. */
  noun: string;
  /** What the Business section says the company does. */
  activity: string;
}

export const INDUSTRIES: readonly Industry[] = [
  { sic: '3571', title: 'ELECTRONIC COMPUTERS', noun: 'Computing', activity: 'designs and sells desktop and server computers' },
  { sic: '7372', title: 'SERVICES-PREPACKAGED SOFTWARE', noun: 'Software', activity: 'develops and licenses business software' },
  { sic: '2834', title: 'PHARMACEUTICAL PREPARATIONS', noun: 'Therapeutics', activity: 'develops and markets prescription medicines' },
  { sic: '6022', title: 'STATE COMMERCIAL BANKS', noun: 'Bancorp', activity: 'operates a state-chartered commercial bank' },
  { sic: '4911', title: 'ELECTRIC SERVICES', noun: 'Power', activity: 'generates, transmits and distributes electricity' },
  { sic: '5812', title: 'RETAIL-EATING PLACES', noun: 'Kitchens', activity: 'operates and franchises casual dining restaurants' },
  { sic: '3714', title: 'MOTOR VEHICLE PARTS & ACCESSORIES', noun: 'Motor Parts', activity: 'manufactures brake and steering components' },
  { sic: '1311', title: 'CRUDE PETROLEUM & NATURAL GAS', noun: 'Petroleum', activity: 'explores for and produces oil and natural gas' },
  { sic: '6798', title: 'REAL ESTATE INVESTMENT TRUSTS', noun: 'Realty Trust', activity: 'owns and leases office and industrial properties' },
  { sic: '3845', title: 'ELECTROMEDICAL & ELECTROTHERAPEUTIC APPARATUS', noun: 'Medical Devices', activity: 'makes cardiac monitoring devices' },
];

/** Conformed suffix (as in EDGAR's conformed names) and the display form used in documents. */
export const LEGAL_FORMS: ReadonlyArray<readonly [string, string]> = [
  ['INC', 'Inc.'],
  ['CORP', 'Corporation'],
  ['CO', 'Company'],
  ['HOLDINGS INC', 'Holdings, Inc.'],
  ['GROUP INC', 'Group, Inc.'],
];

/** Subsidiary name part, legal form, jurisdiction. "&" and "à" exercise HTML entity decoding. */
export const SUBSIDIARY_KINDS: ReadonlyArray<readonly [string, string, string]> = [
  ['Europe', 'B.V.', 'Netherlands'],
  ['UK', 'Limited', 'United Kingdom'],
  ['Deutschland', 'GmbH', 'Germany'],
  ['Japan', 'K.K.', 'Japan'],
  ['Canada', 'ULC', 'Ontario, Canada'],
  ['Holdings', 'LLC', 'Delaware'],
  ['Insurance', 'Ltd.', 'Bermuda'],
  ['Cayman', 'Ltd.', 'Cayman Islands'],
  ['France', 'S.A.R.L.', 'France'],
  ['Leasing & Finance', 'LLC', 'Nevada'],
  ['Services', 'Inc.', 'Texas'],
  ['Asia Pacific', 'Pte. Ltd.', 'Singapore'],
  ['Luxembourg', 'S.à r.l.', 'Luxembourg'],
  ['Brasil', 'Ltda.', 'Brazil'],
];

export const OFFICER_TITLES = [
  'Chief Executive Officer',
  'Chief Financial Officer',
  'Chief Operating Officer',
  'General Counsel and Secretary',
  'Senior Vice President, Research & Development',
  'Vice President and Controller',
] as const;

const FIRST_ENDINGS = ['a', 'o', 'ina', 'ric', 'elle', 'an', 'us', 'eth'] as const;
const LAST_ENDINGS = ['son', 'ley', 'mont', 'vik', 'ard', 'wick', ''] as const;

export function inventFirstName(rng: Random): string {
  return capitalize(rng.pick(SYLLABLES) + rng.pick(FIRST_ENDINGS));
}

export function inventLastName(rng: Random): string {
  return capitalize(rng.pick(SYLLABLES) + rng.pick(SYLLABLES) + rng.pick(LAST_ENDINGS));
}

export const STATES = ['CA', 'NY', 'TX', 'IL', 'MA', 'WA', 'OH', 'GA', 'MN', 'CO', 'NJ', 'PA', 'NC', 'AZ'] as const;
export const INCORPORATION_STATES = ['DE', 'DE', 'DE', 'DE', 'NV', 'MD', 'NY', 'CA'] as const;
export const STREET_KINDS = ['WAY', 'AVENUE', 'PARKWAY', 'ROAD', 'BOULEVARD', 'PLAZA'] as const;
export const CITY_ENDINGS = ['VILLE', 'FORD', 'PORT', ' FALLS', ' SPRINGS', 'BURG'] as const;
export const FISCAL_YEAR_ENDS = ['1231', '1231', '1231', '0630', '0930', '0331'] as const;

/** 8-K items as EDGAR's ITEM INFORMATION spelled them around 2010. */
export const ITEM_EARNINGS = 'Results of Operations and Financial Condition';
export const ITEM_OFFICERS =
  'Departure of Directors or Certain Officers; Election of Directors; Appointment of Certain Officers: Compensatory Arrangements of Certain Officers';
export const ITEM_AGREEMENT = 'Entry into a Material Definitive Agreement';
export const ITEM_OTHER = 'Other Events';
export const ITEM_EXHIBITS = 'Financial Statements and Exhibits';

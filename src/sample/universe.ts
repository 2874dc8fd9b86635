/**
 * The fictitious world the sample filings describe: companies with officers, directors,
 * subsidiaries and former names. Filings are drawn from a shared universe (rather than each
 * inventing its own company) so that the graph they produce has what a real one has:
 * companies that file several times, people linked to them through several filings.
 */
import type { Random } from './random.js';
import {
  CITY_ENDINGS,
  FISCAL_YEAR_ENDS,
  INCORPORATION_STATES,
  INDUSTRIES,
  inventFirstName,
  inventLastName,
  inventStem,
  LEGAL_FORMS,
  MARKER,
  OFFICER_TITLES,
  STATES,
  STREET_KINDS,
  SUBSIDIARY_KINDS,
  type Industry,
} from './vocabulary.js';

/** CIK ranges EDGAR does not use (real CIKs are below 0002000000). */
const COMPANY_CIK_BASE = 9_000_000_000;
const PERSON_CIK_BASE = 9_100_000_000;
const CIK_SPAN = 99_999_999;

export interface Address {
  street1: string;
  street2?: string;
  city: string;
  state: string;
  zip: string;
}

export interface Person {
  cik: string;
  first: string;
  middle: string;
  last: string;
  age: number;
}

export interface Officer extends Person {
  title: string;
  since: number;
  isDirector: boolean;
}

export interface Subsidiary {
  name: string;
  jurisdiction: string;
}

export interface FormerName {
  name: string;
  /** YYYYMMDD, as the header writes it. */
  changedAt: string;
}

export interface Company {
  cik: string;
  /** Conformed name, upper case, as in the header. */
  name: string;
  /** As the company writes itself in its documents. */
  displayName: string;
  stem: string;
  industry: Industry;
  stateOfIncorporation: string;
  fiscalYearEnd: string;
  irsNumber: string;
  fileNumber: string;
  ticker: string;
  business: Address;
  mail: Address;
  phone: string;
  formerNames: FormerName[];
  officers: Officer[];
  /** Outside directors (officers may be directors too). */
  directors: Person[];
  subsidiaries: Subsidiary[];
  /** A subsidiary that is itself a registrant and files jointly with its parent. */
  coRegistrant?: Company;
}

/** Person as the text of a document names them: "Quila T. Zorvexmont". */
export function displayPerson(p: Person): string {
  return `${p.first} ${p.middle}. ${p.last}`;
}

/** Person as an ownership filing's header names them: "Zorvexmont Quila T." (last name first). */
export function headerPerson(p: Person): string {
  return `${p.last} ${p.first} ${p.middle}.`;
}

export class Universe {
  readonly companies: Company[] = [];
  private readonly ciks = new Set<string>();
  private readonly stems = new Set<string>();
  private readonly people = new Set<string>();

  constructor(
    private readonly rng: Random,
    private readonly year: number,
    size: number,
  ) {
    for (let i = 0; i < size; i++) {
      const company = this.company();
      // One company in three has a co-registrant subsidiary: joint filings need one.
      if (i % 3 === 1) company.coRegistrant = this.coRegistrant(company);
      this.companies.push(company);
    }
  }

  private uniqueCik(base: number): string {
    for (;;) {
      const cik = String(base + this.rng.int(0, CIK_SPAN));
      if (!this.ciks.has(cik)) {
        this.ciks.add(cik);
        return cik;
      }
    }
  }

  private uniqueStem(): string {
    for (let attempt = 0; ; attempt++) {
      // Past a few collisions the two- and three-syllable space is crowded: add a syllable.
      const stem = attempt < 20 ? inventStem(this.rng) : inventStem(this.rng) + inventStem(this.rng).toLowerCase();
      if (!this.stems.has(stem)) {
        this.stems.add(stem);
        return stem;
      }
    }
  }

  private address(): Address {
    const street = `${this.rng.int(1, 9899)} ${inventStem(this.rng).toUpperCase()} ${this.rng.pick(STREET_KINDS)}`;
    const address: Address = {
      street1: street,
      city: `${inventStem(this.rng).toUpperCase()}${this.rng.pick(CITY_ENDINGS)}`,
      state: this.rng.pick(STATES),
      zip: this.rng.digits(5),
    };
    if (this.rng.chance(0.3)) address.street2 = `SUITE ${this.rng.int(1, 40) * 100}`;
    return address;
  }

  private person(): Person {
    for (;;) {
      const first = inventFirstName(this.rng);
      const last = inventLastName(this.rng);
      const middle = String.fromCharCode(65 + this.rng.int(0, 25));
      const id = `${first} ${middle} ${last}`;
      if (this.people.has(id)) continue;
      this.people.add(id);
      return { cik: this.uniqueCik(PERSON_CIK_BASE), first, middle, last, age: this.rng.int(38, 71) };
    }
  }

  private company(): Company {
    const rng = this.rng;
    const stem = this.uniqueStem();
    const industry = rng.pick(INDUSTRIES);
    const [conformedForm, displayForm] = rng.pick(LEGAL_FORMS);
    const business = this.address();
    const company: Company = {
      cik: this.uniqueCik(COMPANY_CIK_BASE),
      name: `${stem} ${MARKER} ${industry.noun} ${conformedForm}`.toUpperCase(),
      displayName: `${stem} ${MARKER} ${industry.noun} ${displayForm}`,
      stem,
      industry,
      stateOfIncorporation: rng.pick(INCORPORATION_STATES),
      fiscalYearEnd: rng.pick(FISCAL_YEAR_ENDS),
      irsNumber: `${rng.int(10, 99)}${rng.digits(7)}`,
      fileNumber: `001-${rng.int(10000, 34999)}`,
      ticker: stem.slice(0, 4).toUpperCase(),
      business,
      mail: rng.chance(0.6) ? { ...business } : this.address(),
      // 555-0100 to 555-0199: the numbers reserved for fiction.
      phone: `${rng.int(201, 989)}5550${rng.int(100, 199)}`,
      formerNames: [],
      officers: [],
      directors: [],
      subsidiaries: [],
    };
    if (rng.chance(0.4)) company.formerNames = this.formerNames(company);
    company.officers = this.officers();
    company.directors = Array.from({ length: rng.int(2, 4) }, () => this.person());
    company.subsidiaries = rng
      .sample(SUBSIDIARY_KINDS, rng.int(3, 8))
      .map(([part, form, jurisdiction]) => ({ name: `${stem} ${MARKER} ${part} ${form}`, jurisdiction }));
    return company;
  }

  /** Older names, newest first, as EDGAR lists them; every change before the sample year. */
  private formerNames(company: Company): FormerName[] {
    const count = this.rng.chance(0.3) ? 2 : 1;
    const names: FormerName[] = [];
    let latest = this.year - 1;
    for (let i = 0; i < count; i++) {
      const changedYear = this.rng.int(Math.max(1990, latest - 12), latest);
      latest = changedYear - 1;
      const oldNoun = this.rng.pick(['Systems', 'Industries', 'Technologies', 'Enterprises']);
      const stem = i === 0 ? company.stem : this.uniqueStem();
      names.push({
        name: `${stem} ${MARKER} ${oldNoun} ${this.rng.pick(LEGAL_FORMS)[0]}`.toUpperCase(),
        changedAt: `${changedYear}${pad2(this.rng.int(1, 12))}${pad2(this.rng.int(1, 28))}`,
      });
    }
    return names;
  }

  private officers(): Officer[] {
    const count = this.rng.int(3, OFFICER_TITLES.length);
    return OFFICER_TITLES.slice(0, count).map((title, i) => ({
      ...this.person(),
      title,
      since: this.rng.int(this.year - 15, this.year - 1),
      // The chief executive sits on the board, as is usual.
      isDirector: i === 0,
    }));
  }

  private coRegistrant(parent: Company): Company {
    const child = this.company();
    child.name = `${parent.stem} ${MARKER} Capital Corp`.toUpperCase();
    child.displayName = `${parent.stem} ${MARKER} Capital Corporation`;
    child.stem = parent.stem;
    child.industry = parent.industry;
    child.business = { ...parent.business };
    child.mail = { ...parent.mail };
    child.phone = parent.phone;
    child.formerNames = [];
    child.officers = parent.officers;
    child.subsidiaries = [];
    parent.subsidiaries.push({ name: child.displayName, jurisdiction: 'Delaware' });
    return child;
  }
}

export function pad2(n: number): string {
  return String(n).padStart(2, '0');
}


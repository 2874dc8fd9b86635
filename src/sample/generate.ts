/**
 * `generateSamples`: fictitious filings in EDGAR's full-submission format, deterministic
 * for a seed, each with the facts a parser should read back from it (`expected`).
 */
import type { EntityRole } from '../edgar/types.js';
import {
  certification,
  eightK,
  exhibit21Html,
  exhibit21Text,
  form4,
  pressRelease,
  serializeDocument,
  tenK,
  tenQ,
  type SampleDocument,
} from './documents.js';
import { writeHeader, type HeaderBlock } from './header.js';
import { Random } from './random.js';
import { displayPerson, headerPerson, pad2, Universe, type Company, type Officer } from './universe.js';
import { ITEM_AGREEMENT, ITEM_EARNINGS, ITEM_EXHIBITS, ITEM_OFFICERS, ITEM_OTHER } from './vocabulary.js';

export interface SampleOptions {
  year: number;
  count: number;
  seed: number;
}

/** Filer agent CIK of every sample accession number: not a CIK EDGAR has assigned. */
export const SAMPLE_FILER_AGENT = '9999999999';
export const MIN_YEAR = 1994;
export const MAX_YEAR = 2099;
export const MAX_COUNT = 100_000;

export interface ExpectedParty {
  cik: string;
  name: string;
  role: EntityRole;
}

export interface ExpectedFiling {
  accession: string;
  formType: string;
  /** YYYY-MM-DD */
  filedAt: string;
  period: string;
  items: string[];
  /** Every header block, in header order (reporting owners included). */
  companies: ExpectedParty[];
  /** EX-21 rows, in exhibit order. */
  subsidiaries: Array<{ name: string; jurisdiction: string }>;
  /** FORMER COMPANY entries per CIK, as the header lists them. */
  formerNames: Array<{ cik: string; name: string; changedAt: string }>;
  /** Officers the main document's prose names with their title (10-K, 8-K Item 5.02). */
  officers: Array<{ name: string; title: string }>;
  /** Form 4: what the reporting owner is to the issuer, as `ownerRelationships` reads it. */
  reportingOwners: Array<{ ownerCik: string; issuerCik: string; roles: string[]; title?: string }>;
}

export interface SampleFiling {
  /** `<accession>.txt` */
  fileName: string;
  /** EDGAR's own layout: `edgar/data/<cik>/<accession>.txt`. */
  relativePath: string;
  text: string;
  expected: ExpectedFiling;
}

type Kind = '10-K:text' | '10-K:html' | '10-Q' | '8-K' | '8-K:joint' | '4';
/** The first filings of every batch cover each kind once, so even a small sample shows them all. */
const EVERY_KIND: readonly Kind[] = ['10-K:text', '10-K:html', '10-Q', '8-K', '8-K:joint', '4'];
const WEIGHTED_KINDS: readonly Kind[] = ['10-K:text', '10-K:html', '10-Q', '10-Q', '10-Q', '8-K', '8-K', '8-K:joint', '4', '4', '4'];

export function validateSampleOptions(o: SampleOptions): string | undefined {
  if (!Number.isInteger(o.year) || o.year < MIN_YEAR || o.year > MAX_YEAR) return `year must be a whole number from ${MIN_YEAR} to ${MAX_YEAR}`;
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > MAX_COUNT) return `count must be a whole number from 1 to ${MAX_COUNT}`;
  if (!Number.isSafeInteger(o.seed)) return 'seed must be a whole number';
  return undefined;
}

/** All filings of a batch at once: for tests and small batches. */
export function generateSamples(options: SampleOptions): SampleFiling[] {
  return [...sampleFilings(options)];
}

/**
 * The filings one at a time, so that writing a large batch holds one filing in memory,
 * not all of them. Same sequence as `generateSamples` for the same options.
 */
export function* sampleFilings(options: SampleOptions): Generator<SampleFiling> {
  const problem = validateSampleOptions(options);
  if (problem !== undefined) throw new RangeError(problem);
  const { year, count, seed } = options;
  const rng = new Random(seed);
  const universe = new Universe(rng, year, Math.min(2000, Math.max(4, Math.ceil(count / 3))));
  const kinds = rng.sample([...EVERY_KIND.slice(0, count), ...Array.from({ length: Math.max(0, count - EVERY_KIND.length) }, () => rng.pick(WEIGHTED_KINDS))], count);
  const dates = filingDates(rng, year, count);
  // The sequence part of the accession starts at a seed-dependent offset, so two batches
  // with different seeds written into one folder rarely share a file name.
  const firstSequence = new Random(seed ^ 0x5eed).int(0, 899_999);
  const yy = pad2(year % 100);
  const tenKFilers = new Set<string>();
  for (let i = 0; i < count; i++) {
    const accession = `${SAMPLE_FILER_AGENT}-${yy}-${String((firstSequence + i) % 1_000_000).padStart(6, '0')}`;
    const filing = new FilingWriter(rng, universe, accession, dates[i] as string, tenKFilers).write(kinds[i] as Kind);
    // EDGAR files a submission under each party's CIK; one copy, under the company's, is enough here.
    const dirCik = filing.expected.companies.find((c) => c.role !== 'REPORTING-OWNER')?.cik ?? '';
    yield { ...filing, fileName: `${accession}.txt`, relativePath: `edgar/data/${dirCik}/${accession}.txt` };
  }
}

/** Business days of the year, in order; several filings may share a day. */
function filingDates(rng: Random, year: number, count: number): string[] {
  const dates: number[] = [];
  const start = Date.UTC(year, 0, 2);
  const days = (Date.UTC(year, 11, 31) - start) / 86_400_000;
  while (dates.length < count) {
    const t = start + rng.int(0, days) * 86_400_000;
    const weekday = new Date(t).getUTCDay();
    if (weekday !== 0 && weekday !== 6) dates.push(t);
  }
  return dates.sort((a, b) => a - b).map(ymd);
}

function ymd(t: number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}`;
}

function parseYmd(s: string): number {
  return Date.UTC(Number(s.slice(0, 4)), Number(s.slice(4, 6)) - 1, Number(s.slice(6, 8)));
}

function iso(s: string): string {
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

/**
 * The latest month end on or before `notAfter` whose month is `fiscalYearEnd`'s month plus
 * a multiple of 3: a fiscal year end (`annual`) or a quarter end that is not one.
 */
function periodEnd(fiscalYearEnd: string, notAfter: number, annual: boolean): string {
  const fyMonth = Number(fiscalYearEnd.slice(0, 2)) - 1;
  const d = new Date(notAfter);
  let y = d.getUTCFullYear();
  let m = d.getUTCMonth();
  for (;;) {
    const end = Date.UTC(y, m + 1, 0);
    const offset = (m - fyMonth + 12) % 12;
    if (end <= notAfter && (annual ? offset === 0 : offset % 3 === 0 && offset !== 0)) return ymd(end);
    m--;
    if (m < 0) {
      m = 11;
      y--;
    }
  }
}

class FilingWriter {
  private readonly documents: SampleDocument[] = [];
  private readonly blocks: HeaderBlock[] = [];
  private readonly expected: ExpectedFiling;
  private period = '';
  private readonly items: string[] = [];

  constructor(
    private readonly rng: Random,
    private readonly universe: Universe,
    private readonly accession: string,
    private readonly filedAt: string,
    private readonly tenKFilers: Set<string>,
  ) {
    this.expected = {
      accession,
      formType: '',
      filedAt: iso(filedAt),
      period: '',
      items: [],
      companies: [],
      subsidiaries: [],
      formerNames: [],
      officers: [],
      reportingOwners: [],
    };
  }

  write(kind: Kind): Omit<SampleFiling, 'fileName' | 'relativePath'> {
    switch (kind) {
      case '10-K:text':
      case '10-K:html':
        this.annualReport(kind === '10-K:html');
        break;
      case '10-Q':
        this.quarterlyReport();
        break;
      case '8-K':
      case '8-K:joint':
        this.currentReport(kind === '8-K:joint');
        break;
      case '4':
        this.ownershipReport();
        break;
    }
    const seconds = this.rng.int(6 * 3600, 21 * 3600);
    const acceptedAt = `${this.filedAt}${pad2(Math.floor(seconds / 3600))}${pad2(Math.floor(seconds / 60) % 60)}${pad2(seconds % 60)}`;
    const lines = writeHeader({
      accession: this.accession,
      formType: this.expected.formType,
      documentCount: this.documents.length,
      period: this.period,
      items: this.items,
      filedAt: this.filedAt,
      acceptedAt,
      blocks: this.blocks,
    });
    this.documents.forEach((doc, i) => lines.push(...serializeDocument(doc, i + 1)));
    lines.push('</SEC-DOCUMENT>', '');
    this.expected.period = iso(this.period);
    this.expected.items = [...this.items];
    return { text: lines.join('\n'), expected: this.expected };
  }

  private filmNumber(): string {
    return `${this.filedAt.slice(2, 4)}${this.rng.digits(6)}`;
  }

  private addCompany(role: 'FILER' | 'ISSUER', company: Company, formType?: string): void {
    this.blocks.push(
      formType === undefined
        ? { role, company }
        : { role, company, filingValues: { formType, fileNumber: company.fileNumber, filmNumber: this.filmNumber() } },
    );
    this.expected.companies.push({ cik: company.cik, name: company.name, role });
    for (const former of company.formerNames) {
      this.expected.formerNames.push({ cik: company.cik, name: former.name, changedAt: iso(former.changedAt) });
    }
  }

  /**
   * A company that has not filed its 10-K in this batch yet and whose fiscal year ended 30
   * to 95 days before the filing date, as real 10-Ks are timed; failing that, any.
   */
  private annualFiler(): { company: Company; period: string } {
    const latest = parseYmd(this.filedAt) - 30 * 86_400_000;
    // Periods depend on the fiscal year end alone: a handful of values, computed once each.
    const periods = new Map<string, string>();
    const periodOf = (c: Company): string => {
      let period = periods.get(c.fiscalYearEnd);
      if (period === undefined) periods.set(c.fiscalYearEnd, (period = periodEnd(c.fiscalYearEnd, latest, true)));
      return period;
    };
    const all = this.universe.companies;
    const fresh = all.filter((c) => !this.tenKFilers.has(c.cik));
    const timely = fresh.filter((c) => latest - parseYmd(periodOf(c)) <= 65 * 86_400_000);
    const company = this.rng.pick(timely.length > 0 ? timely : fresh.length > 0 ? fresh : all);
    this.tenKFilers.add(company.cik);
    return { company, period: periodOf(company) };
  }

  private annualReport(htmlExhibit: boolean): void {
    const { company: c, period } = this.annualFiler();
    this.expected.formType = '10-K';
    this.period = period;
    this.addCompany('FILER', c, '10-K');
    this.documents.push(tenK({ company: c, period: this.period, fiscalYear: Number(this.period.slice(0, 4)) }));
    this.documents.push(htmlExhibit ? exhibit21Html(c) : exhibit21Text(c, this.rng.chance(0.5)));
    this.documents.push(certification(c, c.officers[0]!, '31.1', '10-K'));
    this.documents.push(certification(c, c.officers[1]!, '31.2', '10-K'));
    this.documents.push(certification(c, c.officers[0]!, '32.1', '10-K'));
    this.expected.subsidiaries = c.subsidiaries.map((s) => ({ ...s }));
    this.expected.officers = c.officers.map((o) => ({ name: displayPerson(o), title: o.title }));
  }

  private quarterlyReport(): void {
    const c = this.rng.pick(this.universe.companies);
    this.expected.formType = '10-Q';
    this.period = periodEnd(c.fiscalYearEnd, parseYmd(this.filedAt) - 25 * 86_400_000, false);
    this.addCompany('FILER', c, '10-Q');
    this.documents.push(tenQ(c, this.period, this.rng.chance(0.5)));
    this.documents.push(certification(c, c.officers[0]!, '31.1', '10-Q'));
    this.documents.push(certification(c, c.officers[1]!, '31.2', '10-Q'));
  }

  private currentReport(joint: boolean): void {
    const candidates = joint ? this.universe.companies.filter((c) => c.coRegistrant !== undefined) : this.universe.companies;
    const c = this.rng.pick(candidates);
    const filers = joint && c.coRegistrant !== undefined ? [c, c.coRegistrant] : [c];
    this.expected.formType = '8-K';
    this.period = ymd(parseYmd(this.filedAt) - this.rng.int(0, 4) * 86_400_000);
    for (const filer of filers) this.addCompany('FILER', filer, '8-K');
    const main = this.rng.pick([ITEM_EARNINGS, ITEM_OFFICERS, ITEM_AGREEMENT, ITEM_OTHER]);
    this.items.push(main);
    const withRelease = main === ITEM_EARNINGS;
    if (withRelease) this.items.push(ITEM_EXHIBITS);
    let appointed: Officer | undefined;
    if (main === ITEM_OFFICERS) {
      appointed = this.rng.pick(c.officers.slice(1));
      this.expected.officers = [{ name: displayPerson(appointed), title: appointed.title }];
    }
    this.documents.push(eightK({ filers, eventDate: this.period, items: this.items, appointed }));
    if (withRelease) this.documents.push(pressRelease(c, this.period));
  }

  private ownershipReport(): void {
    const issuer = this.rng.pick(this.universe.companies);
    const insiders = [...issuer.officers, ...issuer.directors];
    const owner = this.rng.pick(insiders);
    const officer = issuer.officers.find((o) => o === owner);
    const isDirector = officer === undefined || officer.isDirector;
    this.expected.formType = '4';
    this.period = ymd(parseYmd(this.filedAt) - this.rng.int(0, 2) * 86_400_000);
    const ownerName = headerPerson(owner);
    this.blocks.push({
      role: 'REPORTING-OWNER',
      owner: { cik: owner.cik, name: ownerName, mail: issuer.business },
      filingValues: { formType: '4', fileNumber: issuer.fileNumber, filmNumber: this.filmNumber() },
    });
    this.expected.companies.push({ cik: owner.cik, name: ownerName, role: 'REPORTING-OWNER' });
    this.addCompany('ISSUER', issuer);
    const roles = [...(isDirector ? ['Director'] : []), ...(officer !== undefined ? ['Officer'] : [])];
    this.expected.reportingOwners = [
      officer !== undefined
        ? { ownerCik: owner.cik, issuerCik: issuer.cik, roles, title: officer.title }
        : { ownerCik: owner.cik, issuerCik: issuer.cik, roles },
    ];
    const code = this.rng.pick(['P', 'S', 'A'] as const);
    this.documents.push(
      form4({
        issuer,
        owner,
        isDirector,
        officerTitle: officer?.title,
        period: this.period,
        shares: this.rng.int(1, 400) * 25,
        price: `${this.rng.int(5, 180)}.${this.rng.digits(2)}`,
        code,
      }),
    );
  }
}

import { describe, expect, it } from 'vitest';
import { normalizeCompanyName, normalizeText } from '../../src/extract/normalize.js';

describe('normalizeCompanyName', () => {
  it.each([
    ['Apple Inc.', 'APPLE INC'],
    ['APPLE INC', 'APPLE INC'],
    ['Apple Computer, Incorporated', 'APPLE COMPUTER INC'],
    ['Amazon.com, Inc.', 'AMAZON COM INC'],
    ['AMAZON COM INC', 'AMAZON COM INC'],
    ["Amazon.com Int'l Sales, Inc.", 'AMAZON COM INTL SALES INC'],
    ['Amazon EU S.\u00e0 r.l.', 'AMAZON EU SARL'],
    ['Amazon EU S\u00e0rl', 'AMAZON EU SARL'],
    ['Apple Computer France S.A.R.L.', 'APPLE COMPUTER FRANCE SARL'],
    ['Foo Holdings, L.L.C.', 'FOO HOLDINGS LLC'],
    ['1895 Bancorp of Wisconsin, Inc. /MD/', '1895 BANCORP OF WISCONSIN INC'],
    ['PRODUCTIVITY TECHNOLOGIES CORP /', 'PRODUCTIVITY TECHNOLOGIES CORP'],
    ['BA MORTGAGE SECURITIES INC/', 'BA MORTGAGE SECURITIES INC'],
    ['Novo Nordisk A/S', 'NOVO NORDISK A S'],
    ['The Procter & Gamble Company', 'PROCTER AND GAMBLE CO'],
    ['  Gulf   Power Corporation ', 'GULF POWER CORP'],
  ])('%s -> %s', (name, expected) => {
    expect(normalizeCompanyName(name)).toBe(expected);
  });

  it('keeps legal forms apart: an LLC and an Inc. of the same stem are different companies', () => {
    expect(normalizeCompanyName('Amazon.com LLC')).not.toBe(normalizeCompanyName('Amazon.com, Inc.'));
  });
});

describe('normalizeText', () => {
  it('uppercases, drops punctuation and collapses spaces', () => {
    expect(normalizeText('30 Ivan Allen Jr. Blvd.,  N.W.')).toBe('30 IVAN ALLEN JR BLVD N W');
  });
});

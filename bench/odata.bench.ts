import { defaultParser } from '@odata/parser';
import { parseRequestUrl } from '../src/odata/index';
import type { BenchCase } from './harness';

// A 2,000-character $filter of the shapes people write against Dataverse:
// comparisons, or-groups in parentheses, contains(), lookups' paths, arithmetic.
// Baseline: @odata/parser, the npm OData parser that accepted the most valid
// URLs when the issue was filed, parsing the $filter alone; ours parses the
// whole URL around it and produces diagnostics too.
function buildFilter(length: number): string {
  let filter = '';
  for (let i = 0; ; i++) {
    const k = i % 4;
    const clause =
      k === 0 ? `(statecode eq ${i % 2} or revenue gt ${i * 1000})`
      : k === 1 ? `contains(name,'contoso ${i}')`
      : k === 2 ? `primarycontactid/fullname ne 'Ada ${i}'`
      : `numberofemployees add ${i} le ${i * 7}`;
    const next = filter ? `${filter} and ${clause}` : clause;
    if (next.length > length) return filter;
    filter = next;
  }
}

const filter = buildFilter(2_000);
const url = `accounts?$filter=${filter}`;

export const odataCases: BenchCase[] = [
  {
    name: 'parse a 2,000-character $filter',
    baseline: { label: '@odata/parser defaultParser.filter', run: () => defaultParser.filter(filter) },
    subject: { label: 'parseRequestUrl (whole URL + diagnostics)', run: () => parseRequestUrl(url) },
    opsPerRound: 200,
    figures: () => {
      const ours = parseRequestUrl(url);
      return { filterChars: filter.length, diagnostics: ours.diagnostics.length, baselineAccepts: String(defaultParser.filter(filter).next === filter.length) };
    },
  },
];

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contextAt, parseRequestUrl, parseWork } from '../../../src/odata/index';
import { prng } from './prng';

const SEEDS = [
  "accounts?$select=name,accountnumber&$filter=statecode eq 0 and contains(name,'contoso')&$top=10",
  "https://org.crm.dynamics.com/api/data/v9.2/accounts(accountnumber='A1')/contact_customer_accounts/$count",
  'Microsoft.Dynamics.CRM.RetrieveTotalRecordCount(EntityNames=@p1)?@p1=["account","contact"]',
  "accounts?$filter=Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=7) or revenue add 5 mul 2 gt 10",
  "accounts?$expand=primarycontactid($select=fullname;$expand=parentcustomerid_account($select=name;$filter=name ne null))",
  'accounts?$apply=filter(statecode eq 0)/groupby((industrycode),aggregate(revenue with sum as total,$count as n))',
  "accounts?$filter=contact_customer_accounts/any(c:c/fullname eq 'O''Neil' and c/createdon gt 2024-01-01T00:00:00Z)",
  'accounts?fetchXml=<fetch top="5"><entity name="account"><attribute name="name"/></entity></fetch>&$top=1',
  "accounts?$filter=name%20eq%20%27x%27&$orderby=name desc,createdon&$count=true&$skip=1&$format=json&$search=\"a b\" OR c",
  "accounts?$filter=x in ('a','b') and y has Microsoft.Dynamics.CRM.T'V' and d eq duration'P1D' and g eq 00000000-0000-0000-0000-000000000001 and b eq binary'AQID' and n eq -INF",
  'WhoAmI()',
  'accounts(00000000-0000-0000-0000-000000000001)/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=@t)?@t={"@odata.id":"x"}',
];
const PIECES = [
  ' ', '(', ')', "'", '"', ',', '/', '=', '&', '?', '$', '@', ';', ':', '[', ']', '{', '}', '%', '%27', '%2', '%zz', '+', '-', '.', '*',
  'eq', 'and', 'or', 'not', 'any(', 'all(', 'c:', '$filter=', '$select=', '$expand=', '$apply=', '$top=', 'fetchXml=', 'contains(',
  'Microsoft.Dynamics.CRM.', '2024-01-01', '10:00', '00000000-0000-0000-0000-000000000001', '1.5e3', 'INF', 'null', 'name', 'accounts',
  '\u00e9', '\ud83d', '\u0000', '\n',
];

function randomInput(rand: () => number): string {
  const n = Math.floor(rand() * 40);
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(rand() * PIECES.length)];
  return s;
}

function mutate(rand: () => number, base: string): string {
  let s = base;
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * (s.length + 1));
    switch (Math.floor(rand() * 5)) {
      case 0: // delete a run
        s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 6));
        break;
      case 1: // insert a piece
        s = s.slice(0, at) + PIECES[Math.floor(rand() * PIECES.length)] + s.slice(at);
        break;
      case 2: // truncate: text as it is while being typed
        s = s.slice(0, at);
        break;
      case 3: // duplicate a run
        s = s.slice(0, at) + s.slice(at, at + 10) + s.slice(at);
        break;
      default: // swap a character for a random one
        s = s.slice(0, at) + String.fromCharCode(32 + Math.floor(rand() * 95)) + s.slice(at + 1);
    }
  }
  return s;
}

describe('parseRequestUrl: fuzz', () => {
  test('10,000 random and mutated inputs: no exception, well-formed diagnostics, contextAt everywhere it is asked', () => {
    const rand = prng(0x0da7a);
    for (let k = 0; k < 10_000; k++) {
      const text = k % 3 === 0 ? randomInput(rand) : mutate(rand, SEEDS[k % SEEDS.length]);
      const { tree, diagnostics } = parseRequestUrl(text);
      for (const d of diagnostics) {
        assert.ok(Number.isInteger(d.start) && Number.isInteger(d.end) && 0 <= d.start && d.start <= d.end && d.end <= text.length, `bad span ${JSON.stringify(d)} in ${JSON.stringify(text)}`);
        assert.ok(d.severity === 'error' || d.severity === 'warning' || d.severity === 'info', JSON.stringify(d));
        assert.ok(d.message.length > 0 && !d.message.startsWith('Internal parser error'), `${d.message} in ${JSON.stringify(text)}`);
      }
      const offset = Math.floor(rand() * (text.length + 1));
      const ctx = contextAt(tree, offset);
      assert.ok(ctx.replaceStart <= offset && offset <= ctx.replaceEnd, `context at ${offset} of ${JSON.stringify(text)}`);
    }
  });
});

/** Work (decoded characters + tokens made + tokens looked at) to parse `text`. */
function steps(text: string): number {
  const before = parseWork.steps;
  parseRequestUrl(text);
  return parseWork.steps - before;
}

describe('parseRequestUrl: work grows linearly with input length', () => {
  // Each builder makes an input of about n characters of one shape, valid or broken.
  const shapes: Record<string, (n: number) => string> = {
    'a long and-chain': (n) => `accounts?$filter=${Array.from({ length: n / 20 }, (_, i) => `f${i} eq ${i}`).join(' and ')}`,
    'an or/and mix with calls': (n) => `accounts?$filter=${Array.from({ length: n / 40 }, (_, i) => `contains(n${i},'x') or a eq ${i}`).join(' and ')}`,
    'many options': (n) => `accounts?${Array.from({ length: n / 10 }, (_, i) => `$x${i}=1`).join('&')}`,
    'many options without =': (n) => `accounts?${Array.from({ length: n / 6 }, (_, i) => `opt${i}`).join('&')}`,
    'many select items': (n) => `accounts?$select=${Array.from({ length: n / 8 }, (_, i) => `col${i}`).join(',')}`,
    'many expands with options': (n) => `accounts?$expand=${Array.from({ length: n / 30 }, (_, i) => `nav${i}($select=a;$top=1)`).join(',')}`,
    'an unterminated string': (n) => `accounts?$filter=name eq '${'x'.repeat(n)}`,
    'a run of unbalanced (': (n) => `accounts?$filter=${'('.repeat(n)}`,
    'a run of )': (n) => `accounts?$filter=a eq 1${')'.repeat(n)}`,
    'a long percent-encoded value': (n) => `accounts?$filter=name eq %27${'%41'.repeat(n / 3)}%27`,
    'many alias uses without values': (n) => `accounts?$filter=${Array.from({ length: n / 12 }, (_, i) => `a eq @p${i}`).join(' or ')}`,
    'a long path': (n) => Array.from({ length: n / 5 }, (_, i) => `n${i}`).join('/'),
    'noise': (n) => {
      const rand = prng(n);
      let s = '';
      while (s.length < n) s += PIECES[Math.floor(rand() * PIECES.length)];
      return s;
    },
  };
  for (const [name, build] of Object.entries(shapes)) {
    test(`${name}: 4x the text costs at most 6x the steps`, () => {
      const small = steps(build(2_000));
      const large = steps(build(8_000));
      assert.ok(small > 0);
      assert.ok(large / small <= 6, `${name}: ${small} steps for n, ${large} for 4n (${(large / small).toFixed(2)}x)`);
    });
  }
});

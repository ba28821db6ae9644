/**
 * Pure pieces of the Dataverse stand-in: filter parsing/evaluation and the paging cookie.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, type FilterAccess } from '../../../sandbox/dataverse/filterEval';
import { parseFilter, parseQueryOptions, parseQueryString } from '../../../sandbox/dataverse/odataParser';
import { buildSkipToken, encodeSkipTokenForUrl, parseSkipToken } from '../../../sandbox/dataverse/pagingCookie';
import { DataverseError } from '../../../sandbox/dataverse/errors';

const access: FilterAccess<Record<string, unknown>> = { now: Date.UTC(2025, 0, 15, 12), get: (item, path) => item[path[0]!] ?? null };
const run = (f: string, item: Record<string, unknown>): boolean => evaluate(parseFilter(f), item, access);

describe('filter', () => {
  test('comparisons, and/or/not, parentheses, case-insensitive strings', () => {
    const item = { name: 'Contoso Ltd', n: 5, d: null };
    assert.ok(run("name eq 'contoso ltd' and (n gt 4 or n lt 0) and not (d ne null)", item));
    assert.ok(!run("name ne 'CONTOSO LTD'", item));
    assert.ok(run("contains(name,'SO L') and startswith(name,'con') and endswith(name,'ltd')", item));
  });

  test('quotes are escaped by doubling', () => {
    assert.ok(run("name eq 'O''Brien'", { name: "O'Brien" }));
  });

  test('date functions use the injected clock', () => {
    assert.ok(run("Microsoft.Dynamics.CRM.Today(PropertyName='c')", { c: '2025-01-15T08:00:00Z' }));
    assert.ok(!run("Microsoft.Dynamics.CRM.LastXDays(PropertyName='c',PropertyValue=3)", { c: '2025-01-01T08:00:00Z' }));
    assert.ok(run("Microsoft.Dynamics.CRM.LastXDays(PropertyName='c',PropertyValue=30)", { c: '2025-01-01T08:00:00Z' }));
  });

  test('syntax errors are 0x80060888', () => {
    assert.throws(() => parseFilter("name eq 'x"), (e) => e instanceof DataverseError && e.code === '0x80060888');
    assert.throws(() => parseFilter('(name eq 1'), (e) => e instanceof DataverseError && /'\)' or ',' expected/.test(e.message));
  });

  test('query string keeps + literally and nested $expand options parse', () => {
    const options = parseQueryOptions(parseQueryString("?$select=name&$expand=primarycontactid($select=fullname;$filter=fullname ne null)&$top=5"));
    assert.deepEqual(options.select, ['name']);
    assert.equal(options.top, 5);
    assert.deepEqual(options.expand?.[0]?.options.select, ['fullname']);
  });
});

describe('paging cookie', () => {
  test('round-trips hostile values and nulls, in the documented format', () => {
    const token = buildSkipToken({ pageNumber: 2, columns: [{ name: 'name', last: '<img src=x onerror="a">&\'', first: 'A' }, { name: 'revenue', last: null, first: '1' }, { name: 'accountid', last: 'd5026a4d-d01c-ed11-b83e-000d3a572421', first: '49b0be2e-d01c-ed11-b83e-000d3a572421' }] });
    assert.match(token, /^<cookie pagenumber="2" pagingcookie="%3ccookie%20page%3d%221%22%3e/);
    assert.match(token, /%7bD5026A4D-D01C-ED11-B83E-000D3A572421%7d/);
    const url = encodeSkipTokenForUrl(token);
    assert.match(url, /^%3Ccookie%20pagenumber=%222%22%20pagingcookie=%22%253ccookie/);
    const parsed = parseSkipToken(decodeURIComponent(url));
    assert.equal(parsed.pageNumber, 2);
    assert.deepEqual(parsed.columns.map((c) => c.last), ['<img src=x onerror="a">&\'', null, 'd5026a4d-d01c-ed11-b83e-000d3a572421']);
  });
});

/**
 * Filtered and ordered queries over the 100,000 accounts of the full-scale org:
 * every match is paged exactly once and in order, and writes are seen by the
 * next query (the cached order of a query never outlives a write).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { odata, startSignedIn, type Json, type Running } from './dataverseHelpers';

const API = '/api/data/v9.2';
let sales: Running;
let token: string;

before(async () => {
  ({ org: sales, token } = await startSignedIn('contososales'));
});

after(async () => {
  await sales.close();
});

async function allPages(path: string, pageSize: number): Promise<Json[]> {
  const rows: Json[] = [];
  let url: string | undefined = `${sales.url}${API}/${path}`;
  for (let pages = 0; url; pages++) {
    assert.ok(pages < 200, 'paging did not end');
    const res = await odata(url, token, { headers: { Prefer: `odata.maxpagesize=${pageSize}` } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Json;
    rows.push(...body.value);
    url = body['@odata.nextLink'];
  }
  return rows;
}

describe('filtered and ordered queries over 100,000 accounts', () => {
  test("$filter=contains(name,'a') pages every match once, in primary-key order", async () => {
    const rows = await allPages("accounts?$select=name&$filter=contains(name,'a')", 5000);
    assert.ok(rows.length > 50_000, `expected most generated names to contain an 'a', got ${rows.length}`);
    assert.equal(new Set(rows.map((r) => r.accountid)).size, rows.length, 'a row came twice');
    for (const row of rows) assert.ok(row.name.toLowerCase().includes('a'), row.name);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].accountid < rows[i].accountid, 'not in primary-key order');
  });

  test('a selective filter in primary-key order pages the same rows whether or not $count is asked', async () => {
    const path = 'accounts?$select=name,industrycode,statecode&$filter=statecode eq 1 and industrycode eq 5';
    const rows = await allPages(path, 50);
    assert.ok(rows.length > 50, `expected a few pages, got ${rows.length}`);
    for (const row of rows) assert.ok(row.statecode === 1 && row.industrycode === 5);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].accountid < rows[i].accountid, 'not in primary-key order');
    const counted = await allPages(`${path}&$count=true`, 50);
    assert.deepEqual(counted.map((r) => r.accountid), rows.map((r) => r.accountid));
  });

  test('$orderby=accountid desc pages from the highest id down', async () => {
    const rows = await allPages("accounts?$select=name&$filter=startswith(name,'Contoso')&$orderby=accountid desc", 1000);
    assert.ok(rows.length > 1000);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].accountid > rows[i].accountid, 'not in descending order');
    const first = ((await (await odata(`${sales.url}${API}/accounts?$select=name&$orderby=accountid desc&$top=2`, token)).json()) as Json).value;
    assert.ok(first[0].accountid > first[1].accountid);
  });

  test('a filtered, ordered query pages in the requested order and agrees with its own $count', async () => {
    const path = "accounts?$select=name,revenue&$filter=statecode eq 1 and revenue ne null&$orderby=revenue desc,name";
    const rows = await allPages(path, 2000);
    for (const row of rows) assert.notEqual(row.revenue, null);
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1];
      const b = rows[i];
      assert.ok(a.revenue > b.revenue || (a.revenue === b.revenue && a.name.toLowerCase() <= b.name.toLowerCase()), `order broken at ${i}`);
    }
    assert.equal(new Set(rows.map((r) => r.accountid)).size, rows.length);
    const counted = (await (await odata(`${sales.url}${API}/${path}&$count=true`, token, { headers: { Prefer: 'odata.maxpagesize=1' } })).json()) as Json;
    assert.equal(counted['@odata.count'], Math.min(rows.length, 5000));
  });

  test('a record by alternate key, among 100,000, also after its key changed', async () => {
    const byKey = (key: string): Promise<Response> => odata(`${sales.url}${API}/accounts(accountnumber='${key}')?$select=name,accountnumber`, token);
    const found = await byKey('ACC-099999');
    assert.equal(found.status, 200);
    const row = (await found.json()) as Json;
    assert.equal(row.accountnumber, 'ACC-099999');
    assert.equal((await odata(`${sales.url}${API}/accounts(${row.accountid})`, token, { method: 'PATCH', body: { accountnumber: 'ACC-RENUMBERED' } })).status, 204);
    assert.equal((await byKey('ACC-099999')).status, 404);
    assert.equal(((await (await byKey('ACC-RENUMBERED')).json()) as Json).accountid, row.accountid);
  });

  test('a write is seen by the same query asked again: renamed, created and deleted rows', async () => {
    const path = "accounts?$select=name&$filter=contains(name,'zqx')&$orderby=name";
    assert.deepEqual(await allPages(path, 5000), []);
    const first = ((await (await odata(`${sales.url}${API}/accounts?$select=name&$top=1`, token)).json()) as Json).value[0];
    assert.equal((await odata(`${sales.url}${API}/accounts(${first.accountid})`, token, { method: 'PATCH', body: { name: 'Bzqx renamed' } })).status, 204);
    const created = await odata(`${sales.url}${API}/accounts`, token, { method: 'POST', body: { name: 'Azqx created' } });
    assert.equal(created.status, 204);
    const createdId = /\(([0-9a-f-]{36})\)$/.exec(created.headers.get('odata-entityid') ?? '')![1];
    assert.deepEqual((await allPages(path, 5000)).map((r) => r.name), ['Azqx created', 'Bzqx renamed']);
    assert.equal((await odata(`${sales.url}${API}/accounts(${createdId})`, token, { method: 'DELETE' })).status, 204);
    assert.equal((await odata(`${sales.url}${API}/accounts(${first.accountid})`, token, { method: 'PATCH', body: { name: 'Plain again' } })).status, 204);
    assert.deepEqual(await allPages(path, 5000), []);
  });
});

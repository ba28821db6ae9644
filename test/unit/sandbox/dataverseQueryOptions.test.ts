/**
 * Query options added in the second round: $apply (groupby, aggregate, $count,
 * filter before groupby, the 50,000-row limit), parameter aliases in $filter
 * and $orderby, and $format refused like the other unsupported options.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { odata, startSignedIn, type Json, type Running } from './dataverseHelpers';

const API = '/api/data/v9.2';
let dev: Running;
let sales: Running;
let devToken: string;
let salesToken: string;

before(async () => {
  ({ org: dev, token: devToken } = await startSignedIn('contosodev'));
  ({ org: sales, token: salesToken } = await startSignedIn('contososales'));
});

after(async () => {
  await dev.close();
  await sales.close();
});

const get = (path: string, prefer?: string): Promise<Response> => odata(`${dev.url}${API}/${path}`, devToken, prefer ? { headers: { Prefer: prefer } } : {});
async function body(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}
/** Every account of the core-scale org (300 rows: one page). */
async function accounts(): Promise<Json[]> {
  return (await body(await get('accounts?$select=name,statuscode,statecode,revenue,numberofemployees,industrycode,createdon,_primarycontactid_value'))).value;
}

describe('$apply', () => {
  test('groupby((statuscode)) lists each status once, ascending, with its label when asked', async () => {
    const res = await get('accounts?$apply=groupby((statuscode))', 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"');
    assert.equal(res.status, 200);
    const b = await body(res);
    assert.equal(b['@odata.context'], `${dev.url}${API}/$metadata#accounts`);
    assert.deepEqual(b.value, [
      { 'statuscode@OData.Community.Display.V1.FormattedValue': 'Active', statuscode: 1 },
      { 'statuscode@OData.Community.Display.V1.FormattedValue': 'Inactive', statuscode: 2 },
    ]);
  });

  test('groupby with $count, sum, average, min, max and countdistinct agrees with the rows themselves', async () => {
    const rows = await accounts();
    const b = await body(await get('accounts?$apply=groupby((statuscode),aggregate($count as count,revenue with sum as total,revenue with average as avg,numberofemployees with min as fewest,numberofemployees with max as most,industrycode with countdistinct as industries))'));
    assert.equal(b.value.length, 2);
    for (const group of b.value) {
      const mine = rows.filter((r) => r.statuscode === group.statuscode);
      const revenue = mine.map((r) => r.revenue).filter((v) => v !== null) as number[];
      const staff = mine.map((r) => r.numberofemployees).filter((v) => v !== null) as number[];
      assert.equal(group.count, mine.length);
      assert.ok(Math.abs(group.total - revenue.reduce((s, v) => s + v, 0)) < 0.01);
      assert.ok(Math.abs(group.avg - revenue.reduce((s, v) => s + v, 0) / revenue.length) < 0.01);
      assert.equal(group.fewest, Math.min(...staff));
      assert.equal(group.most, Math.max(...staff));
      assert.equal(group.industries, new Set(mine.map((r) => r.industrycode).filter((v) => v !== null)).size);
    }
  });

  test('aggregate alone gives one row; money is formatted; createdon max is the latest date', async () => {
    const rows = await accounts();
    const b = await body(await get('accounts?$apply=aggregate(revenue with sum as total,createdon with max as lastCreate)', 'odata.include-annotations="*"'));
    assert.equal(b.value.length, 1);
    const [only] = b.value;
    assert.match(only['total@OData.Community.Display.V1.FormattedValue'], /^\$[\d,]+\.\d\d$/);
    assert.equal(only.lastCreate, rows.map((r) => r.createdon).sort().at(-1));
  });

  test('filter(...) before groupby only counts the rows it keeps; a null group column is left out', async () => {
    const rows = await accounts();
    const b = await body(await get("accounts?$apply=filter(statecode eq 0 and contains(name,'a'))/groupby((industrycode),aggregate($count as n))"));
    const kept = rows.filter((r) => r.statecode === 0 && r.name.toLowerCase().includes('a'));
    assert.equal(b.value.reduce((s: number, g: Json) => s + g.n, 0), kept.length);
    const nullGroup = b.value.find((g: Json) => !('industrycode' in g));
    assert.equal(nullGroup?.n, kept.filter((r) => r.industrycode === null).length);
  });

  test('a column through a lookup is named <table>_<column>', async () => {
    const b = await body(await get('accounts?$apply=groupby((primarycontactid/fullname))&$top=3'));
    assert.ok(b.value.length > 0);
    for (const g of b.value) assert.deepEqual(Object.keys(g).filter((k) => k !== 'contact_fullname'), []);
    assert.ok(b.value.some((g: Json) => typeof g.contact_fullname === 'string'));
  });

  test('ordering by an aggregate value is refused with the documented error', async () => {
    const res = await get('accounts?$apply=groupby((statuscode),aggregate($count as count))&$orderby=count desc');
    assert.equal(res.status, 400);
    assert.equal((await body(res)).error.message, 'The query node SingleValueOpenPropertyAccess is not supported');
  });

  test('bad $apply names the problem: unknown column, unknown method, grouping by a date, sum over text', async () => {
    const unknown = await get('accounts?$apply=groupby((nosuchcolumn))');
    assert.equal(unknown.status, 400);
    assert.match((await body(unknown)).error.message, /Could not find a property named 'nosuchcolumn'/);
    const method = await get('accounts?$apply=aggregate(revenue with median as m)');
    assert.equal(method.status, 400);
    assert.match((await body(method)).error.message, /'median' is not supported; use sum, average, min, max or countdistinct/);
    const dated = await get('accounts?$apply=groupby((createdon))');
    assert.equal(dated.status, 400);
    assert.match((await body(dated)).error.message, /groupby with datetime values is not supported/);
    const text = await get('accounts?$apply=aggregate(name with sum as s)');
    assert.equal(text.status, 400);
    assert.match((await body(text)).error.message, /'sum' cannot be applied to 'name'/);
  });

  test('over more than 50,000 rows: 400 0x8004e023 AggregateQueryRecordLimit; a filter that keeps fewer rows succeeds', async () => {
    const res = await odata(`${sales.url}${API}/accounts?$apply=groupby((statuscode),aggregate($count as count))`, salesToken);
    assert.equal(res.status, 400);
    assert.deepEqual(await body(res), { error: { code: '0x8004e023', message: 'AggregateQueryRecordLimit exceeded. Cannot perform this operation.' } });
    const fewer = await odata(`${sales.url}${API}/accounts?$apply=filter(statecode eq 1)/aggregate($count as count)`, salesToken);
    assert.equal(fewer.status, 200);
    const [only] = (await body(fewer)).value;
    assert.ok(only.count > 5000 && only.count < 50_000, String(only.count));
  });
});

describe('parameter aliases', () => {
  test('$filter=@p1 ne @p2 with @p1=name and @p2=null', async () => {
    const plain = await body(await get('accounts?$select=name&$filter=name ne null&$top=5'));
    const aliased = await body(await get('accounts?$select=name&$filter=@p1 ne @p2&@p1=name&@p2=null&$top=5'));
    assert.deepEqual(aliased.value, plain.value);
  });

  test('aliases in $orderby and $filter, as in the documentation; an alias given no value is null', async () => {
    const plain = await body(await get('accounts?$select=name,revenue&$orderby=revenue asc,name desc&$filter=revenue ne null'));
    const aliased = await body(await get('accounts?$select=name,revenue&$orderby=@p1 asc,@p2 desc&$filter=@p1 ne @p3&@p1=revenue&@p2=name'));
    assert.ok(plain.value.length > 0);
    assert.deepEqual(aliased.value, plain.value);
  });

  test('an alias with a literal value compares like the literal', async () => {
    const rows = (await body(await get("accounts?$select=name&$filter=startswith(name,@prefix)&@prefix='Contoso'"))).value;
    assert.ok(rows.length > 0);
    for (const row of rows) assert.ok(row.name.startsWith('Contoso'));
  });

  test('an alias in $orderby that has no value is refused with a fix', async () => {
    const res = await get('accounts?$select=name&$orderby=@p9');
    assert.equal(res.status, 400);
    assert.match((await body(res)).error.message, /'@p9' in \$orderby has no value; give it one/);
  });
});

describe('unsupported query options', () => {
  for (const option of ['$format=json', '$skip=5', '$search=contoso']) {
    test(`${option.split('=')[0]} is refused with 0x80060888`, async () => {
      const res = await get(`accounts?$select=name&${option}`);
      assert.equal(res.status, 400);
      assert.deepEqual(await body(res), { error: { code: '0x80060888', message: `The query parameter ${option.split('=')[0]} is not supported` } });
    });
  }
});

/**
 * FetchXML through the Web API stand-in (`GET <entityset>?fetchXml=`), driven with plain fetch as a
 * client would, checked against what Microsoft documents and against the same rows read through $select.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { USERS } from '../../../sandbox/seed';
import { parseXml, XmlSyntaxError } from '../../../sandbox/dataverse/xmlParser';
import { makeKeys, mintToken, odata, startOrg, type Keys, type Running } from './dataverseHelpers';

const API = '/api/data/v9.2';
const ALL = { Prefer: 'odata.include-annotations="*"' };
const PAGING = { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords"' };
const FORMATTED = '@OData.Community.Display.V1.FormattedValue';
const ATTRIBUTE_NAME = '@OData.Community.Display.V1.AttributeName';
const COOKIE = '@Microsoft.Dynamics.CRM.fetchxmlpagingcookie';
const MORE = '@Microsoft.Dynamics.CRM.morerecords';
const adele = USERS.find((u) => u.upn.startsWith('adele'))!;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions walk arbitrary response JSON
type Json = Record<string, any>;

let keys: Keys;
let dev: Running;
let devToken: string;
let me: string;
/** Every account of the small org, read through $select (the oracle for filters). */
let accounts: Json[];

async function get(org: Running, token: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await odata(`${org.url}${API}/${path}`, token, { headers });
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}

function fetchXml(org: Running, token: string, xml: string, headers: Record<string, string> = {}, set = 'accounts'): ReturnType<typeof get> {
  return get(org, token, `${set}?fetchXml=${encodeURIComponent(xml)}`, headers);
}

async function ids(xml: string): Promise<string[]> {
  const { status, body } = await fetchXml(dev, devToken, xml);
  assert.equal(status, 200, JSON.stringify(body));
  return (body['value'] as Json[]).map((r) => r['accountid'] as string).sort();
}

function expected(predicate: (a: Json) => boolean): string[] {
  return accounts.filter(predicate).map((a) => a['accountid'] as string).sort();
}

const where = (filter: string): string => `<fetch><entity name='account'><attribute name='accountid' />${filter}</entity></fetch>`;

before(async () => {
  keys = await makeKeys();
  dev = await startOrg(keys, 'contosodev');
  devToken = await mintToken(keys, { aud: dev.url, user: adele });
  me = (await get(dev, devToken, 'WhoAmI')).body['UserId'] as string;
  // One account created now by the caller: owned by them, and the only one created in the last days.
  const created = await odata(`${dev.url}${API}/accounts`, devToken, { method: 'POST', body: { name: 'Fetch Probe Ltd', numberofemployees: 42 } });
  assert.equal(created.status, 204);
  const all = await get(dev, devToken, 'accounts?$select=name,numberofemployees,address1_city,industrycode,createdon,_ownerid_value,_primarycontactid_value,revenue');
  accounts = all.body['value'] as Json[];
  assert.ok(accounts.length > 250);
});

after(async () => {
  await dev.close();
});

describe('columns', () => {
  test('attribute elements return those columns shaped as $select shapes them, without null columns', async () => {
    const xml = `<fetch top='40'><entity name='account'>
      <attribute name='name' /><attribute name='primarycontactid' /><attribute name='industrycode' /><attribute name='createdon' />
      <order attribute='accountid' /></entity></fetch>`;
    const { status, body, headers } = await fetchXml(dev, devToken, xml, ALL);
    assert.equal(status, 200);
    assert.equal(headers.get('preference-applied'), 'odata.include-annotations="*"');
    assert.equal(body['@odata.context'], `${dev.url}${API}/$metadata#accounts(name,_primarycontactid_value,industrycode,createdon,accountid)`);
    const viaSelect = (await get(dev, devToken, 'accounts?$select=name,_primarycontactid_value,industrycode,createdon&$top=40', ALL)).body['value'] as Json[];
    const rows = body['value'] as Json[];
    assert.equal(rows.length, 40);
    rows.forEach((row, i) => {
      const nonNull = Object.fromEntries(Object.entries(viaSelect[i]!).filter(([, v]) => v !== null));
      assert.deepEqual(row, nonNull);
    });
    // The oracle really has lookups with their annotations and null columns that were left out.
    assert.ok(rows.some((r) => r[`_primarycontactid_value${FORMATTED}`] && r['_primarycontactid_value@Microsoft.Dynamics.CRM.lookuplogicalname'] === 'contact'));
    assert.ok(viaSelect.some((r) => r['industrycode'] === null));
    assert.ok(rows.some((r) => !('industrycode' in r)));
  });

  test('all-attributes returns every non-null column; the root primary key is always there', async () => {
    const { body } = await fetchXml(dev, devToken, `<fetch top='3'><entity name='account'><all-attributes /></entity></fetch>`);
    assert.equal(body['@odata.context'], `${dev.url}${API}/$metadata#accounts`);
    for (const row of body['value'] as Json[]) {
      for (const k of ['accountid', 'name', 'accountnumber', 'createdon', '_ownerid_value']) assert.ok(k in row, k);
      assert.ok(Object.values(row).every((v) => v !== null));
      assert.match(row['@odata.etag'], /^W\/"\d+"$/);
    }
    const onlyKey = await fetchXml(dev, devToken, `<fetch top='1'><entity name='account'><attribute name='name' /></entity></fetch>`);
    assert.deepEqual(Object.keys(onlyKey.body['value'][0]).sort(), ['@odata.etag', 'accountid', 'name']);
  });

  test('an aliased column is named by its alias, with AttributeName and FormattedValue annotations', async () => {
    const xml = `<fetch top='20'><entity name='account'><attribute name='name' alias='companyname' /><attribute name='ownerid' alias='owner' />
      <attribute name='industrycode' alias='code' /><filter><condition attribute='industrycode' operator='not-null' /></filter></entity></fetch>`;
    const row = (await fetchXml(dev, devToken, xml, ALL)).body['value'][0] as Json;
    assert.equal(row[`companyname${ATTRIBUTE_NAME}`], 'name');
    assert.equal(typeof row['companyname'], 'string');
    assert.equal(row[`owner${ATTRIBUTE_NAME}`], 'ownerid');
    assert.equal(row['owner@Microsoft.Dynamics.CRM.lookuplogicalname'], 'systemuser');
    assert.match(row['owner'], /^[0-9a-f-]{36}$/);
    assert.equal(typeof row[`code${FORMATTED}`], 'string');
    assert.equal(typeof row['code'], 'number');
    assert.ok(!('name' in row));
  });
});

describe('distinct', () => {
  test("distinct='true' returns each combination of the selected values once, without a record key", async () => {
    const xml = `<fetch distinct='true'><entity name='account'><attribute name='address1_city' /><order attribute='address1_city' /></entity></fetch>`;
    const { body } = await fetchXml(dev, devToken, xml);
    const rows = body['value'] as Json[];
    const cities = [...new Set(accounts.map((a) => a['address1_city'] as string | null))].sort(cmp);
    assert.deepEqual(rows.map((r) => r['address1_city'] ?? null), cities);
    assert.ok(rows.every((r) => !('accountid' in r)));
    assert.equal(body['@odata.context'], `${dev.url}${API}/$metadata#accounts(address1_city)`);
  });
});

describe('filter', () => {
  const cases: Array<[string, string, (a: Json) => boolean]> = [
    ['eq', `<condition attribute='address1_city' operator='eq' value='PARIS' />`, (a) => a['address1_city']?.toLowerCase() === 'paris'],
    ['ne leaves out rows without a value', `<condition attribute='industrycode' operator='ne' value='3' />`, (a) => a['industrycode'] !== null && a['industrycode'] !== 3],
    ['lt', `<condition attribute='numberofemployees' operator='lt' value='50000' />`, (a) => a['numberofemployees'] !== null && a['numberofemployees'] < 50000],
    ['le', `<condition attribute='numberofemployees' operator='le' value='42' />`, (a) => a['numberofemployees'] !== null && a['numberofemployees'] <= 42],
    ['gt', `<condition attribute='numberofemployees' operator='gt' value='200000' />`, (a) => a['numberofemployees'] > 200000],
    ['ge', `<condition attribute='revenue' operator='ge' value='4000000' />`, (a) => a['revenue'] !== null && a['revenue'] >= 4000000],
    ['like', `<condition attribute='name' operator='like' value='%inc_%' />`, (a) => /inc./i.test(a['name'] ?? '')],
    ['not-like', `<condition attribute='name' operator='not-like' value='a%' />`, (a) => a['name'] !== null && !/^a/i.test(a['name'])],
    ['in', `<condition attribute='industrycode' operator='in'><value>1</value><value>2</value><value>7</value></condition>`, (a) => [1, 2, 7].includes(a['industrycode'])],
    ['null', `<condition attribute='numberofemployees' operator='null' />`, (a) => a['numberofemployees'] === null],
    ['not-null', `<condition attribute='primarycontactid' operator='not-null' />`, (a) => a['_primarycontactid_value'] !== null],
    ['between', `<condition attribute='numberofemployees' operator='between'><value>1000</value><value>90000</value></condition>`, (a) => a['numberofemployees'] >= 1000 && a['numberofemployees'] <= 90000],
    ['eq-userid', `<condition attribute='ownerid' operator='eq-userid' />`, (a) => a['_ownerid_value'] === me],
    ['last-x-days', `<condition attribute='createdon' operator='last-x-days' value='7' />`, (a) => Date.parse(a['createdon']) >= Date.now() - 8 * 86_400_000],
  ];
  for (const [name, condition, predicate] of cases) {
    test(name, async () => {
      const want = expected(predicate);
      assert.ok(want.length > 0 && want.length < accounts.length, `the case must select some rows but not all (${want.length})`);
      assert.deepEqual(await ids(where(`<filter>${condition}</filter>`)), want);
    });
  }

  test('the other operators the stand-in evaluates', async () => {
    const day = (iso: string): number => Math.floor(Date.parse(iso) / 86_400_000);
    const some = accounts.find((a) => a['createdon'] < '2024')!['createdon'] as string;
    const more: Array<[string, (a: Json) => boolean]> = [
      [`<condition attribute='name' operator='begins-with' value='b' />`, (a) => /^b/i.test(a['name'])],
      [`<condition attribute='name' operator='ends-with' value='0' />`, (a) => /0$/.test(a['name'])],
      [`<condition attribute='industrycode' operator='not-in'><value>1</value><value>2</value></condition>`, (a) => a['industrycode'] !== null && ![1, 2].includes(a['industrycode'])],
      [`<condition attribute='numberofemployees' operator='not-between'><value>1000</value><value>200000</value></condition>`, (a) => a['numberofemployees'] !== null && (a['numberofemployees'] < 1000 || a['numberofemployees'] > 200000)],
      [`<condition attribute='ownerid' operator='ne-userid' />`, (a) => a['_ownerid_value'] !== me],
      [`<condition attribute='industrycode' operator='neq' value='4' />`, (a) => a['industrycode'] !== null && a['industrycode'] !== 4],
      [`<condition attribute='createdon' operator='today' />`, (a) => day(a['createdon']) === Math.floor(Date.now() / 86_400_000)],
      [`<condition attribute='createdon' operator='on' value='${some.slice(0, 10)}' />`, (a) => a['createdon'].slice(0, 10) === some.slice(0, 10)],
      [`<condition attribute='createdon' operator='on-or-before' value='2022-03-01' />`, (a) => a['createdon'] < '2022-03-02'],
      [`<condition attribute='createdon' operator='on-or-after' value='2025-03-01' />`, (a) => a['createdon'] >= '2025-03-01'],
      [`<condition attribute='createdon' operator='next-x-days' value='3' />`, () => false],
      [`<condition attribute='createdon' operator='yesterday' />`, (a) => day(a['createdon']) === Math.floor(Date.now() / 86_400_000) - 1],
      [`<condition attribute='primarycontactid' operator='eq' value='{${accounts.find((a) => a['_primarycontactid_value'])!['_primarycontactid_value'].toUpperCase()}}' />`,
        (a) => a['_primarycontactid_value'] === accounts.find((x) => x['_primarycontactid_value'])!['_primarycontactid_value']],
    ];
    for (const [condition, predicate] of more) assert.deepEqual(await ids(where(`<filter>${condition}</filter>`)), expected(predicate), condition);
  });

  test('eq-userid and last-x-days find the account the caller created just now', async () => {
    const probe = accounts.find((a) => a['name'] === 'Fetch Probe Ltd')!;
    assert.deepEqual(await ids(where(`<filter><condition attribute='createdon' operator='last-x-days' value='1' /></filter>`)), [probe['accountid']]);
    assert.ok((await ids(where(`<filter><condition attribute='ownerid' operator='eq-userid' /></filter>`))).includes(probe['accountid']));
  });

  test('nested and/or filters', async () => {
    const xml = where(`<filter type='or'>
      <filter type='and'><condition attribute='name' operator='like' value='a%' /><condition attribute='numberofemployees' operator='gt' value='1000' /></filter>
      <filter><condition attribute='address1_city' operator='eq' value='Paris' /><condition attribute='industrycode' operator='null' /></filter>
    </filter>`);
    const want = expected((a) => (/^a/i.test(a['name']) && a['numberofemployees'] > 1000) || (a['address1_city'] === 'Paris' && a['industrycode'] === null));
    assert.ok(want.length > 0);
    assert.deepEqual(await ids(xml), want);
  });
});

describe('order, top, link-entity', () => {
  test('order descending then by a second column, and top', async () => {
    const xml = `<fetch top='60'><entity name='account'><attribute name='address1_city' /><attribute name='name' />
      <order attribute='address1_city' descending='true' /><order attribute='name' /></entity></fetch>`;
    const { body } = await fetchXml(dev, devToken, xml, PAGING);
    const rows = body['value'] as Json[];
    assert.equal(rows.length, 60);
    assert.ok(!(MORE in body), 'top does not page');
    const want = [...accounts].sort((x, y) => cmp(y['address1_city'], x['address1_city']) || cmp(x['name'], y['name'])).slice(0, 60);
    assert.deepEqual(rows.map((r) => r['name']), want.map((a) => a['name']));
  });

  test('inner link-entity with an alias: linked columns come back as alias_x002e_column', async () => {
    const xml = `<fetch><entity name='account'><attribute name='name' /><attribute name='primarycontactid' />
      <link-entity name='contact' from='contactid' to='primarycontactid' link-type='inner' alias='pc'>
        <attribute name='fullname' /><attribute name='parentcustomerid' />
      </link-entity></entity></fetch>`;
    const rows = (await fetchXml(dev, devToken, xml, ALL)).body['value'] as Json[];
    assert.equal(rows.length, accounts.filter((a) => a['_primarycontactid_value'] !== null).length);
    for (const r of rows) {
      assert.equal(r['pc_x002e_fullname'], r[`_primarycontactid_value${FORMATTED}`]);
      assert.equal(r[`pc_x002e_fullname${ATTRIBUTE_NAME}`], 'fullname');
    }
    const withParent = rows.find((r) => r['pc_x002e_parentcustomerid'])!;
    assert.match(withParent['pc_x002e_parentcustomerid@Microsoft.Dynamics.CRM.lookuplogicalname'], /^(account|contact)$/);
    assert.equal(typeof withParent[`pc_x002e_parentcustomerid${FORMATTED}`], 'string');
  });

  test('outer link-entity keeps rows without a match; a condition on its alias finds them', async () => {
    const outer = `<link-entity name='contact' from='contactid' to='primarycontactid' link-type='outer'><attribute name='fullname' /></link-entity>`;
    const all = (await fetchXml(dev, devToken, `<fetch><entity name='account'><attribute name='name' />${outer}</entity></fetch>`)).body['value'] as Json[];
    assert.equal(all.length, accounts.length);
    // No alias: Dataverse names the link {table}{n}.
    assert.equal(all.filter((r) => 'contact1_x002e_fullname' in r).length, accounts.filter((a) => a['_primarycontactid_value'] !== null).length);
    const orphans = await ids(`<fetch><entity name='account'><attribute name='accountid' />
      <link-entity name='contact' from='contactid' to='primarycontactid' link-type='outer' alias='c' />
      <filter><condition entityname='c' attribute='contactid' operator='null' /></filter></entity></fetch>`);
    assert.deepEqual(orphans, expected((a) => a['_primarycontactid_value'] === null));
  });

  test("a link-entity's filter limits the rows of an inner join", async () => {
    const rows = (await fetchXml(dev, devToken, `<fetch><entity name='account'><attribute name='name' />
      <link-entity name='systemuser' from='systemuserid' to='ownerid' alias='o'><attribute name='fullname' />
        <filter><condition attribute='systemuserid' operator='eq-userid' /></filter></link-entity></entity></fetch>`)).body['value'] as Json[];
    assert.equal(rows.length, accounts.filter((a) => a['_ownerid_value'] === me).length);
    assert.ok(rows.every((r) => r['o_x002e_fullname'] === adele.name));
  });
});

describe('paging', () => {
  test('count and page without a cookie walk all rows once (simple paging)', async () => {
    const seen: string[] = [];
    for (let page = 1; ; page++) {
      const { body } = await fetchXml(dev, devToken, `<fetch count='70' page='${page}'><entity name='account'><attribute name='name' /><order attribute='name' /></entity></fetch>`, PAGING);
      seen.push(...(body['value'] as Json[]).map((r) => r['accountid']));
      if (!body[MORE]) break;
      assert.ok(COOKIE in body);
    }
    assert.equal(seen.length, accounts.length);
    assert.equal(new Set(seen).size, accounts.length);
  });

  test('the cookie is the documented XML, its pagingcookie URL-encoded twice, and only with the annotation asked for', async () => {
    const xml = `<fetch count='3' page='1'><entity name='account'><attribute name='name' /><order attribute='name' descending='true' /></entity></fetch>`;
    const { body } = await fetchXml(dev, devToken, xml, PAGING);
    assert.equal(body[MORE], true);
    const m = /^<cookie pagenumber="2" pagingcookie="([^"]+)" istracking="False" \/>$/.exec(body[COOKIE]);
    assert.ok(m, body[COOKIE]);
    assert.match(m[1]!, /^%253ccookie%2520page%253d%25221%2522%253e%253cname%2520last%253d/);
    const inner = decodeURIComponent(decodeURIComponent(m[1]!));
    const rows = body['value'] as Json[];
    assert.equal(inner, `<cookie page="1"><name last="${xmlText(rows[2]!['name'])}" first="${xmlText(rows[0]!['name'])}" />`
      + `<accountid last="{${rows[2]!['accountid'].toUpperCase()}}" first="{${rows[0]!['accountid'].toUpperCase()}}" /></cookie>`);
    const plain = await fetchXml(dev, devToken, xml);
    assert.ok(!(COOKIE in plain.body) && !(MORE in plain.body));
  });

  test('page 2 resumes after the last row named in the paging cookie, not after count rows', async () => {
    const xml = (extra: string): string => `<fetch count='20' ${extra}><entity name='account'><attribute name='name' /><order attribute='name' /></entity></fetch>`;
    const all = (await fetchXml(dev, devToken, xml("page='1'").replace("count='20'", "count='100'"))).body['value'] as Json[];
    const tenth = all[9]!;
    const cookie = `<cookie page="1"><name last="${xmlText(tenth['name'])}" first="${xmlText(all[0]!['name'])}" /><accountid last="{${tenth['accountid'].toUpperCase()}}" first="{${all[0]!['accountid'].toUpperCase()}}" /></cookie>`;
    const page2 = (await fetchXml(dev, devToken, xml(`page='2' paging-cookie='${xmlText(cookie)}'`))).body['value'] as Json[];
    assert.deepEqual(page2.map((r) => r['accountid']), all.slice(10, 30).map((r) => r['accountid']));
  });

  test('no paging cookie when ordering by a link-entity column (simple paging still pages)', async () => {
    const xml = (page: number): string => `<fetch count='50' page='${page}'><entity name='account'><attribute name='name' />
      <link-entity name='systemuser' from='systemuserid' to='ownerid' alias='o'><order attribute='fullname' /></link-entity></entity></fetch>`;
    const first = await fetchXml(dev, devToken, xml(1), PAGING);
    assert.equal(first.body[MORE], true);
    assert.ok(!(COOKIE in first.body));
    const second = await fetchXml(dev, devToken, xml(2), PAGING);
    const a = new Set((first.body['value'] as Json[]).map((r) => r['accountid']));
    assert.ok((second.body['value'] as Json[]).every((r) => !a.has(r['accountid'])));
  });
});

describe('100,000 accounts (full scale)', () => {
  let sales: Running;
  let salesToken: string;
  before(async () => {
    sales = await startOrg(keys, 'contososales');
    salesToken = await mintToken(keys, { aud: sales.url, user: adele });
  });
  after(async () => {
    await sales.close();
  });

  test('paging a filtered, ordered query with the cookie returns every matching row once, in order', async () => {
    const filter = `<filter><condition attribute='new_tier' operator='eq' value='3' /></filter>`;
    const counted = await fetchXml(sales, salesToken, `<fetch aggregate='true'><entity name='account'><attribute name='accountid' alias='n' aggregate='count' />${filter}</entity></fetch>`);
    const total = counted.body['value'][0]['n'] as number;
    assert.ok(total > 10_000 && total < 50_000, String(total));
    const seen = new Set<string>();
    const names: string[] = [];
    let cookie: string | undefined;
    let pages = 0;
    for (let page = 1; ; page++) {
      const pc = cookie === undefined ? '' : ` paging-cookie='${xmlText(cookie)}'`;
      const { status, body } = await fetchXml(sales, salesToken, `<fetch count='5000' page='${page}'${pc}><entity name='account'><attribute name='name' />${filter}<order attribute='name' /></entity></fetch>`, PAGING);
      assert.equal(status, 200);
      pages++;
      for (const r of body['value'] as Json[]) { seen.add(r['accountid']); names.push(r['name']); }
      if (!body[MORE]) break;
      // As the documentation's client does: URL-decode the pagingcookie twice and send it back with the next page number.
      cookie = decodeURIComponent(decodeURIComponent(/pagingcookie="([^"]+)"/.exec(body[COOKIE])![1]!));
    }
    assert.equal(pages, Math.ceil(total / 5000));
    assert.equal(names.length, total);
    assert.equal(seen.size, total);
    assert.ok(names.every((n, i) => i === 0 || cmp(names[i - 1]!, n) <= 0), 'ordered by name across pages');
  });

  test('an aggregate over more than 50,000 rows gives the documented error', async () => {
    const { status, body } = await fetchXml(sales, salesToken, `<fetch aggregate='true'><entity name='account'><attribute name='accountid' alias='n' aggregate='count' /></entity></fetch>`);
    assert.equal(status, 400);
    assert.deepEqual(body, { error: { code: '0x8004e023', message: 'AggregateQueryRecordLimit exceeded. Cannot perform this operation.' } });
  });
});

describe('aggregate', () => {
  test('count, countcolumn, sum, avg, min, max over one column', async () => {
    const xml = `<fetch aggregate='true'><entity name='account'>
      <attribute name='numberofemployees' alias='Average' aggregate='avg' /><attribute name='numberofemployees' alias='Count' aggregate='count' />
      <attribute name='numberofemployees' alias='ColumnCount' aggregate='countcolumn' /><attribute name='numberofemployees' alias='Maximum' aggregate='max' />
      <attribute name='numberofemployees' alias='Minimum' aggregate='min' /><attribute name='numberofemployees' alias='Sum' aggregate='sum' />
    </entity></fetch>`;
    const { status, body } = await fetchXml(dev, devToken, xml, ALL);
    assert.equal(status, 200, JSON.stringify(body));
    const values = accounts.map((a) => a['numberofemployees'] as number | null).filter((v): v is number => v !== null);
    const sum = values.reduce((s, v) => s + v, 0);
    const [row] = body['value'] as Json[];
    assert.deepEqual(
      [row!['Count'], row!['ColumnCount'], row!['Sum'], row!['Average'], row!['Minimum'], row!['Maximum']],
      [accounts.length, values.length, sum, Math.trunc(sum / values.length), Math.min(...values), Math.max(...values)],
    );
    assert.equal(row![`Sum${FORMATTED}`], sum.toLocaleString('en-US'));
    assert.equal(row![`Count${ATTRIBUTE_NAME}`], 'numberofemployees');
    assert.equal(body['@odata.context'], `${dev.url}${API}/$metadata#accounts`);
  });

  test('groupby with order by alias: one row per value, labelled, null group without its alias', async () => {
    const xml = `<fetch aggregate='true'><entity name='account'>
      <attribute name='industrycode' alias='Industry' groupby='true' /><attribute name='accountid' alias='Count' aggregate='count' />
      <attribute name='revenue' alias='Revenue' aggregate='sum' /><order alias='Count' descending='true' /></entity></fetch>`;
    const rows = (await fetchXml(dev, devToken, xml, ALL)).body['value'] as Json[];
    const byCode = new Map<number | null, number>();
    for (const a of accounts) byCode.set(a['industrycode'], (byCode.get(a['industrycode']) ?? 0) + 1);
    assert.equal(rows.length, byCode.size);
    for (const r of rows) assert.equal(r['Count'], byCode.get(r['Industry'] ?? null));
    assert.deepEqual(rows.map((r) => r['Count']), [...rows.map((r) => r['Count'])].sort((x, y) => y - x));
    assert.ok(rows.some((r) => !('Industry' in r)), 'the null group has no Industry value');
    const labelled = rows.find((r) => r['Industry'] !== undefined)!;
    assert.equal(typeof labelled[`Industry${FORMATTED}`], 'string');
    assert.match(labelled[`Revenue${FORMATTED}`], /^\$[\d,]+\.\d\d$/);
  });

  test('aggregatelimit below the rows read gives the documented error', async () => {
    const { status, body } = await fetchXml(dev, devToken, `<fetch aggregate='true' aggregatelimit='10'><entity name='account'>
      <attribute name='accountid' alias='n' aggregate='count' /></entity></fetch>`);
    assert.equal(status, 400);
    assert.deepEqual(body, { error: { code: '0x8004e023', message: 'AggregateQueryRecordLimit exceeded. Cannot perform this operation.' } });
  });
});

describe('errors', () => {
  const cases: Array<[string, string, number, string, string]> = [
    ['unknown attribute', `<fetch><entity name='account'><attribute name='nosuch' /></entity></fetch>`, 400, '0x80041103',
      "'account' entity doesn't contain attribute with Name = 'nosuch' and NameMapping = 'Logical'."],
    ['unknown attribute in a condition of a link-entity', `<fetch><entity name='account'><link-entity name='contact' from='contactid' to='primarycontactid'>
      <filter><condition attribute='nosuch' operator='null' /></filter></link-entity></entity></fetch>`, 400, '0x80041103',
      "'contact' entity doesn't contain attribute with Name = 'nosuch' and NameMapping = 'Logical'."],
    ['a lookup named the Web API way', `<fetch><entity name='account'><attribute name='_primarycontactid_value' /></entity></fetch>`, 400, '0x80041103',
      "'account' entity doesn't contain attribute with Name = '_primarycontactid_value' and NameMapping = 'Logical'."],
    ['unknown entity', `<fetch><entity name='account'><link-entity name='nosuch' from='a' to='accountid' /></entity></fetch>`, 400, '0x80041102',
      "The entity with a name = 'nosuch' with namemapping = 'Logical' was not found in the MetadataCache."],
    ['malformed XML', `<fetch><entity name='account'><attribute name='name'></entity></fetch>`, 400, '0x80040201', 'Invalid XML.'],
    ['a DOCTYPE with entities', `<!DOCTYPE fetch [<!ENTITY x "xx">]><fetch><entity name='account'><attribute name='&x;' /></entity></fetch>`, 400, '0x80040201', 'Invalid XML.'],
  ];
  for (const [name, xml, status, code, message] of cases) {
    test(name, async () => {
      const res = await fetchXml(dev, devToken, xml);
      assert.equal(res.status, status);
      assert.deepEqual(res.body, { error: { code, message } });
    });
  }

  test('a fetch sent to the entity set of another table names the right one', async () => {
    const res = await fetchXml(dev, devToken, `<fetch><entity name='contact'><attribute name='fullname' /></entity></fetch>`);
    assert.equal(res.status, 400);
    assert.match(res.body['error']['message'], /queries 'contact'.*send it to 'contacts'/);
    assert.equal((await fetchXml(dev, devToken, `<fetch top='1'><entity name='contact'><attribute name='fullname' /></entity></fetch>`, {}, 'contacts')).status, 200);
  });

  test('FetchXML the stand-in does not evaluate answers 501, never a wrong result', async () => {
    const unsupported = [
      where(`<filter><condition attribute='name' operator='under' value='x' /></filter>`),
      where(`<filter><condition attribute='name' operator='eq' valueof='accountnumber' /></filter>`),
      `<fetch><entity name='account'><link-entity name='contact' from='contactid' to='primarycontactid' alias='c' /><order entityname='c' attribute='fullname' /></entity></fetch>`,
      `<fetch><entity name='account'><link-entity name='contact' from='contactid' to='primarycontactid' link-type='exists' /></entity></fetch>`,
    ];
    for (const xml of unsupported) {
      const res = await fetchXml(dev, devToken, xml);
      assert.equal(res.status, 501, xml);
      assert.match(res.body['error']['message'], /is not supported by the sandbox/);
    }
  });

  test('a like pattern that is not valid is a 400 naming the pattern', async () => {
    const res = await fetchXml(dev, devToken, where(`<filter><condition attribute='name' operator='like' value='[z-a]%' /></filter>`));
    assert.equal(res.status, 400);
    assert.match(res.body['error']['message'], /'\[z-a\]%'/);
  });

  test('a value that does not fit the column is refused before any row is read', async () => {
    const res = await fetchXml(dev, devToken, where(`<filter><condition attribute='numberofemployees' operator='gt' value='many' /></filter>`));
    assert.equal(res.status, 400);
    assert.match(res.body['error']['message'], /'many' is not valid for the Integer column 'numberofemployees'/);
  });
});

describe('the XML parser', () => {
  test('decodes references, CDATA and comments; keeps attribute order', () => {
    const doc = parseXml(`<?xml version="1.0"?><!-- c --><a x='1 &amp; 2' y="&lt;&#65;&#x42;&gt;"><b><![CDATA[<raw>]]></b>t&apos;<c/></a>`);
    assert.deepEqual([...doc.attributes], [['x', '1 & 2'], ['y', '<AB>']]);
    assert.equal(doc.children[0]!.text, '<raw>');
    assert.equal(doc.text, "t'");
    assert.deepEqual(doc.children.map((c) => c.name), ['b', 'c']);
  });

  for (const bad of ['<a><b></a>', '<a x="1" x="2"/>', '<a x=1/>', '<a>&nbsp;</a>', '<a/><b/>', '<!DOCTYPE a><a/>', '<a><!ENTITY e "x"></a>', '<a>&</a>', '<a', '']) {
    test(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseXml(bad), XmlSyntaxError);
    });
  }
});

describe('writes', () => {
  test('a record created after a query shows in the same query run again (cached results are dropped)', async () => {
    const xml = where(`<filter><condition attribute='name' operator='like' value='Cache Probe%' /></filter>`);
    assert.deepEqual(await ids(xml), []);
    const res = await odata(`${dev.url}${API}/accounts`, devToken, { method: 'POST', body: { name: 'Cache Probe One' } });
    const id = /\(([0-9a-f-]{36})\)$/.exec(res.headers.get('odata-entityid') ?? '')![1]!;
    assert.deepEqual(await ids(xml), [id]);
  });
});

/** Escapes text for an XML attribute value in either quote style. */
function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function cmp(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

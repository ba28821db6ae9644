/**
 * Completion at many cursor positions in half-typed `.odata` text, against
 * the metadata of a real sandbox org (contosodev: account, contact and the
 * other core tables), and without metadata. Files are built by hand (see
 * completionSupport.ts) so that offsets through method prefixes, continuation
 * lines, variables and headers are tested apart from the file parser.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MetadataLookup } from '../../../src/dataverse/metadata/model';
import { completeAt, type CompletionItem, type Completions } from '../../../src/odata/complete';
import type { ODataFile, ODataRequest } from '../../../src/odata/file';
import { parseRequestUrl } from '../../../src/odata/index';
import { counting, requestFile, sandboxMetadata, urlFile, type RequestSpec } from './completionSupport';

const { lookup, client } = sandboxMetadata();

/** What a case expects: labels offered and not offered, the text replaced, details of some items. */
interface Want {
  has?: string[];
  not?: string[];
  replaces?: string;
  /** label -> expected detail (substring). */
  detail?: Record<string, string>;
  /** label -> expected insert text. */
  insert?: Record<string, string>;
  /** The label offered first (by sort text). */
  first?: string;
}

function check(file: ODataFile, got: Completions | undefined, want: Want): void {
  assert.ok(got, 'expected completions');
  const labels = got.items.map((i) => i.label);
  for (const l of want.has ?? []) assert.ok(labels.includes(l), `expected ${l} among ${labels.slice(0, 40).join(' ')}`);
  for (const l of want.not ?? []) assert.ok(!labels.includes(l), `did not expect ${l}`);
  if (want.replaces !== undefined) assert.equal(file.text.slice(got.replaceStart, got.replaceEnd), want.replaces);
  const item = (label: string): CompletionItem => got.items.find((i) => i.label === label) ?? assert.fail(`no item ${label}`);
  for (const [label, detail] of Object.entries(want.detail ?? {})) assert.ok(item(label).detail?.includes(detail), `${label}: detail ${item(label).detail} lacks ${detail}`);
  for (const [label, text] of Object.entries(want.insert ?? {})) assert.equal(item(label).insertText ?? label, text, `${label}: insert text`);
  if (want.first) {
    const sorted = [...got.items].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label));
    assert.equal(sorted[0]?.label, want.first);
  }
}

const URL_CASES: [string, Want][] = [
  // the start of the URL: entity sets (display name beside them), functions
  ['|', { has: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'accounts', 'contacts', 'WhoAmI()'], detail: { accounts: 'Account', contacts: 'Contact' }, insert: { GET: 'GET ' } }],
  ['acc|', { has: ['accounts', 'GET'], replaces: 'acc' }],
  ['ac|counts', { has: ['accounts'], replaces: 'accounts' }],
  ['WhoAm|', { has: ['WhoAmI()'], replaces: 'WhoAm' }],
  ['https://org.crm.dynamics.com/api/data/v9.2/cont|', { has: ['contacts'], not: ['GET'], replaces: 'cont' }],
  // path segments
  ['accounts(00000000-0000-0000-0000-000000000001)/|', { has: ['primarycontactid', 'contact_customer_accounts'], detail: { primarycontactid: 'N:1 → contact', contact_customer_accounts: '1:N → contact' } }],
  ['accounts(00000000-0000-0000-0000-000000000001)/prim|', { has: ['primarycontactid'], replaces: 'prim' }],
  ['accounts/|', { has: ['$count'], not: ['primarycontactid'] }],
  ['accounts(|', { has: ['accountnumber'], insert: { accountnumber: 'accountnumber=' }, detail: { accountnumber: 'alternate key' } }],
  // query option names
  ['accounts?|', { has: ['$select', '$filter', '$orderby', '$top', '$expand', '$count', '$apply', 'fetchXml'], not: ['$skip', '$format', '$search'], insert: { $select: '$select=' }, first: '$select' }],
  ['accounts?$|', { has: ['$select'], replaces: '$' }],
  ['accounts?$sel|', { has: ['$select'], replaces: '$sel' }],
  ['accounts?sel|', { has: ['$select'], replaces: 'sel' }],
  ['accounts?$select=name&|', { has: ['$filter'], not: ['$select'] }],
  ['accounts?$select=name&$fi|lter=statecode eq 0', { has: ['$filter'], replaces: '$filter', insert: { $filter: '$filter' } }],
  // $select: columns of the table in the path; lookups as _x_value with their navigation property
  ['accounts?$select=|', { has: ['name', 'accountnumber', 'statecode', '_primarycontactid_value'], not: ['primarycontactid', 'fullname'], detail: { name: 'String', _primarycontactid_value: 'primarycontactid', statecode: 'State' } }],
  ['accounts?$select=na|', { has: ['name'], replaces: 'na' }],
  ['accounts?$select=name,|', { has: ['accountnumber'], not: ['name'] }],
  ['accounts?$select=name,acc|&$top=1', { has: ['accountnumber'], replaces: 'acc' }],
  ['contacts?$select=full|name,emailaddress1', { has: ['fullname'], not: ['name', 'emailaddress1'], replaces: 'fullname' }],
  ['accounts(00000000-0000-0000-0000-000000000001)/contact_customer_accounts?$select=|', { has: ['fullname'], not: ['name'] }],
  // $orderby
  ['accounts?$orderby=|', { has: ['name', 'createdon'] }],
  ['accounts?$orderby=cre|', { has: ['createdon'], replaces: 'cre' }],
  ['accounts?$orderby=name |', { has: ['asc', 'desc'], not: ['name'] }],
  ['accounts?$orderby=name de|', { has: ['desc'], replaces: 'de' }],
  // $filter operands, operators, functions
  ['accounts?$filter=|', { has: ['name', 'statecode', '_primarycontactid_value', 'primarycontactid', 'contains', 'startswith', 'endswith', 'not', 'Microsoft.Dynamics.CRM.LastXDays', 'Microsoft.Dynamics.CRM.Under'], insert: { primarycontactid: 'primarycontactid/', contains: 'contains(' } }],
  ['accounts?$filter=sta|', { has: ['statecode', 'statuscode'], replaces: 'sta' }],
  ['accounts?$filter=statecode |', { has: ['eq', 'ne', 'gt', 'in', 'and'], not: ['name'], first: 'eq', insert: { eq: 'eq ' } }],
  ['accounts?$filter=statecode e|', { has: ['eq'], replaces: 'e' }],
  ['accounts?$filter=statecode eq 0 |', { has: ['and', 'or'], first: 'and' }],
  ['accounts?$filter=statecode eq 0 an|', { has: ['and'], replaces: 'an' }],
  ['accounts?$filter=statecode eq 0 and |', { has: ['name', 'contains'] }],
  ["accounts?$filter=contains(|", { has: ['name'] }],
  ["accounts?$filter=contains(na|", { has: ['name'], replaces: 'na' }],
  ["accounts?$filter=contains(name,'x') |", { has: ['and'], first: 'and' }],
  ['accounts?$filter=Microsoft.Dynamics.CRM.La|', { has: ['Microsoft.Dynamics.CRM.LastXDays'], replaces: 'Microsoft.Dynamics.CRM.La' }],
  ["accounts?$filter=Microsoft.Dynamics.CRM.LastXDays(PropertyName='cr|", { has: ['createdon'], not: ['_createdby_value'], replaces: 'cr' }],
  // choice values after `<choice column> eq ` and `in (`
  ['accounts?$filter=statecode eq |', { has: ['0', '1', 'null'], not: ['name', 'contains'], detail: { 0: 'Active', 1: 'Inactive' }, first: '0' }],
  ['accounts?$filter=statecode eq 0 and industrycode ne |', { has: ['1'], detail: { 1: 'Accounting' } }],
  ['accounts?$filter=industrycode in (|', { has: ['1', '2'], detail: { 2: 'Agriculture' } }],
  ['accounts?$filter=industrycode in (1,|', { has: ['3'], detail: { 3: 'Broadcasting' } }],
  ['accounts?$filter=creditonhold eq |', { has: ['true', 'false'], detail: { true: 'Yes', false: 'No' } }],
  ['accounts?$filter=name eq |', { has: ['null'], not: ['0', 'contains'] }],
  // through navigation properties and lambda variables
  ['accounts?$filter=primarycontactid/|', { has: ['fullname', 'firstname', 'parentcustomerid_account'], not: ['name', 'accountnumber'] }],
  ['accounts?$filter=primarycontactid/full|', { has: ['fullname'], replaces: 'full' }],
  ['accounts?$filter=primarycontactid/statecode eq |', { has: ['0'], detail: { 0: 'Active' } }],
  ['accounts?$filter=contact_customer_accounts/|', { has: ['any(c:c/…)', 'all(c:c/…)'], not: ['fullname'], insert: { 'any(c:c/…)': 'any(c:c/' } }],
  ['accounts?$filter=contact_customer_accounts/any(c:c/|', { has: ['fullname', 'jobtitle'], not: ['accountnumber'] }],
  ['accounts?$filter=contact_customer_accounts/any(c:c/full|', { has: ['fullname'], replaces: 'full' }],
  ['accounts?$filter=contact_customer_accounts/any(c:|', { has: ['c', 'name'], insert: { c: 'c/' }, detail: { c: 'contact' } }],
  ["accounts?$filter=contact_customer_accounts/any(c:c/gendercode eq |", { has: ['1', '2'], detail: { 1: 'Male', 2: 'Female' } }],
  // $expand and nested options
  ['accounts?$expand=|', { has: ['primarycontactid', 'contact_customer_accounts', 'parentaccountid'], not: ['name', '_primarycontactid_value'] }],
  ['accounts?$expand=prim|', { has: ['primarycontactid'], replaces: 'prim' }],
  ['accounts?$expand=primarycontactid,cont|', { has: ['contact_customer_accounts'], replaces: 'cont' }],
  ['accounts?$expand=primarycontactid(|', { has: ['$select', '$filter', '$orderby', '$top', '$expand'], not: ['$apply', 'fetchXml', '$count'] }],
  ['accounts?$expand=primarycontactid($se|', { has: ['$select'], replaces: '$se' }],
  ['accounts?$expand=primarycontactid($select=|', { has: ['fullname', 'emailaddress1'], not: ['name', 'accountnumber'] }],
  ['accounts?$expand=primarycontactid($select=full|', { has: ['fullname'], replaces: 'full' }],
  ['accounts?$expand=primarycontactid($select=fullname;|', { has: ['$filter', '$expand'], not: ['$select'] }],
  ['accounts?$expand=primarycontactid($expand=|', { has: ['parentcustomerid_account'], not: ['primarycontactid'] }],
  ['accounts?$expand=primarycontactid($expand=parentcustomerid_account($select=|', { has: ['name', 'accountnumber'], not: ['fullname'] }],
  ['accounts?$expand=contact_customer_accounts($filter=statecode eq |', { has: ['0'], detail: { 0: 'Active' } }],
  ['accounts?$expand=contact_customer_accounts($orderby=|', { has: ['fullname'] }],
  // option values
  ['accounts?$count=|', { has: ['true', 'false'] }],
  // FetchXML: entity and attribute names, for the entity that encloses them
  ['accounts?fetchXml=<fetch><entity name="|', { has: ['account', 'contact'], detail: { account: 'Account' } }],
  ['accounts?fetchXml=<fetch><entity name="acc|"', { has: ['account'], replaces: 'acc' }],
  ['accounts?fetchXml=<fetch><entity name="account"><attribute name="|', { has: ['name', 'primarycontactid'], not: ['_primarycontactid_value', 'fullname'] }],
  ['accounts?fetchXml=<fetch><entity name="account"><attribute name="na|"/></entity></fetch>', { has: ['name'], replaces: 'na' }],
  ['accounts?fetchXml=<fetch><entity name="account"><link-entity name="|', { has: ['contact'] }],
  ['accounts?fetchXml=<fetch><entity name="account"><link-entity name="contact" from="|', { has: ['contactid'], not: ['accountid'] }],
  ['accounts?fetchXml=<fetch><entity name="account"><link-entity name="contact" from="contactid" to="|', { has: ['primarycontactid'], not: ['fullname'] }],
  ['accounts?fetchXml=<fetch><entity name="account"><link-entity name="contact" from="contactid" to="primarycontactid"><attribute name="|', { has: ['fullname'], not: ['accountnumber'] }],
  ['accounts?fetchXml=<fetch><entity name="account"><link-entity name="contact" from="contactid" to="primarycontactid"><attribute name="fullname"/></link-entity><order attribute="|', { has: ['accountnumber'], not: ['fullname'] }],
  ['accounts?fetchXml=<fetch><entity name="account"><filter><condition attribute="sta|" operator="eq" value="0"/>', { has: ['statecode'], replaces: 'sta' }],
];

describe('completion in a URL, with the sandbox org\'s metadata', () => {
  for (const [marked, want] of URL_CASES) {
    test(marked, async () => {
      const { file, offset } = urlFile(marked);
      check(file, await completeAt(file, offset, lookup()), want);
    });
  }

  test('in the list as shown (by sort text), $expand offers the single-valued lookups before the collections, and $select sorts a lookup by its own name', async () => {
    const shown = async (marked: string) => {
      const { file, offset } = urlFile(marked);
      const got = await completeAt(file, offset, lookup());
      return [...(got?.items ?? [])].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label)).map((i) => i.label);
    };
    const expand = await shown('contacts?$expand=|');
    assert.ok(expand.indexOf('parentcustomerid_account') < expand.indexOf('account_primary_contact'), expand.slice(0, 12).join(' '));
    const select = await shown('accounts?$select=|');
    assert.equal(select[0], 'name', 'the primary name first');
    assert.ok(select.indexOf('_primarycontactid_value') > select.indexOf('accountnumber'), select.slice(0, 12).join(' '));
    assert.ok(select.indexOf('_primarycontactid_value') < select.indexOf('revenue'), select.slice(0, 12).join(' '));
  });

  test('every offset of a long half-typed URL completes without rejecting, and each range holds the cursor', async () => {
    const text = "accounts?$select=name,acc&$filter=contact_customer_accounts/any(c:c/fullname eq 'x') and Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=7) and statecode eq &$expand=primarycontactid($select=fullname;$filter=statecode eq 0;$expand=parentcustomerid_account($select=na&$orderby=name de&fetchXml=<fetch><entity name=\"account\"><attribute name=\"na";
    const { file } = urlFile(text + '|');
    for (let offset = 0; offset <= text.length; offset++) {
      const got = await completeAt(file, offset, lookup());
      if (got) assert.ok(got.replaceStart <= offset && offset <= got.replaceEnd, `offset ${offset}: [${got.replaceStart}, ${got.replaceEnd}]`);
    }
  });
});

describe('completion without metadata offers what needs none', () => {
  const cases: [string, Want | undefined][] = [
    ['|', { has: ['GET', 'POST', 'WhoAmI()'], not: ['accounts'] }],
    ['acc|', { has: ['GET'], not: ['accounts'], replaces: 'acc' }],
    ['accounts?$sel|', { has: ['$select'], replaces: '$sel' }],
    ['accounts?$filter=statecode |', { has: ['eq', 'and'] }],
    ['accounts?$filter=|', { has: ['contains', 'not', 'Microsoft.Dynamics.CRM.Today'], not: ['name'] }],
    ['accounts?$filter=statecode eq |', { has: ['null'], not: ['0'] }],
    ['accounts?$select=|', { has: [], not: ['name'] }],
    ['accounts?$orderby=name |', { has: ['asc', 'desc'] }],
    ['accounts?$expand=primarycontactid(|', { has: ['$select'] }],
    ["accounts?$filter=name eq 'con|", undefined],
  ];
  for (const [marked, want] of cases) {
    test(marked, async () => {
      const { file, offset } = urlFile(marked);
      const got = await completeAt(file, offset, undefined);
      if (want) check(file, got, want);
      else assert.equal(got, undefined);
    });
  }

  test('an empty file offers the methods', async () => {
    const file: ODataFile = { text: '', requests: [], variables: [], diagnostics: [] };
    check(file, await completeAt(file, 0, undefined), { has: ['GET', 'DELETE'], replaces: '' });
  });
});

/** Completion in a hand-built file. */
async function inFile(spec: RequestSpec, want: Want | undefined, metadata: MetadataLookup | undefined = lookup()): Promise<void> {
  const { file, offset } = requestFile(spec);
  const got = await completeAt(file, offset, metadata);
  if (want) check(file, got, want);
  else assert.equal(got, undefined, `expected nothing, got ${got?.items.map((i) => i.label).join(' ')}`);
}

describe('completion in a file: offsets through methods, continuation lines, variables and headers', () => {
  test('on the method: the methods, replacing it', () => inFile({ method: 'GE|T', url: ['accounts'] }, { has: ['GET', 'PATCH'], replaces: 'GET', not: ['accounts'] }));
  test('GET | with no URL yet: entity sets at the cursor', () => inFile({ method: 'GET', url: ['|'] }, { has: ['accounts'], not: ['GET'], replaces: '' }));
  test('GET acc|: entity sets, the method not offered again', () => inFile({ method: 'GET', url: ['acc|'] }, { has: ['accounts'], not: ['GET'], replaces: 'acc' }));
  test('a continuation line: choice values in the $filter', () => inFile({ method: 'GET', url: ['accounts?$select=name', '&$filter=statecode eq |'] }, { has: ['0'], detail: { 0: 'Active' } }));
  test('a continuation line: the name under the cursor is replaced whole', () => inFile({ method: 'GET', url: ['accounts?$select=name', "&$filter=primarycontactid/full|name eq 'x'"] }, { has: ['fullname'], replaces: 'fullname' }));
  test('after a variable, offsets still land on the text typed', () => inFile({ preamble: ['@top = 10'], method: 'GET', url: ['accounts?$top={{top}}', '&$select=na|'] }, { has: ['name'], replaces: 'na' }));
  test('after a variable on the same line', () => inFile({ preamble: ['@set = accounts'], url: ['{{set}}?$select=acc|ountnumber'] }, { has: ['accountnumber'], replaces: 'accountnumber' }));
  test('FetchXML written on continuation lines', () => inFile({ method: 'GET', url: ['accounts?fetchXml=', '<fetch><entity name="account">', '<link-entity name="contact" from="contactid" to="primarycontactid">', '<attribute name="full|"/>'] }, { has: ['fullname'], not: ['name'], replaces: 'full' }));
  test('{{ offers the variables, closing the braces', () => inFile({ preamble: ['@top = 10', '@name = contoso'], url: ['accounts?$top={{|'] }, { has: ['top', 'name'], insert: { top: 'top}}' }, detail: { top: '10' }, replaces: '' }));
  test('{{t|}} replaces the name only', () => inFile({ preamble: ['@top = 10'], url: ['accounts?$top={{t|}}'] }, { has: ['top'], insert: { top: 'top' }, replaces: 't' }));
  test('{{ in a header value', () => inFile({ preamble: ['@size = 50'], url: ['accounts'], headers: ['Prefer: odata.maxpagesize={{|'] }, { has: ['size'] }));
  test('a header name being typed', () => inFile({ url: ['accounts'], headers: ['Pre|'] }, { has: ['Prefer', 'MSCRM.SuppressDuplicateDetection', 'CallerObjectId', 'If-None-Match'], replaces: 'Pre', insert: { Prefer: 'Prefer: ' } }));
  test('a header name before its colon', () => inFile({ url: ['accounts'], headers: ['Acc|: application/json'] }, { has: ['Accept'], insert: { Accept: 'Accept' }, replaces: 'Acc' }));
  test('headers already there are not offered again', () => inFile({ url: ['accounts'], headers: ['Prefer: return=representation', 'P|'] }, { has: ['If-Match'], not: ['Prefer'] }));
  test('Prefer values', () => inFile({ url: ['accounts'], headers: ['Prefer: |'] }, {
    has: ['odata.maxpagesize=', 'odata.include-annotations="*"', 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"', 'return=representation', 'odata.track-changes'], replaces: '',
  }));
  test('a header name with known values leads straight to them; one without values does not', async () => {
    const { file, offset } = requestFile({ url: ['accounts'], headers: ['|'] });
    const items = (await completeAt(file, offset, undefined))?.items ?? [];
    const item = (label: string) => items.find((i) => i.label === label) ?? assert.fail(`no ${label}`);
    assert.equal(item('Prefer').suggestNext, true);
    assert.equal(item('CallerObjectId').suggestNext, undefined);
  });
  test('odata.maxpagesize= comes with a page size to type over; the other preferences with none', async () => {
    const { file, offset } = requestFile({ url: ['accounts'], headers: ['Prefer: |'] });
    const items = (await completeAt(file, offset, undefined))?.items ?? [];
    assert.equal(items.find((i) => i.label === 'odata.maxpagesize=')?.placeholder, '100');
    assert.equal(items.find((i) => i.label === 'return=representation')?.placeholder, undefined);
  });
  test('the second Prefer value of a list', () => inFile({ url: ['accounts'], headers: ['Prefer: odata.include-annotations="*",ret|'] }, { has: ['return=representation'], replaces: 'ret' }));
  test('Content-Type values', () => inFile({ method: 'POST', url: ['accounts'], headers: ['Content-Type: app|'] }, { has: ['application/json'], replaces: 'app' }));
  test('a header with no known values offers nothing', () => inFile({ url: ['accounts'], headers: ['CallerObjectId: |'] }, undefined));
  test('a blank line under the request line: header names', () => inFile({ url: ['accounts'], after: '\n|' }, { has: ['Prefer', 'Accept'], insert: { Prefer: 'Prefer: ' } }));
  test('a blank line under a header: header names', () => inFile({ url: ['accounts'], headers: ['Accept: application/json'], after: '\n|' }, { has: ['Prefer'], not: ['Accept'] }));
  test('an indented blank line under the URL: the next query option', () => inFile({ url: ['accounts?$select=name'], after: '\n    |' }, { has: ['&$filter'], insert: { '&$filter': '&$filter=' } }));
  test('in the JSON body: nothing', () => inFile({ method: 'POST', url: ['accounts'], headers: ['Content-Type: application/json'], body: '{ "name": "Con|toso" }' }, undefined));
  test('in a comment: nothing', () => inFile({ preamble: ['# acc|ounts'], url: ['accounts'] }, undefined));
  test('on a variable line: nothing', () => inFile({ preamble: ['@top = 1|0'], url: ['accounts'] }, undefined));
  test('a new line after ### outside any request: methods and entity sets', async () => {
    const text = '### First\nGET accounts\n\n### Second\nco';
    const request: ODataRequest = { start: 0, end: 22, separator: { start: 0, end: 9 }, title: 'First', titleSpan: { start: 4, end: 9 }, method: 'GET', methodSpan: { start: 10, end: 13 }, url: 'accounts', pieces: [{ urlStart: 0, urlLength: 8, docStart: 14, docLength: 8 }], parsed: parseRequestUrl('accounts'), headers: [] };
    const file: ODataFile = { text, requests: [request], variables: [], diagnostics: [] };
    check(file, await completeAt(file, text.length, lookup()), { has: ['GET', 'contacts'], replaces: 'co' });
  });
});

describe('completion is cheap, cancellable and never rejects', () => {
  /** A file of `count` requests of three lines and a separator, as the parser would give it. */
  function bigFile(count: number): ODataFile {
    let text = '';
    const requests: ODataRequest[] = [];
    for (let i = 0; i < count; i++) {
      const start = text.length;
      text += `### Request ${i}\nGET accounts?$select=name\n    &$filter=statecode eq 0\nPrefer: odata.maxpagesize=10\n`;
      const urlLine = start + `### Request ${i}\n`.length;
      const first = 'accounts?$select=name';
      const second = '&$filter=statecode eq 0';
      const url = first + second;
      const secondDoc = urlLine + 'GET '.length + first.length + '\n    '.length;
      const headerStart = secondDoc + second.length + 1;
      requests.push({
        start, end: text.length - 1, title: `Request ${i}`, method: 'GET', methodSpan: { start: urlLine, end: urlLine + 3 }, url,
        pieces: [{ urlStart: 0, urlLength: first.length, docStart: urlLine + 4, docLength: first.length }, { urlStart: first.length, urlLength: second.length, docStart: secondDoc, docLength: second.length }],
        parsed: parseRequestUrl(url),
        headers: [{ name: 'Prefer', value: 'odata.maxpagesize=10', start: headerStart, end: headerStart + 28, nameSpan: { start: headerStart, end: headerStart + 6 }, valueSpan: { start: headerStart + 8, end: headerStart + 28 } }],
      });
    }
    return { text, requests, variables: [], diagnostics: [] };
  }

  test('in a 1,000-line file, a completion asks the metadata about the one table of its request, and lists the tables at most once', async () => {
    const file = bigFile(250);
    assert.equal(file.text.split('\n').length - 1, 1000);
    const last = file.requests[file.requests.length - 1];
    const wanted: [number, string][] = [
      [last.pieces[0].docStart + 'accounts?$select='.length + 2, 'name'],
      [last.pieces[1].docStart + '&$filter=statecode eq '.length, '0'],
      [last.pieces[0].docStart + 3, 'accounts'],
    ];
    for (const [offset, label] of wanted) {
      const spy = counting(lookup());
      const got = await completeAt(file, offset, spy);
      assert.ok(got?.items.some((i) => i.label === label), `${label} offered`);
      assert.ok(spy.calls.filter((c) => c.startsWith('tables(')).length <= 1, spy.calls.join(' '));
      const tablesAsked = new Set(spy.calls.filter((c) => /^(columns|relationships|column|choices|navigationProperty)\(/.test(c)).map((c) => /\(([^,)]*)/.exec(c)![1]));
      assert.ok(tablesAsked.size <= 1 && [...tablesAsked].every((t) => t === 'account'), `tables asked about: ${[...tablesAsked].join(', ')}`);
    }
  });

  test('an aborted signal resolves to undefined', async () => {
    const { file, offset } = urlFile('accounts?$select=|');
    const controller = new AbortController();
    controller.abort();
    assert.equal(await completeAt(file, offset, lookup(), controller.signal), undefined);
  });

  test('metadata that fails to load leaves the completions that need none', async () => {
    const failing = new Proxy({} as MetadataLookup, { get: () => async () => { throw new Error('offline'); } });
    const { file, offset } = urlFile('accounts?$sel|');
    check(file, await completeAt(file, offset, failing), { has: ['$select'] });
    const start = urlFile('|');
    check(start.file, await completeAt(start.file, start.offset, failing), { has: ['GET'], not: ['accounts'] });
  });

  test('offsets past the end of the file are read as the end', async () => {
    const { file } = urlFile('accounts?$sel|');
    check(file, await completeAt(file, 999, lookup()), { has: ['$select'] });
  });
});

describe('completion follows the metadata', () => {
  test('a column added in the org is offered after the metadata refreshes', async () => {
    const { file, offset } = urlFile('accounts?$select=|');
    check(file, await completeAt(file, offset, lookup()), { has: ['name'], not: ['new_renewaldate'] });
    const response = await client().send("EntityDefinitions(LogicalName='account')/Attributes", {
      method: 'POST',
      body: { '@odata.type': 'Microsoft.Dynamics.CRM.DateTimeAttributeMetadata', SchemaName: 'new_RenewalDate', Format: 'DateOnly', DisplayName: { LocalizedLabels: [{ Label: 'Renewal date', LanguageCode: 1033 }] } },
    });
    assert.ok(response.ok, `created the column: ${response.status}`);
    await lookup().refresh();
    check(file, await completeAt(file, offset, lookup()), { has: ['name', 'new_renewaldate'], detail: { new_renewaldate: 'Renewal date' } });
  });
});

/**
 * validateRequest against the real metadata of the sandbox's full-scale org
 * (an OrgMetadata over the Web API, as the editor uses it): each check on a
 * table of requests with the code and the exact text it underlines; each fix
 * applied and the request validated again; offsets mapped through continuation
 * lines and variables; only the metadata a request names is asked for; and an
 * aborted validation resolves to nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Sandbox, startSandbox } from '../../../sandbox/index';
import { MetadataService } from '../../../src/dataverse/metadata/metadataService';
import type { MetadataLookup } from '../../../src/dataverse/metadata/model';
import { OrgMetadata } from '../../../src/dataverse/metadata/orgMetadata';
import { parseRequestUrl } from '../../../src/odata/index';
import { requestFromUrl, type FileDiagnostic, type Header, type ODataRequest, type UrlPiece } from '../../../src/odata/file';
import { MAX_PAGE_SIZE, validateRequest, type ValidationCode } from '../../../src/odata/validate';
import { memoryFileSystem } from '../dataverse/metadata/memoryFileSystem';
import { sandboxClient } from '../dataverse/sandboxClient';

let sandbox: Sandbox;
let org: OrgMetadata;
before(async () => {
  sandbox = await startSandbox();
  const orgUrl = sandbox.orgs[0]!.url;
  const { client } = sandboxClient(sandbox, orgUrl);
  org = await OrgMetadata.open({ service: new MetadataService(client), fs: memoryFileSystem(), cache: { folder: '/global-storage', orgUrl, identity: 'app:devkit-ci' } });
});
after(async () => {
  org.dispose();
  await sandbox.close();
});

// ---------------------------------------------------------------- building requests

/**
 * A request as the file parser makes it, from the text of a file holding one
 * request: `GET <url>` on the first line, `&`/`?` continuation lines indented,
 * then `Name: value` headers; `{{name}}` is replaced from `variables`.
 */
function requestFromText(text: string, variables: Record<string, string> = {}): ODataRequest {
  const lines = text.split('\n');
  let offset = 0;
  let url = '';
  const pieces: UrlPiece[] = [];
  const headers: Header[] = [];
  const addText = (docStart: number, s: string) => {
    const re = /\{\{(\w+)\}\}/g;
    let last = 0;
    for (const m of s.matchAll(re)) {
      if (m.index > last) pieces.push({ urlStart: url.length, urlLength: m.index - last, docStart: docStart + last, docLength: m.index - last });
      url += s.slice(last, m.index);
      const value = variables[m[1]] ?? m[0];
      pieces.push({ urlStart: url.length, urlLength: value.length, docStart: docStart + m.index, docLength: m[0].length, variable: m[1] });
      url += value;
      last = m.index + m[0].length;
    }
    if (s.length > last) pieces.push({ urlStart: url.length, urlLength: s.length - last, docStart: docStart + last, docLength: s.length - last });
    url += s.slice(last);
  };
  lines.forEach((line, i) => {
    if (i === 0) {
      const m = /^(GET|POST|PATCH|DELETE) /.exec(line)!;
      addText(offset + m[0].length, line.slice(m[0].length));
    } else if (/^\s+[&?]/.test(line)) {
      const indent = /^\s+/.exec(line)![0].length;
      addText(offset + indent, line.slice(indent));
    } else {
      const colon = line.indexOf(':');
      const valueStart = colon + 1 + (/^\s*/.exec(line.slice(colon + 1))![0].length);
      headers.push({
        name: line.slice(0, colon), value: line.slice(valueStart), start: offset, end: offset + line.length,
        nameSpan: { start: offset, end: offset + colon }, valueSpan: { start: offset + valueStart, end: offset + line.length },
      });
    }
    offset += line.length + 1;
  });
  return {
    start: 0, end: text.length, title: '', method: /^\w+/.exec(text)![0], url, pieces, parsed: parseRequestUrl(url), headers,
  };
}

/** Applies a diagnostic's fix to the text. */
function applyFix(text: string, d: FileDiagnostic): string {
  assert.ok(d.fix, `'${d.message}' has a fix`);
  let out = text;
  for (const e of [...d.fix.edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/** The span of the `nth` occurrence of `what` in `text`. */
function spanOf(text: string, what: string, nth = 0): { start: number; end: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(what, at + 1);
    assert.ok(at >= 0, `'${what}' occurs ${nth + 1} time(s) in ${text}`);
  }
  return { start: at, end: at + what.length };
}

// ---------------------------------------------------------------- the table of cases

/**
 * One case: the file text of a request (URL-only texts have no method), and
 * the diagnostics expected, each as code, the text it underlines (its `nth`
 * occurrence), a fragment of its message, and the replacement its fix makes
 * (null: no fix).
 */
interface Case {
  text: string;
  expected: [code: ValidationCode, underlines: string, message: string, fix: string | null, nth?: number][];
  variables?: Record<string, string>;
}

const VALID: string[] = [
  'accounts?$select=name,accountnumber,_primarycontactid_value&$filter=statecode eq 0 and contains(name,\'contoso\')&$orderby=name desc',
  'accounts?$filter=primarycontactid/fullname eq \'Ada\'',
  'accounts?$expand=primarycontactid($select=fullname;$expand=parentcustomerid_account($select=name))',
  'accounts?$filter=contact_customer_accounts/any(c: c/fullname eq \'Ada\' and c/statecode eq 1)',
  'accounts?$apply=groupby((industrycode),aggregate(revenue with sum as total))&$orderby=total desc',
  'accounts?$filter=Microsoft.Dynamics.CRM.LastXDays(PropertyName=\'createdon\',PropertyValue=7)',
  'accounts?$filter=Microsoft.Dynamics.CRM.EqualUserId(PropertyName=\'ownerid\')',
  'accounts(00000000-0000-0000-0000-000000000001)/contact_customer_accounts?$select=fullname',
  'accounts/$count?$filter=statecode eq 1',
  'contacts?$filter=statecode in (0,1) and gendercode eq 2',
  'WhoAmI()',
  'RetrieveVersion()',
  'RetrieveTotalRecordCount(EntityNames=@p1)?@p1=["account"]',
  'EntityDefinitions?$select=LogicalName',
  "EntityDefinitions(LogicalName='account')/Attributes?$select=LogicalName",
  'accounts?fetchXml=<fetch top="5"><entity name="account"><attribute name="name"/><order attribute="name"/><link-entity name="contact" from="contactid" to="primarycontactid" alias="c"><attribute name="fullname"/></link-entity><filter><condition entityname="c" attribute="lastname" operator="eq" value="x"/></filter></entity></fetch>',
];

const CASES: Case[] = [
  // Entity sets
  { text: 'acounts?$select=name', expected: [['unknown-entity-set', 'acounts', "did you mean 'accounts'?", 'accounts']] },
  { text: 'Accounts', expected: [['unknown-entity-set', 'Accounts', "did you mean 'accounts'?", 'accounts']] },
  { text: 'zzqqxx', expected: [['unknown-entity-set', 'zzqqxx', 'use the plural entity set name', null]] },
  { text: 'POST acounts', expected: [['unknown-entity-set', 'acounts', "did you mean 'accounts'?", 'accounts']] },
  { text: 'POST new_MyAction', expected: [] },
  // Columns in $select, $filter, $orderby, $apply
  { text: 'accounts?$select=nmae,accountnumber', expected: [['unknown-column', 'nmae', "Unknown column 'nmae' on table account; did you mean 'name'?", 'name']] },
  { text: "accounts?$filter=nmae eq 'x'", expected: [['unknown-column', 'nmae', "did you mean 'name'?", 'name']] },
  { text: 'accounts?$orderby=createdno desc', expected: [['unknown-column', 'createdno', "did you mean 'createdon'?", 'createdon']] },
  { text: 'accounts?$select=zzqqxx', expected: [['unknown-column', 'zzqqxx', 'check the spelling', null]] },
  { text: 'accounts?$apply=groupby((industrycod))', expected: [['unknown-column', 'industrycod', "did you mean 'industrycode'?", 'industrycode']] },
  { text: 'accounts?$apply=aggregate(revenu with sum as total)', expected: [['unknown-column', 'revenu', "did you mean 'revenue'?", 'revenue']] },
  // A typo of a lookup is suggested in its _x_value form
  { text: 'accounts?$select=primarycontactd', expected: [['unknown-column', 'primarycontactd', "did you mean '_primarycontactid_value'?", '_primarycontactid_value']] },
  // Paths through lookups and lambda variables
  { text: "accounts?$filter=primarycontactid/fulname eq 'Ada'", expected: [['unknown-column', 'fulname', "Unknown column 'fulname' on table contact; did you mean 'fullname'?", 'fullname']] },
  { text: "accounts?$filter=primarycontact/fullname eq 'Ada'", expected: [['unknown-navigation', 'primarycontact', "did you mean 'primarycontactid'?", 'primarycontactid']] },
  { text: "accounts?$filter=contact_customer_accounts/any(c: c/fulname eq 'Ada')", expected: [['unknown-column', 'fulname', 'on table contact', 'fullname']] },
  { text: "accounts?$filter=contact_customer_acounts/any(c: c/fullname eq 'Ada')", expected: [['unknown-navigation', 'contact_customer_acounts', "did you mean 'contact_customer_accounts'?", 'contact_customer_accounts']] },
  { text: "accounts?$filter=contact_customer_accounts/any(c: c/fullname eq 'Ada' and nmae eq 'x')", expected: [['unknown-column', 'nmae', 'on table account', 'name']] },
  // $expand at every level, nested options against the related table
  { text: 'accounts?$expand=primarycontactd($select=fullname)', expected: [['unknown-navigation', 'primarycontactd', "did you mean 'primarycontactid'?", 'primarycontactid']] },
  { text: 'accounts?$expand=primarycontactid($select=fulname)', expected: [['unknown-column', 'fulname', 'on table contact', 'fullname']] },
  { text: 'accounts?$expand=primarycontactid($expand=parentcustomerid_acount($select=name))', expected: [['unknown-navigation', 'parentcustomerid_acount', "did you mean 'parentcustomerid_account'?", 'parentcustomerid_account']] },
  { text: 'accounts?$expand=primarycontactid($expand=parentcustomerid_account($select=nmae))', expected: [['unknown-column', 'nmae', 'on table account', 'name']] },
  { text: 'contacts?$expand=parentcustomerid', expected: [['unknown-navigation', 'parentcustomerid', "did you mean 'parentcustomerid_account' or 'parentcustomerid_contact'?", null]] },
  { text: 'accounts(00000000-0000-0000-0000-000000000001)/contact_customer_accounts?$select=nmae', expected: [['unknown-column', 'nmae', 'on table contact', null]] },
  // A navigation property where a column belongs
  { text: 'accounts?$select=name,contact_customer_accounts', expected: [['unknown-column', 'contact_customer_accounts', "'contact_customer_accounts' is a navigation property of account (to contact), not a column: expand it instead: $expand=contact_customer_accounts($select=<columns>).", null]] },
  { text: 'contacts?$filter=parentcustomerid_account eq null', expected: [['unknown-column', 'parentcustomerid_account', 'compare one of its columns: parentcustomerid_account/<column>', null]] },
  { text: "accounts?$filter=contact_customer_accounts eq null", expected: [['unknown-column', 'contact_customer_accounts', 'test its rows with contact_customer_accounts/any(x: x/<column> eq <value>)', null]] },
  // Lookups by name
  { text: 'accounts?$select=name,primarycontactid', expected: [['lookup-name', 'primarycontactid', "'primarycontactid' is a lookup: the Web API reads its value as '_primarycontactid_value'", '_primarycontactid_value']] },
  { text: 'contacts?$filter=parentcustomerid eq 00000000-0000-0000-0000-000000000001', expected: [['lookup-name', 'parentcustomerid', "'_parentcustomerid_value'", '_parentcustomerid_value']] },
  { text: 'accounts?$orderby=ownerid', expected: [['lookup-name', 'ownerid', "'_ownerid_value'", '_ownerid_value']] },
  { text: 'accounts?$expand=primarycontactid($select=parentcustomerid)', expected: [['lookup-name', 'parentcustomerid', "'_parentcustomerid_value'", '_parentcustomerid_value']] },
  // Choices
  { text: 'accounts?$filter=statecode eq 7', expected: [['unknown-choice-value', '7', 'statecode has no option 7, so no row matches: use one of 0 (Active), 1 (Inactive).', null]] },
  { text: 'accounts?$filter=3 eq statuscode', expected: [['unknown-choice-value', '3', 'use one of 1 (Active), 2 (Inactive)', null]] },
  { text: 'contacts?$filter=gendercode in (1,3,2,4)', expected: [['unknown-choice-value', '3', '1 (Male), 2 (Female)', null], ['unknown-choice-value', '4', 'gendercode has no option 4', null]] },
  { text: 'accounts?$filter=industrycode eq 99', expected: [['unknown-choice-value', '99', '1 (Accounting)', null]] },
  { text: 'accounts?$filter=primarycontactid/gendercode eq 9', expected: [['unknown-choice-value', '9', 'gendercode has no option 9', null]] },
  // Query functions name columns by logical name
  { text: "accounts?$filter=Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdno',PropertyValue=7)", expected: [['unknown-column', 'createdno', "did you mean 'createdon'?", 'createdon']] },
  // FetchXML
  { text: 'accounts?fetchXml=<fetch><entity name="acount"><attribute name="name"/></entity></fetch>', expected: [['fetchxml-unknown-entity', 'acount', "Unknown table 'acount' in FetchXML; did you mean 'account'?", 'account']] },
  { text: 'accounts?fetchXml=<fetch><entity name="account"><attribute name="nmae"/><order attribute="revenu"/></entity></fetch>', expected: [['fetchxml-unknown-attribute', 'nmae', "Unknown column 'nmae' on table account in FetchXML; did you mean 'name'?", 'name'], ['fetchxml-unknown-attribute', 'revenu', "did you mean 'revenue'?", 'revenue']] },
  { text: 'accounts?fetchXml=<fetch><entity name="account"><link-entity name="contact" from="contactd" to="primarycontactd" alias="c"><attribute name="fulname"/></link-entity></entity></fetch>', expected: [['fetchxml-unknown-attribute', 'contactd', 'on table contact', 'contactid'], ['fetchxml-unknown-attribute', 'primarycontactd', 'on table account', 'primarycontactid'], ['fetchxml-unknown-attribute', 'fulname', 'on table contact', 'fullname']] },
  { text: 'accounts?fetchXml=<fetch><entity name="account"><link-entity name="contact" from="contactid" to="primarycontactid" alias="c"/><filter><condition entityname="c" attribute="lastnam" operator="eq" value="x"/></filter></entity></fetch>', expected: [['fetchxml-unknown-attribute', 'lastnam', 'on table contact', 'lastname']] },
  { text: 'accounts?fetchXml=<fetch><entity name="account"><filter><condition attribute="statecode" operator="eq" value="7"/><condition attribute="statecode" operator="eq" value="1"/></filter></entity></fetch>', expected: [['unknown-choice-value', '7', 'statecode has no option 7, so no row matches: use one of 0 (Active), 1 (Inactive).', null]] },
  { text: 'accounts?fetchXml=<fetch><entity name="account"><attribute name="name"></entity></fetch>', expected: [['fetchxml-not-well-formed', '</entity>', 'FetchXML is not well-formed: unexpected close tag. <attribute> is still open here: close it first with </attribute> (or write it as <attribute ... />); elements close in the reverse order of opening.', null]] },
];

async function validate(request: ODataRequest, lookup: MetadataLookup | undefined = org): Promise<FileDiagnostic[]> {
  return validateRequest(request, lookup);
}

const requestOf = (c: Case): ODataRequest => (/^(GET|POST) /.test(c.text) ? requestFromText(c.text, c.variables) : requestFromUrl(c.text));

describe('validateRequest with metadata', () => {
  test('requests that are right give no diagnostic', async () => {
    for (const url of VALID) {
      assert.equal(requestFromUrl(url).parsed.diagnostics.length, 0, `${url} parses`);
      assert.deepEqual((await validate(requestFromUrl(url))).map((d) => d.message), [], url);
    }
  });

  for (const c of CASES) {
    test(`${c.text}: ${c.expected.map((e) => e[0]).join(', ')}`, async () => {
      const got = await validate(requestOf(c));
      assert.equal(got.length, c.expected.length, got.map((d) => `${d.code}: ${d.message}`).join('\n'));
      c.expected.forEach(([code, underlines, message, fix, nth], i) => {
        const d = got[i];
        assert.equal(d.code, code);
        assert.deepEqual({ start: d.start, end: d.end }, spanOf(c.text, underlines, nth), `${code} underlines '${underlines}'`);
        assert.ok(d.message.includes(message), `${d.message}\n  should include: ${message}`);
        assert.equal(d.fix?.edits[0].newText ?? null, fix);
      });
    });
  }

  test('every fix, applied, makes its diagnostic go away', async () => {
    let applied = 0;
    for (const c of CASES) {
      const first = await validate(requestOf(c));
      for (const d of first.filter((x) => x.fix)) {
        const fixed = applyFix(c.text, d);
        const again = await validate(requestOf({ ...c, text: fixed }));
        assert.ok(!again.some((x) => x.code === d.code && x.start === d.start), `after '${d.fix!.title}': ${fixed}\n${again.map((x) => x.message).join('\n')}`);
        applied++;
      }
    }
    assert.ok(applied >= 25, `${applied} fixes applied`);
  });
});

describe('validateRequest maps offsets to the file', () => {
  test('every case, written over indented continuation lines, underlines the same text, and its fix still applies', async () => {
    for (const c of CASES) {
      if (/^(GET|POST) /.test(c.text)) continue;
      // `GET accounts` then `    ?$select=...` and `    &$filter=...`: URL offsets no longer equal file offsets.
      const text = 'GET ' + c.text.replace(/[?&](?=[$\w]+=)/g, (m) => `\n    ${m}`);
      const got = await validate(requestFromText(text));
      assert.deepEqual(
        got.map((d) => [d.code, text.slice(d.start, d.end)]),
        c.expected.map(([code, underlines, , , nth]) => [code, text.slice(spanOf(text, underlines, nth).start, spanOf(text, underlines, nth).end)]),
        text,
      );
      for (const d of got.filter((x) => x.fix)) {
        const fixed = applyFix(text, d);
        const again = await validate(requestFromText(fixed));
        assert.ok(!again.some((x) => x.code === d.code && x.start === d.start), `after '${d.fix!.title}': ${fixed}`);
      }
    }
  });

  test('through continuation lines: each diagnostic underlines what was typed', async () => {
    const text = [
      'GET accounts?$select=nmae,primarycontactid',
      '    &$filter=statecode eq 7',
      "    &$expand=primarycontactid($select=fulname)",
      '    &fetchXml=<fetch><entity name="account"><attribute name="revenu"/></entity></fetch>',
    ].join('\n');
    const got = await validate(requestFromText(text));
    assert.deepEqual(got.map((d) => [d.code, text.slice(d.start, d.end)]), [
      ['unknown-column', 'nmae'],
      ['lookup-name', 'primarycontactid'],
      ['unknown-choice-value', '7'],
      ['unknown-column', 'fulname'],
      ['fetchxml-unknown-attribute', 'revenu'],
    ]);
    let fixed = text;
    for (const d of [...got].reverse()) if (d.fix) fixed = applyFix(fixed, d);
    assert.deepEqual((await validate(requestFromText(fixed))).map((d) => d.code), ['unknown-choice-value']);
  });

  test('a name inside a variable underlines the whole {{variable}} and offers no fix (the fix belongs in the @ line)', async () => {
    const text = 'GET accounts?$select={{cols}}\n    &$top=3';
    const got = await validate(requestFromText(text, { cols: 'nmae' }));
    assert.equal(got.length, 1);
    assert.equal(text.slice(got[0].start, got[0].end), '{{cols}}');
    assert.equal(got[0].fix, undefined);
  });

  test('a percent-encoded FetchXML value is underlined whole: its offsets no longer match the XML', async () => {
    const xml = '<fetch><entity name="account"><attribute name="nmae"/></entity></fetch>';
    const url = `accounts?fetchXml=${encodeURIComponent(xml)}`;
    const got = await validate(requestFromUrl(url));
    assert.equal(got.length, 1);
    assert.equal(got[0].code, 'fetchxml-unknown-attribute');
    assert.equal(url.slice(got[0].start, got[0].end), encodeURIComponent(xml));
    assert.equal(got[0].fix, undefined);
  });
});

describe('validateRequest without metadata', () => {
  const prefer = (value: string, url = 'accounts?$select=name') => requestFromText(`GET ${url}\nPrefer: ${value}`);

  test(`odata.maxpagesize above ${MAX_PAGE_SIZE} is a warning on the number (Dataverse ignores it and the request still runs)`, async () => {
    const request = prefer('odata.include-annotations="*",odata.maxpagesize=6000');
    const text = 'GET accounts?$select=name\nPrefer: odata.include-annotations="*",odata.maxpagesize=6000';
    const got = await validateRequest(request, undefined);
    assert.equal(got.length, 1);
    assert.equal(got[0].code, 'maxpagesize-too-large');
    assert.equal(got[0].severity, 'warning');
    assert.equal(text.slice(got[0].start, got[0].end), '6000');
    assert.match(got[0].message, /at most 5000 rows .*ask for 5000 or fewer.*page-results/);
    assert.deepEqual(await validateRequest(prefer('odata.maxpagesize=5000'), undefined), []);
  });

  test('$top beside maxpagesize is a warning on $top; $top alone or nested in $expand is fine', async () => {
    const text = 'GET accounts?$select=name&$top=10\nPrefer: odata.maxpagesize=50';
    const got = await validateRequest(requestFromText(text), undefined);
    assert.deepEqual(got.map((d) => [d.code, d.severity, text.slice(d.start, d.end)]), [['top-with-maxpagesize', 'warning', '$top=10']]);
    assert.match(got[0].message, /ignores \$top/);
    assert.deepEqual(await validateRequest(requestFromUrl('accounts?$top=10'), undefined), []);
    assert.deepEqual(await validateRequest(prefer('odata.maxpagesize=50', 'accounts?$expand=contact_customer_accounts($top=2)'), undefined), []);
  });

  test('FetchXML that is not well-formed is an error where the XML parser stopped; names are not checked', async () => {
    const rows: [string, string, string][] = [
      ['accounts?fetchXml=<fetch><entity name="account"></fetch>', '</fetch>', 'unexpected close tag.'],
      ['accounts?fetchXml=<fetch><entity name=account/></fetch>', 'a', 'unquoted attribute value. Put the value in double quotes.'],
      ['accounts?fetchXml=<fetch><entity name="a"/>', '>', 'unclosed tag: fetch. Close it with </fetch>.'],
      ['accounts?fetchXml=<fetch><entity name="a"/></fetch><fetch/>', '<fetch/>', 'documents may contain only one root. Correct the XML here'],
    ];
    for (const [url, underlines, message] of rows) {
      const got = await validateRequest(requestFromUrl(url), undefined);
      assert.equal(got.length, 1, url);
      assert.equal(got[0].code, 'fetchxml-not-well-formed');
      assert.equal(url.slice(got[0].start, got[0].end), underlines, url);
      assert.ok(got[0].message.includes(message), got[0].message);
    }
    assert.deepEqual(await validateRequest(requestFromUrl('accounts?fetchXml=<fetch><entity name="nosuchtable"/></fetch>'), undefined), []);
    assert.deepEqual(await validateRequest(requestFromUrl('accounts?$select=nosuchcolumn'), undefined), []);
  });
});

describe('validateRequest asks only for what the request names', () => {
  /** The lookup, counting what is asked of it. */
  function counting(): { lookup: MetadataLookup; calls: string[] } {
    const calls: string[] = [];
    const lookup = new Proxy(org as MetadataLookup, {
      get(target, prop: string) {
        const f = (target as unknown as Record<string, unknown>)[prop];
        if (typeof f !== 'function') return f;
        return (...args: unknown[]) => {
          calls.push(`${prop}(${args.filter((a) => typeof a === 'string').join(',')})`);
          return (f as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    return { lookup, calls };
  }

  test('many names of one table: its columns are asked for once, and no other table is loaded', async () => {
    const { lookup, calls } = counting();
    const columns = ['name', 'accountnumber', 'revenue', 'telephone1', 'websiteurl', 'createdon', 'nmae', 'industrycode'];
    const url = `accounts?$select=${columns.join(',')}&$filter=${columns.slice(0, 6).map((c) => `${c} ne null`).join(' and ')} and statecode eq 0&$orderby=name,createdon`;
    const got = await validateRequest(requestFromUrl(url), lookup);
    assert.deepEqual(got.map((d) => d.code), ['unknown-column']);
    // The relationships are read for the unknown name only (is it a navigation property?).
    assert.deepEqual(calls.sort(), ['choices(account,statecode)', 'columns(account)', 'relationships(account)', 'tableByEntitySet(accounts)']);
  });

  test('known columns need no relationships; an $expand loads the related table', async () => {
    const plain = counting();
    await validateRequest(requestFromUrl('accounts?$select=name,revenue&$filter=statecode eq 0&$orderby=name'), plain.lookup);
    assert.deepEqual(plain.calls.sort(), ['choices(account,statecode)', 'columns(account)', 'tableByEntitySet(accounts)']);
    const { lookup, calls } = counting();
    await validateRequest(requestFromUrl('accounts?$select=name&$expand=primarycontactid($select=fullname)'), lookup);
    assert.deepEqual(calls.sort(), ['columns(account)', 'columns(contact)', 'relationships(account)', 'tableByEntitySet(accounts)']);
  });

  test('an aborted validation resolves to [] at once, even when the lookup never answers', async () => {
    const never = new Promise<never>(() => undefined);
    const stuck = new Proxy({} as MetadataLookup, { get: () => () => never });
    const controller = new AbortController();
    const pending = validateRequest(requestFromUrl('accounts?$select=name'), stuck, controller.signal);
    controller.abort();
    assert.deepEqual(await pending, []);
    assert.deepEqual(await validateRequest(requestFromUrl('accounts?$top=1'), org, AbortSignal.abort()), []);
  });

  test('a lookup that fails leaves the checks that need no metadata', async () => {
    const failing = new Proxy({} as MetadataLookup, { get: () => async () => { throw new Error('offline'); } });
    const got = await validateRequest(requestFromText('GET accounts?$select=nmae\nPrefer: odata.maxpagesize=9000'), failing);
    assert.deepEqual(got.map((d) => d.code), ['maxpagesize-too-large']);
  });
});

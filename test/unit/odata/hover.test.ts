/**
 * Hover in `.odata` files against the metadata of a real sandbox org: tables,
 * columns (type, description, required level, lookup targets, max length),
 * navigation properties, query options, functions and headers; ranges mapped
 * back through continuation lines and variables; org text escaped.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { completeAt, hoverAt, type Hover } from '../../../src/odata/complete';
import type { ODataFile } from '../../../src/odata/file';
import { requestFile, sandboxMetadata, urlFile } from './completionSupport';

const { lookup, client } = sandboxMetadata();

interface Want {
  /** The text the hover range covers. */
  over: string;
  /** Substrings of the markdown. */
  says: string[];
}

function check(file: ODataFile, got: Hover | undefined, want: Want): void {
  assert.ok(got, 'expected a hover');
  assert.equal(file.text.slice(got.start, got.end), want.over);
  for (const s of want.says) assert.ok(got.markdown.includes(s), `hover lacks ${JSON.stringify(s)}:\n${got.markdown}`);
}

const CASES: [string, Want][] = [
  // tables
  ['acc|ounts', { over: 'accounts', says: ['**Account**', 'table `account`', 'Entity set: `accounts`', 'primary key `accountid`', 'primary name `name`', 'customer or potential customer'] }],
  ['accounts?fetchXml=<fetch><entity name="con|tact"/></fetch>', { over: 'contact', says: ['**Contact**', 'Entity set: `contacts`', 'primary name `fullname`'] }],
  // columns: type, max length, required level, description
  ['accounts?$select=na|me', { over: 'name', says: ['**Account Name**', '`name`', 'Type: String', 'max length 160', 'business required', 'primary name', 'Type the company or business name'] }],
  ['accounts?$select=name,accountnum|ber', { over: 'accountnumber', says: ['**Account Number**', 'max length 20', 'optional'] }],
  ['accounts?$orderby=rev|enue desc', { over: 'revenue', says: ['Type: Money', 'annual revenue'] }],
  ['accounts?$filter=stat|ecode eq 0', { over: 'statecode', says: ['Type: State'] }],
  // lookups: target, _x_value and navigation property
  ['accounts?$select=_primary|contactid_value', { over: '_primarycontactid_value', says: ['**Primary Contact**', 'Lookup to `contact`', '`_primarycontactid_value`', 'expand it through `primarycontactid`'] }],
  ['contacts?$select=_parentcustomer|id_value', { over: '_parentcustomerid_value', says: ['Lookup to `account`, `contact`', '`parentcustomerid_account`', '`parentcustomerid_contact`'] }],
  // through navigation properties and lambda variables
  ["accounts?$filter=primarycontactid/full|name eq 'x'", { over: 'fullname', says: ['**Full Name**', 'column of `contact`'] }],
  ["accounts?$filter=contact_customer_accounts/any(c:c/job|title eq 'x')", { over: 'jobtitle', says: ['**Job Title**', 'column of `contact`'] }],
  ["accounts?$filter=contact_customer_accounts/any(c:|c/jobtitle eq 'x')", { over: 'c', says: ['Lambda variable `c`', 'table `contact`'] }],
  ['accounts?$expand=primarycontactid($select=email|address1)', { over: 'emailaddress1', says: ['column of `contact`', 'Type: String'] }],
  ["accounts?$filter=Microsoft.Dynamics.CRM.LastXDays(PropertyName='created|on',PropertyValue=7)", { over: 'createdon', says: ['Type: DateTime'] }],
  ['accounts?fetchXml=<fetch><entity name="account"><attribute name="accou|ntnumber"/></entity></fetch>', { over: 'accountnumber', says: ['**Account Number**'] }],
  // choice values
  ['accounts?$filter=statecode eq |1', { over: '1', says: ['**Inactive**', 'value `1` of `statecode`'] }],
  ['accounts?$filter=industrycode in (1,|2)', { over: '2', says: ['**Agriculture', 'of `industrycode`'] }],
  ['accounts?$filter=creditonhold eq tr|ue', { over: 'true', says: ['**Yes**'] }],
  ["accounts?$filter=contact_customer_accounts/any(c:c/gendercode eq |2)", { over: '2', says: ['**Female**'] }],
  // navigation properties
  ['accounts?$expand=primary|contactid($select=fullname)', { over: 'primarycontactid', says: ['Navigation property `primarycontactid` of `account`', 'Single-valued', '`contact`', 'N:1', 'lookup `primarycontactid`'] }],
  ['accounts?$expand=contact_customer|_accounts', { over: 'contact_customer_accounts', says: ['Collection-valued', '`contact`', '1:N'] }],
  ['accounts(00000000-0000-0000-0000-000000000001)/primary|contactid', { over: 'primarycontactid', says: ['Navigation property'] }],
  ['accounts?$expand=primarycontactid($expand=parentcustomer|id_account)', { over: 'parentcustomerid_account', says: ['of `contact`', '`account`'] }],
  // query options and functions
  ['accounts?$sel|ect=name', { over: '$select', says: ['columns to return', 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns'] }],
  ['accounts?$sk|ip=10', { over: '$skip', says: ['Not supported by Dataverse', 'maxpagesize'] }],
  ['accounts?$expand=primarycontactid($fil|ter=statecode eq 0)', { over: '$filter', says: ['related rows'] }],
  ["accounts?$filter=starts|with(name,'a')", { over: 'startswith', says: ['starts with', 'filter-rows'] }],
  ["accounts?$filter=Microsoft.Dynamics.CRM.Last|XDays(PropertyName='createdon',PropertyValue=7)", { over: 'Microsoft.Dynamics.CRM.LastXDays', says: ['PropertyValue', 'queryfunctions'] }],
  ['Who|AmI()', { over: 'WhoAmI', says: ['UserId', 'reference/whoami'] }],
];

describe('hover, with the sandbox org\'s metadata', () => {
  for (const [marked, want] of CASES) {
    test(marked, async () => {
      const { file, offset } = urlFile(marked);
      check(file, await hoverAt(file, offset, lookup()), want);
    });
  }

  test('nothing under the cursor: no hover', async () => {
    for (const marked of ['accounts?$top=1|0', "accounts?$filter=name eq 'x|'", 'accounts?$select=nosuch|column']) {
      const { file, offset } = urlFile(marked);
      assert.equal(await hoverAt(file, offset, lookup()), undefined, marked);
    }
  });

  test('a header name, with its Microsoft Learn page', async () => {
    const { file, offset } = requestFile({ url: ['accounts'], headers: ['Pre|fer: odata.include-annotations="*"'] });
    check(file, await hoverAt(file, offset, lookup()), { over: 'Prefer', says: ['annotations', 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors'] });
  });

  test('ranges map back to the file through the method, a continuation line and a variable', async () => {
    const { file, offset } = requestFile({ preamble: ['@top = 10'], method: 'GET', url: ['accounts?$top={{top}}', "&$filter=primarycontactid/full|name eq 'x'"] });
    check(file, await hoverAt(file, offset, lookup()), { over: 'fullname', says: ['**Full Name**'] });
  });

  test('without metadata, options and functions still have a hover; names from the org do not', async () => {
    const option = urlFile('accounts?$sel|ect=name');
    check(option.file, await hoverAt(option.file, option.offset, undefined), { over: '$select', says: ['columns to return'] });
    const column = urlFile('accounts?$select=na|me');
    assert.equal(await hoverAt(column.file, column.offset, undefined), undefined);
  });
});

describe('org text is escaped', () => {
  const hostileName = '<img src=x onerror=alert(1)> \u202Egnp.exe [click](command:workbench.action.quit) **bold**';
  const hostileDescription = '<script>alert("pwned")</script>\n# Heading\n[open](https://example.invalid)';

  test('a column whose display name and description hold markup, links and a right-to-left override', async () => {
    // A real column created through the Web API, on a table no other test reads.
    const response = await client().send("EntityDefinitions(LogicalName='team')/Attributes", {
      method: 'POST',
      body: {
        '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata', SchemaName: 'new_Hostile', MaxLength: 40,
        DisplayName: { LocalizedLabels: [{ Label: hostileName, LanguageCode: 1033 }] },
        Description: { LocalizedLabels: [{ Label: hostileDescription, LanguageCode: 1033 }] },
      },
    });
    assert.ok(response.ok, `created the column: ${response.status}`);
    const { file, offset } = urlFile('teams?$select=new_hos|tile');
    const hover = await hoverAt(file, offset, lookup());
    assert.ok(hover, 'a hover for the new column');
    for (const raw of ['<img', '<script', '\u202E', '](command:', '](https:', '**bold**', '\n# Heading']) {
      assert.ok(!hover.markdown.includes(raw), `${JSON.stringify(raw)} reached the markdown:\n${hover.markdown}`);
    }
    assert.ok(hover.markdown.includes('&lt;img src=x onerror=alert\\(1\\)'), hover.markdown);

    const completion = await completeAt(file, offset, lookup());
    const item = completion?.items.find((i) => i.label === 'new_hostile');
    assert.ok(item, 'the new column is offered');
    assert.ok(!item.detail?.includes('\u202E'), 'no right-to-left override in the detail');
    assert.ok(!item.documentation?.includes('<img') && !item.documentation?.includes('](command:'), item.documentation);
  });
});

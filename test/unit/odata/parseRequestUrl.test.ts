import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRequestUrl, type Diagnostic, type Expr } from '../../../src/odata/index';
import { parseFilter, type Expr as SandboxExpr } from '../../../sandbox/dataverse/odataParser';

/**
 * An expected diagnostic: severity, the exact text it underlines (its span must
 * be that text, found at its `nth` occurrence) and a fragment of its message.
 * '' underlines nothing: a zero-width diagnostic at the end of the text.
 */
type Expected = [Diagnostic['severity'], string, string, number?];
type Row = [url: string, expected?: Expected[]];

const VALID: Row[] = [
  // Resource paths
  ['accounts'],
  ['accounts?$top=3'],
  ['/api/data/v9.2/accounts?$top=3'],
  ['https://org.crm.dynamics.com/api/data/v9.2/accounts?$select=name'],
  ['https://org.crm.dynamics.com/api/data/v9.2/'.slice(0, -1) + '/accounts'],
  ['HTTPS://contoso.crm4.dynamics.com/api/data/v9.0/contacts'],
  ['accounts(00000000-0000-0000-0000-000000000001)'],
  ['accounts(00000000-0000-0000-0000-000000000001)/name'],
  ['accounts(00000000-0000-0000-0000-000000000001)/name/$value'],
  ["accounts(accountnumber='A1')"],
  ["contacts(firstname='Ada',lastname='Lovelace')"],
  ["accounts(accountnumber='O''Neil')"],
  ['accounts(@key)?@key=00000000-0000-0000-0000-000000000001'],
  ['accounts/$count'],
  ['accounts(00000000-0000-0000-0000-000000000001)/contact_customer_accounts'],
  ['accounts(00000000-0000-0000-0000-000000000001)/contact_customer_accounts/$count'],
  ['accounts(00000000-0000-0000-0000-000000000001)/contact_customer_accounts/$ref'],
  ['accounts(00000000-0000-0000-0000-000000000001)/primarycontactid/$ref'],
  ['accounts(00000000-0000-0000-0000-000000000001)/entityimage/$value'],
  ['WhoAmI()'],
  ['RetrieveVersion()'],
  ['Microsoft.Dynamics.CRM.RetrieveTotalRecordCount(EntityNames=@p1)?@p1=["account","contact"]'],
  ["RetrieveTotalRecordCount(EntityNames=@p1)?@p1=['account']"],
  ['accounts(00000000-0000-0000-0000-000000000001)/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=@t)?@t={"@odata.id":"systemusers(00000000-0000-0000-0000-000000000002)"}'],
  ['systemusers(00000000-0000-0000-0000-000000000001)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()'],
  ['$metadata'],
  ['EntityDefinitions(LogicalName=\'account\')/Attributes'],
  ['EntityDefinitions(LogicalName=\'account\')?$select=LogicalName&$expand=Attributes($select=LogicalName)'],
  ['accounts%28accountnumber%3D%27A1%27%29'],
  ['  accounts?$top=1  '],
  // $select
  ['accounts?$select=name'],
  ['accounts?$select=name,accountnumber,revenue'],
  ['accounts?$select=*'],
  ['accounts?$select=_primarycontactid_value'],
  ['accounts?$select=name&$top=5&$count=true'],
  ['accounts?$count=false'],
  // $filter: comparison, logic, precedence
  ['accounts?$filter=statecode eq 0'],
  ["accounts?$filter=name ne 'x'"],
  ['accounts?$filter=revenue gt 1000 and revenue le 5000'],
  ['accounts?$filter=revenue lt 10 or revenue ge 20'],
  ['accounts?$filter=not statecode eq 1'],
  ["accounts?$filter=not contains(name,'x')"],
  ["accounts?$filter=(statecode eq 0 or statecode eq 1) and contains(name,'a')"],
  ["accounts?$filter=((name eq 'a'))"],
  ['accounts?$filter=revenue add 10 gt 25'],
  ['accounts?$filter=revenue sub 10 gt 25'],
  ['accounts?$filter=revenue mul 2 gt 25'],
  ['accounts?$filter=revenue div 2 gt 25'],
  ['accounts?$filter=revenue divby 2 gt 25'],
  ['accounts?$filter=numberofemployees mod 2 eq 0'],
  ['accounts?$filter=-revenue lt 0'],
  ['accounts?$filter=revenue eq -5'],
  ['accounts?$filter=_primarycontactid_value eq null'],
  ['accounts?$filter=donotemail eq true and donotphone eq false'],
  ["accounts?$filter=accountcategorycode in (1,2,3)"],
  ["accounts?$filter=name in ('a','b')"],
  ["accounts?$filter=industrycode has Microsoft.Dynamics.CRM.IndustryCode'Accounting'"],
  ["accounts?$filter=statecode eq Microsoft.Dynamics.CRM.AccountState'Active'"],
  // literals
  ["accounts?$filter=name eq 'O''Neil'"],
  ["accounts?$filter=name eq ''"],
  ['accounts?$filter=accountid eq 00000000-0000-0000-0000-000000000001'],
  ['accounts?$filter=accountid eq ABCDEF00-0000-0000-0000-000000000001'],
  ['accounts?$filter=createdon gt 2024-01-01'],
  ['accounts?$filter=createdon gt 2024-01-01T00:00:00Z'],
  ['accounts?$filter=createdon gt 2024-01-01T08:30:15.123Z'],
  ['accounts?$filter=createdon gt 2024-01-01T08:30:15%2B02:00'],
  ['accounts?$filter=createdon gt 2024-01-01T08:30:15-05:00'],
  ['accounts?$filter=time(createdon) gt 08:30:00'],
  ["accounts?$filter=x eq duration'P1DT2H30M'"],
  ["accounts?$filter=x eq duration'-PT15.5S'"],
  ['accounts?$filter=revenue eq 1.5'],
  ['accounts?$filter=revenue eq 1.5e10'],
  ['accounts?$filter=revenue eq 1E-3'],
  ['accounts?$filter=revenue eq 1.5m'],
  ['accounts?$filter=x eq INF or x eq -INF or x eq NaN'],
  ["accounts?$filter=x eq binary'AQID'"],
  ["accounts?$filter=x eq geography'SRID=4326;POINT(1 2)'"],
  // functions
  ["accounts?$filter=startswith(name,'Con')"],
  ["accounts?$filter=endswith(name,'so')"],
  ["accounts?$filter=contains(name,'con')"],
  ['accounts?$filter=length(name) gt 3'],
  ["accounts?$filter=indexof(name,'o') eq 1"],
  ["accounts?$filter=substring(name,1) eq 'ontoso'"],
  ["accounts?$filter=substring(name,1,2) eq 'on'"],
  ["accounts?$filter=tolower(name) eq 'contoso'"],
  ["accounts?$filter=toupper(name) eq 'CONTOSO'"],
  ["accounts?$filter=trim(name) eq 'x'"],
  ["accounts?$filter=concat(name,'x') eq 'ax'"],
  ['accounts?$filter=year(createdon) eq 2024 and month(createdon) eq 1 and day(createdon) eq 2'],
  ['accounts?$filter=hour(createdon) eq 1 and minute(createdon) eq 2 and second(createdon) eq 3'],
  ['accounts?$filter=date(createdon) eq 2024-01-01'],
  ['accounts?$filter=createdon lt now()'],
  ['accounts?$filter=round(revenue) eq 1 and floor(revenue) eq 1 and ceiling(revenue) eq 2'],
  ["accounts?$filter=cast(revenue,Edm.String) eq '1'"],
  ['accounts?$filter=isof(Microsoft.Dynamics.CRM.account)'],
  ['accounts?$filter=isof(parentaccountid,Microsoft.Dynamics.CRM.account)'],
  // Dataverse query functions
  ["accounts?$filter=Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=7)"],
  ["accounts?$filter=Microsoft.Dynamics.CRM.Today(PropertyName='createdon')"],
  ["accounts?$filter=Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a','b'])"],
  ["accounts?$filter=Microsoft.Dynamics.CRM.Between(PropertyName='revenue',PropertyValues=['1','5'])"],
  ["systemusers?$filter=Microsoft.Dynamics.CRM.EqualUserId(PropertyName='systemuserid')"],
  ["accounts?$filter=Microsoft.Dynamics.CRM.Under(PropertyName='accountid',PropertyValue='00000000-0000-0000-0000-000000000001')"],
  ["accounts?$filter=Microsoft.Dynamics.CRM.NotIn(PropertyName='name',PropertyValues=@v)&@v=['x']"],
  // lambda
  ["accounts?$filter=contact_customer_accounts/any(c:c/fullname eq 'x')"],
  ["accounts?$filter=contact_customer_accounts/any(c:c/fullname eq 'x' and c/statecode eq 0)"],
  ['accounts?$filter=contact_customer_accounts/all(c:c/statecode eq 0)'],
  ['accounts?$filter=contact_customer_accounts/any()'],
  ["accounts?$filter=contact_customer_accounts/any(c:c/opportunity_customer_contacts/any(o:o/name eq 'x'))"],
  ["accounts?$filter=primarycontactid/fullname eq 'x'"],
  ["accounts?$filter=$it/name eq 'x'"],
  ['accounts?$filter=contact_customer_accounts/$count gt 0'],
  ["accounts?$filter=parentcustomerid_account/Microsoft.Dynamics.CRM.account/name eq 'x'"],
  ['accounts?$filter=name eq $root/accounts(00000000-0000-0000-0000-000000000001)/name'],
  ["accounts?$filter=Items(1)/name eq 'x'"],
  ["accounts?$filter=@Core.Messages/any(m:m/severity eq 'error')"],
  ["accounts?$filter=@a/name eq 'x'&@a=$it"],
  // aliases
  ['accounts?$filter=name eq @n&@n=%27x%27'],
  ['accounts?$filter=revenue gt @r and revenue lt @s&@r=1&@s=5'],
  // $orderby
  ['accounts?$orderby=name'],
  ['accounts?$orderby=name desc,createdon asc'],
  ['accounts?$orderby=primarycontactid/fullname desc'],
  // $expand
  ['accounts?$expand=primarycontactid'],
  ['accounts?$expand=primarycontactid($select=fullname)'],
  ['accounts?$expand=primarycontactid($select=fullname,emailaddress1;$expand=parentcustomerid_account($select=name))'],
  ["accounts?$expand=contact_customer_accounts($select=fullname;$filter=statecode eq 0;$orderby=fullname desc;$top=5)"],
  ['accounts?$expand=contact_customer_accounts($count=true)'],
  ['accounts?$expand=*'],
  ['accounts?$expand=primarycontactid,createdby($select=fullname)'],
  ["accounts?$expand=contact_customer_accounts($filter=contains(fullname,'(x)'))"],
  ['accounts?$expand=parentaccountid($levels=max)'],
  // $apply
  ['accounts?$apply=aggregate($count as count)'],
  ['accounts?$apply=aggregate(revenue with sum as total,revenue with average as avg)'],
  ['accounts?$apply=groupby((statecode))'],
  ['accounts?$apply=groupby((statecode,industrycode),aggregate($count as count))'],
  ['accounts?$apply=filter(statecode eq 0)/groupby((industrycode),aggregate(revenue with max as top))'],
  ['accounts?$apply=groupby((primarycontactid/fullname),aggregate(revenue with countdistinct as n))'],
  // fetchXml, custom and Dataverse options
  ['accounts?fetchXml=<fetch top="5"><entity name="account"><attribute name="name"/></entity></fetch>'],
  ['accounts?fetchXml=%3Cfetch%20top%3D%225%22%3E%3Centity%20name%3D%22account%22%2F%3E%3C%2Ffetch%3E'],
  ['accounts?fetchXml=<fetch><entity name="account"><filter><condition attribute="name" operator="eq" value="A&amp;B"/></filter></entity></fetch>'],
  ['accounts?savedQuery=00000000-0000-0000-0000-000000000001'],
  ['accounts?userQuery=00000000-0000-0000-0000-000000000001'],
  ['accounts?$select=name&$skiptoken=%3Ccookie%20pagenumber%3D%222%22%2F%3E'],
  ['accounts?$top=0'],
  ['accounts?$filter=statecode+eq+0'],
  ['accounts?$filter=statecode%20eq%200&$select=name'],
  ['accounts?$select=name&'],
  ['accounts?$FILTER=statecode eq 0'],
];

const INVALID: Row[] = [
  ['accounts?$filter=(statecode eq 0', [['error', '(', 'never closed']]],
  ['accounts?$filter=((statecode eq 0)', [['error', '(', 'never closed']]],
  ['accounts?$filter=statecode eq 0)', [['error', ')', "Unbalanced ')'"]]],
  ["accounts?$filter=name eq 'abc", [['error', "'abc", 'Unterminated string']]],
  ["accounts?$filter=name eq 'O'Neil'", [['error', 'Neil', 'written twice'], ['error', "'", 'Unterminated string', 3]]],
  ['accounts?$filter=name eq %27abc', [['error', '%27abc', 'Unterminated string']]],
  ['accounts?$filter=statecode eq', [['error', '', 'Expected a value']]],
  ['accounts?$filter=statecode eq ', [['error', '', 'Expected a value']]],
  ['accounts?$filter=', [['error', '', 'Expected a value']]],
  ['accounts?$filter=statecode eq 0 and', [['error', '', 'Expected a value']]],
  ['accounts?$filter=statecode eq 0 and )', [['error', ')', 'Expected a value']]],
  ['accounts?$filter=statecode eq 0 AND name eq 1', [['error', 'AND', "write 'and'"]]],
  ['accounts?$filter=statecode eq 0 foo', [['error', 'foo', 'expected an operator']]],
  ['accounts?$filter=statecode = 0', [['error', '=', 'Compare with eq', 2]]],
  ["accounts?$filter=contains(name)", [['error', 'contains(name)', 'takes 2 arguments, found 1']]],
  ["accounts?$filter=contain(name,'x')", [['error', 'contain', 'did you mean contains()']]],
  ["accounts?$filter=substring(name)", [['error', 'substring(name)', 'takes 2 or 3 arguments']]],
  ['accounts?$filter=now(1) lt createdon', [['error', 'now(1)', 'takes 0 arguments']]],
  ["accounts?$filter=contains(name,'x'", [['error', '(', 'never closed']]],
  ["accounts?$filter=LastXDays(PropertyName='createdon',PropertyValue=7)", [['error', 'LastXDays', 'Microsoft.Dynamics.CRM.LastXDays']]],
  ["accounts?$filter=Microsoft.Dynamics.CRM.LastXDay(PropertyName='createdon',PropertyValue=7)", [['warning', 'Microsoft.Dynamics.CRM.LastXDay', 'did you mean Microsoft.Dynamics.CRM.LastXDays']]],
  ["accounts?$filter=Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon')", [['error', "Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon')", 'needs the parameter PropertyValue']]],
  ["accounts?$filter=Microsoft.Dynamics.CRM.LastXDays('createdon',7)", [['error', "'createdon'", 'named parameters']]],
  ["accounts?$filter=Microsoft.Dynamics.CRM.Today(PropertyName='createdon',PropertyValue=1)", [['error', 'PropertyValue', "Unexpected parameter 'PropertyValue'"]]],
  ["accounts?$filter=Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValue='a')", [['error', "Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValue='a')", 'needs the parameter PropertyValues'], ['error', 'PropertyValue', 'Unexpected parameter']]],
  ['accounts?$filter=contact_customer_accounts/all()', [['error', 'all()', 'needs a variable']]],
  ["accounts?$filter=contact_customer_accounts/any(c:c/contacts/any(c:c/name eq 'x'))", [['error', 'any(c:c/name|c', 'already used']]],
  ["accounts?$filter=contact_customer_accounts/any(c c/name eq 'x')", [['error', 'any(c|c', 'lambda variable']]],
  ['accounts?$filter=primarycontactid/ eq 1', [['error', '/', "after '/'"]]],
  ['accounts?$filter=d eq 2024-13-01', [['error', '13', 'Month 13']]],
  ['accounts?$filter=time(createdon) lt 24:00', [['error', '24', 'Hour 24']]],
  ['accounts?$filter=time(createdon) lt 10:60', [['error', '60', 'Minute 60']]],
  ["accounts?$filter=contains(name,'x' foo) and statecode eq 0", [['error', 'foo', "Expected ')' or ','"]]],
  ["OrderItems(OrderID=1;ItemID='a')", [['error', ';', "Expected ')' or ','"]]],
  ['accounts?$filter=createdon gt 2024-01-01T08:30:15+02:00', [['warning', '+', 'write %2B']]],
  ['accounts?$filter=revenue gt 1e+5', [['warning', '+', 'write %2B']]],
  ['accounts?$filter=d eq 2024-01-32', [['error', '32', 'Day 32']]],
  ['accounts?$filter=d eq 2024-01-01T24:00:00Z', [['error', 'T24|24', 'Hour 24']]],
  ["accounts?$filter=d eq duration'1 day'", [['error', "'1 day'", 'ISO 8601 duration']]],
  ['accounts?$filter=name eq @p1', [['error', '@p1', "'@p1' has no value"]]],
  ['accounts?$filter=name eq @', [['error', '@', 'alias name']]],
  ['accounts?$filter=name eq 1 ~ 2', [['error', '~', "Unexpected character '~'"]]],
  ['accounts?$filter=name eq 50%', [['error', '%', 'Invalid percent-encoding']]],
  ['accounts?$filter=name eq %zz', [['error', '%zz', 'Invalid percent-encoding']]],
  ["accounts?$filter=x eq {'a':1}", [['error', "'a'", 'member name in double quotes']]],
  ['accounts?$filter=name in (1,2', [['error', '(', 'never closed']]],
  ['accounts?$filter=name eq [1,2', [['error', '[', 'never closed']]],
  ['accounts?$filter=Statecode eq 0 Or name eq 1', [['error', 'Or', "write 'or'"]]],
  // $select / $orderby / $expand
  ['accounts?$select=', [['error', '', 'Expected a column name']]],
  ['accounts?$select=name,', [['error', '', 'Expected a column name']]],
  ['accounts?$select=name,,revenue', [['error', ',', 'Expected a column name', 2]]],
  ["accounts?$select='name'", [['error', "'name'", 'Expected a column name']]],
  ['accounts?$select=name revenue', [['error', 'revenue', 'Unexpected']]],
  ['accounts?$orderby=name DESC', [['error', 'DESC', "write 'desc'"]]],
  ['accounts?$orderby=', [['error', '', 'Expected a value']]],
  ['accounts?$expand=', [['error', '', 'Expected a navigation property']]],
  ['accounts?$expand=primarycontactid($select=fullname', [['error', '(', 'never closed']]],
  ['accounts?$expand=primarycontactid($select=fullname))', [['error', ')', "Unbalanced ')'", 2]]],
  ['accounts?$expand=primarycontactid($selct=fullname)', [['error', '$selct', 'did you mean $select']]],
  ['accounts?$expand=primarycontactid($select=fullname;$select=x)', [['error', '$select', 'appears twice', 2]]],
  ['accounts?$expand=primarycontactid($select)', [['error', '$select', "Expected '='"]]],
  ['accounts?$expand=primarycontactid($top=x)', [['error', '=x|x', 'non-negative integer']]],
  ['accounts?$expand=primarycontactid($filter=statecode eq)', [['error', ')', 'Expected a value']]],
  ['accounts?$expand=parentaccountid($levels=0x)', [['error', '0x|x', "Unexpected 'x'"]]],
  // $apply
  ['accounts?$apply=groupby(statecode)', [['error', 'statecode', 'groupby takes the grouping properties in parentheses']]],
  ['accounts?$apply=aggregate(revenue as total)', [['error', 'revenue', "Expected 'with'"]]],
  ['accounts?$apply=aggregate(revenue with total as t)', [['error', 'total', 'Unknown aggregation method']]],
  ['accounts?$apply=aggregate(revenue with sum)', [['error', 'revenue with sum', "Expected 'as'"]]],
  ['accounts?$apply=topcount(5,revenue)', [['warning', 'topcount', "'topcount' transformation"]]],
  ['accounts?$apply=groupby((statecode)', [['error', '(', 'never closed']]],
  ['accounts?$apply=', [['error', '', 'Expected a transformation']]],
  // options
  ['accounts?$skip=10', [['warning', '$skip', 'odata.maxpagesize']]],
  ['accounts?$format=json', [['warning', '$format', 'Accept: application/json']]],
  ['accounts?$search=contoso', [['info', '$search', 'Dataverse search']]],
  ['accounts?$search="contoso', [['info', '$search', 'Dataverse search'], ['error', '"contoso', 'Unterminated phrase']]],
  ['accounts?$search=(a OR b', [['info', '$search', 'Dataverse search'], ['error', '(', 'never closed']]],
  ['accounts?$filer=name eq 1', [['error', '$filer', 'did you mean $filter']]],
  ['accounts?$slect=name', [['error', '$slect', 'did you mean $select']]],
  ['accounts?$bogusoption=1', [['error', '$bogusoption', "Unknown query option '$bogusoption'"]]],
  ['accounts?$top=5&$top=6', [['error', '$top', 'appears twice', 2]]],
  ['accounts?$filter=a eq 1&$filter=b eq 2', [['error', '$filter', 'appears twice', 2]]],
  ['accounts?$top=-1', [['error', '-1', 'must not be negative']]],
  ['accounts?$top=abc', [['error', 'abc', 'non-negative integer']]],
  ['accounts?$top=1.5', [['error', '1.5', 'non-negative integer']]],
  ['accounts?$top=', [['error', '', 'non-negative integer']]],
  ['accounts?$top', [['error', '$top', "Expected '='"]]],
  ['accounts?$count=yes', [['error', 'yes', 'true or false']]],
  ['accounts?top=5', [['warning', 'top', 'write $top']]],
  ['accounts?filter=statecode eq 0', [['warning', 'filter', 'write $filter']]],
  ['accounts?fetchxml=<fetch/>', [['warning', 'fetchxml', "spells this option 'fetchXml'"]]],
  ['accounts?fetchXml=', [['error', '=', 'Expected a FetchXML query']]],
  ['accounts?=5', [['error', '=', 'Expected a query option name']]],
  ['accounts?@p1=1&@p1=2', [['error', '@p1', 'appears twice', 2]]],
  ['accounts?@p1=(1', [['error', '(', 'never closed']]],
  // paths
  ['', [['error', '', 'Expected an entity set']]],
  ['?$top=1', [['error', '^', 'Expected an entity set']]],
  ['accounts(', [['error', '(', 'never closed']]],
  ["accounts(accountnumber='A1'", [['error', '(', 'never closed']]],
  ["accounts(accountnumber='A1)", [['error', "'A1)", 'Unterminated string']]],
  ['contains(', [['error', '(', 'never closed']]],
  ['accounts(1,2)', [['error', '2', 'names each one']]],
  ["accounts(1,name='x')", [['error', '1', 'name every key property']]],
  ['accounts(name eq 1)', [['error', 'name eq 1', 'must be a literal']]],
  ['accounts/$cout', [['error', '$cout', 'did you mean $count']]],
  ['accounts)', [['error', ')', 'segments are separated']]],
  ["'accounts'", [['error', "'accounts'", 'Expected an entity set']]],
  ['https://org.crm.dynamics.com/accounts', [['error', 'com/|/', 'Web API root']]],
  ['https://org.crm.dynamics.com/api/data/accounts', [['error', 'com/|/', 'Web API root']]],
  ['accounts?$filter=name eq 1&$skip=1&$top=x', [['warning', '$skip', 'odata.maxpagesize'], ['error', 'x', 'non-negative integer']]],
];

/** Needle forms: 'text' (nth occurrence), 'context|text' (text inside the nth context), '' (end), '^' (start). */
function spanOf(url: string, needle: string, nth = 1): [number, number] {
  if (needle === '') return [url.trimEnd().length, url.trimEnd().length];
  if (needle === '^') return [0, 0];
  const bar = needle.indexOf('|');
  if (bar > 0) {
    const [context, inner] = [needle.slice(0, bar), needle.slice(bar + 1)];
    const [at] = spanOf(url, context, nth);
    const k = at + context.indexOf(inner);
    return [k, k + inner.length];
  }
  let at = -1;
  for (let k = 0; k < nth; k++) {
    at = url.indexOf(needle, at + 1);
    assert.ok(at >= 0, `test bug: '${needle}' (#${nth}) not in ${url}`);
  }
  return [at, at + needle.length];
}

function describeDiagnostics(url: string, diags: Diagnostic[]): string {
  return diags.map((d) => `${d.severity} [${d.start},${d.end}) '${url.slice(d.start, d.end)}': ${d.message}`).join('\n');
}

describe('parseRequestUrl: a table of valid and invalid URLs', () => {
  test('the table holds at least 150 rows', () => {
    assert.ok(VALID.length + INVALID.length >= 150, `${VALID.length + INVALID.length} rows`);
  });

  for (const [url] of VALID) {
    test(`accepts ${url}`, () => {
      const { diagnostics } = parseRequestUrl(url);
      // Valid queries get no errors; the only notes allowed are the Dataverse hints the INVALID table checks.
      assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), [], describeDiagnostics(url, diagnostics));
    });
  }

  for (const [url, expected = []] of INVALID) {
    test(`reports ${url}`, () => {
      const { diagnostics } = parseRequestUrl(url);
      const actual = describeDiagnostics(url, diagnostics);
      assert.equal(diagnostics.length, expected.length, `expected ${expected.length} diagnostics, got:\n${actual}`);
      expected.forEach(([severity, needle, fragment, nth], k) => {
        const [start, end] = spanOf(url, needle, nth);
        const match = diagnostics.find((d) => d.start === start && d.end === end && d.severity === severity && d.message.includes(fragment));
        assert.ok(match, `#${k}: expected ${severity} at [${start},${end}) '${needle}' containing "${fragment}", got:\n${actual}`);
      });
    });
  }
});

/** Our tree as a parenthesized string: operators and the structure precedence gave them. */
function shape(e: Expr): string {
  switch (e.kind) {
    case 'binary':
      return `(${e.operator} ${shape(e.left)} ${shape(e.right)})`;
    case 'unary':
      return `(${e.operator} ${shape(e.operand)})`;
    case 'paren':
      return shape(e.inner);
    case 'member':
      return e.segments.map((s) => s.name).join('/');
    case 'literal':
      return 'lit';
    case 'call':
      return e.name.name.startsWith('Microsoft.Dynamics.CRM.') ? `crm:${e.name.name.slice(23)}` : `${e.name.name}(${e.args.map((a) => (a.kind === 'namedArgument' ? shape(a.value) : shape(a))).join(',')})`;
    case 'lambda':
      return `${shape(e.collection)}/${e.operator}(${e.variable?.name ?? ''}:${e.predicate ? shape(e.predicate) : ''})`;
    default:
      return e.kind;
  }
}

function sandboxShape(e: SandboxExpr): string {
  switch (e.k) {
    case 'bin':
      return `(${e.op} ${sandboxShape(e.left)} ${sandboxShape(e.right)})`;
    case 'not':
      return `(not ${sandboxShape(e.operand)})`;
    case 'path':
      return e.path.join('/');
    case 'lit':
      return 'lit';
    case 'call':
      return `${e.name}(${e.args.map(sandboxShape).join(',')})`;
    case 'crm':
      return `crm:${e.name}`;
    case 'lambda':
      return `${e.path.join('/')}/${e.op}(${e.variable ?? ''}:${e.predicate ? sandboxShape(e.predicate) : ''})`;
  }
}

describe('parseRequestUrl agrees with the sandbox oracle on the structure of $filter', () => {
  const filters = [
    'a eq 1 or b eq 2 and c eq 3',
    'a eq 1 and b eq 2 or c eq 3',
    '(a eq 1 or b eq 2) and c eq 3',
    "not contains(name,'x') and statecode eq 0",
    "a eq 1 or not (b eq 2 or c eq 3)",
    "contains(name,'x') or startswith(name,'y') and endswith(name,'z')",
    "contact_customer_accounts/any(c:c/fullname eq 'x' or c/statecode eq 0) and name ne null",
    "Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=7) or statecode eq 1",
    "primarycontactid/fullname eq 'Ada' and revenue gt 5",
    'a lt 1 or b le 2 or c gt 3 or d ge 4',
  ];
  for (const f of filters) {
    test(f, () => {
      const ours = parseRequestUrl(`accounts?$filter=${f}`);
      assert.deepEqual(ours.diagnostics, []);
      const value = ours.tree.options[0].value;
      assert.equal(value.kind, 'filter');
      assert.equal(shape(value.kind === 'filter' ? value.expr : ({ kind: 'missing', start: 0, end: 0 } as Expr)), sandboxShape(parseFilter(f)));
    });
  }
});

describe('parseRequestUrl: tree and positions', () => {
  test('every node of a $filter carries the offsets of its text', () => {
    const url = "accounts?$filter=statecode eq 0 and contains(name,'con')";
    const { tree } = parseRequestUrl(url);
    const option = tree.options[0];
    assert.equal(url.slice(option.name.start, option.name.end), '$filter');
    assert.equal(option.value.kind, 'filter');
    if (option.value.kind !== 'filter' || option.value.expr.kind !== 'binary') return assert.fail('expected an and');
    const and = option.value.expr;
    assert.equal(and.operator, 'and');
    assert.equal(url.slice(and.start, and.end), "statecode eq 0 and contains(name,'con')");
    assert.equal(url.slice(and.left.start, and.left.end), 'statecode eq 0');
    assert.equal(url.slice(and.right.start, and.right.end), "contains(name,'con')");
    assert.equal(url.slice(and.operatorSpan.start, and.operatorSpan.end), 'and');
  });

  test('percent-encoded text keeps offsets into the original', () => {
    const url = 'accounts?$filter=name%20eq%20%27O%27%27Neil%27';
    const { tree, diagnostics } = parseRequestUrl(url);
    assert.deepEqual(diagnostics, []);
    const v = tree.options[0].value;
    if (v.kind !== 'filter' || v.expr.kind !== 'binary' || v.expr.right.kind !== 'literal') return assert.fail('expected name eq literal');
    assert.equal(v.expr.right.value, "O'Neil");
    assert.equal(url.slice(v.expr.right.start, v.expr.right.end), '%27O%27%27Neil%27');
  });

  test('an encoded & stays inside its value', () => {
    const { tree } = parseRequestUrl("accounts?$filter=name eq 'A%26B'&$top=1");
    assert.equal(tree.options.length, 2);
    const v = tree.options[0].value;
    if (v.kind !== 'filter' || v.expr.kind !== 'binary' || v.expr.right.kind !== 'literal') return assert.fail('expected a literal');
    assert.equal(v.expr.right.value, 'A&B');
  });

  test('fetchXml keeps the raw XML and its span', () => {
    const xml = '<fetch top="5"><entity name="account"><attribute name="name"/></entity></fetch>';
    const url = `accounts?fetchXml=${xml}&$top=1`;
    const { tree } = parseRequestUrl(url);
    const option = tree.options[0];
    assert.deepEqual(option.value, { kind: 'fetchXml', xml });
    assert.equal(url.slice(option.valueSpan.start, option.valueSpan.end), xml);
  });

  test('keys, alternate keys and functions in the path', () => {
    const a = parseRequestUrl("accounts(accountnumber='A1')/contact_customer_accounts/$count").tree.path;
    assert.equal(a.entitySet?.name, 'accounts');
    assert.deepEqual(a.segments.map((s) => s.name.name), ['accounts', 'contact_customer_accounts', '$count']);
    const key = a.segments[0].args?.[0];
    assert.equal(key?.kind, 'namedArgument');
    const w = parseRequestUrl('WhoAmI()').tree.path;
    assert.equal(w.entitySet, undefined);
    assert.deepEqual(w.segments[0].args, []);
    const abs = parseRequestUrl('https://org.crm.dynamics.com/api/data/v9.2/accounts?$top=1').tree;
    assert.equal(abs.serviceRoot?.text, 'https://org.crm.dynamics.com/api/data/v9.2/');
    assert.equal(abs.path.entitySet?.name, 'accounts');
  });

  test('precedence: mul before add before comparison; has and in bind tightest', () => {
    const v = parseRequestUrl('accounts?$filter=a add b mul c eq d in (1,2)').tree.options[0].value;
    assert.equal(v.kind === 'filter' && shape(v.expr), '(eq (add a (mul b c)) (in d lit))'.replace('lit', 'list'));
  });

  test('literals of every primitive type are read with their type and value', () => {
    const cases: [string, string, string, string?][] = [
      ["'O''Neil'", 'string', "O'Neil"],
      ['null', 'null', 'null'],
      ['true', 'boolean', 'true'],
      ['00000000-0000-0000-0000-00000000000A', 'guid', '00000000-0000-0000-0000-00000000000A'],
      ['2024-02-29', 'date', '2024-02-29'],
      ['2024-02-29T10:00:00.5Z', 'dateTimeOffset', '2024-02-29T10:00:00.5Z'],
      ['13:45:00', 'timeOfDay', '13:45:00'],
      ["duration'PT1H'", 'duration', 'PT1H'],
      ['42', 'integer', '42'],
      ['-42', 'integer', '-42'],
      ['4.2', 'decimal', '4.2'],
      ['4.2e-3', 'double', '4.2e-3'],
      ['INF', 'double', 'INF'],
      ['-INF', 'double', '-INF'],
      ['NaN', 'double', 'NaN'],
      ["binary'AQID'", 'binary', 'AQID'],
      ["geography'SRID=4326;Point(1 2)'", 'geography', 'SRID=4326;Point(1 2)'],
      ["Microsoft.Dynamics.CRM.AccountState'Active'", 'enum', 'Active', 'Microsoft.Dynamics.CRM.AccountState'],
    ];
    for (const [raw, type, value, typeName] of cases) {
      const url = `accounts?$filter=x eq ${raw}`;
      const { tree, diagnostics } = parseRequestUrl(url);
      assert.deepEqual(diagnostics, [], raw);
      const v = tree.options[0].value;
      if (v.kind !== 'filter' || v.expr.kind !== 'binary' || v.expr.right.kind !== 'literal') return assert.fail(`${raw}: expected a literal`);
      const literal = v.expr.right;
      assert.deepEqual([literal.type, literal.value, literal.typeName], [type, value, typeName], raw);
      assert.equal(url.slice(literal.start, literal.end), raw);
    }
  });

  test('nested $expand options are a tree with their own positions', () => {
    const url = 'accounts?$expand=primarycontactid($select=fullname;$expand=parentcustomerid_account($select=name))';
    const v = parseRequestUrl(url).tree.options[0].value;
    if (v.kind !== 'expand') return assert.fail('expected $expand');
    const inner = v.items[0].options[1];
    assert.equal(inner.key, '$expand');
    if (inner.value.kind !== 'expand') return assert.fail('expected nested $expand');
    const deepest = inner.value.items[0].options[0];
    assert.equal(url.slice(deepest.start, deepest.end), '$select=name');
  });

  test('a 5,000-deep parenthesis nest is one diagnostic, not a RangeError', () => {
    const url = `accounts?$filter=${'('.repeat(5000)}a eq 1${')'.repeat(5000)}`;
    const { diagnostics } = parseRequestUrl(url);
    assert.ok(diagnostics.some((d) => d.message.includes('nest deeper')), describeDiagnostics(url, diagnostics).slice(0, 500));
    assert.ok(diagnostics.every((d) => !d.message.startsWith('Internal')));
    assert.ok(diagnostics.length < 5);
  });

  test('deep not, minus, expand and function nests are diagnostics too', () => {
    for (const url of [
      `accounts?$filter=${'not '.repeat(5000)}a`,
      `accounts?$filter=${'-'.repeat(5000)}a eq 1`,
      `accounts?$expand=${'a($expand='.repeat(3000)}b${')'.repeat(3000)}`,
      `accounts?$filter=${'tolower('.repeat(5000)}a${')'.repeat(5000)} eq 'x'`,
      `accounts?$filter=${'a/any(x:'.repeat(3000)}x eq 1${')'.repeat(3000)}`,
      `accounts?@p=${'['.repeat(5000)}`,
      `accounts?$apply=${'groupby((a),'.repeat(2000)}`,
    ]) {
      const { diagnostics } = parseRequestUrl(url);
      assert.ok(diagnostics.some((d) => d.message.includes('nest deeper')), url.slice(0, 40));
      assert.ok(diagnostics.every((d) => !d.message.startsWith('Internal')), url.slice(0, 40));
    }
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contextAt, parseRequestUrl, type CompletionContext } from '../../../src/odata/index';

/** `|` marks the cursor; it is removed before parsing. */
function at(marked: string): CompletionContext {
  const offset = marked.indexOf('|');
  assert.ok(offset >= 0, 'test bug: no cursor');
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  return contextAt(parseRequestUrl(text).tree, offset);
}

type Want = Partial<CompletionContext>;
const CASES: [string, Want][] = [
  // the resource path
  ['|', { slot: 'entitySet', partial: '' }],
  ['acc|', { slot: 'entitySet', partial: 'acc' }],
  ['ac|counts', { slot: 'entitySet', partial: 'ac', replaceStart: 0, replaceEnd: 8 }],
  ['accounts|', { slot: 'entitySet', partial: 'accounts' }],
  ['https://org.crm.dynamics.com/api/data/v9.2/acc|', { slot: 'entitySet', partial: 'acc' }],
  ['/api/data/v9.2/cont|', { slot: 'entitySet', partial: 'cont' }],
  ['accounts(|', { slot: 'keyOrParameter', entitySet: 'accounts' }],
  ["accounts(accountnumber='A|1')", { slot: 'keyOrParameter' }],
  ['accounts(00000000-0000-0000-0000-000000000001)/|', { slot: 'pathSegment', partial: '', memberPath: ['accounts'] }],
  ['accounts(00000000-0000-0000-0000-000000000001)/contact_|', { slot: 'pathSegment', partial: 'contact_', memberPath: ['accounts'] }],
  ['accounts/$co|', { slot: 'pathSegment', partial: '$co' }],
  // query option names
  ['accounts?|', { slot: 'queryOptionName', partial: '', entitySet: 'accounts' }],
  ['accounts?$|', { slot: 'queryOptionName', partial: '$' }],
  ['accounts?$sel|', { slot: 'queryOptionName', partial: '$sel' }],
  ['accounts?$select=name&|', { slot: 'queryOptionName', partial: '' }],
  ['accounts?$select=name&$fi|', { slot: 'queryOptionName', partial: '$fi' }],
  ['accounts?$fi|lter=statecode eq 0', { slot: 'queryOptionName', partial: '$fi', replaceStart: 9, replaceEnd: 16 }],
  // $select
  ['accounts?$select=|', { slot: 'selectItem', partial: '', option: '$select', entitySet: 'accounts' }],
  ['accounts?$select=na|', { slot: 'selectItem', partial: 'na' }],
  ['accounts?$select=name,|', { slot: 'selectItem', partial: '' }],
  ['accounts?$select=name,acc|', { slot: 'selectItem', partial: 'acc' }],
  ['accounts?$select=name,acc|&$top=1', { slot: 'selectItem', partial: 'acc' }],
  ['contacts?$select=full|name,emailaddress1', { slot: 'selectItem', partial: 'full', entitySet: 'contacts' }],
  // $filter operands and operators
  ['accounts?$filter=|', { slot: 'filterOperand', partial: '', option: '$filter' }],
  ['accounts?$filter=sta|', { slot: 'filterOperand', partial: 'sta' }],
  ['accounts?$filter=statecode |', { slot: 'filterOperator', partial: '' }],
  ['accounts?$filter=statecode e|', { slot: 'filterOperator', partial: 'e' }],
  ['accounts?$filter=statecode eq |', { slot: 'filterOperand', partial: '' }],
  ['accounts?$filter=statecode eq 0 |', { slot: 'filterOperator' }],
  ['accounts?$filter=statecode eq 0 an|', { slot: 'filterOperator', partial: 'an' }],
  ['accounts?$filter=statecode eq 0 and |', { slot: 'filterOperand', partial: '' }],
  ['accounts?$filter=statecode eq 0 and na|', { slot: 'filterOperand', partial: 'na' }],
  ["accounts?$filter=name eq 'x' |", { slot: 'filterOperator' }],
  ["accounts?$filter=name eq 'x' or |", { slot: 'filterOperand' }],
  ["accounts?$filter=name eq 'con|", { slot: 'none' }],
  ["accounts?$filter=contains(|", { slot: 'filterOperand' }],
  ["accounts?$filter=contains(na|", { slot: 'filterOperand', partial: 'na' }],
  ["accounts?$filter=contains(name,'x') |", { slot: 'filterOperator' }],
  ["accounts?$filter=contains(name,'x') and |", { slot: 'filterOperand' }],
  ['accounts?$filter=not |', { slot: 'filterOperand' }],
  ['accounts?$filter=(|', { slot: 'filterOperand' }],
  ['accounts?$filter=(statecode eq 0) |', { slot: 'filterOperator' }],
  ['accounts?$filter=primarycontactid/|', { slot: 'filterOperand', partial: '', memberPath: ['primarycontactid'] }],
  ['accounts?$filter=primarycontactid/full|', { slot: 'filterOperand', partial: 'full', memberPath: ['primarycontactid'] }],
  ['accounts?$filter=a/b/c|', { slot: 'filterOperand', partial: 'c', memberPath: ['a', 'b'] }],
  ['accounts?$filter=statecode eq 0&$top=1|', { slot: 'queryOptionValue', option: '$top' }],
  ['accounts?$filter=name in (|', { slot: 'filterOperand' }],
  // lambda variables in scope
  ['accounts?$filter=contact_customer_accounts/any(c:c/|', { slot: 'filterOperand', memberPath: ['c'], lambdaVariables: ['c'] }],
  ['accounts?$filter=contact_customer_accounts/any(c:c/full|', { slot: 'filterOperand', partial: 'full', lambdaVariables: ['c'] }],
  ["accounts?$filter=contact_customer_accounts/any(c:c/fullname eq 'x' and |)", { slot: 'filterOperand', lambdaVariables: ['c'] }],
  ["accounts?$filter=contact_customer_accounts/any(c:c/fullname eq 'x') and |", { slot: 'filterOperand', lambdaVariables: [] }],
  ['accounts?$filter=a/any(x:x/b/any(y:y/|', { slot: 'filterOperand', memberPath: ['y'], lambdaVariables: ['x', 'y'] }],
  ["accounts?$filter=Microsoft.Dynamics.CRM.LastXDays(PropertyName='cre|", { slot: 'queryFunctionProperty', partial: 'cre' }],
  ["accounts?$filter=Microsoft.Dynamics.CRM.LastXDays(PropertyName='cre|atedon',PropertyValue=7)", { slot: 'queryFunctionProperty', partial: 'cre', replaceStart: 64, replaceEnd: 73 }],
  ["accounts?$filter=Microsoft.Dynamics.CRM.In(PropertyName='|',PropertyValues=['a'])", { slot: 'queryFunctionProperty', partial: '' }],
  ["accounts?$filter=Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=|", { slot: 'filterOperand' }],
  // $orderby
  ['accounts?$orderby=|', { slot: 'orderbyItem', option: '$orderby' }],
  ['accounts?$orderby=na|', { slot: 'orderbyItem', partial: 'na' }],
  ['accounts?$orderby=name |', { slot: 'orderbyDirection' }],
  ['accounts?$orderby=name de|', { slot: 'orderbyDirection', partial: 'de' }],
  ['accounts?$orderby=name desc,|', { slot: 'orderbyItem' }],
  // $expand and nested options
  ['accounts?$expand=|', { slot: 'expandNavigation', partial: '', expandPath: [] }],
  ['accounts?$expand=prim|', { slot: 'expandNavigation', partial: 'prim' }],
  ['accounts?$expand=primarycontactid,cre|', { slot: 'expandNavigation', partial: 'cre' }],
  ['accounts?$expand=primarycontactid(|', { slot: 'expandOptionName', expandPath: ['primarycontactid'] }],
  ['accounts?$expand=primarycontactid($se|', { slot: 'expandOptionName', partial: '$se', expandPath: ['primarycontactid'] }],
  ['accounts?$expand=primarycontactid($select=|', { slot: 'selectItem', option: '$select', expandPath: ['primarycontactid'] }],
  ['accounts?$expand=primarycontactid($select=full|', { slot: 'selectItem', partial: 'full', expandPath: ['primarycontactid'] }],
  ['accounts?$expand=primarycontactid($select=fullname;|', { slot: 'expandOptionName', expandPath: ['primarycontactid'] }],
  ['accounts?$expand=primarycontactid($select=fullname;$filter=st|', { slot: 'filterOperand', partial: 'st', option: '$filter', expandPath: ['primarycontactid'] }],
  ['accounts?$expand=primarycontactid($filter=statecode |)', { slot: 'filterOperator', expandPath: ['primarycontactid'] }],
  ['accounts?$expand=primarycontactid($expand=parentcustomerid_account($select=na|', { slot: 'selectItem', partial: 'na', expandPath: ['primarycontactid', 'parentcustomerid_account'] }],
  ['accounts?$expand=primarycontactid($expand=pare|', { slot: 'expandNavigation', partial: 'pare', expandPath: ['primarycontactid'] }],
  ['accounts?$expand=contact_customer_accounts($filter=statecode eq |', { slot: 'filterOperand', option: '$filter', expandPath: ['contact_customer_accounts'] }],
  ['accounts?$expand=primarycontactid($select=fullname)|', { slot: 'expandNavigation' }],
  ['accounts?$expand=primarycontactid($select=fullname),|', { slot: 'expandNavigation', partial: '', expandPath: [] }],
  // $apply and aliases
  ['accounts?$apply=filter(st|', { slot: 'filterOperand', partial: 'st', option: '$apply' }],
  ['accounts?$filter=name eq @p&@p=|', { slot: 'filterOperand', option: '@p' }],
  // percent-encoded text
  ['accounts?$filter=statecode%20eq%200%20and%20na|', { slot: 'filterOperand', partial: 'na' }],
];

describe('contextAt: the slot under the cursor in half-typed text', () => {
  for (const [marked, want] of CASES) {
    test(marked, () => {
      const got = at(marked);
      const picked = Object.fromEntries(Object.keys(want).map((k) => [k, got[k as keyof CompletionContext]]));
      assert.deepEqual(picked, want);
    });
  }

  test('every offset of a long half-typed URL gives a context, and names under the cursor are prefixes of the text', () => {
    const text = "accounts?$select=name,acc&$filter=contact_customer_accounts/any(c:c/fullname eq 'x') and Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=7) and st&$expand=primarycontactid($select=fullname;$filter=statecode eq 0;$expand=parentcustomerid_account($select=na&$orderby=name de";
    const { tree } = parseRequestUrl(text);
    for (let offset = 0; offset <= text.length; offset++) {
      const ctx = contextAt(tree, offset);
      assert.ok(ctx.replaceStart <= offset && offset <= ctx.replaceEnd, `offset ${offset}`);
      assert.equal(text.slice(ctx.replaceStart, offset), ctx.partial, `offset ${offset}`);
    }
  });
});

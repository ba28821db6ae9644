/**
 * The metadata service against the full-scale sandbox org (contososales):
 * the table list, columns through their derived types, choices, relationships
 * and keys; and label choice against a fake org with several languages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Sandbox, startSandbox } from '../../../../sandbox/index';
import { WIDE_TABLE } from '../../../../sandbox/dataverse/generatedSchema';
import type { FetchLike } from '../../../../src/dataverse/http';
import { MetadataService, TABLE_LIST_PATH, TABLE_LIST_WITH_STAMP_PATH } from '../../../../src/dataverse/metadata/metadataService';
import { WebApiClient, type WebApiResponseEvent } from '../../../../src/dataverse/webApiClient';
import { sandboxClient } from '../sandboxClient';

let sandbox: Sandbox;
let service: MetadataService;
let responses: WebApiResponseEvent[];
before(async () => {
  sandbox = await startSandbox();
  const made = sandboxClient(sandbox);
  responses = made.responses;
  service = new MetadataService(made.client);
});
after(async () => {
  await sandbox.close();
});

describe('MetadataService on contososales', () => {
  test('the table list is one request selecting only what the list needs', async () => {
    responses.length = 0;
    const tables = await service.tables();
    assert.equal(responses.length, 1);
    assert.ok(TABLE_LIST_PATH.startsWith('EntityDefinitions?$select='));
    assert.ok(!TABLE_LIST_PATH.includes('$expand'));
    assert.equal(tables.length, 1000);
    assert.deepEqual(tables.map((t) => t.logicalName), [...tables.map((t) => t.logicalName)].sort());
    const account = tables.find((t) => t.logicalName === 'account')!;
    assert.equal(account.entitySetName, 'accounts');
    assert.equal(account.schemaName, 'Account');
    assert.equal(account.displayName, 'Account');
    assert.equal(account.displayCollectionName, 'Accounts');
    assert.equal(account.primaryIdAttribute, 'accountid');
    assert.equal(account.primaryNameAttribute, 'name');
    assert.equal(account.kind, 'system');
    assert.equal(account.objectTypeCode, 1);
    assert.match(account.metadataId, /^[0-9a-f-]{36}$/);
    const kinds = new Set(tables.map((t) => t.kind));
    for (const k of ['system', 'custom', 'activity', 'intersect']) assert.ok(kinds.has(k as never), `some table is ${k}`);
    assert.ok(tables.filter((t) => t.kind === 'activity').every((t) => t.isActivity && !t.isIntersect));
    assert.ok(tables.filter((t) => t.kind === 'custom').every((t) => t.isCustom));
    assert.equal(tables.find((t) => t.logicalName === 'systemuserroles')?.kind, 'intersect');
  });

  test('the full load is one RetrieveMetadataChanges request: the same tables as the list, and the stamp they are current to', async () => {
    const listed = await service.tables();
    responses.length = 0;
    const { tables, stamp } = await service.loadTablesWithStamp();
    assert.equal(responses.length, 1);
    assert.ok(TABLE_LIST_WITH_STAMP_PATH.startsWith('RetrieveMetadataChanges(Query=@q)'));
    assert.ok(!decodeURIComponent(TABLE_LIST_WITH_STAMP_PATH).includes('AttributeQuery'), 'no columns in the full load');
    assert.deepEqual(tables, listed);
    assert.equal(typeof stamp, 'string');
    // The stamp is one Dataverse takes back: nothing changed since.
    const changes = await service.changesSince(stamp);
    assert.deepEqual(changes.tables, []);
  });

  test('columns come with their derived-type properties: max length, format, targets, the _x_value name', async () => {
    const columns = await service.columns('account');
    const name = columns.find((c) => c.logicalName === 'name')!;
    assert.equal(name.metadataType, 'StringAttributeMetadata');
    assert.equal(name.maxLength, 160);
    assert.equal(name.isPrimaryName, true);
    assert.equal(name.requiredLevel, 'ApplicationRequired');
    assert.equal(columns.find((c) => c.logicalName === 'accountid')?.isPrimaryId, true);
    const contact = columns.find((c) => c.logicalName === 'primarycontactid')!;
    assert.equal(contact.type, 'Lookup');
    assert.deepEqual(contact.targets, ['contact']);
    assert.equal(contact.lookupValueName, '_primarycontactid_value');
    assert.equal(columns.find((c) => c.logicalName === 'industrycode')?.hasChoices, true);
    assert.equal(name.hasChoices, false);
  });

  test(`the 420-column table (${WIDE_TABLE}) comes in one request`, async () => {
    responses.length = 0;
    const columns = await service.columns(WIDE_TABLE);
    assert.equal(responses.length, 1);
    assert.ok(columns.length >= 420, `${columns.length} columns`);
    assert.equal(new Set(columns.map((c) => c.logicalName)).size, columns.length);
  });

  test('choices: values, labels and colors of every choice column; status reasons name their state; yes/no is false then true', async () => {
    const choices = await service.choices('account');
    const region = choices['new_region']!;
    assert.equal(region.kind, 'Picklist');
    assert.deepEqual(region.options[0], { value: 100000000, label: 'North America', color: '#0078d4', description: '' });
    assert.equal(choices['creditonhold']?.kind, 'Boolean');
    assert.deepEqual(choices['creditonhold']?.options.map((o) => o.value), [0, 1]);
    assert.equal(choices['statecode']?.kind, 'State');
    const status = choices['statuscode']!;
    assert.equal(status.kind, 'Status');
    assert.ok(status.options.every((o) => typeof o.state === 'number'));
    assert.ok(!('name' in choices), 'a text column has no choices');
  });

  test('one column\'s choices through the cast single attribute', async () => {
    responses.length = 0;
    const set = await service.columnChoices('account', { logicalName: 'industrycode', metadataType: 'PicklistAttributeMetadata' });
    assert.equal(responses.length, 1);
    assert.match(responses[0]!.url, /Attributes\(LogicalName='industrycode'\)\/Microsoft\.Dynamics\.CRM\.PicklistAttributeMetadata$/);
    assert.equal(set?.options.find((o) => o.value === 1)?.label, 'Accounting');
    assert.equal(await service.columnChoices('account', { logicalName: 'name', metadataType: 'StringAttributeMetadata' }), undefined);
  });

  test('relationships: N:1 with the single-valued navigation property, 1:N and N:N with the collection-valued one', async () => {
    const rels = await service.relationships('account');
    const primaryContact = rels.find((r) => r.kind === 'ManyToOne' && r.referencingAttribute === 'primarycontactid');
    assert.ok(primaryContact && primaryContact.kind === 'ManyToOne');
    assert.equal(primaryContact.relatedTable, 'contact');
    assert.equal(primaryContact.navigationProperty, 'primarycontactid');
    const contacts = rels.find((r) => r.kind === 'OneToMany' && r.referencingTable === 'contact' && r.referencingAttribute === 'parentcustomerid');
    assert.ok(contacts && contacts.kind === 'OneToMany');
    assert.equal(contacts.navigationProperty, contacts.referencedNavigationProperty);
    assert.equal(contacts.relatedTable, 'contact');
    const userRoles = await service.relationships('systemuser');
    const nn = userRoles.find((r) => r.kind === 'ManyToMany' && r.schemaName === 'systemuserroles_association');
    assert.ok(nn && nn.kind === 'ManyToMany');
    assert.equal(nn.relatedTable, 'role');
    assert.equal(nn.intersectTable, 'systemuserroles');
    assert.equal(nn.navigationProperty, 'systemuserroles_association');
  });

  test('alternate keys name their columns', async () => {
    const keys = await service.keys('account');
    assert.deepEqual(keys.map((k) => [k.logicalName, k.keyAttributes, k.indexStatus]), [['new_accountnumberkey', ['accountnumber'], 'Active']]);
  });

  test('a table name that is not a logical name is refused before any request', async () => {
    responses.length = 0;
    await assert.rejects(service.columns("account')/x"), /not a table logical name/);
    assert.equal(responses.length, 0);
  });
});

describe('MetadataService labels', () => {
  const label = (labels: Array<[string, number]>, user: [string, number] | null) => ({
    LocalizedLabels: labels.map(([Label, LanguageCode]) => ({ Label, LanguageCode })),
    UserLocalizedLabel: user ? { Label: user[0], LanguageCode: user[1] } : null,
  });
  const org = (tables: unknown[], base = 1036): { fetch: FetchLike; urls: string[] } => {
    const urls: string[] = [];
    return {
      urls,
      fetch: async (url) => {
        urls.push(url);
        if (url.includes('organizations')) return Response.json({ value: [{ languagecode: base }] });
        return Response.json({ value: tables });
      },
    };
  };
  const table = (displayName: unknown) => ({ MetadataId: 'A0000000-0000-0000-0000-000000000001', LogicalName: 'x', SchemaName: 'X', EntitySetName: 'xs', DisplayName: displayName, ObjectTypeCode: 1 });
  const tokens = { getToken: async () => ({ accessToken: 't' }) };

  test('the language asked for wins; else the user\'s label; no base-language request when not needed', async () => {
    const { fetch, urls } = org([table(label([['Compte', 1036], ['Konto', 1031]], ['Account', 1033]))]);
    const client = new WebApiClient({ orgUrl: 'https://org.example.com', tokens, fetch });
    assert.equal((await new MetadataService(client, { languageCode: 1031 }).tables())[0]!.displayName, 'Konto');
    assert.equal((await new MetadataService(client).tables())[0]!.displayName, 'Account');
    assert.equal((await new MetadataService(client, { languageCode: 1041 }).tables())[0]!.displayName, 'Account');
    assert.ok(!urls.some((u) => u.includes('organizations')));
  });

  test('without a label in the user\'s language, the org\'s base language is read once and used, then any label', async () => {
    const { fetch, urls } = org([table(label([['Konto', 1031], ['Compte', 1036]], null)), { ...table(label([['Cuenta', 3082]], null)), LogicalName: 'y' }]);
    const service = new MetadataService(new WebApiClient({ orgUrl: 'https://org.example.com', tokens, fetch }));
    const tables = await service.tables();
    assert.deepEqual(tables.map((t) => t.displayName), ['Compte', 'Cuenta']);
    await service.tables();
    assert.equal(urls.filter((u) => u.includes('organizations?$select=languagecode')).length, 1);
  });

  test('a missing or empty label is an empty string, and the metadata id is lower case', async () => {
    const { fetch } = org([table(label([], null)), { ...table(undefined), LogicalName: 'y' }]);
    const tables = await new MetadataService(new WebApiClient({ orgUrl: 'https://org.example.com', tokens, fetch })).tables();
    assert.deepEqual(tables.map((t) => t.displayName), ['', '']);
    assert.equal(tables[0]!.metadataId, 'a0000000-0000-0000-0000-000000000001');
  });
});

describe('MetadataService solutions on contososales', () => {
  test('the visible solutions, sorted by display name, and Contoso Core\'s tables by MetadataId', async () => {
    const solutions = await service.solutions();
    assert.deepEqual(solutions.map((s) => s.friendlyName), ['Common Data Services Default Solution', 'Contoso Core', 'Field Service']);
    const core = solutions.find((s) => s.uniqueName === 'ContosoCore')!;
    assert.equal(core.isManaged, false);
    const ids = await service.solutionTableIds(core.solutionId);
    const tables = await service.tables();
    assert.deepEqual(tables.filter((t) => ids.has(t.metadataId)).map((t) => t.logicalName), ['account', 'contact', 'new_project', 'new_projecttask']);
    assert.equal(ids.size, 4);
  });
});

// Ids in upper case and a hostile solution id are cases the sandbox does not produce; a fake org answers as the Web API documents.
describe('MetadataService solutions', () => {
  const tokens = { getToken: async () => ({ accessToken: 't' }) };
  const SOLUTION = '5f1b1c1e-0000-4000-8000-000000000001';

  test('visible solutions sorted by display name; a solution\'s tables are its Entity components', async () => {
    const urls: string[] = [];
    const fetch: FetchLike = async (url) => {
      urls.push(decodeURIComponent(url));
      if (url.includes('solutioncomponents')) return Response.json({ value: [{ objectid: 'F43F69B2-9CBD-4D3C-8EBF-816A68B41A72' }, { objectid: '11111111-2222-4333-8444-555555555555' }] });
      return Response.json({ value: [{ solutionid: SOLUTION, uniquename: 'ContosoSales', friendlyname: 'Contoso Sales', ismanaged: false }, { solutionid: '5f1b1c1e-0000-4000-8000-000000000002', uniquename: 'Active', friendlyname: 'Active Solution', ismanaged: false }] });
    };
    const service = new MetadataService(new WebApiClient({ orgUrl: 'https://org.example.com', tokens, fetch }));
    assert.deepEqual((await service.solutions()).map((s) => s.uniqueName), ['Active', 'ContosoSales']);
    assert.match(urls[0]!, /solutions\?\$select=solutionid,uniquename,friendlyname,ismanaged&\$filter=isvisible eq true$/);
    const ids = await service.solutionTableIds(SOLUTION);
    assert.ok(ids.has('f43f69b2-9cbd-4d3c-8ebf-816a68b41a72'), 'ids are compared in lower case, like MetadataId');
    assert.match(urls[1]!, new RegExp(`_solutionid_value eq ${SOLUTION} and componenttype eq 1$`));
    await assert.rejects(service.solutionTableIds("x' or 1 eq 1"), /not a solution id/);
  });
});

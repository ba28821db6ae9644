/**
 * The Dataverse Web API stand-in over http, as a client would see it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, USERS } from '../../../sandbox/seed';
import { makeKeys, mintToken, odata, startDiscovery, startOrg, type Keys, type Running } from './dataverseHelpers';

const API = '/api/data/v9.2';
let keys: Keys;
let sales: Running;
let dev: Running;
let adeleSales: string;
let adeleDev: string;
const adele = USERS.find((u) => u.upn.startsWith('adele'))!;
const alex = USERS.find((u) => u.upn.startsWith('alex'))!;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions walk arbitrary response JSON
type Json = Record<string, any>;
async function json(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

before(async () => {
  keys = await makeKeys();
  sales = await startOrg(keys, 'contososales');
  dev = await startOrg(keys, 'contosodev');
  adeleSales = await mintToken(keys, { aud: sales.url, user: adele });
  adeleDev = await mintToken(keys, { aud: `${dev.url}/`, user: adele });
});

after(async () => {
  await sales.close();
  await dev.close();
});

describe('authentication', () => {
  test('no token: 401 with a challenge naming the tenant and the resource', async () => {
    const res = await odata(`${sales.url}${API}/`, undefined);
    assert.equal(res.status, 401);
    const header = res.headers.get('www-authenticate') ?? '';
    assert.match(header, /^Bearer\s+/);
    const params = Object.fromEntries(header.replace(/^Bearer\s+/, '').split(',').map((p) => p.trim().split('=') as [string, string]));
    assert.equal(params['authorization_uri'], 'https://127.0.0.2:40000/8f0c9a3e-5b2d-4c1e-9a7f-3d6e2b1c4a50/oauth2/authorize');
    assert.equal(params['resource_id'], `${sales.url}/`);
  });

  test('expired token: 401 with the challenge', async () => {
    const token = await mintToken(keys, { aud: sales.url, user: adele, issuedAt: Math.floor(Date.now() / 1000) - 7200, expiresIn: 3600 });
    const res = await odata(`${sales.url}${API}/WhoAmI`, token);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /resource_id=/);
  });

  test('expired by less than the 5-minute skew is still accepted', async () => {
    const token = await mintToken(keys, { aud: sales.url, user: adele, issuedAt: Math.floor(Date.now() / 1000) - 3700, expiresIn: 3600 });
    assert.equal((await odata(`${sales.url}${API}/WhoAmI`, token)).status, 200);
  });

  test('token for another org: 401 (wrong audience)', async () => {
    const res = await odata(`${sales.url}${API}/WhoAmI`, adeleDev);
    assert.equal(res.status, 401);
  });

  test('token signed by an unknown key: 401', async () => {
    const other = await makeKeys();
    const token = await mintToken(other, { aud: sales.url, user: adele });
    assert.equal((await odata(`${sales.url}${API}/WhoAmI`, token)).status, 401);
  });

  test('app without an application user: 403 0x80072560', async () => {
    const app = APPS.find((a) => a.applicationUserIn.length === 0 && a.kind === 'secret')!;
    const token = await mintToken(keys, { aud: sales.url, app });
    const res = await odata(`${sales.url}${API}/WhoAmI`, token);
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { error: { code: '0x80072560', message: 'The user is not a member of the organization.' } });
  });

  test('user who is not a systemuser of the org: 403 0x80072560', async () => {
    const token = await mintToken(keys, { aud: sales.url, user: alex });
    const res = await odata(`${sales.url}${API}/WhoAmI`, token);
    assert.equal(res.status, 403);
    assert.equal((await json(res)).error.code, '0x80072560');
  });

  test('app with an application user gets WhoAmI with its own systemuser', async () => {
    const app = APPS.find((a) => a.applicationUserIn.includes('contososales'))!;
    const token = await mintToken(keys, { aud: `${sales.url}/`, app });
    const res = await odata(`${sales.url}${API}/WhoAmI`, token);
    assert.equal(res.status, 200);
    const who = await json(res);
    const user = await json(await odata(`${sales.url}${API}/systemusers(${who.UserId})?$select=applicationid,fullname`, token));
    assert.equal(user.applicationid, app.clientId);
  });
});

describe('service documents', () => {
  test('WhoAmI returns ids with @odata.context and OData headers', async () => {
    const res = await odata(`${sales.url}${API}/WhoAmI`, adeleSales);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('odata-version'), '4.0');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json; odata\.metadata=minimal/);
    assert.ok(res.headers.get('x-ms-service-request-id'));
    const body = await json(res);
    assert.equal(body['@odata.context'], `${sales.url}${API}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`);
    assert.equal(body.OrganizationId, 'a1b2c3d4-1111-4e5f-8a9b-0c1d2e3f4a51');
    assert.equal(body.BusinessUnitId, 'b0b1b2b3-3333-4c4d-8e8f-909192939495');
  });

  test('POST WhoAmI is 404 with the documented message', async () => {
    const res = await odata(`${dev.url}${API}/WhoAmI`, adeleDev, { method: 'POST', body: {} });
    assert.equal(res.status, 404);
    assert.match((await json(res)).error.message, /^No HTTP resource was found/);
  });

  test('$metadata is XML, and 415 when only JSON is acceptable', async () => {
    const xml = await odata(`${dev.url}${API}/$metadata`, adeleDev, { headers: { Accept: 'application/xml' } });
    assert.equal(xml.status, 200);
    assert.match(await xml.text(), /<EntityType Name="account"/);
    const jsonOnly = await odata(`${dev.url}${API}/$metadata`, adeleDev);
    assert.equal(jsonOnly.status, 415);
  });

  test('service document lists entity sets', async () => {
    const body = await json(await odata(`${dev.url}${API}/`, adeleDev));
    assert.ok(body.value.some((v: Json) => v.name === 'accounts' && v.kind === 'EntitySet'));
  });

  test('unknown entity set: 404 0x8006088a', async () => {
    const res = await odata(`${dev.url}${API}/Accounts`, adeleDev);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: { code: '0x8006088a', message: "Resource not found for the segment 'Accounts'." } });
  });
});

describe('paging across 100,000 accounts', () => {
  test('every page at maxpagesize 5000: no row lost or repeated', async () => {
    const seen = new Set<string>();
    let url: string | undefined = `${sales.url}${API}/accounts?$select=name`;
    let pages = 0;
    while (url) {
      const res = await odata(url, adeleSales, { headers: { Prefer: 'odata.maxpagesize=5000' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('preference-applied'), 'odata.maxpagesize=5000');
      const body = await json(res);
      for (const row of body.value) seen.add(row.accountid);
      url = body['@odata.nextLink'];
      if (url) assert.match(url, /\$skiptoken=%3Ccookie%20pagenumber=%22\d+%22%20pagingcookie=%22%253ccookie%2520page%253d/);
      pages++;
      assert.ok(pages <= 20);
    }
    assert.equal(pages, 20);
    assert.equal(seen.size, 100_000);
  });
});

describe('queries', () => {
  const q = (path: string, prefer?: string): Promise<Response> => odata(`${dev.url}${API}/${path}`, adeleDev, prefer ? { headers: { Prefer: prefer } } : {});

  test('$select returns the columns and the primary key', async () => {
    const body = await json(await q('accounts?$select=name&$top=3'));
    assert.equal(body.value.length, 3);
    assert.deepEqual(Object.keys(body.value[0]).sort(), ['@odata.etag', 'accountid', 'name']);
    assert.equal(body['@odata.context'], `${dev.url}${API}/$metadata#accounts(name)`);
    assert.equal(body['@odata.nextLink'], undefined);
  });

  test('$filter, $orderby (multi-key), $top', async () => {
    const body = await json(await q("accounts?$select=name,industrycode,revenue&$filter=industrycode eq 5 or (industrycode eq 6 and revenue gt 1000)&$orderby=industrycode desc,name asc"));
    assert.ok(body.value.length > 0);
    for (const row of body.value) assert.ok(row.industrycode === 5 || (row.industrycode === 6 && row.revenue > 1000));
    for (let i = 1; i < body.value.length; i++) {
      const a = body.value[i - 1];
      const b = body.value[i];
      assert.ok(a.industrycode > b.industrycode || (a.industrycode === b.industrycode && a.name.toLowerCase() <= b.name.toLowerCase()));
    }
  });

  test('string functions, null and not', async () => {
    const body = await json(await q("accounts?$select=name,description&$filter=startswith(name,'Contoso') and description eq null and not contains(name,'Ltd')"));
    assert.ok(body.value.length > 0);
    for (const row of body.value) {
      assert.ok(row.name.startsWith('Contoso'));
      assert.equal(row.description, null);
      assert.ok(!row.name.includes('Ltd'));
    }
  });

  test('lookup filter through _parentcustomerid_value and CRM In/Between', async () => {
    const sample = (await json(await q('contacts?$select=fullname,_parentcustomerid_value&$filter=_parentcustomerid_value ne null&$top=20', 'odata.include-annotations="*"'))).value as Json[];
    const someContact = sample.find((c) => c['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname'] === 'account')!;
    const account = { accountid: someContact._parentcustomerid_value, name: someContact['_parentcustomerid_value@OData.Community.Display.V1.FormattedValue'] };
    const contacts = await json(await q(`contacts?$select=fullname,_parentcustomerid_value&$filter=_parentcustomerid_value eq ${account.accountid}`, 'odata.include-annotations="*"'));
    assert.ok(contacts.value.length > 0);
    for (const c of contacts.value) {
      assert.equal(c._parentcustomerid_value, account.accountid);
      assert.equal(c['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname'], 'account');
      assert.equal(c['_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty'], 'parentcustomerid_account');
      assert.equal(c['_parentcustomerid_value@OData.Community.Display.V1.FormattedValue'], account.name);
    }
    const inList = await json(await q("accounts?$select=industrycode&$filter=Microsoft.Dynamics.CRM.In(PropertyName='industrycode',PropertyValues=['1','2'])"));
    assert.ok(inList.value.length > 0 && inList.value.every((r: Json) => r.industrycode === 1 || r.industrycode === 2));
    const between = await json(await q("accounts?$select=numberofemployees&$filter=Microsoft.Dynamics.CRM.Between(PropertyName='numberofemployees',PropertyValues=['100','50000'])"));
    assert.ok(between.value.every((r: Json) => r.numberofemployees >= 100 && r.numberofemployees <= 50000));
  });

  test('EqualUserId finds the caller\'s records; LastXDays after a write', async () => {
    const created = await odata(`${dev.url}${API}/accounts`, adeleDev, { method: 'POST', body: { name: 'Fresh account' } });
    assert.equal(created.status, 204);
    const mine = await json(await q("accounts?$select=name&$filter=Microsoft.Dynamics.CRM.EqualUserId(PropertyName='ownerid') and Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=1)"));
    assert.deepEqual(mine.value.map((r: Json) => r.name), ['Fresh account']);
  });

  test('$expand a single-valued navigation with nested $select', async () => {
    const body = await json(await q('accounts?$select=name&$expand=primarycontactid($select=fullname)&$filter=_primarycontactid_value ne null&$top=2'));
    assert.equal(body['@odata.context'], `${dev.url}${API}/$metadata#accounts(name,primarycontactid(fullname))`);
    for (const row of body.value) {
      assert.equal(typeof row.primarycontactid.fullname, 'string');
      assert.ok(row.primarycontactid.contactid);
    }
  });

  test('$count=true is capped at 5,000 with the limit-exceeded annotation', async () => {
    const body = await json(await odata(`${sales.url}${API}/accounts?$select=name&$count=true`, adeleSales, { headers: { Prefer: 'odata.maxpagesize=10,odata.include-annotations="*"' } }));
    assert.equal(body['@odata.count'], 5000);
    assert.equal(body['@Microsoft.Dynamics.CRM.totalrecordcount'], 5000);
    assert.equal(body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'], true);
    assert.equal(body.value.length, 10);
  });

  test('$skip is refused with the documented error', async () => {
    const res = await q('accounts?$skip=10');
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: { code: '0x80060888', message: 'The query parameter $skip is not supported' } });
  });

  test('unknown column: 400 with the documented message', async () => {
    const res = await q('accounts?$select=Name');
    assert.equal(res.status, 400);
    assert.equal((await json(res)).error.message, "Could not find a property named 'Name' on type 'Microsoft.Dynamics.CRM.account'.");
  });

  test('formatted values for choices, money and dates', async () => {
    const body = await json(await q('accounts?$select=industrycode,revenue,createdon&$filter=industrycode eq 7 and revenue ne null&$top=1', 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'));
    const row = body.value[0];
    assert.equal(row['industrycode@OData.Community.Display.V1.FormattedValue'], 'Consulting');
    assert.match(row['revenue@OData.Community.Display.V1.FormattedValue'], /^\$[\d,]+\.\d\d$/);
    assert.match(row['createdon@OData.Community.Display.V1.FormattedValue'], /^\d+\/\d+\/\d{4} \d+:\d\d (AM|PM)$/);
  });

  test('hostile text round-trips as data', async () => {
    const body = await json(await q("accounts?$select=name&$filter=contains(name,'onerror')"));
    assert.ok(body.value.some((r: Json) => r.name === '<img src=x onerror=alert(1)>'));
  });

  test('security roles through systemuserroles_association', async () => {
    const who = await json(await q('WhoAmI'));
    const roles = await json(await q(`systemusers(${who.UserId})/systemuserroles_association?$select=name`));
    assert.deepEqual(roles.value.map((r: Json) => r.name), ['System Administrator']);
    const alexToken = await mintToken(keys, { aud: dev.url, user: alex });
    const alexWho = await json(await odata(`${dev.url}${API}/WhoAmI`, alexToken));
    const alexRoles = await json(await odata(`${dev.url}${API}/roles?$select=name&$filter=systemuserroles_association/any(u:u/systemuserid eq ${alexWho.UserId})`, alexToken));
    assert.deepEqual(alexRoles.value.map((r: Json) => r.name), ['Basic User']);
  });
});

describe('writes', () => {
  test('create (204 + OData-EntityId), read, update, delete', async () => {
    const contact = (await json(await odata(`${dev.url}${API}/contacts?$select=fullname&$top=1`, adeleDev))).value[0];
    const res = await odata(`${dev.url}${API}/accounts`, adeleDev, { method: 'POST', body: { name: 'Sandbox Ltd', industrycode: 7, 'primarycontactid@odata.bind': `/contacts(${contact.contactid})` } });
    assert.equal(res.status, 204);
    const entityId = res.headers.get('odata-entityid')!;
    assert.match(entityId, new RegExp(`^${dev.url}${API}/accounts\\([0-9a-f-]{36}\\)$`));
    const read = await json(await odata(`${entityId}?$select=name,_primarycontactid_value`, adeleDev));
    assert.equal(read.name, 'Sandbox Ltd');
    assert.equal(read._primarycontactid_value, contact.contactid);
    assert.match(read['@odata.context'], /\/\$entity$/);
    assert.equal((await odata(entityId, adeleDev, { method: 'PATCH', body: { name: 'Sandbox Renamed' } })).status, 204);
    assert.equal((await json(await odata(`${entityId}?$select=name`, adeleDev))).name, 'Sandbox Renamed');
    assert.equal((await odata(entityId, adeleDev, { method: 'DELETE' })).status, 204);
    const gone = await odata(entityId, adeleDev);
    assert.equal(gone.status, 404);
    assert.equal((await json(gone)).error.code, '0x80040217');
  });

  test('create with return=representation: 201 with the record', async () => {
    const res = await odata(`${dev.url}${API}/accounts?$select=name`, adeleDev, { method: 'POST', body: { name: 'Represented' }, headers: { Prefer: 'return=representation' } });
    assert.equal(res.status, 201);
    assert.equal((await json(res)).name, 'Represented');
  });

  test('validation errors in Dataverse shape', async () => {
    const tooLong = await odata(`${dev.url}${API}/accounts`, adeleDev, { method: 'POST', body: { name: 'x'.repeat(161) } });
    assert.equal(tooLong.status, 400);
    assert.equal((await json(tooLong)).error.code, '0x80044331');
    const badProp = await odata(`${dev.url}${API}/accounts`, adeleDev, { method: 'POST', body: { Name: 'x' } });
    assert.equal(badProp.status, 400);
    assert.match((await json(badProp)).error.message, /Invalid property 'Name' was found in entity 'Microsoft.Dynamics.CRM.account'/);
    const badChoice = await odata(`${dev.url}${API}/accounts`, adeleDev, { method: 'POST', body: { name: 'x', industrycode: 999 } });
    assert.equal(badChoice.status, 400);
  });
});

describe('metadata', () => {
  const m = (path: string): Promise<Json> => odata(`${sales.url}${API}/${path}`, adeleSales).then(json);

  test('EntityDefinitions lists about 1,000 tables with $select', async () => {
    const body = await m('EntityDefinitions?$select=LogicalName,EntitySetName,IsCustomEntity');
    assert.ok(body.value.length >= 990 && body.value.length <= 1010, String(body.value.length));
    assert.deepEqual(Object.keys(body.value[0]).sort(), ['EntitySetName', 'IsCustomEntity', 'LogicalName', 'MetadataId']);
    assert.equal(body['@odata.nextLink'], undefined);
  });

  test('$filter on LogicalName and IsCustomEntity with and/or', async () => {
    const body = await m("EntityDefinitions?$select=LogicalName&$filter=LogicalName eq 'account' or (IsCustomEntity eq true and startswith(LogicalName,'new_'))");
    const names = body.value.map((v: Json) => v.LogicalName);
    assert.ok(names.includes('account') && names.includes('new_project'));
    assert.ok(names.every((n: string) => n === 'account' || n.startsWith('new_')));
    const enumFilter = await m("EntityDefinitions?$select=LogicalName&$filter=OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'OrganizationOwned'");
    assert.ok(enumFilter.value.some((v: Json) => v.LogicalName === 'transactioncurrency'));
  });

  test('single EntityDefinitions by LogicalName and by MetadataId, with labels', async () => {
    const byName = await m("EntityDefinitions(LogicalName='account')?$select=LogicalName,DisplayName");
    assert.equal(byName.DisplayName.UserLocalizedLabel.Label, 'Account');
    assert.equal(byName.DisplayName.LocalizedLabels[0].LanguageCode, 1033);
    const byId = await m(`EntityDefinitions(${byName.MetadataId})?$select=LogicalName`);
    assert.equal(byId.LogicalName, 'account');
  });

  test('expand Attributes of the 400+ column table, with $select and $filter inside', async () => {
    const all = await m("EntityDefinitions(LogicalName='msdyn_workorder')?$select=LogicalName&$expand=Attributes($select=LogicalName,AttributeType)");
    assert.ok(all.Attributes.length >= 400, String(all.Attributes.length));
    const picklists = await m("EntityDefinitions(LogicalName='msdyn_workorder')?$select=LogicalName&$expand=Attributes($select=LogicalName;$filter=AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist')");
    assert.ok(picklists.Attributes.length > 0 && picklists.Attributes.length < all.Attributes.length);
  });

  test('picklist cast with OptionSet and GlobalOptionSet', async () => {
    const body = await m("EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet,GlobalOptionSet");
    const industry = body.value.find((a: Json) => a.LogicalName === 'industrycode');
    assert.equal(industry.OptionSet.Options.length, 33);
    assert.equal(industry.OptionSet.Options[6].Label.UserLocalizedLabel.Label, 'Consulting');
    assert.equal(industry.GlobalOptionSet, null);
    const region = body.value.find((a: Json) => a.LogicalName === 'new_region');
    assert.equal(region.GlobalOptionSet.Name, 'new_region');
    const abstractCast = await odata(`${sales.url}${API}/EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.EnumAttributeMetadata`, adeleSales);
    assert.equal(abstractCast.status, 400);
  });

  test('relationships and keys', async () => {
    const body = await m("EntityDefinitions(LogicalName='account')?$select=LogicalName&$expand=OneToManyRelationships($select=SchemaName,ReferencingEntity),ManyToOneRelationships($select=SchemaName,ReferencingEntityNavigationPropertyName),ManyToManyRelationships,Keys");
    assert.ok(body.OneToManyRelationships.some((r: Json) => r.SchemaName === 'contact_customer_accounts' && r.ReferencingEntity === 'contact'));
    assert.ok(body.ManyToOneRelationships.some((r: Json) => r.SchemaName === 'account_primary_contact' && r.ReferencingEntityNavigationPropertyName === 'primarycontactid'));
    assert.deepEqual(body.Keys.map((k: Json) => k.KeyAttributes), [['accountnumber']]);
    const nn = await m("EntityDefinitions(LogicalName='systemuser')/ManyToManyRelationships?$select=SchemaName,IntersectEntityName");
    assert.ok(nn.value.some((r: Json) => r.SchemaName === 'systemuserroles_association' && r.IntersectEntityName === 'systemuserroles'));
  });

  test('GlobalOptionSetDefinitions by Name', async () => {
    const body = await m("GlobalOptionSetDefinitions(Name='budgetstatus')");
    assert.equal(body.Options.length, 4);
  });

  test('RetrieveMetadataChanges: full, then empty, then only what changed (with DeletedMetadata)', async () => {
    const q = encodeURIComponent(JSON.stringify({ Criteria: { FilterOperator: 'And', Conditions: [{ PropertyName: 'IsCustomEntity', ConditionOperator: 'Equals', Value: { Type: 'System.Boolean', Value: 'true' } }] }, Properties: { AllProperties: false, PropertyNames: ['LogicalName'] }, AttributeQuery: { Properties: { PropertyNames: ['LogicalName'] } } }));
    const call = (stamp?: string): Promise<Json> => m(`RetrieveMetadataChanges(Query=@q${stamp ? ',ClientVersionStamp=@s,DeletedMetadataFilters=@d' : ''})?@q=${q}${stamp ? `&@s=${encodeURIComponent(`'${stamp}'`)}&@d=Microsoft.Dynamics.CRM.DeletedMetadataFilters'All'` : ''}`);
    const full = await call();
    assert.ok(full.EntityMetadata.length > 100);
    assert.ok(full.ServerVersionStamp);
    const none = await call(full.ServerVersionStamp);
    assert.equal(none.EntityMetadata.length, 0);
    // A metadata write: add a column to new_project, delete one from new_projecttask.
    const add = await odata(`${sales.url}${API}/EntityDefinitions(LogicalName='new_project')/Attributes`, adeleSales, { method: 'POST', body: { '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata', SchemaName: 'new_Budgetcode', DisplayName: { LocalizedLabels: [{ Label: 'Budget code', LanguageCode: 1033 }] }, MaxLength: 20 } });
    assert.equal(add.status, 204);
    const task = await m("EntityDefinitions(LogicalName='new_projecttask')/Attributes?$select=LogicalName,IsCustomAttribute&$filter=IsCustomAttribute eq true");
    const victim = task.value[0];
    assert.equal((await odata(`${sales.url}${API}/EntityDefinitions(LogicalName='new_projecttask')/Attributes(${victim.MetadataId})`, adeleSales, { method: 'DELETE' })).status, 204);
    const changed = await call(none.ServerVersionStamp);
    assert.deepEqual(changed.EntityMetadata.map((e: Json) => e.LogicalName), ['new_project']);
    assert.deepEqual(changed.EntityMetadata[0].Attributes.map((a: Json) => a.LogicalName), ['new_budgetcode']);
    assert.deepEqual(changed.DeletedMetadata.Keys, ['Attribute']);
    assert.deepEqual(changed.DeletedMetadata.Values, [[victim.MetadataId]]);
  });
});

describe('discovery', () => {
  test('Instances lists only the orgs where the user is a systemuser', async () => {
    const disco = await startDiscovery(keys, { contososales: sales.url, contosodev: dev.url });
    try {
      const none = await odata(`${disco.url}/api/discovery/v2.0/Instances`, undefined);
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /resource_id=/);
      const megan = USERS.find((u) => u.upn.startsWith('megan'))!;
      const token = await mintToken(keys, { aud: `${disco.url}/`, user: megan });
      const body = await json(await odata(`${disco.url}/api/discovery/v2.0/Instances`, token));
      assert.deepEqual(body.value.map((i: Json) => i.UniqueName), ['contososales']);
      const inst = body.value[0];
      for (const k of ['Id', 'UniqueName', 'UrlName', 'FriendlyName', 'State', 'Version', 'Url', 'ApiUrl', 'LastUpdated', 'EnvironmentId', 'Region', 'Purpose', 'TenantId']) assert.ok(k in inst, k);
      assert.equal(inst.Url, sales.url);
      const adeleToken = await mintToken(keys, { aud: disco.url, user: adele });
      const both = await json(await odata(`${disco.url}/api/discovery/v2.0/Instances?$select=UniqueName`, adeleToken));
      assert.deepEqual(both.value.map((i: Json) => i.UniqueName).sort(), ['contosodev', 'contososales']);
    } finally {
      await disco.close();
    }
  });
});

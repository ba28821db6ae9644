/**
 * Conditional requests (ETags), anonymous calls anywhere under /api/data, and
 * one column's choices through the OptionSet / GlobalOptionSet navigation
 * properties, over http with plain fetch.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { odata, signedInOrg, type Json } from './dataverseHelpers';

const API = '/api/data/v9.2';
const { api: call, org } = signedInOrg('contosodev');

async function newAccount(name: string): Promise<{ id: string; etag: string }> {
  const res = await call('accounts?$select=name', { method: 'POST', body: { name }, headers: { Prefer: 'return=representation' } });
  assert.equal(res.status, 201);
  const row = (await res.json()) as Json;
  return { id: row.accountid, etag: row['@odata.etag'] };
}

describe('conditional requests', () => {
  test('records carry a weak @odata.etag that changes when the record changes', async () => {
    const { id, etag } = await newAccount('Etag one');
    assert.match(etag, /^W\/"\d+"$/);
    const listed = ((await (await call(`accounts?$select=name&$filter=accountid eq ${id}`)).json()) as Json).value[0];
    assert.equal(listed['@odata.etag'], etag);
    assert.equal((await call(`accounts(${id})`, { method: 'PATCH', body: { name: 'Etag one, renamed' } })).status, 204);
    const after = (await (await call(`accounts(${id})?$select=name`)).json()) as Json;
    assert.notEqual(after['@odata.etag'], etag);
  });

  test('GET with If-None-Match: the current ETag answers 304 with no body; a stale one answers 200', async () => {
    const { id, etag } = await newAccount('Etag two');
    const same = await call(`accounts(${id})?$select=name`, { headers: { 'If-None-Match': etag } });
    assert.equal(same.status, 304);
    assert.equal(await same.text(), '');
    const stale = await call(`accounts(${id})?$select=name`, { headers: { 'If-None-Match': 'W/"1"' } });
    assert.equal(stale.status, 200);
    assert.equal(((await stale.json()) as Json).name, 'Etag two');
  });

  test('If-None-Match never gives 304 with $expand or with annotations', async () => {
    const { id, etag } = await newAccount('Etag three');
    assert.equal((await call(`accounts(${id})?$select=name&$expand=owninguser($select=fullname)`, { headers: { 'If-None-Match': etag } })).status, 200);
    assert.equal((await call(`accounts(${id})?$select=name`, { headers: { 'If-None-Match': etag, Prefer: 'odata.include-annotations="*"' } })).status, 200);
  });

  test('PATCH with a stale If-Match: 412 with the documented message, and the change is not applied', async () => {
    const { id, etag } = await newAccount('Etag four');
    assert.equal((await call(`accounts(${id})`, { method: 'PATCH', body: { name: 'Someone else' } })).status, 204);
    const res = await call(`accounts(${id})`, { method: 'PATCH', body: { name: 'Mine' }, headers: { 'If-Match': etag } });
    assert.equal(res.status, 412);
    assert.deepEqual(await res.json(), { error: { code: '0x80060882', message: "The version of the existing record doesn't match the RowVersion property provided." } });
    assert.equal(((await (await call(`accounts(${id})?$select=name`)).json()) as Json).name, 'Someone else');
  });

  test('PATCH and DELETE with the current If-Match succeed', async () => {
    const { id, etag } = await newAccount('Etag five');
    assert.equal((await call(`accounts(${id})`, { method: 'PATCH', body: { name: 'Etag five, kept' }, headers: { 'If-Match': etag } })).status, 204);
    const current = ((await (await call(`accounts(${id})?$select=name`)).json()) as Json)['@odata.etag'];
    assert.equal((await call(`accounts(${id})`, { method: 'DELETE', headers: { 'If-Match': current } })).status, 204);
    assert.equal((await call(`accounts(${id})`)).status, 404);
  });

  test('DELETE with a stale If-Match: 412, and the record is still there', async () => {
    const { id } = await newAccount('Etag six');
    const res = await call(`accounts(${id})`, { method: 'DELETE', headers: { 'If-Match': 'W/"1"' } });
    assert.equal(res.status, 412);
    assert.equal(((await res.json()) as Json).error.message, "The version of the existing record doesn't match the RowVersion property provided.");
    assert.equal((await call(`accounts(${id})?$select=name`)).status, 200);
  });

  test('upsert with If-Match: * updates only: 404 for a missing record, nothing created', async () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const res = await call(`accounts(${id})`, { method: 'PATCH', body: { name: 'Should not exist' }, headers: { 'If-Match': '*' } });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as Json).error.message, `account With Id = ${id} Does Not Exist`);
    assert.equal((await call(`accounts(${id})`)).status, 404);
    const { id: existing } = await newAccount('Etag seven');
    assert.equal((await call(`accounts(${existing})`, { method: 'PATCH', body: { name: 'Etag seven, updated' }, headers: { 'If-Match': '*' } })).status, 204);
  });

  test('upsert with If-None-Match: * creates only: 412 when the record exists, unchanged', async () => {
    const { id } = await newAccount('Etag eight');
    const res = await call(`accounts(${id})`, { method: 'PATCH', body: { name: 'Overwritten' }, headers: { 'If-None-Match': '*' } });
    assert.equal(res.status, 412);
    assert.equal(((await res.json()) as Json).error.message, 'A record with matching key values already exists.');
    assert.equal(((await (await call(`accounts(${id})?$select=name`)).json()) as Json).name, 'Etag eight');
    const fresh = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
    assert.equal((await call(`accounts(${fresh})`, { method: 'PATCH', body: { name: 'Created by upsert' }, headers: { 'If-None-Match': '*' } })).status, 204);
    assert.equal(((await (await call(`accounts(${fresh})?$select=name`)).json()) as Json).name, 'Created by upsert');
  });
});

describe('anonymous calls', () => {
  for (const path of ['/api/data', '/api/data/', '/api/data/version', `${API}/`]) {
    test(`${path} without a token: 401 with the challenge`, async () => {
      const res = await odata(`${org().url}${path}`, undefined);
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer authorization_uri=https:\/\/127\.0\.0\.2:40000\/[0-9a-f-]+\/oauth2\/authorize, resource_id=/);
    });
  }

  test('a path outside /api/data is not challenged', async () => {
    assert.equal((await odata(`${org().url}/something`, undefined)).status, 404);
  });
});

describe("one column's choices", () => {
  const column = (entity: string, attribute: string, rest: string): Promise<Response> =>
    call(`EntityDefinitions(LogicalName='${entity}')/Attributes(LogicalName='${attribute}')/${rest}`);

  test('PicklistAttributeMetadata/OptionSet?$select=Options gives the options and the documented context', async () => {
    const res = await column('account', 'industrycode', 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata/OptionSet?$select=Options');
    assert.equal(res.status, 200);
    const body = (await res.json()) as Json;
    assert.match(body['@odata.context'], /\$metadata#EntityDefinitions\('account'\)\/Attributes\([0-9a-f-]{36}\)\/Microsoft\.Dynamics\.CRM\.PicklistAttributeMetadata\/OptionSet\(Options\)\/\$entity$/);
    assert.deepEqual(Object.keys(body).sort(), ['@odata.context', 'MetadataId', 'Options']);
    assert.ok(body.Options.length > 10);
    assert.equal(typeof body.Options[0].Value, 'number');
    assert.equal(typeof body.Options[0].Label.UserLocalizedLabel.Label, 'string');
  });

  test('the same options as $expand=OptionSet on the attribute', async () => {
    const direct = (await (await column('account', 'industrycode', 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata/OptionSet?$select=Options')).json()) as Json;
    const expanded = (await (await column('account', 'industrycode', 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options)')).json()) as Json;
    assert.deepEqual(direct.Options, expanded.OptionSet.Options);
  });

  test('GlobalOptionSet of a column bound to a global choice; 204 for a local one', async () => {
    const global = await column('account', 'new_region', 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata/GlobalOptionSet?$select=Options,Name');
    assert.equal(global.status, 200);
    const body = (await global.json()) as Json;
    assert.equal(body.Name, 'new_region');
    assert.ok(body.Options.length > 0);
    const local = await column('account', 'industrycode', 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata/GlobalOptionSet');
    assert.equal(local.status, 204);
  });

  test('status, state and yes/no columns through their own casts', async () => {
    const status = (await (await column('account', 'statuscode', 'Microsoft.Dynamics.CRM.StatusAttributeMetadata/OptionSet?$select=Options')).json()) as Json;
    assert.deepEqual(status.Options.map((o: Json) => o.Value), [1, 2]);
    const state = (await (await column('account', 'statecode', 'Microsoft.Dynamics.CRM.StateAttributeMetadata/OptionSet?$select=Options')).json()) as Json;
    assert.deepEqual(state.Options.map((o: Json) => o.Value), [0, 1]);
    const yesNo = await column('account', 'creditonhold', 'Microsoft.Dynamics.CRM.BooleanAttributeMetadata/OptionSet');
    assert.equal(yesNo.status, 200);
    const flags = (await yesNo.json()) as Json;
    assert.equal(flags.TrueOption.Value, 1);
    assert.equal(flags.FalseOption.Value, 0);
  });

  test('a cast that does not fit the column, a missing cast, or an unknown property is refused', async () => {
    assert.equal((await column('account', 'name', 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata/OptionSet')).status, 404);
    assert.equal((await column('account', 'industrycode', 'OptionSet')).status, 404);
    const unknown = await column('account', 'industrycode', 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata/OptionSet?$select=Nope');
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as Json).error.message, /Could not find a property named 'Nope' on type 'Microsoft\.Dynamics\.CRM\.OptionSetMetadata'/);
  });
});

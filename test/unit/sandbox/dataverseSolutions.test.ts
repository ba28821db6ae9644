/**
 * The solution tables of the Dataverse stand-in, read with plain fetch the way
 * the Tables view's "limit to one solution" asks for them: the visible
 * solutions, then the Entity components (type 1) of one, whose objectid is a
 * table's MetadataId
 * (https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/solutioncomponent).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signedInOrg, type Json } from './dataverseHelpers';

const { api } = signedInOrg('contosodev');

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await api(path, { headers });
  return { status: res.status, body: (await res.json()) as Json };
}

async function visibleSolutions(): Promise<Json[]> {
  const { status, body } = await get('solutions?$select=solutionid,uniquename,friendlyname,ismanaged&$filter=isvisible eq true');
  assert.equal(status, 200);
  return body.value as Json[];
}

/** The logical names of the tables whose MetadataId is one of these ids. */
async function tablesWithIds(ids: readonly string[]): Promise<string[]> {
  const { body } = await get('EntityDefinitions?$select=LogicalName,MetadataId');
  const wanted = new Set(ids);
  return (body.value as Json[]).filter((t) => wanted.has(t.MetadataId)).map((t) => t.LogicalName as string).sort();
}

describe('solutions and solutioncomponents', () => {
  test('the visible solutions are the ones maker tools list; the platform\'s own are hidden', async () => {
    const rows = await visibleSolutions();
    const names = rows.map((r) => r.friendlyname).sort();
    assert.deepEqual(names, ['Common Data Services Default Solution', 'Contoso Core', 'Field Service']);
    const core = rows.find((r) => r.uniquename === 'ContosoCore')!;
    assert.equal(core.ismanaged, false);
    assert.equal(rows.find((r) => r.uniquename === 'msdynce_FieldService')!.ismanaged, true);
    assert.deepEqual(Object.keys(core).sort(), ['@odata.etag', 'friendlyname', 'ismanaged', 'solutionid', 'uniquename']);
  });

  test('the Default Solution exists with its well-known id and isvisible false', async () => {
    const { status, body } = await get("solutions?$select=friendlyname,isvisible&$filter=uniquename eq 'Default'");
    assert.equal(status, 200);
    assert.deepEqual((body.value as Json[]).map((r) => [r.solutionid, r.friendlyname, r.isvisible]), [['fd140aaf-4df4-11dd-bd17-0019b9312238', 'Default Solution', false]]);
  });

  test('the Entity components of Contoso Core name exactly its tables by MetadataId', async () => {
    const core = (await visibleSolutions()).find((r) => r.uniquename === 'ContosoCore')!;
    const { status, body } = await get(`solutioncomponents?$select=objectid&$filter=_solutionid_value eq ${core.solutionid} and componenttype eq 1`);
    assert.equal(status, 200);
    const ids = (body.value as Json[]).map((r) => r.objectid as string);
    assert.deepEqual(await tablesWithIds(ids), ['account', 'contact', 'new_project', 'new_projecttask']);
  });

  test('the Default Solution holds every table', async () => {
    const { body: tables } = await get('EntityDefinitions?$select=LogicalName');
    const { body } = await get('solutioncomponents?$select=objectid&$filter=_solutionid_value eq fd140aaf-4df4-11dd-bd17-0019b9312238 and componenttype eq 1');
    assert.equal((body.value as Json[]).length, (tables.value as Json[]).length);
  });

  test('a component carries its solution as a lookup, with the solution\'s name as formatted value', async () => {
    const core = (await visibleSolutions()).find((r) => r.uniquename === 'ContosoCore')!;
    const { body } = await get(
      `solutioncomponents?$select=componenttype,_solutionid_value&$filter=_solutionid_value eq ${core.solutionid}&$top=1`,
      { Prefer: 'odata.include-annotations="*"' },
    );
    const row = (body.value as Json[])[0]!;
    assert.equal(row._solutionid_value, core.solutionid);
    assert.equal(row['_solutionid_value@OData.Community.Display.V1.FormattedValue'], 'Contoso Core');
    assert.equal(row['_solutionid_value@Microsoft.Dynamics.CRM.lookuplogicalname'], 'solution');
    assert.equal(row['componenttype@OData.Community.Display.V1.FormattedValue'], 'Entity');
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callerIdentity, securityRoles, whoAmI, type WebApiReader } from '../../../src/dataverse/identity';

const ids = {
  UserId: '11111111-1111-4111-8111-111111111111',
  BusinessUnitId: '22222222-2222-4222-8222-222222222222',
  OrganizationId: '33333333-3333-4333-8333-333333333333',
};

function fakeGet(routes: Record<string, unknown>): { get: WebApiReader; paths: string[] } {
  const paths: string[] = [];
  const get = {
    get: (async (path: string) => {
      paths.push(path);
      if (!(path in routes)) throw new Error(`unexpected ${path}`);
      return routes[path];
    }) as WebApiReader['get'],
  };
  return { get, paths };
}

describe('identity', () => {
  test('callerIdentity names the user, business unit and organization', async () => {
    const { get } = fakeGet({
      WhoAmI: ids,
      [`systemusers(${ids.UserId})?$select=fullname,domainname,applicationid`]: { fullname: 'Adele Vance', domainname: 'adele@contoso.com', applicationid: null },
      [`businessunits(${ids.BusinessUnitId})?$select=name`]: { name: 'contoso' },
      [`organizations(${ids.OrganizationId})?$select=name`]: { name: 'Contoso Sales' },
    });
    const me = await callerIdentity(get);
    assert.equal(me.fullName, 'Adele Vance');
    assert.equal(me.businessUnitName, 'contoso');
    assert.equal(me.organizationName, 'Contoso Sales');
    assert.equal(me.applicationId, undefined);
  });

  test('a WhoAmI answer without ids is an error that says so', async () => {
    const { get } = fakeGet({ WhoAmI: { UserId: '<script>' } });
    await assert.rejects(whoAmI(get), /not an id/);
  });

  test('securityRoles are sorted and malformed rows dropped', async () => {
    const { get } = fakeGet({
      [`systemusers(${ids.UserId})/systemuserroles_association?$select=name,roleid`]: {
        value: [{ roleid: 'r2', name: 'System Customizer' }, { roleid: 'r1', name: 'Basic User' }, { name: 'no id' }],
      },
    });
    assert.deepEqual(
      (await securityRoles(get, ids.UserId)).map((r) => r.name),
      ['Basic User', 'System Customizer'],
    );
  });
});

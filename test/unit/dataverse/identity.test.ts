import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callerIdentity, securityRoles, whoAmI, type WebApiReader } from '../../../src/dataverse/identity';
import { USERS } from '../../../sandbox/seed';
import { makeKeys, mintToken, odata, startOrg } from '../sandbox/dataverseHelpers';

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

  const directPath = `systemusers(${ids.UserId})/systemuserroles_association?$select=name,roleid`;
  const teamsPath = `systemusers(${ids.UserId})?$select=systemuserid&$expand=teammembership_association($select=name;$expand=teamroles_association($select=name,roleid))`;

  test('securityRoles are sorted and malformed rows dropped', async () => {
    const { get } = fakeGet({
      [directPath]: { value: [{ roleid: 'r2', name: 'System Customizer' }, { roleid: 'r1', name: 'Basic User' }, { name: 'no id' }] },
      [teamsPath]: { systemuserid: ids.UserId, teammembership_association: [] },
    });
    assert.deepEqual(
      (await securityRoles(get, ids.UserId)).map((r) => r.name),
      ['Basic User', 'System Customizer'],
    );
  });

  test('securityRoles lists roles held through teams after the direct ones, naming the team', async () => {
    const { get } = fakeGet({
      [directPath]: { value: [{ roleid: 'r1', name: 'Basic User' }] },
      [teamsPath]: {
        teammembership_association: [
          { name: 'Support', teamroles_association: [{ roleid: 'r4', name: 'Support User' }, { roleid: 'r1', name: 'Basic User' }] },
          { name: 'Makers', teamroles_association: [{ roleid: 'r3', name: 'Environment Maker' }] },
          { name: 'contosodev', teamroles_association: [] },
        ],
      },
    });
    assert.deepEqual(
      (await securityRoles(get, ids.UserId)).map((r) => `${r.name}${r.team ? ` via ${r.team}` : ''}`),
      ['Basic User', 'Environment Maker via Makers', 'Basic User via Support', 'Support User via Support'],
    );
  });

  test('against the sandbox org: a direct role and a role through a team, with the query Dataverse documents', async (t) => {
    const keys = await makeKeys();
    const dev = await startOrg(keys, 'contosodev');
    t.after(() => dev.close());
    const alex = USERS.find((u) => u.upn.startsWith('alex.wilber@'))!;
    const token = await mintToken(keys, { aud: dev.url, user: alex });
    const get = {
      get: (async (path: string) => {
        const res = await odata(`${dev.url}/api/data/v9.2/${path}`, token);
        assert.equal(res.status, 200, `${path}: ${res.status} ${await res.clone().text()}`);
        return res.json();
      }) as WebApiReader['get'],
    };
    const me = await whoAmI(get);
    const roles = await securityRoles(get, me.UserId);
    assert.deepEqual(
      roles.map((r) => [r.name, r.team ?? null]),
      [
        ['Basic User', null],
        ['Environment Maker', 'Makers'],
      ],
    );
  });
});

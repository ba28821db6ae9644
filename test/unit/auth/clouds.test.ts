import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLOUD_IDS, cloudForOrgHost, isCloudId, resolveCloud } from '../../../src/auth/clouds';

describe('clouds', () => {
  const expected = [
    { id: 'public', authority: 'https://login.microsoftonline.com', gds: 'https://globaldisco.crm.dynamics.com' },
    { id: 'usGov', authority: 'https://login.microsoftonline.com', gds: 'https://globaldisco.crm9.dynamics.com' },
    { id: 'usGovHigh', authority: 'https://login.microsoftonline.us', gds: 'https://globaldisco.crm.microsoftdynamics.us' },
    { id: 'usGovDoD', authority: 'https://login.microsoftonline.us', gds: 'https://globaldisco.crm.appsplatform.us' },
    { id: 'china', authority: 'https://login.chinacloudapi.cn', gds: 'https://globaldisco.crm.dynamics.cn' },
  ] as const;
  for (const e of expected) {
    test(`${e.id}: sign-in at ${e.authority}, discovery at ${e.gds}`, () => {
      const cloud = resolveCloud(e.id);
      assert.equal(cloud.authorityHost, e.authority);
      assert.equal(cloud.globalDiscoveryUrl, e.gds);
      assert.deepEqual(cloud.problems, []);
    });
  }

  test('every cloud id is listed once', () => {
    assert.deepEqual([...CLOUD_IDS].sort(), expected.map((e) => e.id).sort());
    assert.ok(isCloudId('usGovDoD'));
    assert.ok(!isCloudId('germany'));
  });

  test('environment hosts map to their cloud', () => {
    assert.equal(cloudForOrgHost('contoso.crm.dynamics.com'), 'public');
    assert.equal(cloudForOrgHost('contoso.crm4.dynamics.com'), 'public');
    assert.equal(cloudForOrgHost('contoso.crm42.dynamics.com'), 'public');
    assert.equal(cloudForOrgHost('agency.crm9.dynamics.com'), 'usGov');
    assert.equal(cloudForOrgHost('agency.crm.microsoftdynamics.us'), 'usGovHigh');
    assert.equal(cloudForOrgHost('army.crm.appsplatform.us'), 'usGovDoD');
    assert.equal(cloudForOrgHost('contoso.crm.dynamics.cn'), 'china');
    assert.equal(cloudForOrgHost('crm.contoso.local'), undefined);
  });

  test('the discovery URL can be pointed elsewhere (the sandbox does); a bad one is ignored and reported', () => {
    const sandbox = resolveCloud('public', { globalDiscoveryUrl: 'https://127.0.0.2:9445/some/path' });
    assert.equal(sandbox.globalDiscoveryUrl, 'https://127.0.0.2:9445');
    assert.equal(sandbox.authorityHost, 'https://login.microsoftonline.com');
    assert.deepEqual(sandbox.problems, []);

    const insecure = resolveCloud('usGovHigh', { globalDiscoveryUrl: 'http://disco.example' });
    assert.equal(insecure.globalDiscoveryUrl, 'https://globaldisco.crm.microsoftdynamics.us');
    assert.match(insecure.problems[0], /must be an https origin/);
  });
});

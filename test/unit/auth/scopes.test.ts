import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidScopesError, ScopeData, parseScopes } from '../../../src/auth/scopes';

const ORG = 'https://org.crm.dynamics.com';

describe('ScopeData reads the scopes callers actually pass', () => {
  const cases: Array<{ label: string; scopes: string[]; resourceScope: string; connectionId?: string; oidc?: string[] }> = [
    { label: '.default', scopes: [`${ORG}/.default`], resourceScope: `${ORG}/.default` },
    { label: 'user_impersonation', scopes: [`${ORG}/user_impersonation`], resourceScope: `${ORG}/user_impersonation` },
    { label: 'the double slash people write', scopes: [`${ORG}//user_impersonation`], resourceScope: `${ORG}/user_impersonation` },
    { label: 'double slash before .default', scopes: [`${ORG}//.default`], resourceScope: `${ORG}/.default` },
    { label: 'missing https://', scopes: ['org.crm.dynamics.com/.default'], resourceScope: `${ORG}/.default` },
    { label: 'upper case', scopes: ['HTTPS://ORG.CRM.DYNAMICS.COM/User_Impersonation'], resourceScope: `${ORG}/user_impersonation` },
    { label: 'the bare environment URL', scopes: [`${ORG}/`], resourceScope: `${ORG}/.default` },
    { label: 'the Web API host', scopes: ['https://org.api.crm.dynamics.com/.default'], resourceScope: `${ORG}/.default` },
    {
      label: 'with offline_access',
      scopes: [`${ORG}/user_impersonation`, 'offline_access'],
      resourceScope: `${ORG}/user_impersonation`,
      oidc: ['offline_access'],
    },
    {
      label: 'with OIDC scopes in any order',
      scopes: ['profile', 'OpenID', `${ORG}/.default`, 'offline_access'],
      resourceScope: `${ORG}/.default`,
      oidc: ['offline_access', 'openid', 'profile'],
    },
    {
      label: 'pinned to a connection',
      scopes: [`${ORG}/.default`, 'connection:3f2a-prod'],
      resourceScope: `${ORG}/.default`,
      connectionId: '3f2a-prod',
    },
    { label: 'a sandbox host with a port', scopes: ['https://127.0.0.2:9443/.default'], resourceScope: 'https://127.0.0.2:9443/.default' },
    { label: 'the same scope twice', scopes: [`${ORG}/.default`, `${ORG}//.default`], resourceScope: `${ORG}/.default` },
  ];
  for (const c of cases) {
    test(c.label, () => {
      const data = ScopeData.fromScopes(c.scopes);
      assert.equal(data.resourceScope, c.resourceScope);
      assert.equal(data.orgUrl, c.resourceScope.replace(/\/[^/]+$/, ''));
      assert.equal(data.connectionId, c.connectionId);
      assert.deepEqual(data.oidcScopes, c.oidc ?? []);
      assert.deepEqual(data.originalScopes, c.scopes);
    });
  }
});

describe('ScopeData.key', () => {
  test('is equal for spellings one token satisfies', () => {
    const keys = [
      [`${ORG}/.default`],
      ['org.crm.dynamics.com//.default'],
      [`${ORG}/.default`, 'offline_access', 'openid'],
      ['https://ORG.crm.dynamics.com/'],
    ].map((s) => ScopeData.fromScopes(s).key);
    assert.equal(new Set(keys).size, 1);
  });

  test('differs by permission, environment and pinned connection', () => {
    const keys = [
      [`${ORG}/.default`],
      [`${ORG}/user_impersonation`],
      ['https://org2.crm.dynamics.com/.default'],
      [`${ORG}/.default`, 'connection:a'],
      [`${ORG}/.default`, 'connection:b'],
    ].map((s) => ScopeData.fromScopes(s).key);
    assert.equal(new Set(keys).size, keys.length);
  });

  test('canonical scopes are stable and MSAL gets the resource scope first', () => {
    const data = ScopeData.fromScopes(['offline_access', 'connection:c1', `${ORG}//user_impersonation`]);
    assert.deepEqual(data.canonicalScopes, [`${ORG}/user_impersonation`, 'connection:c1', 'offline_access']);
    assert.deepEqual(data.scopesToSend, [`${ORG}/user_impersonation`, 'offline_access']);
  });
});

describe('invalid scopes give the reason and the fix', () => {
  const cases: Array<{ label: string; scopes: unknown; problem: RegExp; fix: RegExp }> = [
    { label: 'empty', scopes: [], problem: /No Dataverse environment was asked for/, fix: /\/\.default/ },
    { label: 'only OIDC', scopes: ['openid', 'offline_access'], problem: /No Dataverse environment/, fix: /user_impersonation/ },
    { label: 'only a connection', scopes: ['connection:abc'], problem: /No Dataverse environment/, fix: /Add the environment scope/ },
    { label: 'not an array', scopes: 'https://org.crm.dynamics.com/.default', problem: /must be an array/, fix: /\['https:/ },
    { label: 'a Graph scope', scopes: ['User.Read'], problem: /not a Dataverse scope/, fix: /\/\.default/ },
    { label: 'a Graph resource', scopes: ['https://graph.microsoft.com/.default'], problem: /Microsoft Graph/, fix: /environment URL instead/ },
    { label: 'http', scopes: ['http://org.crm.dynamics.com/.default'], problem: /only accepts https/, fix: /Use https:\/\/org\.crm\.dynamics\.com instead/ },
    { label: 'another permission', scopes: [`${ORG}/Accounts.Read`], problem: /Dataverse has only user_impersonation/, fix: /https:\/\/org\.crm\.dynamics\.com\/\.default/ },
    { label: 'a path', scopes: [`${ORG}/api/data/v9.2/.default`], problem: /has a path \(\/api\/data\/v9\.2\)/, fix: /Remove it: 'https:\/\/org\.crm\.dynamics\.com\/\.default'/ },
    { label: 'two environments', scopes: [`${ORG}/.default`, 'https://org2.crm.dynamics.com/.default'], problem: /2 environments/, fix: /one session per environment/ },
    { label: '.default mixed with user_impersonation', scopes: [`${ORG}/.default`, `${ORG}/user_impersonation`], problem: /both \/\.default and \/user_impersonation/, fix: /Keep one/ },
    { label: 'the Dynamics CRM app id', scopes: ['00000007-0000-0000-c000-000000000000/.default'], problem: /names the Dataverse app/, fix: /environment URL/ },
    { label: 'two connections', scopes: [`${ORG}/.default`, 'connection:a', 'connection:b'], problem: /pin 2 connections/, fix: /Keep one connection:<id>/ },
    { label: 'an empty connection id', scopes: [`${ORG}/.default`, 'connection:'], problem: /does not name a saved connection/, fix: /connection:<id>/ },
    { label: 'a bare environment name', scopes: ['contoso/.default'], problem: /not a full URL/, fix: /https:\/\/contoso\.crm\.dynamics\.com/ },
  ];
  for (const c of cases) {
    test(c.label, () => {
      const result = parseScopes(c.scopes as string[]);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.match(result.reason, c.problem);
        assert.match(result.reason, c.fix);
      }
    });
  }

  test('fromScopes throws an InvalidScopesError carrying the reason', () => {
    assert.throws(
      () => ScopeData.fromScopes(['contoso/.default']),
      (error: unknown) => error instanceof InvalidScopesError && /https:\/\/contoso\.crm\.dynamics\.com/.test(error.message),
    );
  });
});

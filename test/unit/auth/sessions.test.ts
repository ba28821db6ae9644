import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Connection } from '../../../src/auth/connection';
import type { AccessToken, GetTokenOptions } from '../../../src/auth/msal/msalTokenSource';
import { ScopeData } from '../../../src/auth/scopes';
import { connectionsFor, findSessions, pinMismatch, type SessionConnections } from '../../../src/auth/sessions';

const A = 'https://contosoa.crm.dynamics.com';
const B = 'https://contosob.crm.dynamics.com';
const conn = (id: string, orgUrl: string, flow: Connection['flow'] = 'interactive'): Connection => ({ id, name: id, orgUrl, tenantId: 't', authorityHost: 'https://login.microsoftonline.com', flow, clientId: 'app', tags: [] });

/** A manager that issues a token for exactly the scopes asked, named after the connection and the scopes, as Entra would. */
function fakeManager(connections: Connection[]) {
  const requests: Array<{ id: string; scopes: readonly string[] | undefined }> = [];
  const manager: SessionConnections = {
    list: () => connections,
    isSignedIn: async () => true,
    getToken: async (id: string, options?: GetTokenOptions): Promise<AccessToken> => {
      requests.push({ id, scopes: options?.scopes });
      const orgUrl = connections.find((c) => c.id === id)!.orgUrl;
      const scopes = options?.scopes?.filter((s) => s.startsWith('https://')) ?? [`${orgUrl}/user_impersonation`];
      return { accessToken: `token of ${id} for ${scopes.join(' ')}`, expiresOn: new Date(Date.now() + 3_600_000), scopes };
    },
  };
  return { manager, requests };
}

const ignore = () => undefined;

describe('sessions for other extensions', () => {
  test('scopes naming org A with the connection:<id> of org B return nothing, and no token is requested', async () => {
    const { manager, requests } = fakeManager([conn('a', A), conn('b', B)]);
    const sessions = await findSessions(manager, ScopeData.fromScopes([`${A}/.default`, 'connection:b']), ignore);
    assert.deepEqual(sessions, []);
    assert.deepEqual(requests, []);
  });

  test('a pin to a connection of the org asked for returns that connection only', async () => {
    const { manager } = fakeManager([conn('a1', A), conn('a2', A), conn('b', B)]);
    const sessions = await findSessions(manager, ScopeData.fromScopes([`${A}/.default`, 'connection:a2']), ignore);
    assert.deepEqual(
      sessions.map((s) => s.id),
      ['a2'],
    );
  });

  test('the token is requested for the scopes asked, and the session reports the scopes of the token it carries', async () => {
    const { manager, requests } = fakeManager([conn('a', A), conn('b', B)]);
    const asDefault = await findSessions(manager, ScopeData.fromScopes([`${A}/.default`]), ignore);
    assert.deepEqual(requests, [{ id: 'a', scopes: [`${A}/.default`] }]);
    assert.equal(asDefault[0]!.accessToken, `token of a for ${A}/.default`);
    assert.deepEqual(asDefault[0]!.scopes, [`${A}/.default`]);

    const asUser = await findSessions(manager, ScopeData.fromScopes([`${A.toUpperCase()}/user_impersonation`, 'openid']), ignore);
    assert.deepEqual(requests[1], { id: 'a', scopes: [`${A}/user_impersonation`, 'openid'] });
    assert.deepEqual(asUser[0]!.scopes, [`${A}/user_impersonation`]);
  });

  test('the session reports what the token carries, not what was asked, when they differ', async () => {
    const manager: SessionConnections = {
      list: () => [conn('app', A, 'clientSecret')],
      isSignedIn: async () => true,
      // An app token: client credentials always come back as /.default.
      getToken: async () => ({ accessToken: 'app token', expiresOn: new Date(), scopes: [`${A}/.default`] }),
    };
    const sessions = await findSessions(manager, ScopeData.fromScopes([`${A}/user_impersonation`]), ignore);
    assert.deepEqual(sessions[0]!.scopes, [`${A}/.default`]);
  });

  test('without scopes every signed-in connection answers with its own token', async () => {
    const { manager, requests } = fakeManager([conn('a', A), conn('b', B)]);
    const sessions = await findSessions(manager, undefined, ignore);
    assert.deepEqual(
      sessions.map((s) => s.id),
      ['a', 'b'],
    );
    assert.deepEqual(
      requests.map((r) => r.scopes),
      [undefined, undefined],
    );
  });

  test('a connection that needs the person again is left out and reported', async () => {
    const skipped: string[] = [];
    const manager: SessionConnections = {
      list: () => [conn('a', A)],
      isSignedIn: async () => true,
      getToken: async () => {
        throw new Error('interaction required');
      },
    };
    assert.deepEqual(await findSessions(manager, ScopeData.fromScopes([`${A}/.default`]), (c) => skipped.push(c.id)), []);
    assert.deepEqual(skipped, ['a']);
  });

  test('connectionsFor and pinMismatch say why a pin to another org cannot answer', () => {
    const data = ScopeData.fromScopes([`${A}/.default`, 'connection:b']);
    assert.deepEqual(connectionsFor([conn('a', A), conn('b', B)], data), []);
    assert.match(pinMismatch(conn('b', B), data) ?? '', /is for https:\/\/contosob\.crm\.dynamics\.com, but the scopes ask for a token for https:\/\/contosoa\.crm\.dynamics\.com/);
    assert.equal(pinMismatch(conn('a', A), data), undefined);
  });
});

/**
 * Refresh tokens as Microsoft documents them
 * (https://learn.microsoft.com/entra/identity-platform/refresh-tokens): a used
 * one stays valid until it expires or is revoked, so two windows sharing a
 * token cache never see "sign in again". Revocation (password reset, revoked
 * sessions) and expiry remain, as switches. Driven by unmodified msal-node and
 * plain fetch. Run like entra.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionRequiredAuthError, PublicClientApplication } from '@azure/msal-node';
import { signIn } from '../../../sandbox/entra/signInDriver';
import { type EntraServer, startEntraServer } from '../../../sandbox/entra/server';
import { ensureCredentials } from '../../../sandbox/credentials';
import { ensureTls } from '../../../sandbox/tls';
import { CONTOSO_TENANT, DATAVERSE_PUBLIC_CLIENT_ID } from '../../../sandbox/seed';
import { type Harness, failure, rawSignIn, refresh, startHarness } from './entraHarness';

const ADELE = 'adele.vance@contoso.onmicrosoft.com';
const ALEX = 'alex.wilber@contoso.onmicrosoft.com';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

const publicApp = (cache?: string) => {
  const pca = new PublicClientApplication({ auth: { clientId: DATAVERSE_PUBLIC_CLIENT_ID, authority: h.entra.authority(CONTOSO_TENANT.id), knownAuthorities: [new URL(h.entra.url).host] } });
  if (cache) pca.getTokenCache().deserialize(cache);
  return pca;
};
const scopes = () => [`${h.orgUrl}/user_impersonation`];

async function signedIn(upn: string) {
  const pca = publicApp();
  const result = await pca.acquireTokenInteractive({ scopes: scopes(), openBrowser: async (url) => void (await signIn(url, upn)) });
  return { pca, account: result.account! };
}

function refreshTokenIn(pca: PublicClientApplication): string {
  const cache = JSON.parse(pca.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
  return Object.values(cache.RefreshToken)[0]!.secret;
}


describe('refresh tokens are not revoked by use', () => {
  test('two windows sharing one cache both renew after the first one rotated the refresh token', async () => {
    const { pca, account } = await signedIn(ADELE);
    const shared = pca.getTokenCache().serialize();
    const oldRefresh = refreshTokenIn(pca);
    // Window 1 renews: a new refresh token replaces the old one in its cache.
    await pca.acquireTokenSilent({ account, scopes: scopes(), forceRefresh: true });
    assert.notEqual(refreshTokenIn(pca), oldRefresh, 'the refresh token rotated');
    // Window 2 still holds the old one, and renews without a prompt.
    const other = publicApp(shared);
    const [otherAccount] = await other.getTokenCache().getAllAccounts();
    const renewed = await other.acquireTokenSilent({ account: otherAccount!, scopes: scopes(), forceRefresh: true });
    assert.ok(renewed.accessToken);
    const whoAmI = await fetch(`${h.orgUrl}/api/data/v9.2/WhoAmI`, { headers: { authorization: `Bearer ${renewed.accessToken}` } });
    assert.equal(whoAmI.status, 200);
  });

  test('the same refresh token redeemed three times by plain fetch answers three token sets', async () => {
    const first = await rawSignIn(h, { upn: ADELE });
    const rt = String(first.tokens?.body.refresh_token);
    for (let i = 0; i < 3; i++) {
      const res = await refresh(h, rt);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(typeof res.body.access_token, 'string');
      assert.notEqual(res.body.refresh_token, rt, 'a new refresh token comes with every answer');
    }
  });
});

describe('revocation, as after a password reset or "revoke sessions"', () => {
  test('revokeRefreshTokens: true refuses every earlier refresh token with AADSTS50173; a new sign-in works again', async () => {
    const { pca, account } = await signedIn(ADELE);
    const before = refreshTokenIn(pca);
    h.entra.configure({ entra: { revokeRefreshTokens: true } });
    const raw = await refresh(h, before);
    assert.equal(raw.status, 400);
    assert.equal(raw.body.error, 'invalid_grant');
    assert.deepEqual(raw.body.error_codes, [50173]);
    const err = await failure(pca.acquireTokenSilent({ account, scopes: scopes(), forceRefresh: true }));
    assert.ok(err instanceof InteractionRequiredAuthError, `MSAL asks for a new sign-in, not ${err.name}`);
    assert.match(err.errorMessage, /AADSTS50173/);
    const again = await signedIn(ADELE);
    assert.ok((await again.pca.acquireTokenSilent({ account: again.account, scopes: scopes(), forceRefresh: true })).accessToken);
  });

  test("revoking one user's tokens leaves another user's working", async () => {
    const adele = await rawSignIn(h, { upn: ADELE });
    const alex = await rawSignIn(h, { upn: ALEX });
    h.entra.configure({ entra: { revokeRefreshTokens: ALEX.toUpperCase() } });
    assert.equal((await refresh(h, String(adele.tokens?.body.refresh_token))).status, 200);
    assert.deepEqual((await refresh(h, String(alex.tokens?.body.refresh_token))).body.error_codes, [50173]);
  });

  test('a bad switch value is refused with what it accepts', () => {
    assert.throws(() => h.entra.configure({ entra: { revokeRefreshTokens: 5 as unknown as true } }), /revokeRefreshTokens must be true \(every user\) or a user's UPN/);
  });
});

describe('expiry', () => {
  let clock = Date.now();
  let server: EntraServer;
  let expiring: Harness;
  before(async () => {
    const tls = ensureTls();
    server = await startEntraServer({ tls, credentials: ensureCredentials(tls.cacheDir), now: () => clock, config: { refreshTokenLifetimeSeconds: 3600 } });
    server.setKnownResources([h.orgUrl]);
    expiring = { ...h, entra: server };
  });
  after(async () => {
    await server.close();
  });

  test('a refresh token works until its lifetime has passed, then answers AADSTS700082', async () => {
    const signed = await rawSignIn(expiring, { upn: ADELE });
    const rt = String(signed.tokens?.body.refresh_token);
    clock += 3599_000;
    assert.equal((await refresh(expiring, rt)).status, 200);
    clock += 2_000;
    const late = await refresh(expiring, rt);
    assert.equal(late.body.error, 'invalid_grant');
    assert.deepEqual(late.body.error_codes, [700082]);
    assert.equal(late.body.suberror, 'bad_token');
  });
});

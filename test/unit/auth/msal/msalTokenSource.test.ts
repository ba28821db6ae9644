/**
 * MsalTokenSource against the local sandbox with the real msal-node: every
 * flow, the failures a person meets, silent renewal, single flight and the
 * SecretStorage cache. Run:
 *   NODE_EXTRA_CA_CERTS=$(npx tsx sandbox/tls.ts --ensure) node --import tsx --test test/unit/auth/msal/*.test.ts
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureCredentials } from '../../../../sandbox/credentials';
import { type Sandbox, startSandbox } from '../../../../sandbox/index';
import { certificateFromPem } from '../../../../src/auth/msal/certificateCredential';
import { DataverseHttpError, callWithToken } from '../../../../src/dataverse/http';
import { type TokenFlow, type TokenSourceOptions, MsalTokenSource } from '../../../../src/auth/msal/msalTokenSource';
import { TokenError } from '../../../../src/auth/msal/tokenError';
import { MemorySecretStore } from './memorySecretStore';

const ADELE = 'adele.vance@contoso.onmicrosoft.com';
const MEGAN = 'megan.bowen@contoso.onmicrosoft.com'; // MFA required
const DIEGO = 'diego.siciliani@contoso.onmicrosoft.com'; // consent required

let sandbox: Sandbox;
let orgUrl: string;
const sources: MsalTokenSource[] = [];

before(async () => {
  // The default cache folder: its CA is the one NODE_EXTRA_CA_CERTS trusts (a temp folder would mint an untrusted CA).
  sandbox = await startSandbox({ deviceCodeIntervalSeconds: 1 });
  orgUrl = sandbox.orgs[0]!.url;
});
after(async () => {
  for (const s of sources) s.dispose();
  await sandbox.close();
});

/** Counts the browser openings, plays the person signing in as `upn`. */
function browser(upn: string | undefined) {
  const opened: string[] = [];
  return {
    opened,
    openBrowser: async (url: string) => {
      opened.push(url);
      await sandbox.signIn(url, upn as string);
    },
  };
}

async function source(flow: TokenFlow, extra: Partial<TokenSourceOptions> = {}): Promise<MsalTokenSource> {
  const s = await MsalTokenSource.create({
    orgUrl,
    authorityHost: new URL(sandbox.entra.url).host,
    tenantId: sandbox.tenants[0]!.id,
    flow,
    secrets: extra.secrets ?? new MemorySecretStore(),
    cacheKey: 'dataverse.tokenCache.test',
    ...extra,
  });
  sources.push(s);
  return s;
}

const interactive = (b: ReturnType<typeof browser>): TokenFlow => ({ kind: 'interactive', clientId: sandbox.apps.publicClientId, openBrowser: b.openBrowser });
const secretFlow = (clientId = sandbox.apps.secret.clientId, clientSecret = sandbox.apps.secret.secret): TokenFlow => ({ kind: 'clientSecret', clientId, clientSecret });
const certificateFlow = (): TokenFlow => ({
  kind: 'certificate',
  clientId: sandbox.apps.certificate.clientId,
  certificate: certificateFromPem({ certificatePem: sandbox.apps.certificate.certificatePem, privateKeyPem: sandbox.apps.certificate.privateKeyPem }),
});

async function whoAmI(tokens: { getToken(o?: { forceRefresh?: boolean }): Promise<{ accessToken: string }> }): Promise<{ UserId: string; OrganizationId: string }> {
  const res = await callWithToken(fetch, tokens, { url: `${orgUrl}/api/data/v9.2/WhoAmI` });
  return (await res.json()) as { UserId: string; OrganizationId: string };
}

/** Runs a promise that must fail with a TokenError. */
async function tokenError(p: Promise<unknown>): Promise<TokenError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TokenError, `expected a TokenError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

/** Counts POSTs to the sandbox's token endpoint while `work` runs (msal-node's HttpClient uses global fetch). */
async function countTokenRequests<T>(work: () => Promise<T>): Promise<{ result: T; tokenRequests: number }> {
  const original = globalThis.fetch;
  let tokenRequests = 0;
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if ((init?.method ?? 'GET').toUpperCase() === 'POST' && new URL(url).pathname.endsWith('/oauth2/v2.0/token')) tokenRequests++;
    return original(input, init);
  }) as typeof fetch;
  try {
    return { result: await work(), tokenRequests };
  } finally {
    globalThis.fetch = original;
  }
}

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('each flow gets a token that Dataverse accepts', () => {
  test('interactive: the browser opens once, the account is known, WhoAmI answers', async () => {
    const b = browser(ADELE);
    const lines: string[] = [];
    const log = (m: string | Error) => void lines.push(String(m));
    const s = await source(interactive(b), { logger: { trace: log, debug: log, info: log, warn: log, error: log } });
    const token = await s.signIn();
    assert.equal(b.opened.length, 1);
    assert.equal(new URL(b.opened[0]!).searchParams.get('prompt'), 'select_account');
    assert.equal(token.account?.username, ADELE);
    assert.equal(token.account?.tenantId, sandbox.tenants[0]!.id);
    assert.ok(token.expiresOn.getTime() > Date.now());
    assert.equal((await whoAmI(s)).OrganizationId, sandbox.orgs[0]!.id);
    assert.equal(b.opened.length, 1, 'no second prompt');
    assert.ok(lines.some((l) => l.includes(orgUrl)), 'log lines name the org');
    assert.ok(!lines.some((l) => l.includes(token.accessToken)), 'and never the token');
  });

  test('device code: the code is shown, approved elsewhere, WhoAmI answers', async () => {
    const shown: string[] = [];
    const s = await source({
      kind: 'deviceCode',
      clientId: sandbox.apps.publicClientId,
      onDeviceCode: (p) => {
        shown.push(p.userCode);
        assert.match(p.message, new RegExp(p.userCode));
        assert.ok(p.expiresOn.getTime() > Date.now());
        sandbox.approveDeviceCode(p.userCode, ADELE);
      },
    });
    const token = await s.signIn();
    assert.equal(shown.length, 1);
    assert.equal(token.account?.username, ADELE);
    assert.equal((await whoAmI(s)).OrganizationId, sandbox.orgs[0]!.id);
  });

  test('client secret: WhoAmI answers for the application user', async () => {
    const s = await source(secretFlow());
    const token = await s.getToken();
    assert.equal(token.account, undefined);
    assert.equal(claims(token.accessToken).aud, orgUrl);
    assert.equal((await whoAmI(s)).OrganizationId, sandbox.orgs[0]!.id);
  });

  test('certificate (thumbprint computed from the PEM): WhoAmI answers', async () => {
    const s = await source(certificateFlow());
    await s.signIn();
    assert.equal((await whoAmI(s)).OrganizationId, sandbox.orgs[0]!.id);
  });
});

describe('failures a person meets', () => {
  test('wrong client secret: rejected with AADSTS7000215', async () => {
    const s = await source(secretFlow(sandbox.apps.secret.clientId, 'wrong-secret'));
    const e = await tokenError(s.getToken());
    assert.equal(e.kind, 'rejected');
    assert.equal(e.aadsts, 7000215);
    assert.match(e.message, /^AADSTS7000215: Invalid client secret provided/);
    assert.doesNotMatch(e.message, /wrong-secret|Trace ID/);
  });

  test('expired client secret: rejected with AADSTS7000222', async () => {
    const s = await source(secretFlow(sandbox.apps.expiredSecret.clientId, sandbox.apps.expiredSecret.secret));
    const e = await tokenError(s.getToken());
    assert.equal(e.kind, 'rejected');
    assert.equal(e.aadsts, 7000222);
  });

  test('unknown application id: rejected with AADSTS700016', async () => {
    const s = await source(secretFlow('99999999-9999-4999-8999-999999999999', 'whatever'));
    const e = await tokenError(s.getToken());
    assert.equal(e.aadsts, 700016);
  });

  test('a certificate the app does not know: rejected with AADSTS700027', async () => {
    const other = ensureCredentials().tokenSigning; // a valid key pair, registered on no app
    const s = await source({
      kind: 'certificate',
      clientId: sandbox.apps.certificate.clientId,
      certificate: certificateFromPem({ certificatePem: other.certificatePem, privateKeyPem: other.privateKeyPem }),
    });
    const e = await tokenError(s.getToken());
    assert.equal(e.aadsts, 700027);
  });

  test('a user who has not consented: rejected with AADSTS65001, and no silent token afterwards', async () => {
    const s = await source(interactive(browser(DIEGO)));
    const e = await tokenError(s.signIn());
    assert.equal(e.kind, 'rejected', 'not "interactionRequired": prompting again would loop');
    assert.equal(e.aadsts, 65001);
    assert.equal((await tokenError(s.getToken())).kind, 'interactionRequired');
  });

  test('a user who needs MFA: rejected with AADSTS50076', async () => {
    const s = await source(interactive(browser(MEGAN)));
    const e = await tokenError(s.signIn());
    assert.equal(e.aadsts, 50076);
  });

  test('an app without an application user: the token is issued but Dataverse answers 403 0x80072560', async () => {
    const s = await source(secretFlow(sandbox.apps.noApplicationUser.clientId, sandbox.apps.noApplicationUser.secret));
    const { accessToken } = await s.getToken();
    await assert.rejects(whoAmI(s), (e: unknown) => {
      assert.ok(e instanceof DataverseHttpError);
      assert.equal(e.status, 403);
      assert.equal(e.code, '0x80072560');
      assert.match(e.message, /not a member of the organization/);
      assert.ok(!e.message.includes(accessToken) && !String(e.stack).includes(accessToken));
      return true;
    });
  });

  test('a user flow with nobody signed in asks for a sign-in instead of prompting', async () => {
    const b = browser(ADELE);
    const s = await source(interactive(b));
    const e = await tokenError(s.getToken());
    assert.equal(e.kind, 'interactionRequired');
    assert.equal(b.opened.length, 0);
  });

  test('interactive sign-in can be cancelled or time out while the browser is open; a late answer still signs in', async () => {
    const pending: string[] = [];
    const flow: TokenFlow = { kind: 'interactive', clientId: sandbox.apps.publicClientId, openBrowser: async (url) => void pending.push(url) };
    const controller = new AbortController();
    const s = await source(flow, { interactiveTimeoutMs: 200 });
    const cancelled = s.signIn({ signal: controller.signal });
    while (pending.length === 0) await new Promise((r) => setImmediate(r));
    controller.abort();
    assert.equal((await tokenError(cancelled)).kind, 'cancelled');
    assert.equal((await tokenError(s.signIn())).kind, 'timedOut');
    // The person finishes in the browser after all: MSAL's loopback still takes the answer (and closes).
    for (const url of pending) await sandbox.signIn(url, ADELE);
    // MSAL redeems the code outside the sequencer (the call was abandoned), so wait for it to land.
    let token: Awaited<ReturnType<MsalTokenSource['getToken']>> | undefined;
    for (let i = 0; i < 100 && !token; i++) {
      token = await s.getToken().catch(async () => void (await new Promise((r) => setTimeout(r, 50))));
    }
    assert.equal(token?.account?.username, ADELE);
  });

  test('device code sign-in can be cancelled', async () => {
    const controller = new AbortController();
    const s = await source({ kind: 'deviceCode', clientId: sandbox.apps.publicClientId, onDeviceCode: () => controller.abort() });
    const e = await tokenError(s.signIn({ signal: controller.signal }));
    assert.equal(e.kind, 'cancelled');
  });
});

describe('renewal and single flight', () => {
  test('a token that expires mid-session is renewed silently, with no prompt', async () => {
    sandbox.configure({ tokenLifetimeSeconds: 2 });
    try {
      const b = browser(ADELE);
      const s = await source(interactive(b));
      const first = await s.signIn();
      await new Promise((r) => setTimeout(r, 3000)); // past the token's lifetime
      const renewed = await s.getToken();
      assert.notEqual(renewed.accessToken, first.accessToken);
      assert.ok((claims(renewed.accessToken).exp as number) > (claims(first.accessToken).exp as number));
      assert.equal((await whoAmI(s)).OrganizationId, sandbox.orgs[0]!.id);
      assert.equal(b.opened.length, 1, 'the browser opened only for the first sign-in');
    } finally {
      sandbox.configure({ tokenLifetimeSeconds: 3599 });
    }
  });

  test('200 concurrent callers cause exactly one token request (app flow, token due for renewal)', async () => {
    sandbox.configure({ tokenLifetimeSeconds: 60 }); // inside MSAL's 5-minute renewal window: every lone call would ask again
    try {
      const s = await source(secretFlow());
      const { result, tokenRequests } = await countTokenRequests(() => Promise.all(Array.from({ length: 200 }, () => s.getToken())));
      assert.equal(tokenRequests, 1);
      assert.equal(new Set(result.map((t) => t.accessToken)).size, 1);
    } finally {
      sandbox.configure({ tokenLifetimeSeconds: 3599 });
    }
  });

  test('200 concurrent callers cause exactly one refresh (user flow, token due for renewal)', async () => {
    sandbox.configure({ tokenLifetimeSeconds: 60 }); // inside MSAL's 5-minute renewal window
    try {
      const s = await source(interactive(browser(ADELE)));
      await s.signIn();
      const { result, tokenRequests } = await countTokenRequests(() => Promise.all(Array.from({ length: 200 }, () => s.getToken())));
      assert.equal(tokenRequests, 1);
      assert.equal(new Set(result.map((t) => t.accessToken)).size, 1);
    } finally {
      sandbox.configure({ tokenLifetimeSeconds: 3599 });
    }
  });

  test('a caller that gives up does not cancel the request the others share', async () => {
    const s = await source(secretFlow());
    const controller = new AbortController();
    const quitter = s.getToken({ signal: controller.signal });
    const stayer = s.getToken();
    controller.abort();
    assert.equal((await tokenError(quitter)).kind, 'cancelled');
    assert.ok((await stayer).accessToken);
  });

  test('callWithToken renews once on 401 and retries once', async () => {
    const s = await source(secretFlow());
    const calls: boolean[] = [];
    const staleFirst = {
      getToken: async (o?: { forceRefresh?: boolean }) => {
        calls.push(o?.forceRefresh === true);
        return o?.forceRefresh ? s.getToken(o) : { accessToken: 'expired.or.revoked' };
      },
    };
    assert.equal((await whoAmI(staleFirst)).OrganizationId, sandbox.orgs[0]!.id);
    assert.deepEqual(calls, [false, true]);

    const alwaysBad = { getToken: async () => ({ accessToken: 'never-valid' }) };
    let attempts = 0;
    const counting = (input: string, init?: RequestInit) => (attempts++, fetch(input, init));
    await assert.rejects(callWithToken(counting, alwaysBad, { url: `${orgUrl}/api/data/v9.2/WhoAmI` }), (e: unknown) => {
      assert.ok(e instanceof DataverseHttpError);
      assert.equal(e.status, 401);
      assert.doesNotMatch(e.message, /never-valid/);
      return true;
    });
    assert.equal(attempts, 2);
  });
});

describe('the token cache in SecretStorage', () => {
  test('a restart finds the signed-in person and gets a token silently', async () => {
    const store = new MemorySecretStore();
    const first = browser(ADELE);
    const before = await source(interactive(first), { secrets: store });
    const signedIn = await before.signIn();
    before.dispose();
    assert.ok(store.values.get('dataverse.tokenCache.test'), 'the cache was written to SecretStorage');

    const second = browser(ADELE);
    const { result, tokenRequests } = await countTokenRequests(async () => {
      const after = await source(interactive(second), { secrets: store });
      return { account: after.account, token: await after.getToken() };
    });
    assert.equal(result.account?.username, ADELE);
    assert.equal(result.token.accessToken, signedIn.accessToken, 'served from the stored cache');
    assert.equal(tokenRequests, 0);
    assert.equal(second.opened.length, 0);
  });

  test('an app token survives a restart too', async () => {
    const store = new MemorySecretStore();
    const first = await (await source(secretFlow(), { secrets: store })).getToken();
    const { result, tokenRequests } = await countTokenRequests(async () => (await source(secretFlow(), { secrets: store })).getToken());
    assert.equal(result.accessToken, first.accessToken);
    assert.equal(tokenRequests, 0);
  });

  test('sign-out deletes the secret; this window and another one then need a sign-in', async () => {
    const store = new MemorySecretStore();
    const thisWindow = await source(interactive(browser(ADELE)), { secrets: store });
    await thisWindow.signIn();
    const otherWindow = await source(interactive(browser(ADELE)), { secrets: store });
    assert.ok((await otherWindow.getToken()).accessToken, 'the other window shares the sign-in');

    await thisWindow.signOut();
    assert.equal(store.values.has('dataverse.tokenCache.test'), false);
    assert.equal(thisWindow.account, undefined);
    assert.equal((await tokenError(thisWindow.getToken())).kind, 'interactionRequired');
    assert.equal((await tokenError(otherWindow.getToken())).kind, 'interactionRequired');
  });

  test('sign-out of an app connection deletes the secret and the next token is fetched again', async () => {
    const store = new MemorySecretStore();
    const s = await source(secretFlow(), { secrets: store });
    await s.getToken();
    await s.signOut();
    assert.equal(store.values.has('dataverse.tokenCache.test'), false);
    const { tokenRequests } = await countTokenRequests(() => s.getToken());
    assert.equal(tokenRequests, 1);
  });
});

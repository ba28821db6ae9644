/**
 * MFA and consent on the interactive sign-in page, as in the cloud: the page
 * (and the device-code approval page) asks Megan Bowen for a second factor and
 * Diego Siciliani for consent, and the person completes or declines. Grants
 * that cannot show a page (refresh, prompt=none, a device-code poll) still
 * answer AADSTS50076 / 65001 where they must, and `requireMfaAgain` makes
 * Megan's refreshes need MFA again. Driven by unmodified msal-node and plain
 * fetch. Run like entra.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionRequiredAuthError, PublicClientApplication } from '@azure/msal-node';
import { type SignInResult, type SignInSteps, signIn } from '../../../sandbox/entra/signInDriver';
import { APPS, CONTOSO_TENANT, DATAVERSE_PUBLIC_CLIENT_ID } from '../../../sandbox/seed';
import { type Harness, decodePart, failure, postToken, rawSignIn, refresh, startHarness } from './entraHarness';

const ADELE = 'adele.vance@contoso.onmicrosoft.com';
const MEGAN = 'megan.bowen@contoso.onmicrosoft.com';
const DIEGO = 'diego.siciliani@contoso.onmicrosoft.com';
const CUSTOM_PUBLIC = APPS.find((a) => a.displayName === 'Contoso custom public client')!.clientId;
const WEB_APP = APPS.find((a) => a.kind === 'secret')!.clientId;

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

const scopes = () => [`${h.orgUrl}/user_impersonation`];
const publicApp = (clientId = DATAVERSE_PUBLIC_CLIENT_ID) =>
  new PublicClientApplication({ auth: { clientId, authority: h.entra.authority(CONTOSO_TENANT.id), knownAuthorities: [new URL(h.entra.url).host] } });

/** Interactive sign-in through msal-node; also answers what the page showed. */
async function interactive(upn: string, steps: SignInSteps = {}, pca = publicApp()) {
  let page: SignInResult | undefined;
  const result = pca.acquireTokenInteractive({ scopes: scopes(), openBrowser: async (url) => void (page = await signIn(url, upn, steps)) });
  return { pca, result, page: () => page! };
}

/** Starts a device-code sign-in by plain fetch; `poll()` asks the token endpoint once (msal-node hides the AADSTS code of a failed poll). */
async function startDeviceCode() {
  const form = { client_id: DATAVERSE_PUBLIC_CLIENT_ID, scope: `${scopes()[0]} openid profile offline_access` };
  const res = await fetch(`${h.entra.url}/${CONTOSO_TENANT.id}/oauth2/v2.0/devicecode`, { method: 'POST', body: new URLSearchParams(form) });
  const started = (await res.json()) as Record<string, string>;
  const poll = () => postToken(h, CONTOSO_TENANT.id, { ...form, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: started.device_code! });
  return { userCode: started.user_code!, poll };
}

/** Plays the person on the device-code approval page: enters the code, picks `upn`, answers the steps; returns the steps shown. */
async function approveOnPage(userCode: string, upn: string, answers: { mfa?: string; consent?: string } = {}): Promise<string[]> {
  const page = `${h.entra.url}/common/oauth2/deviceauth`;
  const post = async (fields: Record<string, string>) => (await fetch(page, { method: 'POST', body: new URLSearchParams(fields) })).text();
  const stepOf = (html: string) => /name="step" value="(\w+)"/.exec(html)?.[1];
  await post({ otc: userCode });
  let html = await post({ otc: userCode, upn });
  const steps: string[] = [];
  for (let step = stepOf(html); step; step = stepOf(html)) {
    steps.push(step);
    const answer: Record<string, string> = step === 'mfa' ? { mfa: answers.mfa ?? 'approve' } : { consent: answers.consent ?? 'accept' };
    html = await post({ otc: userCode, step, ...answer });
  }
  return steps;
}

describe('MFA on the sign-in page', () => {
  test('Megan approves the second factor and gets a token with amr mfa', async () => {
    const run = await interactive(MEGAN);
    const result = await run.result;
    assert.deepEqual(run.page().steps, ['mfa']);
    assert.equal(result.account?.username, MEGAN);
    assert.deepEqual(decodePart(result.accessToken, 1).amr, ['pwd', 'mfa']);
  });

  test('Adele is asked for nothing after the account pick', async () => {
    const run = await interactive(ADELE);
    await run.result;
    assert.deepEqual(run.page().steps, []);
  });

  test('Megan denies the second factor: access_denied with AADSTS500121 to the redirect', async () => {
    const run = await interactive(MEGAN, { mfa: 'deny' });
    const err = await failure(run.result);
    assert.equal(err.errorCode, 'access_denied');
    assert.match(err.errorMessage, /AADSTS500121/);
  });

  test('the MFA step cannot be skipped by posting the account again', async () => {
    const url = new URL(`${h.entra.url}/${CONTOSO_TENANT.id}/oauth2/v2.0/authorize`);
    for (const [k, v] of Object.entries({ client_id: DATAVERSE_PUBLIC_CLIENT_ID, response_type: 'code', redirect_uri: h.loopbackUrl, scope: scopes()[0]! })) url.searchParams.set(k, v);
    const pickPage = await (await fetch(url)).text();
    const requestId = /name="request" value="([^"]+)"/.exec(pickPage)![1]!;
    const post = (fields: Record<string, string>) => fetch(url, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ request: requestId, ...fields }) });
    const mfa = await post({ upn: MEGAN });
    assert.match(await mfa.text(), /Approve sign in request/);
    const skip = await post({ upn: MEGAN });
    assert.equal(skip.status, 400);
    assert.match(await skip.text(), /already answered/);
  });

  test('requireMfaAgain: refreshes answer AADSTS50076 until Megan does MFA on the page again', async () => {
    const run = await interactive(MEGAN);
    const account = (await run.result).account!;
    const oldRefresh = Object.values((JSON.parse(run.pca.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> }).RefreshToken)[0]!.secret;
    assert.ok((await run.pca.acquireTokenSilent({ account, scopes: scopes(), forceRefresh: true })).accessToken, 'refreshes work after MFA');

    h.entra.configure({ entra: { requireMfaAgain: true } });
    for (let i = 0; i < 2; i++) {
      const err = await failure(run.pca.acquireTokenSilent({ account, scopes: scopes(), forceRefresh: true }));
      assert.ok(err instanceof InteractionRequiredAuthError, `MSAL asks for the page, not ${err.name}`);
      assert.match(err.errorMessage, /AADSTS50076/);
    }
    const raw = await refresh(h, oldRefresh);
    assert.equal(raw.body.error, 'invalid_grant');
    assert.equal(raw.body.suberror, 'basic_action');
    assert.deepEqual(raw.body.error_codes, [50076]);

    const again = await interactive(MEGAN, {}, run.pca);
    await again.result;
    assert.deepEqual(again.page().steps, ['mfa']);
    assert.ok((await run.pca.acquireTokenSilent({ account, scopes: scopes(), forceRefresh: true })).accessToken, 'refreshes work again after MFA');
    assert.deepEqual((await refresh(h, oldRefresh)).body.error_codes, [50076], 'a refresh token from before the event still needs MFA');
  });

  test('requireMfaAgain does not touch users who need no MFA', async () => {
    const adele = await rawSignIn(h, { upn: ADELE });
    h.entra.configure({ entra: { requireMfaAgain: true } });
    assert.equal((await refresh(h, String(adele.tokens?.body.refresh_token))).status, 200);
  });

});

describe('MFA on the device-code approval page', () => {
  test('Megan approves the second factor on the approval page: a token with amr mfa', async () => {
    const flow = await startDeviceCode();
    assert.deepEqual(await approveOnPage(flow.userCode, MEGAN), ['mfa']);
    const poll = await flow.poll();
    assert.equal(poll.status, 200);
    assert.deepEqual(decodePart(String(poll.body.access_token), 1).amr, ['pwd', 'mfa']);
  });

  test('Megan denies it: the poll answers authorization_declined', async () => {
    const flow = await startDeviceCode();
    await approveOnPage(flow.userCode, MEGAN, { mfa: 'deny' });
    assert.equal((await flow.poll()).body.error, 'authorization_declined');
  });

  test('the approve hook over HTTP refuses an unknown answer with what it accepts, and leaves the code pending', async () => {
    const flow = await startDeviceCode();
    const res = await fetch(`${h.entra.url}/_sandbox/devicecode/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userCode: flow.userCode, upn: MEGAN, mfa: 'maybe' }),
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error_description: string }).error_description, /mfa must be "approve" or "deny"/);
    assert.equal((await flow.poll()).body.error, 'authorization_pending');
  });

  test('the policy asks for MFA again between approval and poll: the poll answers AADSTS50076', async () => {
    const flow = await startDeviceCode();
    h.entra.approveDeviceCode(flow.userCode, MEGAN);
    h.entra.configure({ entra: { requireMfaAgain: true } });
    const poll = await flow.poll();
    assert.equal(poll.body.error, 'invalid_grant');
    assert.deepEqual(poll.body.error_codes, [50076]);
  });
});

describe('consent on the sign-in page', () => {
  // Order matters: consent given in one test is remembered by the next, as Entra remembers it.
  test('Diego declines consent on the device-code approval page: authorization_declined, and no consent is kept', async () => {
    const flow = await startDeviceCode();
    assert.deepEqual(await approveOnPage(flow.userCode, DIEGO, { consent: 'decline' }), ['consent']);
    assert.equal((await flow.poll()).body.error, 'authorization_declined');
  });

  test('Diego declines: access_denied with AADSTS65004 to the redirect, and no consent is kept', async () => {
    const run = await interactive(DIEGO, { consent: 'decline' });
    const err = await failure(run.result);
    assert.deepEqual(run.page().steps, ['consent']);
    assert.equal(err.errorCode, 'access_denied');
    assert.match(err.errorMessage, /AADSTS65004/);
    const again = await rawSignIn(h, { upn: DIEGO, steps: { consent: 'decline' } });
    assert.deepEqual(again.steps, ['consent'], 'asked again');
  });

  test('Diego accepts: token; the next sign-in to the same app asks nothing; another app asks again', async () => {
    const run = await interactive(DIEGO);
    assert.equal((await run.result).account?.username, DIEGO);
    assert.deepEqual(run.page().steps, ['consent']);
    const next = await interactive(DIEGO);
    await next.result;
    assert.deepEqual(next.page().steps, []);
    const other = await rawSignIn(h, { upn: DIEGO, clientId: CUSTOM_PUBLIC });
    assert.deepEqual(other.steps, ['consent']);
    assert.equal(other.tokens?.status, 200);
  });
});

describe('prompt=none (no page may be shown)', () => {
  test('no session: login_required AADSTS50058', async () => {
    const result = await rawSignIn(h, { prompt: 'none' });
    assert.equal(result.fields.error, 'login_required');
    assert.match(result.fields.error_description!, /^AADSTS50058/);
  });

  test("with the session of Adele's sign-in: a code, no page", async () => {
    const first = await rawSignIn(h, { upn: ADELE });
    assert.ok(first.cookie, 'the sign-in set a session cookie');
    const silent = await rawSignIn(h, { prompt: 'none', steps: { cookie: first.cookie } });
    assert.equal(silent.tokens?.status, 200);
  });

  test("Megan's session after requireMfaAgain: interaction_required AADSTS50076", async () => {
    const first = await rawSignIn(h, { upn: MEGAN });
    const fresh = await rawSignIn(h, { prompt: 'none', steps: { cookie: first.cookie } });
    assert.equal(fresh.tokens?.status, 200, 'MFA done in this session counts');
    h.entra.configure({ entra: { requireMfaAgain: true } });
    const stale = await rawSignIn(h, { prompt: 'none', steps: { cookie: first.cookie } });
    assert.equal(stale.fields.error, 'interaction_required');
    assert.match(stale.fields.error_description!, /^AADSTS50076/);
  });

  test("Diego's session, for an app he has not consented to: consent_required AADSTS65001", async () => {
    const first = await rawSignIn(h, { upn: DIEGO });
    assert.deepEqual(first.steps, [], 'consented to the sample client above');
    const silent = await rawSignIn(h, { prompt: 'none', clientId: WEB_APP, steps: { cookie: first.cookie } });
    assert.equal(silent.fields.error, 'consent_required');
    assert.match(silent.fields.error_description!, /^AADSTS65001/);
  });
});

/**
 * Faults of the sign-in service, switchable per run under `entra.faults`:
 * 429 with Retry-After, 503, slow answers and dropped connections on the token
 * endpoint, in Entra's error shape where there is a body. Driven by unmodified
 * msal-node and plain fetch. Run like entra.test.ts.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfidentialClientApplication, ServerError } from '@azure/msal-node';
import type { EntraFaultConfig } from '../../../sandbox/entra/runConfig';
import { APPS, CONTOSO_TENANT } from '../../../sandbox/seed';
import { type Harness, failure, postToken, rawSignIn, refresh, startHarness } from './entraHarness';

const SECRET_APP = APPS.find((a) => a.kind === 'secret' && a.applicationUserIn.length > 0)!;

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});
afterEach(() => h.entra.configure({ entra: { faults: [] } }));

const faults = (...list: EntraFaultConfig[]) => h.entra.configure({ entra: { faults: list } });
const appToken = (signal?: AbortSignal) =>
  fetch(`${h.entra.url}/${CONTOSO_TENANT.id}/oauth2/v2.0/token`, {
    method: 'POST',
    signal,
    body: new URLSearchParams({ client_id: SECRET_APP.clientId, client_secret: h.credentials.secrets[SECRET_APP.clientId]!, grant_type: 'client_credentials', scope: `${h.orgUrl}/.default` }),
  });
const msalApp = () =>
  new ConfidentialClientApplication({
    auth: { clientId: SECRET_APP.clientId, authority: h.entra.authority(CONTOSO_TENANT.id), knownAuthorities: [new URL(h.entra.url).host], clientSecret: h.credentials.secrets[SECRET_APP.clientId]! },
  });

/** Entra's error body: AADSTS description with trace and correlation ids, codes, timestamp. */
function assertEntraError(body: Record<string, unknown>, code: number): void {
  assert.equal(body.error, 'temporarily_unavailable');
  assert.deepEqual(body.error_codes, [code]);
  assert.match(String(body.error_description), new RegExp(`^AADSTS${code}: .*\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: .+\\r\\nTimestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`, 's'));
}

describe('Entra faults on the token endpoint', () => {
  test('throttle: 429 with Retry-After and AADSTS90055 for the next request only; msal-node sees a ServerError with status 429', async () => {
    faults({ kind: 'throttle', retryAfterSeconds: 30, count: 1 });
    const throttled = await appToken();
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '30');
    assertEntraError((await throttled.json()) as Record<string, unknown>, 90055);
    assert.equal((await appToken()).status, 200, 'count: 1 fires once');

    faults({ kind: 'throttle', retryAfterSeconds: 5, count: 1 });
    const err = await failure(msalApp().acquireTokenByClientCredential({ scopes: [`${h.orgUrl}/.default`] }));
    assert.ok(err instanceof ServerError);
    assert.equal(err.status, 429);
    assert.match(err.errorMessage, /AADSTS90055/);
  });

  test('503: every second request is unavailable, in Entra shape, with Retry-After when configured', async () => {
    faults({ kind: 'status', status: 503, everyNth: 2, retryAfterSeconds: 10 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await appToken();
      statuses.push(res.status);
      if (res.status === 503) {
        assert.equal(res.headers.get('retry-after'), '10');
        assertEntraError((await res.json()) as Record<string, unknown>, 90033);
      } else await res.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 503, 200, 503]);
  });

  test('a fault can target one grant: refreshes are down while app tokens still come', async () => {
    const signed = await rawSignIn(h, { upn: 'adele.vance@contoso.onmicrosoft.com' });
    faults({ kind: 'status', status: 503, grant: 'refresh_token' });
    assert.equal((await appToken()).status, 200);
    const res = await refresh(h, String(signed.tokens?.body.refresh_token));
    assert.equal(res.status, 503);
    assertEntraError(res.body, 90033);
  });

  test('drop: the connection closes with no answer; msal-node reports network_error', async () => {
    faults({ kind: 'drop', count: 2 });
    await assert.rejects(appToken(), (e: unknown) => e instanceof TypeError && /fetch failed/.test(e.message));
    const err = await failure(msalApp().acquireTokenByClientCredential({ scopes: [`${h.orgUrl}/.default`] }));
    assert.equal(err.errorCode, 'network_error');
    assert.equal((await appToken()).status, 200, 'count: 2 fires twice');
  });

  test('slow: a client that stops waiting gives up; the answer, when it comes, is a normal token', async () => {
    faults({ kind: 'slow', delayMs: 30_000, count: 1 });
    await assert.rejects(appToken(AbortSignal.timeout(200)), (e: unknown) => e instanceof DOMException && e.name === 'TimeoutError');
    faults({ kind: 'slow', delayMs: 50 });
    const res = await appToken();
    assert.equal(res.status, 200);
    assert.equal(typeof ((await res.json()) as Record<string, unknown>).access_token, 'string');
  });

  test('bad fault settings are refused with the field and what it accepts, in configure and over HTTP', async () => {
    assert.throws(() => faults({ kind: 'status', status: 500 } as unknown as EntraFaultConfig), /entra\.faults\[0\]\.status must be 503/);
    assert.throws(() => faults({ kind: 'flood' } as unknown as EntraFaultConfig), /entra\.faults\[0\]\.kind must be one of throttle, status, slow, drop/);
    assert.throws(() => faults({ kind: 'throttle' } as unknown as EntraFaultConfig), /retryAfterSeconds must be a positive number/);
    assert.throws(() => faults({ kind: 'drop', grant: 'password' } as unknown as EntraFaultConfig), /grant must be one of authorization_code, refresh_token/);
    const res = await fetch(`${h.entra.url}/_sandbox/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ entra: { faults: { kind: 'drop' } } }) });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error_description: string }).error_description, /entra\.faults must be a list/);
    assert.equal((await appToken()).status, 200, 'a refused patch changes nothing');
  });

  test('the current faults are listed by GET /_sandbox/config', async () => {
    faults({ kind: 'drop', everyNth: 3 });
    const config = (await (await fetch(`${h.entra.url}/_sandbox/config`)).json()) as { faults: unknown[] };
    assert.deepEqual(config.faults, [{ kind: 'drop', everyNth: 3 }]);
  });

  test('faults on the token endpoint leave discovery answering (the service is reachable, its tokens are not)', async () => {
    faults({ kind: 'drop' });
    const discovery = await fetch(`${h.entra.url}/${CONTOSO_TENANT.id}/v2.0/.well-known/openid-configuration`);
    assert.equal(discovery.status, 200);
    await discovery.arrayBuffer();
    const res = await postToken(h, CONTOSO_TENANT.id, { grant_type: 'client_credentials' }).catch((e: unknown) => e);
    assert.ok(res instanceof TypeError);
  });
});

/**
 * startSandbox() composition, with tiny inline fakes in place of the Dataverse
 * handlers: every server comes up on its loopback address, the orgs get the
 * Entra URL and JWKS, configure() reaches both sides, and a token minted for an
 * org is one that org can validate. Run like entra.test.ts.
 */
import type http from 'node:http';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfidentialClientApplication, PublicClientApplication } from '@azure/msal-node';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { type DataverseFactories, type Sandbox, type SandboxHandler, startSandbox } from '../../../sandbox/index';
import { CONTOSO_TENANT } from '../../../sandbox/seed';

const received: Array<Record<string, unknown>> = [];

/** A fake org: answers WhoAmI for any token its JWKS validates with its own URL as audience. */
const fakes: DataverseFactories = {
  createDataverseHandler: ({ org, orgUrl, jwks }) => {
    const keys = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
    const handler: SandboxHandler = {
      handle: (req: http.IncomingMessage, res: http.ServerResponse) => {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        jwtVerify(token, keys, { audience: orgUrl, issuer: `https://sts.windows.net/${org.tenantId}/` })
          .then(({ payload }) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ UserId: payload.oid, OrganizationId: org.id })))
          .catch(() => res.writeHead(401).end());
      },
      configure: (patch) => void received.push(patch),
    };
    return handler;
  },
  createDiscoveryHandler: ({ orgs }) => ({
    handle: (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: orgs.map((o) => ({ Url: o.url })) })),
    configure: (patch) => void received.push(patch),
  }),
};

let sandbox: Sandbox;
before(async () => {
  sandbox = await startSandbox({ handlers: fakes, tokenLifetimeSeconds: 600, deviceCodeIntervalSeconds: 1 });
});
after(async () => {
  await sandbox.close();
});

describe('startSandbox', () => {
  test('servers listen on their loopback addresses, free ports', () => {
    assert.match(sandbox.entra.url, /^https:\/\/127\.0\.0\.2:\d+$/);
    assert.deepEqual(sandbox.orgs.map((o) => new URL(o.url).hostname), ['127.0.0.3', '127.0.0.4']);
    assert.match(sandbox.discoveryUrl, /^https:\/\/127\.0\.0\.10:\d+$/);
    assert.ok(sandbox.caBundleFile.endsWith('ca-bundle.pem'));
  });

  test('an app token for each org is accepted by that org and refused by the other', async () => {
    const cca = new ConfidentialClientApplication({
      auth: { clientId: sandbox.apps.secret.clientId, clientSecret: sandbox.apps.secret.secret, authority: sandbox.entra.authority(CONTOSO_TENANT.id), knownAuthorities: [new URL(sandbox.entra.url).host] },
    });
    const [sales, dev] = sandbox.orgs;
    const token = (await cca.acquireTokenByClientCredential({ scopes: [`${sales!.url}/.default`] }))!.accessToken;
    assert.equal((await fetch(`${sales!.url}/api/data/v9.2/WhoAmI`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    assert.equal((await fetch(`${dev!.url}/api/data/v9.2/WhoAmI`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
  });

  test('a user token for the discovery service, through signIn', async () => {
    const pca = new PublicClientApplication({ auth: { clientId: sandbox.apps.publicClientId, authority: sandbox.entra.authority('organizations'), knownAuthorities: [new URL(sandbox.entra.url).host] } });
    const result = await pca.acquireTokenInteractive({
      scopes: [`${sandbox.discoveryUrl}//user_impersonation`],
      openBrowser: async (url) => void (await sandbox.signIn(url, 'adele.vance@contoso.onmicrosoft.com')),
    });
    assert.equal(JSON.parse(Buffer.from(result.accessToken.split('.')[1]!, 'base64url').toString()).aud, `${sandbox.discoveryUrl}/`);
  });

  test('configure() and the admin endpoint reach Entra and every Dataverse handler', async () => {
    received.length = 0;
    sandbox.configure({ tokenLifetimeSeconds: 5, dataverse: { throttle: true } });
    assert.equal(received.length, 3);
    assert.deepEqual(received[0], { throttle: true });
    const res = await fetch(`${sandbox.entra.url}/_sandbox/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tokenLifetimeSeconds: 7, dataverse: { faults: 'none' } }) });
    assert.equal(((await res.json()) as { tokenLifetimeSeconds: number }).tokenLifetimeSeconds, 7);
    assert.deepEqual(received.at(-1), { faults: 'none' });
  });

  test('entra faults take sign-in down and leave Dataverse up; dataverse faults never reach sign-in', async () => {
    const cca = new ConfidentialClientApplication({
      auth: { clientId: sandbox.apps.secret.clientId, clientSecret: sandbox.apps.secret.secret, authority: sandbox.entra.authority(CONTOSO_TENANT.id), knownAuthorities: [new URL(sandbox.entra.url).host] },
    });
    const [sales] = sandbox.orgs;
    const token = (await cca.acquireTokenByClientCredential({ scopes: [`${sales!.url}/.default`] }))!.accessToken;
    const tokenRequest = () =>
      fetch(`${sandbox.entra.url}/${CONTOSO_TENANT.id}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({ client_id: sandbox.apps.secret.clientId, client_secret: sandbox.apps.secret.secret, grant_type: 'client_credentials', scope: `${sales!.url}/.default` }),
      });
    received.length = 0;
    try {
      sandbox.configure({ entra: { faults: [{ kind: 'status', status: 503 }] } });
      assert.deepEqual(received, [], 'nothing of entra reaches the Dataverse handlers');
      assert.equal((await tokenRequest()).status, 503);
      assert.equal((await fetch(`${sales!.url}/api/data/v9.2/WhoAmI`, { headers: { authorization: `Bearer ${token}` } })).status, 200);

      sandbox.configure({ entra: { faults: [] }, dataverse: { faults: [{ kind: 'status', status: 503 }] } });
      assert.deepEqual(received.at(-1), { faults: [{ kind: 'status', status: 503 }] });
      assert.equal((await tokenRequest()).status, 200, 'dataverse faults leave sign-in up');
    } finally {
      sandbox.configure({ entra: { faults: [] }, dataverse: { faults: [] } });
    }
  });

  test('startSandbox({ entra }) applies Entra settings at start, and refuses bad ones with the field named', async () => {
    const started = await startSandbox({ handlers: fakes, entra: { faults: [{ kind: 'throttle', retryAfterSeconds: 9 }] } });
    try {
      const res = await fetch(`${started.entra.url}/${CONTOSO_TENANT.id}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '9');
    } finally {
      await started.close();
    }
    await assert.rejects(startSandbox({ handlers: fakes, entra: { refreshTokenLifetimeSeconds: -1 } }), /refreshTokenLifetimeSeconds must be a positive number/);
  });

  test('device code approved through the sandbox helper', async () => {
    const pca = new PublicClientApplication({ auth: { clientId: sandbox.apps.publicClientId, authority: sandbox.entra.authority(CONTOSO_TENANT.domain), knownAuthorities: [new URL(sandbox.entra.url).host] } });
    const result = await pca.acquireTokenByDeviceCode({
      scopes: [`${sandbox.orgs[1]!.url}/user_impersonation`],
      deviceCodeCallback: (r) => sandbox.approveDeviceCode(r.userCode, 'alex.wilber@contoso.onmicrosoft.com'),
    });
    assert.equal(result?.account?.username, 'alex.wilber@contoso.onmicrosoft.com');
  });
});

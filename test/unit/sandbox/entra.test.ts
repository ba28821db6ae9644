/**
 * The Entra ID stand-in, driven by UNMODIFIED @azure/msal-node 7.2.3 as the
 * extension drives it. Run:
 *   NODE_EXTRA_CA_CERTS=$(npx tsx sandbox/tls.ts --ensure) node --import tsx --test test/unit/sandbox/entra*.test.ts
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfidentialClientApplication, PublicClientApplication } from '@azure/msal-node';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { signIn } from '../../../sandbox/entra/signInDriver';
import { APPS, CONTOSO_TENANT, DATAVERSE_PUBLIC_CLIENT_ID, FABRIKAM_TENANT } from '../../../sandbox/seed';
import { type Harness, decodePart, failure, postToken as postTokenTo, startHarness } from './entraHarness';

const ADELE = 'adele.vance@contoso.onmicrosoft.com';
const SECRET_APP = APPS.find((a) => a.kind === 'secret' && a.applicationUserIn.length > 0)!;
const EXPIRED_APP = APPS.find((a) => a.kind === 'expiredSecret')!;
const CERT_APP = APPS.find((a) => a.kind === 'certificate')!;

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

const host = () => new URL(h.entra.url).host;
const publicApp = (tenant = CONTOSO_TENANT.id, clientId = DATAVERSE_PUBLIC_CLIENT_ID) =>
  new PublicClientApplication({ auth: { clientId, authority: h.entra.authority(tenant), knownAuthorities: [host()] } });
const secretApp = (secret: string, clientId = SECRET_APP.clientId, tenant = CONTOSO_TENANT.id) =>
  new ConfidentialClientApplication({ auth: { clientId, authority: h.entra.authority(tenant), knownAuthorities: [host()], clientSecret: secret } });
const userScope = () => [`${h.orgUrl}/user_impersonation`];
const appScope = () => [`${h.orgUrl}/.default`];


function interactive(pca: PublicClientApplication, upn: string, scopes = userScope()) {
  return pca.acquireTokenInteractive({ scopes, openBrowser: async (url) => void (await signIn(url, upn)) });
}

const postToken = (tenant: string, form: Record<string, string>) => postTokenTo(h, tenant, form);

describe('discovery', () => {
  test('tenant OpenID configuration has the sandbox issuer, by GUID and by domain', async () => {
    for (const t of [CONTOSO_TENANT.id, CONTOSO_TENANT.domain.toUpperCase()]) {
      const doc = (await (await fetch(`${h.entra.url}/${t}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
      assert.equal(doc.issuer, `${h.entra.url}/${CONTOSO_TENANT.id}/v2.0`);
      assert.equal(doc.token_endpoint, `${h.entra.url}/${t}/oauth2/v2.0/token`);
    }
    const v1 = (await (await fetch(`${h.entra.url}/${CONTOSO_TENANT.id}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    assert.equal(v1.issuer, `https://sts.windows.net/${CONTOSO_TENANT.id}/`);
    const common = (await (await fetch(`${h.entra.url}/common/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    assert.equal(common.issuer, `${h.entra.url}/{tenantid}/v2.0`);
  });

  test('JWKS kid equals x5t equals base64url SHA-1 of the certificate', async () => {
    for (const p of ['discovery/keys', 'discovery/v2.0/keys']) {
      const { keys } = (await (await fetch(`${h.entra.url}/${CONTOSO_TENANT.id}/${p}`)).json()) as { keys: Array<Record<string, unknown>> };
      const key = keys[0]!;
      const der = Buffer.from((key.x5c as string[])[0]!, 'base64');
      assert.equal(key.kid, createHash('sha1').update(der).digest('base64url'));
      assert.equal(key.x5t, key.kid);
    }
  });

  test('unknown tenant: 400 AADSTS90002 in Entra shape', async () => {
    const res = await postToken('nowhere.onmicrosoft.com', { client_id: SECRET_APP.clientId, grant_type: 'client_credentials', scope: appScope()[0]! });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.error_codes, [90002]);
    assert.equal(res.body.correlation_id, 'abc');
    assert.match(String(res.body.error_description), /^AADSTS90002: .*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: abc\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s);
    assert.match(String(res.body.timestamp), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  });

  test('MSAL with an unknown tenant cannot resolve the authority', async () => {
    const err = await failure(secretApp('x', SECRET_APP.clientId, 'nowhere.onmicrosoft.com').acquireTokenByClientCredential({ scopes: appScope() }));
    assert.match(`${err.errorCode} ${err.message}`, /endpoints_resolution_error|openid_config_error/);
  });

  test('instance discovery answers like login.microsoftonline.com', async () => {
    const body = (await (await fetch(`${h.entra.url}/common/discovery/instance?api-version=1.1`)).json()) as { metadata: Array<{ aliases: string[] }> };
    assert.deepEqual(body.metadata[0]!.aliases, [host()]);
  });
});

describe('interactive sign-in (authorization code + PKCE, form_post)', () => {
  test('Adele gets a v1 Dataverse token the org accepts, and an account', async () => {
    const result = await interactive(publicApp(), ADELE);
    assert.equal(result.account?.username, ADELE);
    assert.equal(result.account?.homeAccountId, `11111111-aaaa-4bbb-8ccc-000000000001.${CONTOSO_TENANT.id}`);
    const header = decodePart(result.accessToken, 0);
    const claims = decodePart(result.accessToken, 1);
    assert.equal(header.alg, 'RS256');
    assert.equal(header.kid, header.x5t);
    assert.equal(claims.aud, h.orgUrl);
    assert.equal(claims.iss, `https://sts.windows.net/${CONTOSO_TENANT.id}/`);
    assert.equal(claims.ver, '1.0');
    assert.equal(claims.scp, 'user_impersonation');
    assert.equal(claims.appid, DATAVERSE_PUBLIC_CLIENT_ID);
    assert.equal(claims.appidacr, '0');
    assert.equal(claims.upn, ADELE);
    assert.equal(claims.unique_name, ADELE);
    assert.equal(claims.tid, CONTOSO_TENANT.id);
    assert.equal(claims.oid, '11111111-aaaa-4bbb-8ccc-000000000001');
    const jwks = createRemoteJWKSet(new URL(`${h.entra.url}/${CONTOSO_TENANT.id}/discovery/keys`));
    await jwtVerify(result.accessToken, jwks, { audience: h.orgUrl, issuer: `https://sts.windows.net/${CONTOSO_TENANT.id}/` });
    const idClaims = decodePart(result.idToken, 1);
    assert.equal(idClaims.iss, `${h.entra.url}/${CONTOSO_TENANT.id}/v2.0`);
    assert.equal(idClaims.aud, DATAVERSE_PUBLIC_CLIENT_ID);
    const whoami = await fetch(`${h.orgUrl}/api/data/v9.2/WhoAmI`, { headers: { authorization: `Bearer ${result.accessToken}` } });
    assert.equal(whoami.status, 200);
  });

  test('the organizations authority signs in a Fabrikam user into their own tenant', async () => {
    const result = await interactive(publicApp('organizations'), 'pat.kim@fabrikam.onmicrosoft.com');
    assert.equal(result.tenantId, FABRIKAM_TENANT.id);
    assert.equal(decodePart(result.accessToken, 1).iss, `https://sts.windows.net/${FABRIKAM_TENANT.id}/`);
  });

  test('a scope with a trailing double slash keeps the slash in aud', async () => {
    const result = await interactive(publicApp(), ADELE, [`${h.orgUrl}//user_impersonation`]);
    assert.equal(decodePart(result.accessToken, 1).aud, `${h.orgUrl}/`);
  });

  test('bad scope (no https://): invalid_scope with AADSTS70011', async () => {
    const err = await failure(interactive(publicApp(), ADELE, ['contososales/user_impersonation']));
    assert.equal(err.errorCode, 'invalid_scope');
    assert.match(err.errorMessage, /AADSTS70011/);
  });

  test('single-tenant app in another tenant: AADSTS700016 on the page', async () => {
    const pca = publicApp('organizations', APPS.find((a) => a.displayName.includes('custom public'))!.clientId);
    const err = await failure(interactive(pca, 'pat.kim@fabrikam.onmicrosoft.com'));
    assert.equal(err.errorCode, 'unauthorized_client');
    assert.match(err.errorMessage, /AADSTS700016/);
  });
});

describe('device code', () => {
  test('approved through the test hook', async () => {
    const result = await publicApp().acquireTokenByDeviceCode({
      scopes: userScope(),
      deviceCodeCallback: (r) => h.entra.approveDeviceCode(r.userCode, ADELE),
    });
    assert.equal(result?.account?.username, ADELE);
    assert.equal(decodePart(result!.accessToken, 1).aud, h.orgUrl);
  });

  test('approved through the verification page', async () => {
    const result = await publicApp().acquireTokenByDeviceCode({
      scopes: userScope(),
      deviceCodeCallback: (r) => {
        assert.match(r.message, new RegExp(`${r.verificationUri}.*${r.userCode}`));
        void (async () => {
          const page = r.verificationUri;
          const step1 = await (await fetch(page, { method: 'POST', body: new URLSearchParams({ otc: r.userCode.toLowerCase() }) })).text();
          assert.match(step1, /Pick an account/);
          const done = await (await fetch(page, { method: 'POST', body: new URLSearchParams({ otc: r.userCode, upn: 'alex.wilber@contoso.onmicrosoft.com' }) })).text();
          assert.match(done, /You have signed in/);
        })();
      },
    });
    assert.equal(result?.account?.username, 'alex.wilber@contoso.onmicrosoft.com');
  });

  test('declined on the page: MSAL stops with authorization_declined', async () => {
    const err = await failure(
      publicApp().acquireTokenByDeviceCode({
        scopes: userScope(),
        deviceCodeCallback: (r) => void fetch(r.verificationUri, { method: 'POST', body: new URLSearchParams({ otc: r.userCode, decline: '1' }) }),
      }),
    );
    assert.equal(err.errorCode, 'post_request_failed');
    assert.match(err.errorMessage, /authorization_declined/);
  });

  test('polling with an unknown device code: bad_verification_code', async () => {
    const res = await postToken(CONTOSO_TENANT.id, { client_id: DATAVERSE_PUBLIC_CLIENT_ID, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'nope' });
    assert.equal(res.body.error, 'bad_verification_code');
  });

  test('pending until approved: authorization_pending AADSTS70016', async () => {
    const res = await fetch(`${h.entra.url}/${CONTOSO_TENANT.id}/oauth2/v2.0/devicecode`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: DATAVERSE_PUBLIC_CLIENT_ID, scope: `${userScope()[0]} openid profile offline_access` }),
    });
    const dc = (await res.json()) as { device_code: string };
    const poll = await postToken(CONTOSO_TENANT.id, { client_id: DATAVERSE_PUBLIC_CLIENT_ID, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: dc.device_code });
    assert.equal(poll.body.error, 'authorization_pending');
    assert.deepEqual(poll.body.error_codes, [70016]);
  });
});

describe('client credentials', () => {
  test('secret: app-only v1 token for the org', async () => {
    const result = await secretApp(h.credentials.secrets[SECRET_APP.clientId]!).acquireTokenByClientCredential({ scopes: appScope() });
    const claims = decodePart(result!.accessToken, 1);
    assert.equal(claims.aud, h.orgUrl);
    assert.equal(claims.idtyp, 'app');
    assert.equal(claims.appidacr, '1');
    assert.equal(claims.oid, SECRET_APP.servicePrincipalOid);
    assert.equal(claims.sub, SECRET_APP.servicePrincipalOid);
    assert.equal(claims.scp, undefined);
    assert.equal(claims.roles, undefined);
  });

  test('secret by HTTP Basic', async () => {
    const basic = Buffer.from(`${SECRET_APP.clientId}:${encodeURIComponent(h.credentials.secrets[SECRET_APP.clientId]!)}`).toString('base64');
    const res = await fetch(`${h.entra.url}/${CONTOSO_TENANT.domain}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: appScope()[0]! }),
    });
    assert.equal(res.status, 200);
  });

  for (const [label, useSha256, alg] of [['SHA-256 thumbprint', true, 'PS256'], ['SHA-1 thumbprint', false, 'RS256']] as const) {
    test(`certificate with a ${label} (${alg} assertion)`, async () => {
      const cert = h.credentials.certificateApp;
      const cca = new ConfidentialClientApplication({
        auth: {
          clientId: CERT_APP.clientId,
          authority: h.entra.authority(CONTOSO_TENANT.id),
          knownAuthorities: [host()],
          clientCertificate: useSha256
            ? { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem }
            : { thumbprint: cert.thumbprintSha1, privateKey: cert.privateKeyPem },
        },
      });
      const result = await cca.acquireTokenByClientCredential({ scopes: appScope() });
      assert.equal(decodePart(result!.accessToken, 1).appidacr, '2');
    });
  }

  test('wrong secret: invalid_client AADSTS7000215 (HTTP 401)', async () => {
    const err = await failure(secretApp('not-the-secret').acquireTokenByClientCredential({ scopes: appScope() }));
    assert.equal(err.errorCode, 'invalid_client');
    assert.match(err.errorMessage, /AADSTS7000215: Invalid client secret provided/);
    const raw = await postToken(CONTOSO_TENANT.id, { client_id: SECRET_APP.clientId, client_secret: 'x', grant_type: 'client_credentials', scope: appScope()[0]! });
    assert.equal(raw.status, 401);
  });

  test('expired secret: AADSTS7000222', async () => {
    const err = await failure(secretApp(h.credentials.expiredSecrets[EXPIRED_APP.clientId]!, EXPIRED_APP.clientId).acquireTokenByClientCredential({ scopes: appScope() }));
    assert.equal(err.errorCode, 'invalid_client');
    assert.match(err.errorMessage, /AADSTS7000222/);
  });

  test('unknown app: unauthorized_client AADSTS700016', async () => {
    const err = await failure(secretApp('x', '99999999-0000-4000-8000-000000000000').acquireTokenByClientCredential({ scopes: appScope() }));
    assert.equal(err.errorCode, 'unauthorized_client');
    assert.match(err.errorMessage, /AADSTS700016: Application with identifier '99999999/);
  });

  test('certificate not registered: invalid_client AADSTS700027', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-cert-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=stranger', '-keyout', `${dir}/k.pem`, '-out', `${dir}/c.pem`], { stdio: 'ignore' });
    const der = Buffer.from(fs.readFileSync(`${dir}/c.pem`, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: CERT_APP.clientId,
        authority: h.entra.authority(CONTOSO_TENANT.id),
        knownAuthorities: [host()],
        clientCertificate: { thumbprintSha256: createHash('sha256').update(der).digest('hex'), privateKey: fs.readFileSync(`${dir}/k.pem`, 'utf8') },
      },
    });
    fs.rmSync(dir, { recursive: true, force: true });
    const err = await failure(cca.acquireTokenByClientCredential({ scopes: appScope() }));
    assert.equal(err.errorCode, 'invalid_client');
    assert.match(err.errorMessage, /AADSTS700027: Client assertion failed signature validation/);
  });

  test('bad scope: AADSTS70011 without https://, AADSTS1002012 without /.default, AADSTS500011 for an unknown resource', async () => {
    const cca = secretApp(h.credentials.secrets[SECRET_APP.clientId]!);
    const noHttps = await failure(cca.acquireTokenByClientCredential({ scopes: ['contososales.crm.dynamics.com/.default'] }));
    assert.equal(noHttps.errorCode, 'invalid_scope');
    assert.match(noHttps.errorMessage, /AADSTS70011/);
    const noDefault = await failure(cca.acquireTokenByClientCredential({ scopes: [`${h.orgUrl}/user_impersonation`] }));
    assert.match(noDefault.errorMessage, /AADSTS1002012/);
    const unknown = await failure(cca.acquireTokenByClientCredential({ scopes: ['https://elsewhere.crm.dynamics.com/.default'] }));
    assert.equal(unknown.errorCode, 'invalid_resource');
    assert.match(unknown.errorMessage, /AADSTS500011: The resource principal named https:\/\/elsewhere/);
  });
});

describe('authorization code redemption (raw protocol)', () => {
  async function codeFor(challenge: string, method = 'S256'): Promise<string> {
    const url = new URL(`${h.entra.url}/${CONTOSO_TENANT.id}/oauth2/v2.0/authorize`);
    const q = { client_id: DATAVERSE_PUBLIC_CLIENT_ID, response_type: 'code', response_mode: 'query', redirect_uri: h.loopbackUrl, scope: `${userScope()[0]} openid offline_access`, state: 's1', code_challenge: challenge, code_challenge_method: method };
    for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v);
    const result = await signIn(url.toString(), ADELE);
    assert.equal(result.fields.state, 's1');
    assert.equal(h.lastLoopback().code, result.fields.code);
    return result.fields.code!;
  }
  const redeem = (code: string, verifier: string) =>
    postToken(CONTOSO_TENANT.id, { client_id: DATAVERSE_PUBLIC_CLIENT_ID, grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: h.loopbackUrl, scope: userScope()[0]! });
  const verifier = 'a'.repeat(43);
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  test('a verifier that does not hash to the challenge: AADSTS501481', async () => {
    const res = await redeem(await codeFor(challenge), 'b'.repeat(43));
    assert.equal(res.body.error, 'invalid_grant');
    assert.deepEqual(res.body.error_codes, [501481]);
  });

  test('a code redeemed twice: AADSTS54005', async () => {
    const code = await codeFor(challenge);
    assert.equal((await redeem(code, verifier)).status, 200);
    const again = await redeem(code, verifier);
    assert.equal(again.body.error, 'invalid_grant');
    assert.deepEqual(again.body.error_codes, [54005]);
  });

  test('plain PKCE is accepted, as Entra documents', async () => {
    assert.equal((await redeem(await codeFor(verifier, 'plain'), verifier)).status, 200);
  });
});

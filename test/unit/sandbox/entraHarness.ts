/**
 * Shared set-up of the Entra tests: the Entra stand-in alone (no Dataverse
 * module needed) plus a tiny inline fake org that validates tokens with the
 * published JWKS, as a Dataverse org would.
 *
 * The process must have been started with NODE_EXTRA_CA_CERTS pointing at
 * `<cache>/ca-bundle.pem` (see `tsx sandbox/tls.ts --ensure`).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AuthError } from '@azure/msal-node';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { ensureCredentials, type SandboxCredentials } from '../../../sandbox/credentials';
import { type EntraServer, startEntraServer } from '../../../sandbox/entra/server';
import { type SignInResult, type SignInSteps, signIn } from '../../../sandbox/entra/signInDriver';
import { CONTOSO_TENANT, DATAVERSE_PUBLIC_CLIENT_ID } from '../../../sandbox/seed';
import { ensureTls } from '../../../sandbox/tls';

/** Everything a test needs. */
export interface Harness {
  entra: EntraServer;
  credentials: SandboxCredentials;
  orgUrl: string;
  discoveryUrl: string;
  loopbackUrl: string;
  /** Fields received by the plain loopback (raw-fetch tests). */
  lastLoopback(): Record<string, string>;
  close(): Promise<void>;
}

/** Starts Entra on 127.0.0.2 and a fake org (WhoAmI) on 127.0.0.3. */
export async function startHarness(): Promise<Harness> {
  const tls = ensureTls();
  if (!(process.env.NODE_EXTRA_CA_CERTS ?? '').endsWith('ca-bundle.pem')) {
    throw new Error(`start node with NODE_EXTRA_CA_CERTS=${tls.caBundleFile}`);
  }
  const credentials = ensureCredentials(tls.cacheDir);
  const entra = await startEntraServer({ tls, credentials, config: { deviceCodeIntervalSeconds: 1 } });
  const keys = createLocalJWKSet(entra.jwks as Parameters<typeof createLocalJWKSet>[0]);
  let orgUrl = '';
  const org = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    jwtVerify(token, keys, { audience: orgUrl })
      .then(({ payload }) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ UserId: payload.oid, OrganizationId: 'fake' }));
      })
      .catch(() => res.writeHead(401).end());
  });
  await new Promise<void>((r) => org.listen(0, '127.0.0.3', r));
  orgUrl = `https://127.0.0.3:${(org.address() as AddressInfo).port}`;
  const discoveryUrl = 'https://127.0.0.10:1';
  entra.setKnownResources([orgUrl, discoveryUrl]);
  let last: Record<string, string> = {};
  const loopback = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      last = Object.fromEntries(new URLSearchParams(req.method === 'POST' ? body : new URL(req.url!, 'http://x').search));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => loopback.listen(0, '127.0.0.1', r));
  return {
    entra,
    credentials,
    orgUrl,
    discoveryUrl,
    loopbackUrl: `http://localhost:${(loopback.address() as AddressInfo).port}`,
    lastLoopback: () => last,
    close: async () => {
      await entra.close();
      org.closeAllConnections();
      loopback.closeAllConnections();
      await Promise.all([new Promise((r) => org.close(r)), new Promise((r) => loopback.close(r))]);
    },
  };
}

/** Decodes a JWT part without verifying it. */
export function decodePart(jwt: string, part: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[part]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** POSTs a form to the token endpoint of `tenant` by plain fetch; answers the status, headers and JSON body. */
export async function postToken(h: Harness, tenant: string, form: Record<string, string>): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${h.entra.url}/${tenant}/oauth2/v2.0/token?client-request-id=abc`, { method: 'POST', body: new URLSearchParams(form) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** What a plain-fetch sign-in ended with: the redirect's fields, the page's steps, the session cookie, and the redeemed tokens. */
export interface RawSignIn extends SignInResult {
  /** The token endpoint's answer to the code, when a code came back. */
  tokens?: { status: number; body: Record<string, unknown> };
}

/**
 * The authorization-code flow by plain fetch, as a browser and a client do it:
 * authorize (plain PKCE, query response), the sign-in page played by the
 * driver, then the code redeemed for tokens with offline_access.
 */
export async function rawSignIn(
  h: Harness,
  input: { upn?: string; clientId?: string; tenant?: string; prompt?: 'none'; steps?: SignInSteps } = {},
): Promise<RawSignIn> {
  const clientId = input.clientId ?? DATAVERSE_PUBLIC_CLIENT_ID;
  const tenant = input.tenant ?? CONTOSO_TENANT.id;
  const verifier = 'v'.repeat(43);
  const scope = `${h.orgUrl}/user_impersonation openid profile offline_access`;
  const url = new URL(`${h.entra.url}/${tenant}/oauth2/v2.0/authorize`);
  const query = { client_id: clientId, response_type: 'code', response_mode: 'query', redirect_uri: h.loopbackUrl, scope, code_challenge: verifier, state: 's1', ...(input.prompt ? { prompt: input.prompt } : {}) };
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const result = await signIn(url.toString(), input.upn, input.steps);
  if (!result.fields.code) return result;
  const tokens = await postToken(h, tenant, { client_id: clientId, grant_type: 'authorization_code', code: result.fields.code, redirect_uri: h.loopbackUrl, code_verifier: verifier, scope });
  return { ...result, tokens };
}

/** Redeems a refresh token by plain fetch for the org's user_impersonation scope. */
export function refresh(h: Harness, refreshToken: string, clientId = DATAVERSE_PUBLIC_CLIENT_ID): ReturnType<typeof postToken> {
  return postToken(h, CONTOSO_TENANT.id, { client_id: clientId, grant_type: 'refresh_token', refresh_token: refreshToken, scope: `${h.orgUrl}/user_impersonation openid profile offline_access` });
}

/** Runs a promise that must fail; returns the MSAL error. */
export async function failure(p: Promise<unknown>): Promise<AuthError> {
  try {
    await p;
  } catch (e) {
    return e as AuthError;
  }
  assert.fail('expected the call to fail');
}

/**
 * Test helpers for the Dataverse stand-in: an RSA key pair whose public JWK
 * plays the Entra JWKS, token minting with jose, and a plain http server on
 * 127.0.0.3:0 around a handler.
 */
import http from 'node:http';
import { after, before } from 'node:test';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createDataverseHandler, createDiscoveryHandler, type SandboxHandler } from '../../../sandbox/dataverse/server';
import { APPS, ORGS, USERS, type SeedOrg, type SeedUser } from '../../../sandbox/seed';

export const AUTHORITY = 'https://127.0.0.2:40000';
export const KID = 'test-kid-1';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface Keys {
  readonly privateKey: PrivateKey;
  readonly jwks: { keys: JWK[] };
}

export async function makeKeys(): Promise<Keys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwks: { keys: [{ ...jwk, kid: KID, use: 'sig', alg: 'RS256' }] } };
}

export interface TokenOptions {
  readonly aud: string;
  readonly tid?: string;
  readonly user?: SeedUser;
  readonly app?: { clientId: string; servicePrincipalOid: string };
  readonly expiresIn?: number;
  readonly issuedAt?: number;
  readonly kid?: string;
  readonly key?: PrivateKey;
}

/** Mints a v1 Dataverse access token, with the claims docs/protocol.md#access-tokens lists. */
export async function mintToken(keys: Keys, o: TokenOptions): Promise<string> {
  const tid = o.tid ?? o.user?.tenantId ?? '8f0c9a3e-5b2d-4c1e-9a7f-3d6e2b1c4a50';
  const iat = o.issuedAt ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { tid, ver: '1.0' };
  if (o.app) Object.assign(claims, { appid: o.app.clientId, oid: o.app.servicePrincipalOid, sub: o.app.servicePrincipalOid, idtyp: 'app', appidacr: '1' });
  else {
    const u = o.user ?? USERS[0]!;
    Object.assign(claims, { appid: '51f81489-12ee-4a9e-aaae-a2591f45987d', oid: u.oid, scp: 'user_impersonation', upn: u.upn, name: u.name, appidacr: '0' });
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: o.kid ?? KID, typ: 'JWT' })
    .setIssuer(`https://sts.windows.net/${tid}/`)
    .setAudience(o.aud)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + (o.expiresIn ?? 3600))
    .sign(o.key ?? keys.privateKey);
}

export interface Running {
  readonly url: string;
  readonly handler: SandboxHandler;
  close(): Promise<void>;
}

/** Starts a handler factory on a plain http server at 127.0.0.3:0 (the url is known only after listen, so the handler is built lazily). */
export async function serve(build: (url: string) => SandboxHandler): Promise<Running> {
  const slot: { handler?: SandboxHandler } = {};
  const server = http.createServer((req, res) => slot.handler!.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.3', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.3:${port}`;
  const handler = build(url);
  slot.handler = handler;
  return {
    url,
    handler,
    close: () => new Promise<void>((resolve) => {
      handler!.close?.();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export function org(name: string): SeedOrg {
  return ORGS.find((o) => o.uniqueName === name)!;
}

export async function startOrg(keys: Keys, name: string, extra: { now?: () => number; seed?: string } = {}): Promise<Running> {
  return serve((url) => createDataverseHandler({ org: org(name), orgUrl: url, authorityUrl: AUTHORITY, jwks: keys.jwks, users: USERS, apps: APPS, ...extra }));
}

export async function startDiscovery(keys: Keys, orgUrls: Record<string, string>): Promise<Running> {
  return serve((url) => createDiscoveryHandler({
    discoveryUrl: url, authorityUrl: AUTHORITY, jwks: keys.jwks, users: USERS,
    orgs: ORGS.map((o) => ({ ...o, url: orgUrls[o.uniqueName] ?? `https://${o.host}` })),
  }));
}

/** GET with OData headers and a bearer token. */
export async function odata(url: string, token: string | undefined, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Response> {
  return fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      Accept: 'application/json', 'OData-MaxVersion': '4.0', 'OData-Version': '4.0',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

/** An org started with fresh keys, and a token for Adele (a System Administrator in every seeded org). */
export async function startSignedIn(name: string): Promise<{ org: Running; token: string }> {
  const keys = await makeKeys();
  const running = await startOrg(keys, name);
  const adele = USERS.find((u) => u.upn.startsWith('adele'))!;
  return { org: running, token: await mintToken(keys, { aud: running.url, user: adele }) };
}

/**
 * For a test file: starts `name` signed in as Adele before its tests and closes it after them.
 * `api(path)` calls its Web API (`/api/data/v9.2/<path>`); `org()` is the running org.
 */
export function signedInOrg(name: string): { api: (path: string, init?: Parameters<typeof odata>[2]) => Promise<Response>; org: () => Running } {
  let running: Running | undefined;
  let token = '';
  before(async () => {
    ({ org: running, token } = await startSignedIn(name));
  });
  after(async () => {
    await running?.close();
  });
  const org = (): Running => {
    if (!running) throw new Error('The org is started in before(): call org() from a test.');
    return running;
  };
  return { api: (path, init = {}) => odata(`${org().url}/api/data/v9.2/${path}`, token, init), org };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions walk arbitrary response JSON
export type Json = Record<string, any>;

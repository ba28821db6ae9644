/**
 * Shared set-up of the Entra tests: the Entra stand-in alone (no Dataverse
 * module needed) plus a tiny inline fake org that validates tokens with the
 * published JWKS, as a Dataverse org would.
 *
 * The process must have been started with NODE_EXTRA_CA_CERTS pointing at
 * `<cache>/ca-bundle.pem` (see `tsx sandbox/tls.ts --ensure`).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { ensureCredentials, type SandboxCredentials } from '../../../sandbox/credentials';
import { type EntraServer, startEntraServer } from '../../../sandbox/entra/server';
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

/**
 * Composition root of the sandbox: TLS + credentials, the Entra ID stand-in on
 * 127.0.0.2, one Dataverse org per seed org on its own loopback address, and
 * the Global Discovery Service on 127.0.0.10. Every server takes a free port
 * unless `portBase` is given.
 */
import type { JsonWebKey } from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ensureCredentials } from './credentials';
import { createDataverseHandler, createDiscoveryHandler } from './dataverse/server';
import { type EntraTopLevelPatch, type StepAnswers, startEntraServer } from './entra/server';
import { type SignInResult, type SignInSteps, signIn } from './entra/signInDriver';
import { APPS, DATAVERSE_PUBLIC_CLIENT_ID, DISCOVERY_HOST, ORGS, TENANTS, USERS, type SeedApp, type SeedOrg, type SeedTenant, type SeedUser } from './seed';
import { ensureTls } from './tls';

/** What the Dataverse side serves a request with (contract with sandbox/dataverse/server.ts). */
export interface SandboxHandler {
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
  configure(patch: Record<string, unknown>): void;
  close?(): void;
}

/** The Dataverse factories; injectable so tests can stand in for them. */
export interface DataverseFactories {
  createDataverseHandler(input: {
    org: SeedOrg;
    orgUrl: string;
    authorityUrl: string;
    jwks: { keys: JsonWebKey[] };
    users: readonly SeedUser[];
    apps: readonly SeedApp[];
  }): SandboxHandler;
  createDiscoveryHandler(input: {
    discoveryUrl: string;
    authorityUrl: string;
    jwks: { keys: JsonWebKey[] };
    orgs: Array<SeedOrg & { url: string }>;
    users: readonly SeedUser[];
  }): SandboxHandler;
}

/** Options of `startSandbox`. */
export interface SandboxOptions {
  /** Where TLS files and credentials live (default: DATAVERSE_SANDBOX_CACHE or ~/.cache/dataverse-devkit/sandbox). */
  cacheDir?: string;
  /** Access/id token lifetime in seconds. */
  tokenLifetimeSeconds?: number;
  /** Device-code polling interval handed to clients (Entra: 5 s). */
  deviceCodeIntervalSeconds?: number;
  /** Fixed ports: Entra on portBase, orgs on portBase+1.., discovery after them. Default: free ports. */
  portBase?: number;
  /** Passed to every Dataverse handler's `configure` once started (throttling, faults...). */
  dataverse?: Record<string, unknown>;
  /** Applied to Entra once started (faults, refresh-token lifetime...), as `configure({ entra })`. */
  entra?: EntraTopLevelPatch['entra'];
  /** Replaces the real Dataverse handlers (tests). */
  handlers?: DataverseFactories;
}

/** The certificate app, with what msal-node's `clientCertificate` needs. */
export interface CertificateAppInfo {
  clientId: string;
  keyFile: string;
  certFile: string;
  thumbprintSha1: string;
  thumbprintSha256: string;
  privateKeyPem: string;
  certificatePem: string;
}

/** A running sandbox. */
export interface Sandbox {
  entra: { url: string; authority(tenant: string): string };
  tenants: readonly SeedTenant[];
  orgs: Array<SeedOrg & { url: string }>;
  discoveryUrl: string;
  /** The sandbox CA alone. */
  caFile: string;
  /** System CAs + sandbox CA, for NODE_EXTRA_CA_CERTS. */
  caBundleFile: string;
  users: readonly SeedUser[];
  apps: {
    publicClientId: string;
    customPublicClientId: string;
    secret: { clientId: string; secret: string };
    expiredSecret: { clientId: string; secret: string };
    noApplicationUser: { clientId: string; secret: string };
    certificate: CertificateAppInfo;
  };
  /** `tokenLifetimeSeconds`…, `entra` (faults, MFA, revocation) to Entra; `dataverse` (or any other key) goes to the org handlers. */
  configure(patch: EntraTopLevelPatch & { dataverse?: Record<string, unknown> }): void;
  /** Approves as `upn` would on the approval page, completing MFA and consent unless `steps` declines them. */
  approveDeviceCode(userCode: string, upn: string, steps?: StepAnswers): void;
  /** Every access, refresh and id token issued so far (tests check none leaked). */
  issuedTokens(): readonly string[];
  /** Plays the browser: opens the authorize URL, signs in as `upn` (approving MFA and consent unless told), delivers the answer to the loopback. */
  signIn(authorizeUrl: string, upn: string, steps?: SignInSteps): Promise<SignInResult>;
  close(): Promise<void>;
}

const ENTRA_KEYS = new Set(['tokenLifetimeSeconds', 'deviceCodeIntervalSeconds', 'deviceCodeLifetimeSeconds', 'refreshTokenLifetimeSeconds', 'entra']);

async function listen(server: https.Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return `https://${host}:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: https.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function appOfKind(kind: SeedApp['kind'], applicationUser: boolean): SeedApp {
  const app = APPS.find((a) => a.kind === kind && (a.applicationUserIn.length > 0) === applicationUser);
  if (!app) throw new Error(`seed has no ${kind} app`);
  return app;
}

/** Dataverse config for the handlers: `dataverse` sub-object plus any key Entra does not own. */
function dataversePatch(patch: Record<string, unknown>): Record<string, unknown> {
  const rest = Object.fromEntries(Object.entries(patch).filter(([k]) => !ENTRA_KEYS.has(k) && k !== 'dataverse'));
  return { ...rest, ...((patch.dataverse as Record<string, unknown> | undefined) ?? {}) };
}

/** Starts Entra, the orgs and the discovery service. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const factories = options.handlers ?? { createDataverseHandler, createDiscoveryHandler };
  const tls = ensureTls(options.cacheDir);
  const credentials = ensureCredentials(tls.cacheDir);
  const handlers: SandboxHandler[] = [];
  const forward = (patch: Record<string, unknown>) => {
    const dv = dataversePatch(patch);
    if (Object.keys(dv).length > 0) for (const h of handlers) h.configure(dv);
  };
  const entra = await startEntraServer({
    tls,
    credentials,
    port: options.portBase ?? 0,
    config: {
      ...(options.tokenLifetimeSeconds ? { tokenLifetimeSeconds: options.tokenLifetimeSeconds } : {}),
      ...(options.deviceCodeIntervalSeconds ? { deviceCodeIntervalSeconds: options.deviceCodeIntervalSeconds } : {}),
    },
    onConfigure: forward,
  });
  const servers: https.Server[] = [];
  const serve = async (host: string, port: number): Promise<{ url: string; attach(h: SandboxHandler): void }> => {
    let handler: SandboxHandler | undefined;
    const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      if (handler) handler.handle(req, res);
      else res.writeHead(503).end();
    });
    // Microsoft's front ends keep idle connections open for minutes; Node's default of 5 s would make a client
    // that was busy (a benchmark in the same process) reuse a socket the server is closing, and see ECONNRESET.
    server.keepAliveTimeout = 120_000;
    servers.push(server);
    const url = await listen(server, host, port);
    return { url, attach: (h) => void ((handler = h), handlers.push(h)) };
  };
  try {
    const orgs: Array<SeedOrg & { url: string }> = [];
    for (const [i, org] of ORGS.entries()) {
      const s = await serve(org.host, options.portBase ? options.portBase + 1 + i : 0);
      s.attach(factories.createDataverseHandler({ org, orgUrl: s.url, authorityUrl: entra.url, jwks: entra.jwks, users: USERS, apps: APPS }));
      orgs.push({ ...org, url: s.url });
    }
    const disco = await serve(DISCOVERY_HOST, options.portBase ? options.portBase + 1 + ORGS.length : 0);
    disco.attach(factories.createDiscoveryHandler({ discoveryUrl: disco.url, authorityUrl: entra.url, jwks: entra.jwks, orgs, users: USERS }));
    entra.setKnownResources([...orgs.map((o) => o.url), disco.url]);
    if (options.dataverse) forward({ dataverse: options.dataverse });
    if (options.entra) entra.configure({ entra: options.entra });

    const secretApp = appOfKind('secret', true);
    const noUserApp = appOfKind('secret', false);
    const expiredApp = appOfKind('expiredSecret', true);
    const certApp = appOfKind('certificate', true);
    const cert = credentials.certificateApp;
    return {
      entra: { url: entra.url, authority: entra.authority },
      tenants: TENANTS,
      orgs,
      discoveryUrl: disco.url,
      caFile: tls.caFile,
      caBundleFile: tls.caBundleFile,
      users: USERS,
      apps: {
        publicClientId: DATAVERSE_PUBLIC_CLIENT_ID,
        customPublicClientId: APPS.find((a) => a.kind === 'public' && a.clientId !== DATAVERSE_PUBLIC_CLIENT_ID)!.clientId,
        secret: { clientId: secretApp.clientId, secret: credentials.secrets[secretApp.clientId]! },
        expiredSecret: { clientId: expiredApp.clientId, secret: credentials.expiredSecrets[expiredApp.clientId]! },
        noApplicationUser: { clientId: noUserApp.clientId, secret: credentials.secrets[noUserApp.clientId]! },
        certificate: {
          clientId: certApp.clientId,
          keyFile: cert.keyFile,
          certFile: cert.certFile,
          thumbprintSha1: cert.thumbprintSha1,
          thumbprintSha256: cert.thumbprintSha256,
          privateKeyPem: cert.privateKeyPem,
          certificatePem: cert.certificatePem,
        },
      },
      configure: (patch) => {
        entra.configure(patch);
        forward(patch);
      },
      approveDeviceCode: entra.approveDeviceCode,
      issuedTokens: entra.issuedTokens,
      signIn,
      close: async () => {
        for (const h of handlers) h.close?.();
        await Promise.all([entra.close(), ...servers.map(closeServer)]);
      },
    };
  } catch (e) {
    await Promise.all([entra.close(), ...servers.map(closeServer)]);
    throw e;
  }
}

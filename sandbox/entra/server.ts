/**
 * Entra ID v2.0 stand-in on its own HTTPS origin (https://127.0.0.2:PORT):
 * tenant-scoped OpenID configuration, JWKS, instance discovery, authorize
 * (sign-in page, form_post / query), token (authorization_code + PKCE,
 * refresh_token, client_credentials, device_code), device authorization and
 * its approval page, and an admin endpoint `/_sandbox/*` for tests.
 *
 * Admin endpoint (loopback only; JSON bodies force a CORS preflight, which is
 * never granted, so a web page cannot drive it):
 *   GET  /_sandbox/config                     -> current Entra run config
 *   POST /_sandbox/config   {"tokenLifetimeSeconds":2, "entra": {...}, "dataverse": {...}}
 *        Entra keys (top level or under `entra`) apply here; the whole patch is also
 *        forwarded to `onConfigure` (startSandbox passes `dataverse` on to the org handlers).
 *   POST /_sandbox/devicecode/approve {"userCode":"ABC","upn":"adele.vance@contoso.onmicrosoft.com"}
 *        (optional "mfa": "approve"|"deny", "consent": "accept"|"decline" for the page's steps)
 */
import { type JsonWebKey, createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SandboxCredentials } from '../credentials';
import { APPS, DATAVERSE_PUBLIC_CLIENT_ID, ENTRA_HOST, TENANTS, USERS, type SeedApp, type SeedTenant, type SeedUser } from '../seed';
import {
  type ClientAuthKind,
  accessTokenHeader,
  appAccessTokenClaims,
  clientInfo,
  idTokenClaims,
  idTokenHeader,
  userAccessTokenClaims,
  usersOfTenant,
  v1Issuer,
  v2Issuer,
} from './claims';
import { type EntraFailure, entraErrorResponse, messages } from './errors';
import * as pages from './html';
import { type TokenSigner, createTokenSigner, verifyClientAssertion } from './jwt';
import { type EntraFaultConfig, EntraFaults } from './runConfig';
import { type ParsedScopes, isFailure, parseScopes } from './scopes';

/** Entra settings that can change at run time (`configure`, `POST /_sandbox/config`). */
export interface EntraRunConfig {
  /** Access and id token lifetime in seconds (Entra: 60-90 min; short values test renewal). */
  tokenLifetimeSeconds: number;
  /** Device-code polling interval handed to clients (Entra: 5). */
  deviceCodeIntervalSeconds: number;
  /** Device-code lifetime (Entra: 900). */
  deviceCodeLifetimeSeconds: number;
  /**
   * Refresh-token lifetime (Entra: 90 days, https://learn.microsoft.com/entra/identity-platform/refresh-tokens).
   * Each refresh token stays valid this long after it was issued, even once it has been used.
   */
  refreshTokenLifetimeSeconds: number;
  /** Faults of the token endpoint (`[]`: none); see runConfig.ts. */
  faults: EntraFaultConfig[];
}

/** The numeric settings of EntraRunConfig. */
type NumericSetting = 'tokenLifetimeSeconds' | 'deviceCodeIntervalSeconds' | 'deviceCodeLifetimeSeconds' | 'refreshTokenLifetimeSeconds';

/** What `configure` accepts: settings, plus events that change the state of the run. */
export interface EntraConfigPatch extends Partial<Pick<EntraRunConfig, NumericSetting>> {
  faults?: EntraFaultConfig[];
  /**
   * `true`: the policy asks users who need MFA for it again (a new location, a
   * sign-in frequency policy). Their refreshes answer AADSTS50076 until they
   * do MFA on the sign-in page again.
   */
  requireMfaAgain?: boolean;
  /**
   * Revokes refresh tokens issued so far, as a password reset or "revoke
   * sessions" does: `true` for every user, or one user's UPN. They then answer
   * `invalid_grant` AADSTS50173; tokens issued afterwards work.
   */
  revokeRefreshTokens?: true | string;
}

/** What `configure` and `POST /_sandbox/config` take: the lifetimes at the top level, everything under `entra`. */
export type EntraTopLevelPatch = Partial<Pick<EntraRunConfig, NumericSetting>> & { entra?: EntraConfigPatch };

/** Options of `startEntraServer`. */
export interface EntraServerOptions {
  readonly tls: { key: string; cert: string };
  readonly credentials: SandboxCredentials;
  readonly host?: string;
  readonly port?: number;
  readonly config?: Partial<EntraRunConfig>;
  /** Resources (org URLs, discovery URL) tokens can be asked for; may be set later with `setKnownResources`. */
  readonly knownResources?: readonly string[];
  /** Receives every admin config patch (startSandbox forwards `dataverse` to the org handlers). */
  readonly onConfigure?: (patch: Record<string, unknown>) => void;
  readonly tenants?: readonly SeedTenant[];
  readonly users?: readonly SeedUser[];
  readonly apps?: readonly SeedApp[];
  /** Clock in milliseconds, for tests. */
  readonly now?: () => number;
}

/** A running Entra stand-in. */
export interface EntraServer {
  /** https://127.0.0.2:PORT (no trailing slash). */
  readonly url: string;
  /** Authority for MSAL: `${url}/${tenant}`. */
  authority(tenant: string): string;
  /** The public JWKS resources validate with. */
  readonly jwks: { keys: JsonWebKey[] };
  readonly config: Readonly<EntraRunConfig>;
  /** Settings and events at the top level or under `entra` (see EntraConfigPatch). Throws on bad input. */
  configure(patch: EntraTopLevelPatch): void;
  setKnownResources(resources: readonly string[]): void;
  /** Approves a pending device code as a seeded user (tests). Throws when unknown. */
  /** Approves as the person would on the page, completing MFA and consent unless `steps` declines them. */
  approveDeviceCode(userCode: string, upn: string, steps?: StepAnswers): void;
  /** Every access, refresh and id token issued so far, so tests can prove none leaked into files or logs. */
  issuedTokens(): readonly string[];
  /** Declines a pending device code (tests). */
  declineDeviceCode(userCode: string): void;
  close(): Promise<void>;
}

interface AuthorizeRequest {
  tenant: SeedTenant | undefined;
  app: SeedApp;
  redirectUri: string;
  responseMode: 'form_post' | 'query';
  state?: string;
  nonce?: string;
  scope: string;
  codeChallenge?: string;
  codeChallengeMethod: 'S256' | 'plain';
  clientInfo: boolean;
  expiresAt: number;
  /** The account picked on the page, once picked. */
  user?: SeedUser;
  /** The step the page is showing after the account pick. */
  step?: 'mfa' | 'consent';
  /** MFA epoch in which the user did MFA during this sign-in (or in the session, for prompt=none). */
  mfaEpoch?: number;
}

/** A browser's sign-in session (the cookie Entra sets), so `prompt=none` can work without the page. */
interface BrowserSession {
  user: SeedUser;
  mfaEpoch?: number;
}

interface AuthCode {
  clientId: string;
  redirectUri: string;
  user: SeedUser;
  codeChallenge?: string;
  codeChallengeMethod: 'S256' | 'plain';
  nonce?: string;
  expiresAt: number;
  redeemed: boolean;
  mfaEpoch?: number;
}

interface RefreshTokenEntry {
  clientId: string;
  user: SeedUser;
  expiresAt: number;
  revoked: boolean;
  /** MFA epoch the sign-in behind this token did MFA in; undefined when it did none. */
  mfaEpoch?: number;
}

interface DeviceCodeEntry {
  deviceCode: string;
  userCode: string;
  app: SeedApp;
  tenant: SeedTenant | undefined;
  expiresAt: number;
  state: 'pending' | 'approved' | 'declined';
  user?: SeedUser;
  /** The account picked on the approval page, while its MFA or consent step is shown. */
  picked?: SeedUser;
  step?: 'mfa' | 'consent';
  /** MFA epoch in which the person did MFA on the approval page. */
  mfaEpoch?: number;
}

/** How the person answers the MFA and consent steps (test hooks; the page itself asks). */
export interface StepAnswers {
  readonly mfa?: 'approve' | 'deny';
  readonly consent?: 'accept' | 'decline';
}

type Form = Record<string, string>;

/** A JSON or HTML answer, decoupled from the socket. */
interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Close the connection instead of answering (fault `drop`). */
  drop?: boolean;
}

const DEFAULT_CONFIG: EntraRunConfig = {
  tokenLifetimeSeconds: 3599,
  deviceCodeIntervalSeconds: 5,
  deviceCodeLifetimeSeconds: 900,
  refreshTokenLifetimeSeconds: 90 * 24 * 3600,
  faults: [],
};
const NUMERIC_SETTINGS: readonly NumericSetting[] = ['tokenLifetimeSeconds', 'deviceCodeIntervalSeconds', 'deviceCodeLifetimeSeconds', 'refreshTokenLifetimeSeconds'];
const SESSION_COOKIE = 'sandbox_session';
/** How the consent page names Dataverse's delegated permission. */
const PERMISSION = 'Access Common Data Service as you (Dynamics CRM user_impersonation)';
const CODE_LIFETIME_MS = 10 * 60 * 1000; // "about 10 minutes" (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow)

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});
const html = (status: number, p: pages.Page, headers: Record<string, string> = {}): Reply => ({ status, headers: { ...p.headers, ...headers }, body: p.html });

function token(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

function userCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return [...randomBytes(9)].map((b) => alphabet[b % alphabet.length]).join('');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `http://localhost[:port]` and `http://127.0.0.1[:port]`: Entra ignores the port for loopback redirect URIs (https://learn.microsoft.com/entra/identity-platform/reply-url). */
export function isLoopbackRedirect(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]');
  } catch {
    return false;
  }
}

/** Reads `Authorization: Basic` client credentials (client_secret_basic, RFC 6749 2.3.1: form-urlencoded parts). */
export function basicCredentials(header: string | undefined): { clientId: string; secret: string } | undefined {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return { clientId: dec(decoded.slice(0, i)), secret: dec(decoded.slice(i + 1)) };
}

async function readBody(req: http.IncomingMessage, limit = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseForm(body: string): Form {
  return Object.fromEntries(new URLSearchParams(body));
}

/** Starts the Entra stand-in on `host:port` (default 127.0.0.2, a free port). */
export async function startEntraServer(options: EntraServerOptions): Promise<EntraServer> {
  const tenants = options.tenants ?? TENANTS;
  const users = options.users ?? USERS;
  const apps = options.apps ?? APPS;
  const now = options.now ?? Date.now;
  const config: EntraRunConfig = { ...DEFAULT_CONFIG, ...options.config, faults: [] };
  const faults = new EntraFaults();
  if (options.config?.faults) {
    faults.set(options.config.faults);
    config.faults = faults.current();
  }
  let knownResources = [...(options.knownResources ?? [])];
  const signer: TokenSigner = createTokenSigner(options.credentials.tokenSigning);
  const authorizeRequests = new Map<string, AuthorizeRequest>();
  const codes = new Map<string, AuthCode>();
  const refreshTokens = new Map<string, RefreshTokenEntry>();
  const issued: string[] = [];
  const recordIssued = (body: string) => {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      for (const key of ['access_token', 'refresh_token', 'id_token']) if (typeof parsed[key] === 'string') issued.push(parsed[key] as string);
    } catch {
      // Not JSON: nothing was issued.
    }
  };
  const deviceCodes = new Map<string, DeviceCodeEntry>();
  /** `${oid}|${clientId}` of the consents given on the page during this run. */
  const consents = new Set<string>();
  const sessions = new Map<string, BrowserSession>();
  /** Bumped by `requireMfaAgain`: MFA done in an older epoch no longer counts. */
  let mfaEpoch = 0;
  const salt = token(16);
  let origin = '';

  const resolveTenant = (segment: string): SeedTenant | 'multi' | undefined => {
    const s = segment.toLowerCase();
    if (s === 'common' || s === 'organizations') return 'multi';
    return tenants.find((t) => t.id === s || t.domain.toLowerCase() === s);
  };
  /** The well-known Dataverse sample client is multi-tenant; the other registrations live in their home tenant. */
  const appIn = (clientId: string, tenantId: string | undefined): SeedApp | undefined =>
    apps.find((a) => a.clientId === clientId && (tenantId === undefined || a.tenantId === tenantId || a.clientId === DATAVERSE_PUBLIC_CLIENT_ID));
  const tenantName = (t: SeedTenant | undefined, segment: string) => t?.id ?? segment;
  const pairwise = (oid: string, clientId: string) => createHash('sha256').update(`${oid}|${clientId}|${salt}`).digest('base64url').slice(0, 43);
  const tokenEndpoint = (segment: string) => `${origin}/${segment}/oauth2/v2.0/token`;

  const consentKey = (user: SeedUser, app: SeedApp) => `${user.oid}|${app.clientId}`;
  const needsConsent = (user: SeedUser, app: SeedApp) => user.consentRequired === true && !consents.has(consentKey(user, app));
  const needsMfa = (user: SeedUser, epoch: number | undefined) => user.mfaRequired === true && epoch !== mfaEpoch;

  /**
   * What a grant without the page (refresh, device code, prompt=none) must refuse: consent not given
   * (AADSTS65001) or MFA not done since the policy last asked for it (AADSTS50076); the person resolves
   * both on the interactive page (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
   */
  const userGate = (user: SeedUser, app: SeedApp, audience: string | undefined, epoch: number | undefined): EntraFailure | undefined => {
    if (!appIn(app.clientId, user.tenantId)) return messages.unknownApp(app.clientId, user.tenantId);
    if (needsConsent(user, app)) return messages.consentRequired(app.clientId, app.displayName);
    if (needsMfa(user, epoch)) return messages.mfaRequired(audience ?? '00000007-0000-0000-c000-000000000000');
    return undefined;
  };

  const errorReply = (f: EntraFailure, correlationId: string, errorOverride?: string): Reply => {
    const traceId = randomUUID();
    const { status, body } = entraErrorResponse(errorOverride ? { ...f, error: errorOverride } : f, { traceId, correlationId, now: new Date(now()), authorityOrigin: origin });
    return json(status, body, { 'x-ms-request-id': traceId, 'client-request-id': correlationId });
  };

  const openIdConfiguration = (segment: string, tenant: SeedTenant | 'multi', v1: boolean) => {
    const base = `${origin}/${segment}`;
    const tid = tenant === 'multi' ? '{tenantid}' : tenant.id;
    const v = v1 ? '' : '/v2.0';
    return {
      token_endpoint: `${base}/oauth2${v}/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery${v}/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      // v2: issuer on the sandbox origin (msal-node validates it); v1: sts.windows.net (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
      issuer: v1 ? v1Issuer(tid) : v2Issuer(origin, tid),
      request_uri_parameter_supported: false,
      authorization_endpoint: `${base}/oauth2${v}/authorize`,
      device_authorization_endpoint: `${base}/oauth2${v}/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2${v}/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      tenant_region_scope: tenant === 'multi' ? null : 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    };
  };

  const instanceDiscovery = () => {
    const host = new URL(origin).host;
    return {
      tenant_discovery_endpoint: `${origin}/common/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  };

  // ---- token minting ----------------------------------------------------

  const mintContext = (tenantId: string) => ({ tenantId, now: Math.floor(now() / 1000), lifetimeSeconds: config.tokenLifetimeSeconds, uti: token(16) });

  const issueUserTokens = async (input: {
    user: SeedUser;
    app: SeedApp;
    clientAuth: ClientAuthKind;
    scopes: ParsedScopes;
    wantClientInfo: boolean;
    nonce?: string;
    ip: string;
    mfaEpoch: number | undefined;
  }): Promise<Reply> => {
    const { user, app, scopes } = input;
    const ctx = mintContext(user.tenantId);
    // With only OIDC scopes Entra returns a Microsoft Graph token; the sandbox mimics its audience.
    const audience = scopes.audience ?? '00000003-0000-0000-c000-000000000000';
    const access = await signer.sign(
      accessTokenHeader(signer.kid),
      userAccessTokenClaims(ctx, { audience, user, clientId: app.clientId, clientAuth: input.clientAuth, ipaddr: input.ip, sub: pairwise(user.oid, app.clientId) }),
    );
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: [...scopes.resourceScopes, ...(scopes.openid ? ['openid', 'profile'] : []), ...(scopes.offlineAccess ? ['offline_access'] : [])].join(' '),
      expires_in: config.tokenLifetimeSeconds,
      ext_expires_in: config.tokenLifetimeSeconds,
      access_token: access,
    };
    if (scopes.offlineAccess) {
      const rt = token(48);
      refreshTokens.set(rt, { clientId: app.clientId, user, expiresAt: now() + config.refreshTokenLifetimeSeconds * 1000, revoked: false, mfaEpoch: input.mfaEpoch });
      body.refresh_token = rt;
    }
    if (scopes.openid) {
      body.id_token = await signer.sign(
        idTokenHeader(signer.kid),
        idTokenClaims(mintContext(user.tenantId), { issuer: v2Issuer(origin, user.tenantId), user, clientId: app.clientId, sub: pairwise(user.oid, app.clientId), nonce: input.nonce }),
      );
    }
    if (input.wantClientInfo) body.client_info = clientInfo(user);
    return json(200, body);
  };

  // ---- client authentication (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow) ----

  const authenticateClient = async (app: SeedApp, form: Form, basic: ReturnType<typeof basicCredentials>, segment: string): Promise<ClientAuthKind | EntraFailure> => {
    const secret = form.client_secret ?? basic?.secret;
    const assertion = form.client_assertion;
    if (app.kind === 'public') return secret || assertion ? messages.publicClientCredential() : 0;
    if (!secret && !assertion) return messages.missingCredential();
    if (secret !== undefined) {
      if (app.kind === 'secret' && safeEqual(secret, options.credentials.secrets[app.clientId] ?? '')) return 1;
      if (app.kind === 'expiredSecret' && safeEqual(secret, options.credentials.expiredSecrets[app.clientId] ?? '')) return messages.expiredSecret(app.clientId);
      return messages.wrongSecret(app.clientId);
    }
    if (form.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return messages.missingParameter('client_assertion_type');
    const tenant = resolveTenant(segment);
    const segments = new Set([segment, ...(tenant && tenant !== 'multi' ? [tenant.id, tenant.domain] : [])]);
    const audiences = [...segments].flatMap((s) => [tokenEndpoint(s), `${origin}/${s}/oauth2/token`]).map((a) => a.toLowerCase());
    const failed = await verifyClientAssertion(assertion!, {
      clientId: app.clientId,
      certificate: app.kind === 'certificate' ? options.credentials.certificateApp : undefined,
      audiences,
    });
    return failed ?? 2;
  };

  // ---- grants ----------------------------------------------------------------

  type GrantInput = { form: Form; app: SeedApp; clientAuth: ClientAuthKind; tenant: SeedTenant | undefined; segment: string; ip: string };

  const userScopes = (form: Form, tenant: SeedTenant | undefined, segment: string) =>
    parseScopes(form.scope, { grant: 'user', knownResources, tenantName: tenantName(tenant, segment) });

  const authorizationCodeGrant = async ({ form, app, clientAuth, tenant, segment, ip }: GrantInput): Promise<EntraFailure | Reply> => {
    if (!form.code) return messages.missingParameter('code');
    const entry = codes.get(form.code);
    if (!entry || entry.clientId !== app.clientId || (tenant && tenant.id !== entry.user.tenantId)) return messages.invalidGrant('code');
    if (entry.redeemed) return messages.codeRedeemed(); // single use (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow)
    if (entry.expiresAt < now()) return messages.codeExpired();
    if (form.redirect_uri !== entry.redirectUri) return messages.redirectMismatch(form.redirect_uri ?? '', app.clientId);
    if (entry.codeChallenge !== undefined) {
      const verifier = form.code_verifier ?? '';
      const computed = entry.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
      if (!safeEqual(computed, entry.codeChallenge)) return messages.pkceMismatch(); // AADSTS501481 (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow)
    }
    const scopes = userScopes(form, tenant, segment);
    if (isFailure(scopes)) return scopes;
    entry.redeemed = true;
    return issueUserTokens({ user: entry.user, app, clientAuth, scopes, wantClientInfo: form.client_info === '1', nonce: entry.nonce, ip, mfaEpoch: entry.mfaEpoch });
  };

  const refreshTokenGrant = async ({ form, app, clientAuth, tenant, segment, ip }: GrantInput): Promise<EntraFailure | Reply> => {
    if (!form.refresh_token) return messages.missingParameter('refresh_token');
    const entry = refreshTokens.get(form.refresh_token);
    if (!entry || entry.clientId !== app.clientId || (tenant && tenant.id !== entry.user.tenantId)) return messages.invalidGrant('refresh_token');
    // A used refresh token stays valid: "Refresh tokens aren't revoked when used to acquire new access tokens";
    // only expiry and revocation (password reset, revoked sessions) end it (https://learn.microsoft.com/entra/identity-platform/refresh-tokens).
    if (entry.revoked) return messages.revokedRefreshToken();
    if (entry.expiresAt < now()) return messages.refreshTokenExpired();
    const scopes = userScopes(form, tenant, segment);
    if (isFailure(scopes)) return scopes;
    const gate = userGate(entry.user, app, scopes.audience, entry.mfaEpoch);
    if (gate) return gate;
    return issueUserTokens({ user: entry.user, app, clientAuth, scopes, wantClientInfo: form.client_info === '1', ip, mfaEpoch: entry.mfaEpoch });
  };

  const deviceCodeGrant = async ({ form, app, clientAuth, tenant, segment, ip }: GrantInput): Promise<EntraFailure | Reply> => {
    const entry = form.device_code ? deviceCodes.get(form.device_code) : undefined;
    if (!entry || entry.app.clientId !== app.clientId) return messages.badDeviceCode();
    if (entry.expiresAt < now()) return messages.deviceCodeExpired();
    if (entry.state === 'declined') return messages.declined();
    // Only authorization_pending, never slow_down: msal-node aborts on anything else (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code).
    if (entry.state === 'pending' || !entry.user) return messages.pending();
    const scopes = userScopes(form, tenant, segment);
    if (isFailure(scopes)) return scopes;
    deviceCodes.delete(entry.deviceCode);
    // MFA and consent were asked on the approval page; the policy may have asked for MFA again since.
    const gate = userGate(entry.user, app, scopes.audience, entry.mfaEpoch);
    if (gate) return gate;
    return issueUserTokens({ user: entry.user, app, clientAuth, scopes, wantClientInfo: form.client_info === '1', ip, mfaEpoch: entry.mfaEpoch });
  };

  const clientCredentialsGrant = async ({ form, app, clientAuth, tenant, segment }: GrantInput): Promise<EntraFailure | Reply> => {
    if (!tenant) return messages.noTenant();
    if (clientAuth === 0) return messages.missingCredential();
    const scopes = parseScopes(form.scope, { grant: 'client_credentials', knownResources, tenantName: tenantName(tenant, segment) });
    if (isFailure(scopes)) return scopes;
    const ctx = mintContext(tenant.id);
    const access = await signer.sign(accessTokenHeader(signer.kid), appAccessTokenClaims(ctx, { audience: scopes.audience!, app, clientAuth }));
    // No scope, refresh_token or id_token in client-credentials responses (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
    return json(200, { token_type: 'Bearer', expires_in: config.tokenLifetimeSeconds, ext_expires_in: config.tokenLifetimeSeconds, access_token: access });
  };

  const grants: Record<string, (input: GrantInput) => Promise<EntraFailure | Reply>> = {
    authorization_code: authorizationCodeGrant,
    refresh_token: refreshTokenGrant,
    client_credentials: clientCredentialsGrant,
    'urn:ietf:params:oauth:grant-type:device_code': deviceCodeGrant,
    // msal-node sends the short form; Entra accepts both.
    device_code: deviceCodeGrant,
  };

  // ---- endpoints ----------------------------------------------------------------

  /**
   * Carries out a token-endpoint fault: 429 with Retry-After, or 503, in Entra's error body (MSAL honours
   * Retry-After on both: https://learn.microsoft.com/entra/msal/dotnet/advanced/client-and-server-throttling);
   * a dropped connection; or a delay, after which the request is answered (undefined).
   */
  const faultReply = async (fault: EntraFaultConfig, correlationId: string): Promise<Reply | undefined> => {
    switch (fault.kind) {
      case 'throttle': {
        const reply = errorReply(messages.throttled(), correlationId);
        return { ...reply, headers: { ...reply.headers, 'retry-after': String(fault.retryAfterSeconds) } };
      }
      case 'status': {
        const reply = errorReply(messages.unavailable(), correlationId);
        return fault.retryAfterSeconds === undefined ? reply : { ...reply, headers: { ...reply.headers, 'retry-after': String(fault.retryAfterSeconds) } };
      }
      case 'drop':
        return { status: 0, headers: {}, body: '', drop: true };
      case 'slow':
        await new Promise<void>((resolve) => setTimeout(resolve, fault.delayMs).unref());
        return undefined;
    }
  };

  const tokenEndpointHandler = async (req: http.IncomingMessage, segment: string, url: URL): Promise<Reply> => {
    const form = parseForm(await readBody(req));
    // MSAL sends client-request-id in the query and the body; Entra echoes it as correlation_id.
    const correlationId = form['client-request-id'] ?? url.searchParams.get('client-request-id') ?? String(req.headers['client-request-id'] ?? randomUUID());
    const fault = faults.decide(form.grant_type ?? '');
    if (fault) {
      const faulted = await faultReply(fault, correlationId);
      if (faulted) return faulted;
    }
    const tenantOrMulti = resolveTenant(segment);
    if (!tenantOrMulti) return errorReply(messages.unknownTenant(segment), correlationId);
    const tenant = tenantOrMulti === 'multi' ? undefined : tenantOrMulti;
    const basic = basicCredentials(req.headers.authorization);
    const clientId = form.client_id ?? basic?.clientId;
    if (!clientId) return errorReply(messages.missingParameter('client_id'), correlationId);
    const app = appIn(clientId, tenant?.id);
    if (!app) return errorReply(messages.unknownApp(clientId, tenantName(tenant, segment)), correlationId);
    const grant = grants[form.grant_type ?? ''];
    if (!grant) return errorReply(form.grant_type ? messages.unsupportedGrant(form.grant_type) : messages.missingParameter('grant_type'), correlationId);
    const clientAuth = await authenticateClient(app, form, basic, segment);
    if (typeof clientAuth !== 'number') return errorReply(clientAuth, correlationId);
    const result = await grant({ form, app, clientAuth, tenant, segment, ip: req.socket.remoteAddress ?? '127.0.0.1' });
    if ('status' in result) recordIssued(result.body);
    if ('status' in result) return { ...result, headers: { ...result.headers, 'client-request-id': correlationId, 'x-ms-request-id': randomUUID() } };
    return errorReply(result, correlationId);
  };

  const deviceCodeEndpoint = async (req: http.IncomingMessage, segment: string, url: URL): Promise<Reply> => {
    const form = parseForm(await readBody(req));
    const correlationId = form['client-request-id'] ?? url.searchParams.get('client-request-id') ?? randomUUID();
    const tenantOrMulti = resolveTenant(segment);
    if (!tenantOrMulti) return errorReply(messages.unknownTenant(segment), correlationId);
    const tenant = tenantOrMulti === 'multi' ? undefined : tenantOrMulti;
    if (!form.client_id) return errorReply(messages.missingParameter('client_id'), correlationId);
    const app = appIn(form.client_id, tenant?.id);
    if (!app) return errorReply(messages.unknownApp(form.client_id, tenantName(tenant, segment)), correlationId);
    const scopes = userScopes(form, tenant, segment);
    if (isFailure(scopes)) return errorReply(scopes, correlationId);
    const entry: DeviceCodeEntry = {
      deviceCode: token(48),
      userCode: userCode(),
      app,
      tenant,
      expiresAt: now() + config.deviceCodeLifetimeSeconds * 1000,
      state: 'pending',
    };
    deviceCodes.set(entry.deviceCode, entry);
    const verificationUri = `${origin}/common/oauth2/deviceauth`;
    // Field set msal-node reads (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code); no verification_uri_complete.
    return json(200, {
      user_code: entry.userCode,
      device_code: entry.deviceCode,
      verification_uri: verificationUri,
      expires_in: config.deviceCodeLifetimeSeconds,
      interval: config.deviceCodeIntervalSeconds,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${entry.userCode} to authenticate.`,
    });
  };

  /** Sends the authorization response (code or error) to the redirect URI by form_post or query. */
  const authorizeResponse = (request: AuthorizeRequest, fields: Record<string, string>): Reply => {
    const all = { ...fields, ...(request.state !== undefined ? { state: request.state } : {}) };
    if (request.responseMode === 'form_post') return html(200, pages.formPostPage(request.redirectUri, all));
    const target = new URL(request.redirectUri);
    for (const [k, v] of Object.entries(all)) target.searchParams.set(k, v);
    return { status: 302, headers: { location: target.toString(), 'cache-control': 'no-store' }, body: '' };
  };

  const authorizeError = (request: AuthorizeRequest, f: EntraFailure, error?: string): Reply => {
    const { body } = entraErrorResponse(error ? { ...f, error } : f, { traceId: randomUUID(), correlationId: randomUUID(), now: new Date(now()), authorityOrigin: origin });
    const fields: Record<string, string> = { error: body.error, error_description: body.error_description };
    if (body.error_uri) fields.error_uri = body.error_uri;
    if (body.suberror) fields.suberror = body.suberror;
    return authorizeResponse(request, fields);
  };

  const sessionOf = (req: http.IncomingMessage): BrowserSession | undefined => {
    const id = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`).exec(req.headers.cookie ?? '')?.[1];
    return id ? sessions.get(id) : undefined;
  };

  /** Issues the code and opens (or renews) the browser's session, as Entra's sign-in cookie does. */
  const issueCode = (request: AuthorizeRequest, user: SeedUser): Reply => {
    const code = token(48);
    codes.set(code, {
      clientId: request.app.clientId,
      redirectUri: request.redirectUri,
      user,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: request.codeChallengeMethod,
      nonce: request.nonce,
      expiresAt: now() + CODE_LIFETIME_MS,
      redeemed: false,
      mfaEpoch: request.mfaEpoch,
    });
    const fields: Record<string, string> = { code, session_state: randomUUID() };
    if (request.clientInfo) fields.client_info = clientInfo(user);
    const sessionId = token(24);
    sessions.set(sessionId, { user, mfaEpoch: request.mfaEpoch });
    const reply = authorizeResponse(request, fields);
    return { ...reply, headers: { ...reply.headers, 'set-cookie': `${SESSION_COOKIE}=${sessionId}; Path=/; Secure; HttpOnly; SameSite=None` } };
  };

  /**
   * prompt=none: no page may be shown, so what the page would ask for comes back to the redirect URI:
   * no session -> login_required (50058), consent -> consent_required (65001), MFA -> interaction_required
   * (50076) (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#error-codes-for-authorization-endpoint-errors).
   */
  const silentAuthorize = (request: AuthorizeRequest, session: BrowserSession | undefined, audience: string | undefined): Reply => {
    if (!session || (request.tenant && request.tenant.id !== session.user.tenantId)) return authorizeError(request, messages.noSession());
    const gate = userGate(session.user, request.app, audience, session.mfaEpoch);
    if (gate) return authorizeError(request, gate, gate.code === 65001 ? 'consent_required' : gate.code === 50076 ? 'interaction_required' : undefined);
    request.mfaEpoch = session.mfaEpoch;
    return issueCode(request, session.user);
  };

  const authorizeGet = (req: http.IncomingMessage, segment: string, url: URL): Reply => {
    const q = Object.fromEntries(url.searchParams);
    const tenantOrMulti = resolveTenant(segment);
    // Errors Entra cannot redirect (unknown tenant, unknown app, unregistered redirect URI) are shown on its own page.
    if (!tenantOrMulti) return html(400, pages.errorPage(`AADSTS90002: ${messages.unknownTenant(segment).text}`));
    const tenant = tenantOrMulti === 'multi' ? undefined : tenantOrMulti;
    const app = q.client_id ? appIn(q.client_id, tenant?.id) : undefined;
    if (!app) return html(400, pages.errorPage(`AADSTS700016: ${messages.unknownApp(q.client_id ?? '', tenantName(tenant, segment)).text}`));
    if (!q.redirect_uri || !isLoopbackRedirect(q.redirect_uri)) return html(400, pages.errorPage(`AADSTS50011: ${messages.redirectMismatch(q.redirect_uri ?? '', app.clientId).text}`));
    const mode = q.response_mode ?? 'query';
    const request: AuthorizeRequest = {
      tenant,
      app,
      redirectUri: q.redirect_uri,
      responseMode: mode === 'form_post' ? 'form_post' : 'query',
      state: q.state,
      nonce: q.nonce,
      scope: q.scope ?? '',
      codeChallenge: q.code_challenge,
      // "If excluded, code_challenge is assumed to be plaintext"; Entra supports plain and S256 (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow).
      codeChallengeMethod: q.code_challenge_method === 'S256' ? 'S256' : 'plain',
      clientInfo: q.client_info === '1',
      expiresAt: now() + CODE_LIFETIME_MS,
    };
    if (mode !== 'form_post' && mode !== 'query') return authorizeError(request, messages.malformed(`response_mode '${mode}' is not supported by the sandbox.`));
    if (q.response_type !== 'code') return authorizeError(request, messages.malformed(`response_type '${q.response_type ?? ''}' is not supported.`), 'unsupported_response_type');
    if (q.code_challenge_method && !['S256', 'plain'].includes(q.code_challenge_method)) return authorizeError(request, messages.malformed('Invalid code_challenge_method.'));
    const scopes = userScopes(q, tenant, segment);
    if (isFailure(scopes)) return authorizeError(request, scopes);
    if (q.prompt === 'none') return silentAuthorize(request, sessionOf(req), scopes.audience);
    const requestId = token(24);
    authorizeRequests.set(requestId, request);
    return html(200, pages.signInPage({ action: url.pathname, requestId, appName: app.displayName, users: usersOfTenant(users, tenant?.id), tenants }));
  };

  /**
   * After the account pick, the page asks for what the account still needs, in Entra's order: the second
   * factor (https://learn.microsoft.com/entra/identity/authentication/concept-mfa-howitworks), then consent
   * (https://learn.microsoft.com/entra/identity-platform/application-consent-experience); then the code.
   */
  const nextStep = (requestId: string, request: AuthorizeRequest, user: SeedUser, action: string): Reply => {
    if (!appIn(request.app.clientId, user.tenantId)) {
      authorizeRequests.delete(requestId);
      return authorizeError(request, messages.unknownApp(request.app.clientId, user.tenantId));
    }
    if (needsMfa(user, request.mfaEpoch)) {
      request.step = 'mfa';
      return html(200, pages.mfaPage({ action, fields: { request: requestId }, user }));
    }
    if (needsConsent(user, request.app)) {
      request.step = 'consent';
      return html(200, pages.consentPage({ action, fields: { request: requestId }, user, appName: request.app.displayName, permission: PERMISSION }));
    }
    authorizeRequests.delete(requestId);
    return issueCode(request, user);
  };

  const authorizePost = async (req: http.IncomingMessage, url: URL): Promise<Reply> => {
    const form = parseForm(await readBody(req));
    const requestId = form.request ?? '';
    const request = authorizeRequests.get(requestId);
    if (!request || request.expiresAt < now()) return html(400, pages.errorPage('This sign-in request has expired or was already used. Start the sign-in again from your app.'));
    if (form.cancel) {
      authorizeRequests.delete(requestId);
      return authorizeError(request, messages.userCancelled());
    }
    if (!request.user) {
      const user = usersOfTenant(users, request.tenant?.id).find((u) => u.upn.toLowerCase() === (form.upn ?? '').toLowerCase());
      if (!user) return html(400, pages.errorPage('Unknown account.'));
      request.user = user;
      return nextStep(requestId, request, user, url.pathname);
    }
    // A step can only be answered while the page shows it (no skipping MFA by posting the account again).
    if (!request.step || form.step !== request.step) return html(400, pages.errorPage('This sign-in step was already answered. Start the sign-in again from your app.'));
    if (request.step === 'mfa') {
      if (form.mfa !== 'approve') {
        authorizeRequests.delete(requestId);
        return authorizeError(request, messages.mfaDenied(), 'access_denied');
      }
      request.mfaEpoch = mfaEpoch;
    } else {
      if (form.consent !== 'accept') {
        // Declined consent: access_denied with AADSTS65004 (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
        authorizeRequests.delete(requestId);
        return authorizeError(request, messages.userCancelled(), 'access_denied');
      }
      consents.add(consentKey(request.user, request.app));
    }
    return nextStep(requestId, request, request.user, url.pathname);
  };

  const findUserCode = (code: string) => {
    const wanted = code.trim().toUpperCase();
    return [...deviceCodes.values()].find((e) => e.userCode === wanted && e.expiresAt >= now());
  };

  /** The device-code approval page asks for MFA and consent after the account pick, as the sign-in page does. */
  const deviceNext = (entry: DeviceCodeEntry, user: SeedUser, action: string): Reply => {
    const fields = { otc: entry.userCode };
    if (needsMfa(user, entry.mfaEpoch)) {
      entry.step = 'mfa';
      return html(200, pages.mfaPage({ action, fields, user }));
    }
    if (needsConsent(user, entry.app)) {
      entry.step = 'consent';
      return html(200, pages.consentPage({ action, fields, user, appName: entry.app.displayName, permission: PERMISSION }));
    }
    entry.step = undefined;
    entry.state = 'approved';
    entry.user = user;
    return html(200, pages.deviceCodeDonePage(true, entry.app.displayName));
  };

  /** Answers the shown step; a denied MFA or declined consent declines the device code (authorization_declined at the poll). */
  const answerDeviceStep = (entry: DeviceCodeEntry, answers: { mfa?: string; consent?: string }): boolean => {
    const user = entry.picked!;
    if (entry.step === 'mfa') {
      if (answers.mfa !== 'approve') return false;
      entry.mfaEpoch = mfaEpoch;
    } else if (entry.step === 'consent') {
      if (answers.consent !== 'accept') return false;
      consents.add(consentKey(user, entry.app));
    }
    return true;
  };

  const decline = (entry: DeviceCodeEntry): Reply => {
    entry.state = 'declined';
    return html(200, pages.deviceCodeDonePage(false, entry.app.displayName));
  };

  const deviceAuthPage = async (req: http.IncomingMessage, url: URL): Promise<Reply> => {
    if (req.method === 'GET') return html(200, pages.deviceCodeEntryPage(url.pathname));
    const form = parseForm(await readBody(req));
    const entry = findUserCode(form.otc ?? '');
    if (!entry || entry.state !== 'pending') return html(200, pages.deviceCodeEntryPage(url.pathname, "That code didn't work. Check the code and try again."));
    if (form.decline) return decline(entry);
    if (!entry.picked) {
      const candidates = usersOfTenant(users, entry.tenant?.id);
      const user = candidates.find((u) => u.upn.toLowerCase() === (form.upn ?? '').toLowerCase());
      if (!user) return html(200, pages.deviceCodeUserPage({ action: url.pathname, userCode: entry.userCode, appName: entry.app.displayName, users: candidates, tenants }));
      entry.picked = user;
      return deviceNext(entry, user, url.pathname);
    }
    if (!entry.step || form.step !== entry.step) return html(400, pages.errorPage('This sign-in step was already answered. Start the sign-in again from your device.'));
    if (!answerDeviceStep(entry, form)) return decline(entry);
    return deviceNext(entry, entry.picked, url.pathname);
  };

  const approveDeviceCode = (code: string, upn: string, steps: StepAnswers = {}): void => {
    const entry = findUserCode(code);
    if (!entry) throw new Error(`no pending device code ${code}`);
    const user = usersOfTenant(users, entry.tenant?.id).find((u) => u.upn.toLowerCase() === upn.toLowerCase());
    if (!user) throw new Error(`no user ${upn} in the device code's tenant`);
    if (![undefined, 'approve', 'deny'].includes(steps.mfa)) throw new Error(`mfa must be "approve" or "deny", not ${JSON.stringify(steps.mfa)}`);
    if (![undefined, 'accept', 'decline'].includes(steps.consent)) throw new Error(`consent must be "accept" or "decline", not ${JSON.stringify(steps.consent)}`);
    const answers = { mfa: steps.mfa ?? 'approve', consent: steps.consent ?? 'accept' };
    entry.picked = user;
    deviceNext(entry, user, '');
    while (entry.step) {
      if (!answerDeviceStep(entry, answers)) {
        entry.state = 'declined';
        return;
      }
      deviceNext(entry, user, '');
    }
  };

  /**
   * Applies Entra settings and events given under `entra`; the lifetimes are also read at the top level (older
   * form). A top-level `faults` belongs to Dataverse, never to Entra. Throws a clear error on bad input.
   */
  const configure = (input: EntraTopLevelPatch): void => {
    const nested: unknown = input.entra;
    if (nested !== undefined && (typeof nested !== 'object' || nested === null || Array.isArray(nested))) {
      throw new Error(`entra must be an object such as {"requireMfaAgain":true}, not ${JSON.stringify(nested)}.`);
    }
    const topLevel = Object.fromEntries(NUMERIC_SETTINGS.filter((k) => input[k] !== undefined).map((k) => [k, input[k]]));
    const patch: EntraConfigPatch = { ...topLevel, ...(nested as EntraConfigPatch | undefined) };
    for (const key of NUMERIC_SETTINGS) {
      const value = patch[key];
      if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) throw new Error(`${key} must be a positive number`);
    }
    if (patch.revokeRefreshTokens !== undefined && patch.revokeRefreshTokens !== true && typeof patch.revokeRefreshTokens !== 'string') {
      throw new Error(`revokeRefreshTokens must be true (every user) or a user's UPN, not ${JSON.stringify(patch.revokeRefreshTokens)}.`);
    }
    if (patch.requireMfaAgain !== undefined && typeof patch.requireMfaAgain !== 'boolean') {
      throw new Error(`requireMfaAgain must be true or false, not ${JSON.stringify(patch.requireMfaAgain)}.`);
    }
    if (patch.faults !== undefined) {
      faults.set(patch.faults);
      config.faults = faults.current();
    }
    for (const key of NUMERIC_SETTINGS) if (patch[key] !== undefined) config[key] = patch[key];
    if (patch.requireMfaAgain) mfaEpoch++;
    const revoke = patch.revokeRefreshTokens;
    if (revoke !== undefined) {
      const hits = (user: SeedUser) => revoke === true || user.upn.toLowerCase() === revoke.toLowerCase();
      for (const entry of refreshTokens.values()) if (hits(entry.user)) entry.revoked = true;
      // Revoking sessions signs the person out of the browser too.
      for (const [id, session] of sessions) if (hits(session.user)) sessions.delete(id);
    }
  };

  const adminEndpoint = async (req: http.IncomingMessage, path: string): Promise<Reply> => {
    if (path === '/_sandbox/config' && req.method === 'GET') return json(200, config);
    if (req.method !== 'POST' || !/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return json(415, { error: 'POST application/json' });
    const patch = JSON.parse(await readBody(req)) as Record<string, unknown>;
    if (path === '/_sandbox/config') {
      try {
        configure(patch as EntraTopLevelPatch);
      } catch (e) {
        return json(400, { error: 'invalid_config', error_description: (e as Error).message });
      }
      options.onConfigure?.(patch);
      return json(200, config);
    }
    if (path === '/_sandbox/devicecode/approve') {
      try {
        approveDeviceCode(String(patch.userCode ?? ''), String(patch.upn ?? ''), { mfa: patch.mfa as StepAnswers['mfa'], consent: patch.consent as StepAnswers['consent'] });
      } catch (e) {
        return json(400, { error: 'invalid_request', error_description: (e as Error).message });
      }
      return json(200, { approved: true });
    }
    return json(404, { error: 'not found' });
  };

  const route = async (req: http.IncomingMessage): Promise<Reply> => {
    // Route on the path only: msal-node appends ?client-request-id to the token URL.
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname.replace(/\/+$/, '');
    if (path.startsWith('/_sandbox/')) return adminEndpoint(req, path);
    if (path === '/error') return json(200, { code: url.searchParams.get('code'), note: 'Dataverse DevKit sandbox: see https://learn.microsoft.com/entra/identity-platform/reference-error-codes' });
    const [, segment = '', ...rest] = path.split('/');
    const tail = rest.join('/').toLowerCase();
    const method = req.method ?? 'GET';
    if (tail === 'discovery/instance' && segment.toLowerCase() === 'common') return json(200, instanceDiscovery()); // msal-node asks this first
    if (tail === 'oauth2/deviceauth') return deviceAuthPage(req, url);
    if (tail === 'oauth2/v2.0/token' && method === 'POST') return tokenEndpointHandler(req, segment, url);
    if (tail === 'oauth2/v2.0/devicecode' && method === 'POST') return deviceCodeEndpoint(req, segment, url);
    if (tail === 'oauth2/v2.0/authorize') return method === 'POST' ? authorizePost(req, url) : authorizeGet(req, segment, url);
    if (tail === 'oauth2/v2.0/logout') return html(200, pages.page('Signed out', '<h1>You signed out of your account</h1>'));
    const discovery = ['v2.0/.well-known/openid-configuration', '.well-known/openid-configuration', 'discovery/v2.0/keys', 'discovery/keys'];
    if (discovery.includes(tail) && method === 'GET') {
      const tenant = resolveTenant(segment);
      // Entra answers discovery for an unknown tenant with 400 invalid_tenant AADSTS90002.
      if (!tenant) return errorReply(messages.unknownTenant(segment), randomUUID(), 'invalid_tenant');
      const tid = tenant === 'multi' ? '{tenantid}' : tenant.id;
      if (tail === 'discovery/v2.0/keys') return json(200, signer.jwks(v2Issuer(origin, tid)));
      if (tail === 'discovery/keys') return json(200, signer.jwks(v1Issuer(tid)));
      return json(200, openIdConfiguration(segment, tenant, !tail.startsWith('v2.0')));
    }
    return json(404, { error: 'not_found', error_description: `No sandbox endpoint at ${path}` });
  };

  const server = https.createServer({ key: options.tls.key, cert: options.tls.cert }, (req, res) => {
    route(req)
      .then((reply) => {
        if (reply.drop) return void req.socket.destroy();
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
      })
      .catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'server_error', error_description: e instanceof Error ? e.message : 'internal error' }));
      });
  });
  // Idle connections stay open for minutes, as Microsoft's front ends keep them (see sandbox/index.ts).
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? ENTRA_HOST, () => resolve());
  });
  const address = server.address() as AddressInfo;
  origin = `https://${address.address}:${address.port}`;

  return {
    url: origin,
    authority: (tenant) => `${origin}/${tenant}`,
    jwks: signer.jwks(v1Issuer('{tenantid}')),
    config,
    configure,
    setKnownResources: (resources) => {
      knownResources = [...resources];
    },
    approveDeviceCode,
    issuedTokens: () => [...issued],
    declineDeviceCode: (code) => {
      const entry = findUserCode(code);
      if (!entry) throw new Error(`no pending device code ${code}`);
      entry.state = 'declined';
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

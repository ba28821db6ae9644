/**
 * Claims of the tokens the sandbox mints. Pure: time, ids and addresses are
 * passed in. Shapes follow https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
 * (v1 Dataverse access tokens) and https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference
 * (v2 id token); client_info is what msal-node reads.
 */
import type { SeedApp, SeedUser } from '../seed';

/** How the client authenticated: `appidacr` 0 public, 1 secret, 2 certificate (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference). */
export type ClientAuthKind = 0 | 1 | 2;

/** Inputs shared by every token. */
export interface MintContext {
  readonly tenantId: string;
  /** Seconds since epoch. */
  readonly now: number;
  readonly lifetimeSeconds: number;
  /** Opaque unique token id (`uti`). */
  readonly uti: string;
}

/** The JWT header Entra puts on v1 access tokens: kid and x5t both (as Entra's v1 tokens carry them). */
export function accessTokenHeader(kid: string): Record<string, string> {
  return { typ: 'JWT', alg: 'RS256', x5t: kid, kid };
}

/** The JWT header of v2 id tokens: kid only (https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference). */
export function idTokenHeader(kid: string): Record<string, string> {
  return { typ: 'JWT', alg: 'RS256', kid };
}

/** v1 issuer of access tokens: https://sts.windows.net/{tid}/ (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference). */
export function v1Issuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

/** v2 issuer on the sandbox origin: msal-node checks it against the authority it was given. */
export function v2Issuer(origin: string, tenantId: string): string {
  return `${origin}/${tenantId}/v2.0`;
}

function lifetime(ctx: MintContext): { iat: number; nbf: number; exp: number } {
  return { iat: ctx.now, nbf: ctx.now, exp: ctx.now + ctx.lifetimeSeconds };
}

/** Pairwise `sub`: stable per (user, app), opaque, like Entra's. Caller supplies the hash. */
export type PairwiseSubject = (oid: string, clientId: string) => string;

/** Delegated (user) v1 access token for a Dataverse org or the discovery service (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference). */
export function userAccessTokenClaims(
  ctx: MintContext,
  input: { audience: string; user: SeedUser; clientId: string; clientAuth: ClientAuthKind; ipaddr: string; sub: string },
): Record<string, unknown> {
  const { user } = input;
  return {
    aud: input.audience,
    iss: v1Issuer(ctx.tenantId),
    ...lifetime(ctx),
    acr: '1',
    amr: user.mfaRequired ? ['pwd', 'mfa'] : ['pwd'],
    appid: input.clientId,
    appidacr: String(input.clientAuth),
    family_name: user.familyName,
    given_name: user.givenName,
    ipaddr: input.ipaddr,
    name: user.name,
    oid: user.oid,
    scp: 'user_impersonation',
    sub: input.sub,
    tid: ctx.tenantId,
    unique_name: user.upn,
    upn: user.upn,
    uti: ctx.uti,
    ver: '1.0',
  };
}

/** App-only v1 access token: `idtyp: app`, no `scp`, no `roles`, `sub == oid` (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference). */
export function appAccessTokenClaims(
  ctx: MintContext,
  input: { audience: string; app: SeedApp; clientAuth: ClientAuthKind },
): Record<string, unknown> {
  return {
    aud: input.audience,
    iss: v1Issuer(ctx.tenantId),
    ...lifetime(ctx),
    appid: input.app.clientId,
    appidacr: String(input.clientAuth),
    idp: v1Issuer(ctx.tenantId),
    idtyp: 'app',
    oid: input.app.servicePrincipalOid,
    sub: input.app.servicePrincipalOid,
    tid: ctx.tenantId,
    uti: ctx.uti,
    ver: '1.0',
  };
}

/** v2 id token (https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference). */
export function idTokenClaims(
  ctx: MintContext,
  input: { issuer: string; user: SeedUser; clientId: string; sub: string; nonce?: string },
): Record<string, unknown> {
  return {
    aud: input.clientId,
    iss: input.issuer,
    ...lifetime(ctx),
    name: input.user.name,
    oid: input.user.oid,
    preferred_username: input.user.upn,
    sub: input.sub,
    tid: ctx.tenantId,
    uti: ctx.uti,
    ver: '2.0',
    ...(input.nonce ? { nonce: input.nonce } : {}),
  };
}

/** base64url JSON {uid, utid}: msal-node's homeAccountId = uid.utid. */
export function clientInfo(user: SeedUser): string {
  return Buffer.from(JSON.stringify({ uid: user.oid, utid: user.tenantId })).toString('base64url');
}

/** The user the request may sign in as: the tenant's own users, or any for `common`/`organizations`. */
export function usersOfTenant(users: readonly SeedUser[], tenantId: string | undefined): SeedUser[] {
  return users.filter((u) => tenantId === undefined || u.tenantId === tenantId);
}

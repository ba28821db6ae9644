/**
 * Validation of the bearer tokens Dataverse and the Global Discovery Service
 * accept: v1 access tokens signed RS256 (kid), `aud` = the resource URL with
 * or without a trailing slash, `iss` = `https://sts.windows.net/{tid}/`,
 * exp/nbf with 5 minutes of clock skew (docs/protocol.md#access-tokens; the skew is our choice).
 */
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';

/** The claims the stand-ins use. */
export interface CallerClaims {
  readonly tid: string;
  readonly oid: string;
  readonly appid: string;
  readonly isApp: boolean;
  readonly upn?: string;
  readonly name?: string;
  readonly scp?: string;
  /** Issued at, unix seconds. */
  readonly iat: number;
}

/** Why a token was refused; all of them answer 401 with the challenge. */
export type TokenFailure = 'missing' | 'malformed' | 'signature' | 'expired' | 'notYetValid' | 'audience' | 'issuer' | 'claims';

export type TokenResult = { ok: true; claims: CallerClaims } | { ok: false; failure: TokenFailure; detail: string };

/** Allowed clock skew: 5 minutes, our guess; Microsoft does not publish the skew Dataverse allows. */
export const CLOCK_SKEW_SECONDS = 300;

export class TokenValidator {
  private readonly keys: ReturnType<typeof createLocalJWKSet>;
  private readonly audiences: string[];

  constructor(jwks: { keys: JWK[] }, audience: string, private readonly now: () => number) {
    this.keys = createLocalJWKSet(jwks as unknown as JSONWebKeySet);
    const bare = audience.replace(/\/+$/, '');
    this.audiences = [bare, `${bare}/`];
  }

  async validate(authorization: string | undefined): Promise<TokenResult> {
    if (!authorization) return { ok: false, failure: 'missing', detail: 'No Authorization header.' };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return { ok: false, failure: 'malformed', detail: 'The Authorization header is not a Bearer token.' };
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(m[1]!, this.keys, {
        algorithms: ['RS256'],
        audience: this.audiences,
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(this.now()),
      });
      payload = result.payload;
    } catch (e) {
      if (e instanceof errors.JWTExpired) return { ok: false, failure: 'expired', detail: 'The token is expired.' };
      if (e instanceof errors.JWTClaimValidationFailed) {
        if (e.claim === 'aud') return { ok: false, failure: 'audience', detail: 'The token audience is not this resource.' };
        if (e.claim === 'nbf') return { ok: false, failure: 'notYetValid', detail: 'The token is not yet valid.' };
        return { ok: false, failure: 'claims', detail: `Claim ${e.claim} is not valid.` };
      }
      if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JWKSNoMatchingKey) return { ok: false, failure: 'signature', detail: 'The token signature is not valid.' };
      return { ok: false, failure: 'malformed', detail: 'The token could not be parsed.' };
    }
    const tid = typeof payload['tid'] === 'string' ? payload['tid'] : '';
    if (!tid || payload.iss !== `https://sts.windows.net/${tid}/`) return { ok: false, failure: 'issuer', detail: 'The token issuer is not valid.' };
    const oid = typeof payload['oid'] === 'string' ? payload['oid'].toLowerCase() : '';
    const appid = typeof payload['appid'] === 'string' ? payload['appid'].toLowerCase() : '';
    const scp = typeof payload['scp'] === 'string' ? payload['scp'] : undefined;
    const isApp = payload['idtyp'] === 'app' || scp === undefined;
    if (!oid || !appid) return { ok: false, failure: 'claims', detail: 'The token lacks oid or appid.' };
    return {
      ok: true,
      claims: {
        tid: tid.toLowerCase(), oid, appid, isApp, scp,
        iat: typeof payload.iat === 'number' ? payload.iat : 0,
        upn: typeof payload['upn'] === 'string' ? payload['upn'] : undefined,
        name: typeof payload['name'] === 'string' ? payload['name'] : undefined,
      },
    };
  }
}

/**
 * The 401 challenge: unquoted `Bearer authorization_uri=<authority>/<tid>/oauth2/authorize, resource_id=<resource>/`
 * (docs/protocol.md#tenant-discovery).
 */
export function challengeHeader(authorityUrl: string, tenant: string, resource: string): string {
  return `Bearer authorization_uri=${authorityUrl.replace(/\/+$/, '')}/${tenant}/oauth2/authorize, resource_id=${resource.replace(/\/+$/, '')}/`;
}

/**
 * One inspection of a token: decode, describe, check against a connection.
 * Pure; the signature check, which needs the network, is added by the
 * caller from `verifySignature`.
 */
import type { Connection } from '../connection';
import { type CheckOptions, type CheckTarget, DEFAULT_CLOCK_SKEW_SECONDS, EXPIRY_WARNING_SECONDS, type TokenCheck, checkToken } from './checks';
import { describeToken, type TokenDescription } from './claims';
import { decodeToken, type DecodedToken, type TokenPart } from './decode';

export interface Inspection {
  readonly token?: DecodedToken;
  readonly problem?: { readonly part: TokenPart; readonly message: string };
  readonly description?: TokenDescription;
  readonly checks: readonly TokenCheck[];
}

/** What a connection expects of its tokens. */
export function checkTargetOf(connection: Connection): CheckTarget {
  return {
    name: connection.name,
    orgUrl: connection.orgUrl,
    tenantId: connection.tenantId,
    clientId: connection.clientId,
    expectsUser: connection.flow === 'interactive' || connection.flow === 'deviceCode',
  };
}

/** `options` go to `checkToken` (clock skew, trusted v2 issuer hosts). */
export function inspectToken(input: string, target: CheckTarget | undefined, nowSeconds: number, options?: CheckOptions): Inspection {
  const decoded = decodeToken(input);
  if (!decoded.ok) return { problem: { part: decoded.part, message: decoded.message }, checks: [] };
  return { token: decoded.token, description: describeToken(decoded.token), checks: checkToken(decoded.token, target, nowSeconds, options) };
}

/**
 * The next moment (unix seconds) after `nowSeconds` at which a time check's
 * verdict may change: the not-before check at start − skew (fail → warning)
 * and at start (warning → pass), where start is the later of nbf and iat; the
 * expiry check at exp − 300 (pass → warning) and at exp (warning → fail).
 * `clockSkewSeconds` must be the skew given to `checkToken` (default 300).
 */
export function nextTimeBoundary(description: TokenDescription | undefined, nowSeconds: number, clockSkewSeconds: number = DEFAULT_CLOCK_SKEW_SECONDS): number | undefined {
  if (!description) return undefined;
  const { notBefore, issuedAt, expiresAt } = description;
  const starts = [notBefore, issuedAt].filter((t): t is number => t !== undefined);
  const start = starts.length ? Math.max(...starts) : undefined;
  const candidates = [
    start === undefined ? undefined : start - clockSkewSeconds,
    start,
    expiresAt === undefined ? undefined : expiresAt - EXPIRY_WARNING_SECONDS,
    expiresAt,
  ].filter((t): t is number => t !== undefined && Number.isFinite(t) && t > nowSeconds);
  return candidates.length ? Math.min(...candidates) : undefined;
}

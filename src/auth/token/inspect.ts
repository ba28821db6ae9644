/**
 * One inspection of a token: decode, describe, check against a connection.
 * Pure; the signature check, which needs the network, is added by the
 * caller from `verifySignature`.
 */
import type { Connection } from '../connection';
import { checkToken, type CheckTarget, type TokenCheck } from './checks';
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

export function inspectToken(input: string, target: CheckTarget | undefined, nowSeconds: number): Inspection {
  const decoded = decodeToken(input);
  if (!decoded.ok) return { problem: { part: decoded.part, message: decoded.message }, checks: [] };
  return { token: decoded.token, description: describeToken(decoded.token), checks: checkToken(decoded.token, target, nowSeconds) };
}

/**
 * The next moment (unix seconds) after `nowSeconds` at which a time check's
 * verdict changes: the token starts, enters its last five minutes, expires.
 */
export function nextTimeBoundary(description: TokenDescription | undefined, nowSeconds: number): number | undefined {
  if (!description) return undefined;
  const { notBefore, expiresAt } = description;
  const candidates = [notBefore, expiresAt === undefined ? undefined : expiresAt - 300, expiresAt].filter((t): t is number => t !== undefined && t > nowSeconds);
  return candidates.length ? Math.min(...candidates) : undefined;
}

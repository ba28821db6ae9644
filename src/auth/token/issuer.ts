/**
 * The one reading of an Entra ID issuer (`iss`) in the code. Entra writes
 * exactly two shapes: `https://sts.windows.net/{tenant}/` (v1 tokens) and
 * `https://login.microsoftonline.com/{tenant}/v2.0` (v2 tokens), with a
 * national cloud's host in place of Microsoft's. Anything else, such as user
 * info, a backslash, a query, a fragment or a tenant name instead of its id,
 * is not an Entra issuer and is never used to build an address.
 * See https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference (iss).
 */
import { GUID_SOURCE } from '../../core/guid';

/** An issuer that parsed cleanly. */
export interface ParsedIssuer {
  /** `https://host[:port]`, lower-case, rebuilt from the parsed host, never the raw text. */
  readonly origin: string;
  /** `host[:port]`, lower-case. */
  readonly host: string;
  /** The tenant id (a GUID), lower-case. */
  readonly tenantId: string;
  readonly version: 'v1' | 'v2';
}

// Host: DNS letters, digits, dots and dashes, optional port; then one GUID segment, then nothing or v2.0.
// No character that could start user info (@), a path (\), a query (?) or a fragment (#) is admitted.
const ISSUER = new RegExp(`^https://([a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?(?::\\d{1,5})?)/(${GUID_SOURCE})/(v2\\.0/?)?$`, 'i');

/** Reads `iss` strictly; undefined when it is not exactly one of Entra's two issuer shapes. */
export function parseIssuer(iss: string | undefined): ParsedIssuer | undefined {
  if (typeof iss !== 'string') return undefined;
  const m = ISSUER.exec(iss);
  if (!m) return undefined;
  let url: URL;
  try {
    url = new URL(`https://${m[1]!}/`);
  } catch {
    return undefined;
  }
  // The URL parser must read back the same host: no hidden port, user info or path.
  if (url.host.toLowerCase() !== m[1]!.toLowerCase().replace(/:443$/, '') || url.pathname !== '/' || url.username || url.password) return undefined;
  return { origin: url.origin.toLowerCase(), host: url.host.toLowerCase(), tenantId: m[2]!.toLowerCase(), version: m[3] === undefined ? 'v1' : 'v2' };
}

/** True when both issuers parse and name the same tenant (v1 and v2 forms of one tenant are the same issuer). */
export function sameIssuerTenant(a: string, b: string): boolean {
  const left = parseIssuer(a);
  const right = parseIssuer(b);
  return left !== undefined && right !== undefined && left.tenantId === right.tenantId;
}

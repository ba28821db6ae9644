import { resolveCloud, type CloudEndpoints, type CloudId } from './clouds';
import { normalizeOrgUrl } from './orgUrl';
import { GUID } from '../core/guid';

/** What a Dataverse 401 says about where to sign in. */
export interface DataverseChallenge {
  /** Origin of the authority, e.g. `https://login.microsoftonline.com`. Not yet trusted: see `isTrustedAuthorityHost`. */
  readonly authorityHost: string;
  /** The tenant: a GUID, a domain name, or `organizations`. */
  readonly tenantId: string;
  /** The resource the environment expects tokens for, normalised, when it said. */
  readonly resourceId?: string;
  /** The `error` parameter, e.g. `invalid_token`, when present. */
  readonly error?: string;
}

/** The outcome of reading a `WWW-Authenticate` header. */
export type ChallengeResult = { readonly ok: true; readonly challenge: DataverseChallenge } | { readonly ok: false; readonly reason: string };

/** One challenge of a `WWW-Authenticate` header: its scheme and parameters (names lowercase). */
export interface AuthChallenge {
  /** Auth scheme as sent, e.g. `Bearer`. */
  readonly scheme: string;
  /** Parameters by lowercase name, values unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

const TENANT_DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Reads the `WWW-Authenticate` header of a Dataverse 401, e.g.
 * `Bearer authorization_uri=https://login.microsoftonline.com/<tid>/oauth2/authorize, resource_id=https://org.crm.dynamics.com/`,
 * and returns where to sign in. Accepts quoted and unquoted values, any
 * case of names, extra parameters, several challenges in one header, and
 * several headers (pass them as an array).
 */
export function parseDataverseChallenge(header: string | readonly string[] | null | undefined): ChallengeResult {
  const text = (Array.isArray(header) ? header.join(', ') : (header as string | null | undefined) ?? '').trim();
  if (!text) {
    return fail('The 401 response has no WWW-Authenticate header, so the environment did not say where to sign in. Check that the URL is a Dataverse environment, or enter the tenant ID yourself.');
  }
  const challenges = parseAuthenticateHeader(text);
  const bearers = challenges.filter((c) => c.scheme.toLowerCase() === 'bearer');
  if (bearers.length === 0) {
    const schemes = challenges.map((c) => c.scheme).join(', ') || 'none';
    return fail(`The server asks for ${schemes} authentication, not a Bearer token, so it is not Dataverse online (perhaps on-premises or a proxy). Check the environment URL.`);
  }
  const bearer = bearers.find((c) => c.params.has('authorization_uri')) ?? bearers[0];
  const authorizationUri = bearer.params.get('authorization_uri');
  if (!authorizationUri) {
    return fail('The Bearer challenge has no authorization_uri, so the tenant cannot be discovered. Enter the tenant ID on the connection.');
  }

  let url: URL;
  try {
    url = new URL(authorizationUri);
  } catch {
    return fail(`The challenge's authorization_uri "${authorizationUri}" is not a valid URL. Enter the tenant ID on the connection.`);
  }
  if (url.protocol !== 'https:') {
    return fail(`The challenge's authorization_uri "${authorizationUri}" is not https; the extension only signs in over https. Enter the tenant ID on the connection.`);
  }
  const rawTenant = decodeSegment(url.pathname.split('/').filter(Boolean)[0] ?? '');
  if (rawTenant === undefined) {
    return fail(`The challenge's authorization_uri "${clipText(authorizationUri)}" holds a broken percent-escape (a % not followed by two hex digits of UTF-8), so no tenant can be read from it. Enter the tenant ID on the connection.`);
  }
  if (!rawTenant) {
    return fail(`The challenge's authorization_uri "${authorizationUri}" names no tenant. Enter the tenant ID on the connection.`);
  }
  // As Dataverse ServiceClient does: `common` would also admit personal
  // Microsoft accounts, which Dataverse never accepts.
  const tenantId = rawTenant.toLowerCase() === 'common' ? 'organizations' : rawTenant;
  if (!(GUID.test(tenantId) || TENANT_DOMAIN.test(tenantId) || tenantId === 'organizations')) {
    return fail(`The challenge names the tenant "${rawTenant}", which is neither a tenant ID nor a domain. Enter the tenant ID on the connection.`);
  }

  const resourceRaw = bearer.params.get('resource_id');
  const resource = resourceRaw ? normalizeOrgUrl(resourceRaw) : undefined;
  const resourceId = resource?.ok ? resource.url : resourceRaw?.replace(/\/+$/, '') || undefined;
  const error = bearer.params.get('error');

  return {
    ok: true,
    challenge: {
      authorityHost: url.origin,
      tenantId: GUID.test(tenantId) ? tenantId.toLowerCase() : tenantId,
      ...(resourceId ? { resourceId } : {}),
      ...(error ? { error } : {}),
    },
  };
}

/**
 * Splits a `WWW-Authenticate` value into challenges (RFC 9110 11.6.1). The
 * grammar is ambiguous because commas separate both challenges and
 * parameters: an item that starts with a token followed by a space, or a
 * lone token, starts a new challenge; `name=value` items are parameters.
 */
export function parseAuthenticateHeader(value: string): AuthChallenge[] {
  const result: Array<{ scheme: string; params: Map<string, string> }> = [];
  for (const item of splitOutsideQuotes(value, ',')) {
    const part = item.trim();
    if (!part) {
      continue;
    }
    const schemeMatch = /^([^\s=,]+)(?:\s+([\s\S]*))?$/.exec(part);
    const startsChallenge = schemeMatch && TOKEN.test(schemeMatch[1]) && (schemeMatch[2] !== undefined || !part.includes('='));
    if (startsChallenge && schemeMatch) {
      const challenge = { scheme: schemeMatch[1], params: new Map<string, string>() };
      result.push(challenge);
      const rest = schemeMatch[2]?.trim();
      if (rest) {
        addParam(challenge.params, rest);
      }
    } else if (result.length > 0) {
      addParam(result[result.length - 1].params, part);
    }
  }
  return result;
}

/**
 * Whether an authority found in a server's response may be used to sign in.
 *
 * Why this exists: the tenant is discovered from the environment's 401
 * challenge, and the environment URL is whatever someone typed, pasted or
 * opened from a shared file. A hostile "environment" could answer with an
 * authorization_uri on its own host; if we followed it, we would send a
 * client secret or certificate assertion there, or show the person a sign-in
 * page that harvests their password. So an authority is used only when it is
 * the chosen cloud's own sign-in host (or one of its documented aliases), or
 * a host the person listed in settings (a sandbox, a sovereign cloud we do
 * not know). Everything else is refused before any request is made.
 */
export function isTrustedAuthorityHost(origin: string, cloud: CloudEndpoints | CloudId, extraTrustedHosts: readonly string[] = []): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password) {
    return false;
  }
  const candidate = url.host.toLowerCase(); // host[:port]; the default port is already dropped.
  const endpoints = typeof cloud === 'string' ? resolveCloud(cloud) : cloud;
  const trusted = new Set<string>();
  const own = hostOf(endpoints.authorityHost);
  if (own) {
    trusted.add(own);
  }
  for (const alias of endpoints.authorityAliases) {
    const host = hostOf(alias);
    if (host) {
      trusted.add(host);
    }
  }
  for (const extra of extraTrustedHosts) {
    const host = hostOf(extra);
    if (host) {
      trusted.add(host);
    }
  }
  return trusted.has(candidate);
}

/** `host[:port]` of a host name, `host:port`, or https URL; undefined for anything else. */
function hostOf(value: string): string | undefined {
  const text = value.trim();
  if (!text) {
    return undefined;
  }
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
    // An http entry is refused rather than upgraded: it is not what the person meant to trust.
    return url.protocol === 'https:' && url.hostname ? url.host.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

function addParam(params: Map<string, string>, text: string): void {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    return; // token68 or junk: Dataverse sends neither, and nothing here needs it.
  }
  const name = text.slice(0, eq).trim().toLowerCase();
  let value = text.slice(eq + 1).trim();
  if (value.startsWith('"')) {
    value = value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value.slice(1);
    value = value.replace(/\\(.)/g, '$1');
  }
  if (name && !params.has(name)) {
    params.set(name, value);
  }
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
      continue;
    }
    if (ch === '"') {
      quoted = !quoted;
    }
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** A percent-decoded path segment, or undefined when its escapes are malformed (decodeURIComponent would throw URIError). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The start of a server-supplied value, enough to recognise it in a message. */
function clipText(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function fail(reason: string): ChallengeResult {
  return { ok: false, reason };
}

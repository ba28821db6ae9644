/**
 * Verifies a token's signature against the keys its issuer publishes (JWKS),
 * with `jose`. Keys are only fetched from trusted sign-in hosts; anything that
 * stops the check ends as `notVerified`, never as a pass. Reasons never quote
 * the token.
 */
import type { JWK } from 'jose';
import type { TokenCheck } from './checks';
import type { DecodedToken } from './decode';
import { parseIssuer, sameIssuerTenant } from './issuer';

/** The outcome of verifying a token's signature. */
export type SignatureResult =
  | { status: 'verified'; kid: string; keysUrl: string; keyIssuer?: string }
  /** Key found, signature does not verify (token altered or forged), or the key belongs to another issuer. */
  | { status: 'invalid'; reason: string; keysUrl: string }
  | { status: 'keyNotFound'; kid?: string; keysUrl: string; reason: string }
  /** Keys could not be fetched, untrusted issuer host, unsupported alg, offline… */
  | { status: 'notVerified'; reason: string; keysUrl?: string };

/** Where the keys come from: the connection's authority and the trust rule for hosts. */
export interface KeysLocation {
  /** The connection's authority origin, e.g. https://login.microsoftonline.com. */
  readonly authorityHost: string;
  readonly isTrustedHost: (origin: string) => boolean;
}

/** Options of `verifySignature`. */
export interface VerifyOptions extends KeysLocation {
  readonly fetch: typeof fetch;
  readonly signal?: AbortSignal;
  /** Default 10 s. */
  readonly timeoutMs?: number;
  /** Keeps fetched key sets per keys URL (see `createKeySetCache`); without it, every call fetches. */
  readonly cache?: KeySetCache;
}

/** A published key set (JWKS). */
export interface Jwks {
  readonly keys: ReadonlyArray<JWK & { kid?: string; x5t?: string; issuer?: string }>;
}

/** In-memory key sets by keys URL. Only successfully fetched key sets are stored. */
export interface KeySetCache {
  get(url: string): Jwks | undefined;
  set(url: string, jwks: Jwks): void;
  clear(): void;
}

/** Default lifetime of a cached key set: 10 minutes. */
export const KEY_SET_CACHE_TTL_MS = 10 * 60_000;

/** A key set cache whose entries live `ttlMs` (default 10 min) by the clock `now` (default Date.now). */
export function createKeySetCache(options: { ttlMs?: number; now?: () => number } = {}): KeySetCache {
  const ttlMs = options.ttlMs ?? KEY_SET_CACHE_TTL_MS;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { jwks: Jwks; expiresAt: number }>();
  return {
    get(url) {
      const entry = entries.get(url);
      if (!entry) return undefined;
      if (now() >= entry.expiresAt) {
        entries.delete(url);
        return undefined;
      }
      return entry.jwks;
    },
    set(url, jwks) {
      entries.set(url, { jwks, expiresAt: now() + ttlMs });
    },
    clear() {
      entries.clear();
    },
  };
}

const DEFAULT_TIMEOUT_MS = 10_000;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function originOf(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && !url.username && !url.password ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The JWKS address of the token's issuer, or why it cannot be fetched. The
 * address is built only from parsed parts (an https origin and the issuer's
 * tenant GUID), never from the raw text of `iss`, which the token's author writes.
 */
export function keysUrlFor(token: DecodedToken, options: KeysLocation): { url: string } | { reason: string } {
  const iss = str(token.payload.iss);
  if (!iss) return { reason: 'The token has no iss claim, so there is no issuer whose keys could be fetched.' };
  const issuer = parseIssuer(iss);
  if (!issuer) return { reason: `The issuer ${iss} is not an Entra ID issuer (https://host/{tenant id}/ or https://host/{tenant id}/v2.0), so no keys were fetched.` };
  const authority = originOf(options.authorityHost);
  let base: string | undefined = authority;
  if (issuer.version === 'v2' && options.isTrustedHost(issuer.origin)) base = issuer.origin;
  if (!base) return { reason: `The sign-in host ${options.authorityHost} is not an https origin, so no keys were fetched.` };
  if (!options.isTrustedHost(base)) return { reason: `${base} is not a trusted sign-in host, so its keys were not fetched.` };
  return { url: `${base}/${issuer.tenantId}/discovery/${issuer.version === 'v2' ? 'v2.0/' : ''}keys` };
}

async function fetchKeys(url: string, options: VerifyOptions): Promise<{ ok: true; jwks: Jwks } | { ok: false; reason: string }> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let res: Response;
  try {
    // Keys come only from the trusted host asked: a redirect elsewhere is refused, not followed.
    res = await options.fetch(url, { method: 'GET', headers: { accept: 'application/json' }, redirect: 'error', signal });
  } catch (e) {
    if (options.signal?.aborted) return { ok: false, reason: `Fetching the signing keys from ${url} was cancelled.` };
    if (timeout.aborted) return { ok: false, reason: `The signing keys at ${url} did not arrive within ${Math.round(timeoutMs / 1000)} s.` };
    // undici says "fetch failed" and puts the useful part (ECONNREFUSED, certificate errors…) in `cause`.
    const inner = e instanceof Error ? (e.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
    const cause = typeof inner?.code === 'string' ? inner.code : typeof inner?.message === 'string' ? inner.message : e instanceof Error ? e.message : String(e);
    return { ok: false, reason: `The signing keys could not be fetched from ${url} (${cause}). Check the network connection and proxy settings.` };
  }
  if (!res.ok) {
    return { ok: false, reason: `The signing keys could not be fetched: ${url} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.` };
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return { ok: false, reason: `${url} did not answer with JSON, so it published no signing keys.` };
  }
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return { ok: false, reason: `${url} answered JSON without a keys list, so it published no signing keys.` };
  return { ok: true, jwks: { keys: keys.filter((k): k is Jwks['keys'][number] => typeof k === 'object' && k !== null) } };
}

/**
 * Whether a key's issuer and the token's iss name the same issuer: equal, or
 * the v1 (https://sts.windows.net/{tid}/) and v2 (https://login.microsoftonline.com/{tid}/v2.0)
 * forms of the same tenant. Entra publishes the v2 form on keys served for v1 tokens too.
 */
function sameIssuer(keyIssuer: string, iss: string): boolean {
  const norm = (text: string) => text.replace(/\/+$/, '').toLowerCase();
  return (norm(keyIssuer) === norm(iss) && parseIssuer(iss) !== undefined) || sameIssuerTenant(keyIssuer, iss);
}

/** Fetches the issuer's keys and verifies the token's RS256 signature with the key named by `kid`. */
export async function verifySignature(token: DecodedToken, options: VerifyOptions): Promise<SignatureResult> {
  const alg = str(token.header.alg);
  if (alg !== 'RS256') {
    return { status: 'notVerified', reason: `The token uses an unsupported alg (${alg ?? 'missing'}); Entra signs access tokens with RS256, the only algorithm checked here.` };
  }
  if (token.header.nonce !== undefined) {
    return {
      status: 'notVerified',
      reason: 'The header carries a nonce: such tokens (Microsoft Graph and some Microsoft services) are signed over a hashed nonce, so only their own service can verify them. It is not a Dataverse token.',
    };
  }
  const location = keysUrlFor(token, options);
  if ('reason' in location) return { status: 'notVerified', reason: location.reason };
  const keysUrl = location.url;
  const kid = str(token.header.kid);
  const x5t = str(token.header.x5t);
  const find = (jwks: Jwks) => (kid ? jwks.keys.find((k) => k.kid === kid) : undefined) ?? (x5t ? jwks.keys.find((k) => k.x5t === x5t || k.kid === x5t) : undefined);

  const cached = options.cache?.get(keysUrl);
  let key = cached ? find(cached) : undefined;
  if (!key) {
    // Not cached, or the cached set lacks the key (Entra may have rotated its keys): fetch.
    const fetched = await fetchKeys(keysUrl, options);
    if (!fetched.ok) return { status: 'notVerified', reason: fetched.reason, keysUrl };
    options.cache?.set(keysUrl, fetched.jwks);
    key = find(fetched.jwks);
  }
  if (!key) {
    const named = kid ?? x5t;
    return {
      status: 'keyNotFound',
      ...(named ? { kid: named } : {}),
      keysUrl,
      reason: named
        ? `No key with id ${named} is published at ${keysUrl}.`
        : 'The token names no key (no kid or x5t in its header), so no published key can check it.',
    };
  }
  const usedKid = key.kid ?? kid ?? x5t ?? '(unnamed)';

  const iss = str(token.payload.iss) ?? '';
  const tid = parseIssuer(iss)?.tenantId ?? '';
  const keyIssuer = typeof key.issuer === 'string' ? key.issuer.replace(/\{tenantid\}/gi, tid) : undefined;
  if (keyIssuer !== undefined && !sameIssuer(keyIssuer, iss)) {
    return { status: 'invalid', keysUrl, reason: `Key ${usedKid} is published for issuer ${keyIssuer}, but the token says its issuer is ${iss || '(none)'}: the token did not come from that issuer.` };
  }

  // jose is loaded at the first signature check, not when the extension starts.
  const { compactVerify, errors: joseErrors, importJWK } = await import('jose');
  let publicKey: Awaited<ReturnType<typeof importJWK>>;
  try {
    const { kty, n, e } = key;
    publicKey = await importJWK({ kty, n, e }, 'RS256');
  } catch {
    return { status: 'notVerified', keysUrl, reason: `Key ${usedKid} published at ${keysUrl} is not an RSA key that can check an RS256 signature.` };
  }
  try {
    await compactVerify(token.raw, publicKey, { algorithms: ['RS256'] });
  } catch (e) {
    const why = e instanceof joseErrors.JWSSignatureVerificationFailed ? 'the signature does not match the header and payload' : 'the token is not a well-formed signed JWT';
    return { status: 'invalid', keysUrl, reason: `Key ${usedKid} was found at ${keysUrl}, but ${why}: the token was altered or forged.` };
  }
  return keyIssuer === undefined ? { status: 'verified', kid: usedKid, keysUrl } : { status: 'verified', kid: usedKid, keysUrl, keyIssuer };
}

/** The 'signature' line of the check list. `notVerified` is never shown as a pass. */
export function signatureCheck(result: SignatureResult): TokenCheck {
  switch (result.status) {
    case 'verified':
      return {
        id: 'signature',
        title: 'Signature verified',
        verdict: 'pass',
        detail: `Signed by key ${result.kid}, published at ${result.keysUrl}${result.keyIssuer ? ` for issuer ${result.keyIssuer}` : ''}.`,
      };
    case 'invalid':
      return {
        id: 'signature',
        title: 'Signature is invalid',
        verdict: 'fail',
        detail: result.reason,
        ifRefused: 'Dataverse answers 401 Unauthorized (invalid signature). Do not use this token: get a new one from Entra ID.',
      };
    case 'keyNotFound':
      return {
        id: 'signature',
        title: 'Signing key not found',
        verdict: 'fail',
        detail: `${result.reason} Either Entra has rotated its keys and this old token's key is gone, the token comes from another cloud or tenant than ${result.keysUrl} serves, or it was forged.`,
        ifRefused: 'Dataverse answers 401 Unauthorized if it cannot find the key either. Get a new token from the sign-in host of this connection.',
      };
    case 'notVerified':
      return {
        id: 'signature',
        title: 'Signature not verified',
        verdict: 'notVerified',
        detail: result.reason,
      };
  }
}

/**
 * The HTTP layer under every Dataverse call: an authenticated request with
 * one renewal on 401 and typed errors (webApiClient.ts builds on it), and the
 * anonymous call whose 401 challenge names the tenant. Pure: `fetch` and the
 * token provider are injected, so tests pass the global fetch and the glue
 * may pass VS Code's proxy-aware one; nothing here knows about MSAL.
 */

/** The `fetch` shape these helpers use; the global `fetch` satisfies it. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** What an authenticated call needs from a token source (MsalTokenSource and ConnectionManager's providers satisfy it). */
export interface BearerTokenProvider {
  getToken(options?: { forceRefresh?: boolean; signal?: AbortSignal }): Promise<{ accessToken: string }>;
}

/** One Dataverse Web API request. The body is text so it can be sent again after a renewal. */
export interface DataverseRequest {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

/** Dataverse answered with an error status. Carries what Dataverse said, never the token. */
export class DataverseHttpError extends Error {
  override readonly name = 'DataverseHttpError';

  constructor(
    /** HTTP status, e.g. 403. */
    readonly status: number,
    /** Dataverse's error code, e.g. `0x80072560`, when the body had one. */
    readonly code: string | undefined,
    message: string,
    /** Method and URL without the query string (which may hold data). */
    readonly request: string,
    /** Seconds to wait before retrying (429, 503), from Retry-After. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Dataverse could not be reached at all (DNS, refused connection, TLS, abort). */
export class DataverseNetworkError extends Error {
  override readonly name = 'DataverseNetworkError';

  constructor(
    message: string,
    /** The low-level code, e.g. ECONNREFUSED, ENOTFOUND, SELF_SIGNED_CERT_IN_CHAIN. */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Why the authority could not be discovered. */
export type AuthorityDiscoveryFailure = 'invalidUrl' | 'network' | 'unexpectedStatus' | 'missingChallenge';

/** The org URL did not lead to a tenant. */
export class AuthorityDiscoveryError extends Error {
  override readonly name = 'AuthorityDiscoveryError';

  constructor(
    readonly reason: AuthorityDiscoveryFailure,
    message: string,
    /** The status Dataverse answered with, when it answered. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const ODATA_HEADERS = { accept: 'application/json', 'odata-version': '4.0', 'odata-maxversion': '4.0' };

function describeRequest(method: string, url: string): string {
  const u = new URL(url);
  return `${method} ${u.origin}${u.pathname}`;
}

/** The deepest useful cause of a failed fetch: undici wraps the socket error in "fetch failed". */
function networkCause(error: unknown): { code: string | undefined; detail: string } {
  let e: unknown = error;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  const code = e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
  const detail = e instanceof Error ? e.message : String(e);
  return { code, detail };
}

async function send(fetchFn: FetchLike, request: DataverseRequest, accessToken: string | undefined): Promise<Response> {
  const method = request.method ?? 'GET';
  // Headers, not an object spread: names are case-insensitive, and Authorization is set last
  // so a caller's header can never stand beside or replace the token.
  const headers = new Headers(ODATA_HEADERS);
  for (const [name, value] of Object.entries(request.headers ?? {})) headers.set(name, value);
  if (accessToken) headers.set('authorization', `Bearer ${accessToken}`);
  else headers.delete('authorization');
  try {
    return await fetchFn(request.url, {
      method,
      headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
  } catch (e) {
    const { code, detail } = networkCause(e);
    if (request.signal?.aborted) throw new DataverseNetworkError(`${describeRequest(method, request.url)} was cancelled.`, 'ABORT_ERR', { cause: e });
    throw new DataverseNetworkError(`Could not reach ${new URL(request.url).origin}: ${detail}${code && !detail.includes(code) ? ` (${code})` : ''}.`, code, { cause: e });
  }
}

async function errorFrom(response: Response, request: string): Promise<DataverseHttpError> {
  const text = await response.text().catch(() => '');
  let code: string | undefined;
  let message: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string' && body.error.code) code = body.error.code;
    if (typeof body.error?.message === 'string' && body.error.message) message = body.error.message;
  } catch {
    // Not JSON (a proxy's HTML page, an empty 401): fall back to the status line.
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  if (!message) {
    message =
      response.status === 401
        ? 'Dataverse refused the access token, even a newly issued one.'
        : `Dataverse answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`;
  }
  return new DataverseHttpError(response.status, code, message, request, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
}

/**
 * Sends `request` with a bearer token. On 401 (the token expired early or
 * was revoked) it gets a fresh token once and retries once; any error status
 * left becomes a DataverseHttpError. Returns the successful response unread.
 */
export async function callWithToken(fetchFn: FetchLike, tokens: BearerTokenProvider, request: DataverseRequest): Promise<Response> {
  const label = describeRequest(request.method ?? 'GET', request.url);
  let response = await send(fetchFn, request, (await tokens.getToken({ signal: request.signal })).accessToken);
  if (response.status === 401) {
    await response.body?.cancel();
    const fresh = await tokens.getToken({ forceRefresh: true, signal: request.signal });
    response = await send(fetchFn, request, fresh.accessToken);
  }
  if (!response.ok) throw await errorFrom(response, label);
  return response;
}

/**
 * Asks Dataverse, without a token, who issues its tokens: the anonymous call
 * answers 401 with `WWW-Authenticate: Bearer authorization_uri=…, resource_id=…`.
 * Returns that header as is (src/auth/challenge.ts parses it).
 */
export async function discoverAuthority(fetchFn: FetchLike, orgUrl: string, signal?: AbortSignal): Promise<string> {
  let url: URL;
  try {
    url = new URL(orgUrl);
  } catch {
    throw new AuthorityDiscoveryError('invalidUrl', `"${orgUrl}" is not a URL; expected something like https://contoso.crm.dynamics.com.`);
  }
  if (url.protocol !== 'https:') throw new AuthorityDiscoveryError('invalidUrl', `"${orgUrl}" must start with https://.`);
  const target = `${url.origin}${url.pathname.replace(/\/+$/, '')}/api/data/v9.2/`;
  let response: Response;
  try {
    response = await send(fetchFn, { url: target, ...(signal ? { signal } : {}) }, undefined);
  } catch (e) {
    throw new AuthorityDiscoveryError('network', e instanceof Error ? e.message : String(e), undefined, { cause: e });
  }
  await response.body?.cancel();
  if (response.status !== 401) {
    throw new AuthorityDiscoveryError(
      'unexpectedStatus',
      `${url.origin} answered ${response.status} to an anonymous Web API call instead of 401 with a sign-in challenge; check that this is a Dataverse environment URL.`,
      response.status,
    );
  }
  const challenge = response.headers.get('www-authenticate');
  if (!challenge || !/^\s*Bearer\b/i.test(challenge) || !/authorization_uri\s*=/i.test(challenge)) {
    throw new AuthorityDiscoveryError(
      'missingChallenge',
      `${url.origin} answered 401 without a Bearer challenge naming the sign-in authority (WWW-Authenticate ${challenge ? `was "${challenge.slice(0, 200)}"` : 'was missing'}).`,
      401,
    );
  }
  return challenge;
}

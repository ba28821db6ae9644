/**
 * The one Dataverse Web API client every feature uses (the explorer, the
 * `.odata` runner, the command line): requests relative to
 * `<org>/api/data/v9.2/`, OData headers, a bearer token with one renewal on
 * 401 (see http.ts), typed errors, cancellation through an AbortSignal,
 * `Prefer` headers, and paging through `@odata.nextLink`. Pure: the token
 * provider and `fetch` are injected.
 * Paging: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results
 * Headers: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
 */
import { callWithToken, DataverseNetworkError, type BearerTokenProvider, type FetchLike } from './http';

export type { BearerTokenProvider, FetchLike } from './http';

/** The Web API version every request goes to. */
export const WEB_API_VERSION = '9.2';

/** How to build a client. */
export interface WebApiClientOptions {
  /** The environment URL, e.g. `https://contoso.crm.dynamics.com` (a trailing slash is fine). */
  readonly orgUrl: string;
  /** Where bearer tokens come from; asked again with `forceRefresh` once after a 401. */
  readonly tokens: BearerTokenProvider;
  /** The `fetch` to use (injected: the composition root passes the one it chose; tests pass the global one). */
  readonly fetch: FetchLike;
  /** Told about every response read through `request`, `get` or `pages` (for logs and byte counts; never sees a token). */
  readonly onResponse?: (event: WebApiResponseEvent) => void;
}

/** One finished request, as `onResponse` sees it. */
export interface WebApiResponseEvent {
  /** The HTTP method. */
  readonly method: string;
  /** The URL without its query string (which may hold data). */
  readonly url: string;
  /** The HTTP status. */
  readonly status: number;
  /** Bytes of the response body as received (after any content decoding). */
  readonly bytes: number;
}

/** The `Prefer` header's preferences the Web API honours. */
export interface WebApiPreferences {
  /** `odata.maxpagesize=N`: records per page (Dataverse's default and maximum is 5,000). */
  readonly maxPageSize?: number;
  /** `odata.include-annotations="…"`, e.g. `*` or `OData.Community.Display.V1.FormattedValue`. */
  readonly includeAnnotations?: string;
  /** `return=representation`: a create or update answers with the record. */
  readonly returnRepresentation?: boolean;
}

/** Options of one request. */
export interface WebApiRequestOptions {
  /** The HTTP method; GET when omitted. */
  readonly method?: string;
  /** Extra headers; they cannot replace the Authorization header. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A body: text is sent as is, anything else as JSON with `Content-Type: application/json`. */
  readonly body?: unknown;
  /** Preferences sent in the `Prefer` header. */
  readonly prefer?: WebApiPreferences;
  /** Cancels the request (and the token request before it); cancellation rejects with a DataverseNetworkError of code ABORT_ERR. */
  readonly signal?: AbortSignal;
}

/** A parsed response. */
export interface WebApiResponse<T> {
  /** The HTTP status (2xx; errors are thrown). */
  readonly status: number;
  /** The response headers (Preference-Applied, OData-EntityId, ETag...). */
  readonly headers: Headers;
  /** The parsed JSON body; undefined for an empty body (204). */
  readonly body: T;
  /** Bytes of the body as received. */
  readonly bytes: number;
}

/** One page of a collection. */
export interface WebApiPage<T> {
  /** The records of this page. */
  readonly value: T[];
  /** The URL of the next page, when there is one. */
  readonly nextLink?: string;
  /** `@odata.count`, when `$count=true` was asked for (first page only). */
  readonly count?: number;
  /** The whole body, for collection annotations such as `@Microsoft.Dynamics.CRM.totalrecordcount`. */
  readonly body: Readonly<Record<string, unknown>>;
  /** The response headers. */
  readonly headers: Headers;
  /** Bytes of this page's body as received. */
  readonly bytes: number;
}

/** Limits for reading every page. */
export interface WebApiPagingOptions extends WebApiRequestOptions {
  /** Stop after this many pages (the default is no limit). */
  readonly maxPages?: number;
}

/** The Dataverse Web API of one environment, authenticated by a token provider. */
export class WebApiClient {
  /** The environment URL without a trailing slash. */
  readonly orgUrl: string;
  /** `<org>/api/data/v9.2/`: relative paths resolve against it. */
  readonly baseUrl: string;
  private readonly _fetch: FetchLike;

  constructor(private readonly options: WebApiClientOptions) {
    let url: URL;
    try {
      url = new URL(options.orgUrl);
    } catch {
      throw new Error(`"${options.orgUrl}" is not a URL; expected something like https://contoso.crm.dynamics.com.`);
    }
    if (url.protocol !== 'https:') throw new Error(`"${options.orgUrl}" must start with https://.`);
    this.orgUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    this.baseUrl = `${this.orgUrl}/api/data/v${WEB_API_VERSION}/`;
    this._fetch = options.fetch;
  }

  /**
   * The absolute URL of a path: `accounts?$top=1` resolves against `baseUrl`,
   * `/api/data/v9.2/accounts` against the environment's origin; an absolute
   * URL (a nextLink) must be on the environment's own origin, so a token is
   * never sent anywhere else.
   */
  url(pathOrUrl: string): string {
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl) || pathOrUrl.startsWith('//');
    if (!absolute) return pathOrUrl.startsWith('/') ? new URL(this.orgUrl).origin + pathOrUrl : this.baseUrl + pathOrUrl;
    const origin = new URL(this.orgUrl).origin;
    const target = new URL(pathOrUrl, this.orgUrl).origin;
    if (target !== origin) throw new Error(`Refusing to send the environment's token to ${target}: only ${origin} is allowed.`);
    return pathOrUrl.startsWith('//') ? `${new URL(this.orgUrl).protocol}${pathOrUrl}` : pathOrUrl;
  }

  /** Sends a request and returns the successful response unread (for streaming); errors are thrown as DataverseHttpError or DataverseNetworkError. */
  send(pathOrUrl: string, options: WebApiRequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const prefer = preferHeader(options.prefer);
    if (prefer) headers['Prefer'] = prefer;
    let body: string | undefined;
    if (typeof options.body === 'string') body = options.body;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    }
    return callWithToken(this._fetch, this.options.tokens, {
      url: this.url(pathOrUrl),
      method: options.method ?? 'GET',
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Sends a request and parses its JSON body. */
  async request<T>(pathOrUrl: string, options: WebApiRequestOptions = {}): Promise<WebApiResponse<T>> {
    const response = await this.send(pathOrUrl, options);
    const buffer = await readBody(response, options.signal, response.url || this.url(pathOrUrl));
    const text = buffer.byteLength ? DECODER.decode(buffer) : '';
    this.options.onResponse?.({ method: options.method ?? 'GET', url: withoutQuery(this.url(pathOrUrl)), status: response.status, bytes: buffer.byteLength });
    let body: T;
    try {
      body = (text.trim() ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new Error(`${options.method ?? 'GET'} ${withoutQuery(this.url(pathOrUrl))} answered ${response.status} with a body that is not JSON (${text.slice(0, 80)}).`);
    }
    return { status: response.status, headers: response.headers, body, bytes: buffer.byteLength };
  }

  /** A GET that returns the parsed JSON body. */
  async get<T>(pathOrUrl: string, options: Omit<WebApiRequestOptions, 'method' | 'body'> = {}): Promise<T> {
    return (await this.request<T>(pathOrUrl, options)).body;
  }

  /** The pages of a collection, following `@odata.nextLink` with the same preferences until there is none. */
  async *pages<T>(pathOrUrl: string, options: WebApiPagingOptions = {}): AsyncGenerator<WebApiPage<T>, void, undefined> {
    let next: string | undefined = pathOrUrl;
    for (let n = 0; next !== undefined && (options.maxPages === undefined || n < options.maxPages); n++) {
      const response: WebApiResponse<Record<string, unknown>> = await this.request<Record<string, unknown>>(next, { ...options, method: 'GET' });
      const { body, headers, bytes } = response;
      if (!body || !Array.isArray(body.value)) {
        throw new Error(`GET ${withoutQuery(this.url(next))} did not answer with a collection (no "value" array).`);
      }
      next = typeof body['@odata.nextLink'] === 'string' ? body['@odata.nextLink'] : undefined;
      const count = typeof body['@odata.count'] === 'number' ? body['@odata.count'] : undefined;
      yield { value: body.value as T[], ...(next !== undefined ? { nextLink: next } : {}), ...(count !== undefined ? { count } : {}), body, headers, bytes };
    }
  }

  /** Every record of a collection, all pages read. */
  async getAll<T>(pathOrUrl: string, options: WebApiPagingOptions = {}): Promise<T[]> {
    const all: T[] = [];
    for await (const page of this.pages<T>(pathOrUrl, options)) for (const item of page.value) all.push(item);
    return all;
  }
}

const DECODER = new TextDecoder();

function preferHeader(prefer: WebApiPreferences | undefined): string | undefined {
  if (!prefer) return undefined;
  const parts: string[] = [];
  if (prefer.maxPageSize !== undefined) {
    if (!Number.isInteger(prefer.maxPageSize) || prefer.maxPageSize < 1) throw new Error(`The page size must be a whole number of at least 1 (got ${prefer.maxPageSize}).`);
    parts.push(`odata.maxpagesize=${prefer.maxPageSize}`);
  }
  if (prefer.includeAnnotations) parts.push(`odata.include-annotations="${prefer.includeAnnotations.replace(/"/g, '')}"`);
  if (prefer.returnRepresentation) parts.push('return=representation');
  return parts.length ? parts.join(',') : undefined;
}

function withoutQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Reads the body; a cancellation while reading is reported like one before the response. */
async function readBody(response: Response, signal: AbortSignal | undefined, url: string): Promise<ArrayBuffer> {
  try {
    return await response.arrayBuffer();
  } catch (e) {
    if (signal?.aborted) throw new DataverseNetworkError(`GET ${withoutQuery(url)} was cancelled.`, 'ABORT_ERR', { cause: e });
    throw new DataverseNetworkError(`The answer of ${withoutQuery(url)} broke off: ${e instanceof Error ? e.message : String(e)}.`, undefined, { cause: e });
  }
}

/**
 * The paging cookie Dataverse puts in `$skiptoken` (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/page-results,
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results):
 * `<cookie pagenumber="2" pagingcookie="%253ccookie%2520page%253d%25221%2522%253e<accountid last="{GUID}" first="{GUID}" />..." istracking="False" />`
 * The inner cookie is URL-encoded once inside the XML and once more in the
 * nextLink; GUIDs are upper-case in braces; one element per order column.
 */
import { querySyntax } from './errors';

/** One order column's last/first values on the page just served. */
export interface CookieColumn {
  readonly name: string;
  /** null: the value was null. */
  readonly last: string | null;
  readonly first: string | null;
}

/** A decoded paging cookie. */
export interface PagingCookie {
  readonly pageNumber: number;
  readonly columns: readonly CookieColumn[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
function xmlUnescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function cookieValue(value: string | null): string {
  if (value === null) return '';
  return GUID.test(value) ? `{${value.toUpperCase()}}` : value;
}

/** .NET-style URL encoding as seen in the docs' cookies: lower-case hex (`%3c`, `%20`). */
export function innerEncode(text: string): string {
  return encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16));
}

/** Builds the `$skiptoken` value (not yet URL-encoded for the nextLink). */
export function buildSkipToken(cookie: PagingCookie): string {
  const inner = `<cookie page="${cookie.pageNumber - 1}">${cookie.columns
    .map((c) => `<${c.name} last="${xmlEscape(cookieValue(c.last))}" first="${xmlEscape(cookieValue(c.first))}"${c.last === null ? ' lastnull="1"' : ''} />`)
    .join('')}</cookie>`;
  return `<cookie pagenumber="${cookie.pageNumber}" pagingcookie="${innerEncode(inner)}" istracking="False" />`;
}

/** Encodes a `$skiptoken` for the nextLink as the docs' example does (`%3C`, `%22`, `%20`, `%25`; `=` and `/` kept). */
export function encodeSkipTokenForUrl(token: string): string {
  return token.replace(/[^A-Za-z0-9\-._~=/!*'(),:]/g, (c) => encodeURIComponent(c).replace(/[!'()*]/g, (x) => '%' + x.charCodeAt(0).toString(16).toUpperCase()));
}

/** Parses a `$skiptoken` value (already URL-decoded once). Throws 0x80060888 when it is not a cookie. */
export function parseSkipToken(token: string): PagingCookie {
  const outer = /^<cookie\s+pagenumber="(\d+)"\s+pagingcookie="([^"]*)"\s+istracking="(?:True|False)"\s*\/>$/i.exec(token.trim());
  if (!outer) throw querySyntax('The $skiptoken value is not a valid paging cookie.');
  let inner: string;
  try {
    inner = decodeURIComponent(outer[2]!);
  } catch {
    throw querySyntax('The $skiptoken value is not a valid paging cookie.');
  }
  const columns: CookieColumn[] = [];
  const re = /<([A-Za-z_][A-Za-z0-9_]*) last="([^"]*)" first="([^"]*)"( lastnull="1")? \/>/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(inner))) {
    const unwrap = (v: string): string => {
      const s = xmlUnescape(v);
      return /^\{[0-9A-Fa-f-]{36}\}$/.test(s) ? s.slice(1, -1).toLowerCase() : s;
    };
    columns.push({ name: m[1]!, last: m[4] ? null : unwrap(m[2]!), first: unwrap(m[3]!) });
  }
  if (columns.length === 0) throw querySyntax('The $skiptoken value is not a valid paging cookie.');
  return { pageNumber: parseInt(outer[1]!, 10), columns };
}

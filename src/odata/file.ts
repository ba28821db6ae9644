/**
 * The `.odata` file: requests separated by `###` lines, each with a method,
 * a URL (possibly continued on indented lines), headers and an optional JSON
 * body; `@name = value` variables used as `{{name}}`; `#` and `//` comments;
 * `# @connection <name>` binding the file to a saved connection. The format is
 * documented in docs/odata-file.md. Everything here is pure and never throws.
 *
 * Offsets are 0-based into the file's text (end exclusive). Each request keeps
 * its URL as one string (`url`, continuation lines joined, variables replaced
 * by their values) together with `pieces`, which map every URL offset back to
 * the file; `urlToDoc` and `docToUrl` translate between the two.
 */
import type { Diagnostic, ParseResult, Span } from './ast';
import { parseRequestUrl } from './index';

/** A text edit, in file offsets. */
export interface Edit {
  start: number;
  end: number;
  newText: string;
}

/** A fix that is certain: applying its edits makes the diagnostic go away. */
export interface Fix {
  title: string;
  edits: Edit[];
}

/** A diagnostic in file offsets, with a stable code and, where certain, a fix. */
export interface FileDiagnostic extends Diagnostic {
  /** Stable identifier of the check, e.g. `unknown-column`, `lookup-name`, `undefined-variable`. */
  code?: string;
  fix?: Fix;
}

/** `@name = value`. */
export interface Variable extends Span {
  name: string;
  value: string;
  nameSpan: Span;
  valueSpan: Span;
}

/** `Name: value` after the request line. A line without `:` is a header whose name is being typed (value ''). */
export interface Header extends Span {
  name: string;
  value: string;
  nameSpan: Span;
  /** Empty span at the end of the line when there is no value yet. */
  valueSpan: Span;
}

/** `# @connection <name>`. */
export interface ConnectionBinding extends Span {
  name: string;
  nameSpan: Span;
}

/**
 * A run of the URL string and where it came from in the file. Text pieces map
 * offset by offset; a variable piece (`{{top}}` replaced by `10`) maps its whole
 * URL run to the whole `{{top}}` in the file.
 */
export interface UrlPiece {
  urlStart: number;
  urlLength: number;
  docStart: number;
  docLength: number;
  /** Set for a substituted `{{name}}`. */
  variable?: string;
}

/** One request of the file. */
export interface ODataRequest extends Span {
  /** The `###` line, absent for a first request not preceded by one. */
  separator?: Span;
  /** The text after `###`, trimmed; empty when untitled. */
  title: string;
  titleSpan?: Span;
  /** Upper-case method; `GET` when the request line has none. */
  method: string;
  /** Absent when the method was defaulted. */
  methodSpan?: Span;
  /** The URL as one string: continuation lines joined without their indentation, variables substituted. */
  url: string;
  pieces: UrlPiece[];
  /** `parseRequestUrl(url)`: its offsets are URL offsets, translate with `urlToDoc`. */
  parsed: ParseResult;
  headers: Header[];
  /** The JSON body after the blank line, when there is one. */
  body?: Span & { text: string };
}

/** A parsed `.odata` file. */
export interface ODataFile {
  text: string;
  requests: ODataRequest[];
  variables: Variable[];
  connection?: ConnectionBinding;
  /** Syntax diagnostics, URL syntax included (mapped to file offsets), and undefined variables. */
  diagnostics: FileDiagnostic[];
}

/** Parses a whole `.odata` file. Never throws. */
export function parseODataFile(text: string): ODataFile {
  // Implemented in the file-parser change; until then a file is one request of one line.
  const request = requestFromUrl(text.split(/\r?\n/, 1)[0] ?? '');
  return { text, requests: text.trim() ? [request] : [], variables: [], diagnostics: [] };
}

/**
 * A request made of a bare URL (file offset = URL offset), for callers that
 * have a URL and no file: the command line, and tests of URL-level features.
 */
export function requestFromUrl(url: string, method = 'GET', headers: Header[] = []): ODataRequest {
  return {
    start: 0, end: url.length, title: '', method, url,
    pieces: [{ urlStart: 0, urlLength: url.length, docStart: 0, docLength: url.length }],
    parsed: parseRequestUrl(url), headers,
  };
}

/** The file offset of a URL offset (the URL's end maps to the end of its last piece). */
export function urlToDoc(request: ODataRequest, urlOffset: number): number {
  const pieces = request.pieces;
  if (!pieces.length) return request.start;
  let lo = 0;
  let hi = pieces.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pieces[mid].urlStart <= urlOffset) lo = mid;
    else hi = mid - 1;
  }
  const p = pieces[lo];
  const into = Math.max(0, urlOffset - p.urlStart);
  if (p.variable !== undefined) return into >= p.urlLength ? p.docStart + p.docLength : p.docStart;
  return p.docStart + Math.min(into, p.docLength);
}

/** The URL offset of a file offset, or undefined when the offset is not inside the URL. */
export function docToUrl(request: ODataRequest, docOffset: number): number | undefined {
  for (const p of request.pieces) {
    if (docOffset < p.docStart || docOffset > p.docStart + p.docLength) continue;
    if (p.variable !== undefined) return docOffset === p.docStart ? p.urlStart : p.urlStart + p.urlLength;
    return p.urlStart + (docOffset - p.docStart);
  }
  return undefined;
}

/** The request that contains a file offset. */
export function requestAt(file: ODataFile, offset: number): ODataRequest | undefined {
  return file.requests.find((r) => r.start <= offset && offset <= r.end);
}

/**
 * Formatting of `.odata` files: a long URL split into one query option per
 * line (indented continuation lines starting with `?` or `&`), and joined back
 * into one line. Only URLs change; comments, headers and bodies are kept.
 * The URL is formatted as typed in the file, so `{{name}}` stays as written,
 * and raw FetchXML written over several lines stays as it is. A URL with a
 * comment line between its lines is left alone (formatting would drop it).
 */
import { METHODS, type Edit, type ODataFile, type ODataRequest } from './file';

export interface FormatOptions {
  /** 'split': one query option per line; 'join': each URL on one line. */
  mode: 'split' | 'join';
  /** Indentation of continuation lines, e.g. 4 spaces or a tab. */
  indent: string;
}

const OPTION_START = /[$@]?[A-Za-z_][\w.]*=/y;
const HTTP_VERSION = /[ \t]HTTP\/\d(?:\.\d)?[ \t]*$/i;

/** The edits that format the file, in file offsets, not overlapping, in order. */
export function formatFile(file: ODataFile, options: FormatOptions): Edit[] {
  const edits: Edit[] = [];
  const eol = file.text.includes('\r\n') ? '\r\n' : '\n';
  for (const request of file.requests) {
    const edit = formatRequest(file.text, request, options, eol);
    if (edit) edits.push(edit);
  }
  return edits;
}

/** The URL as typed, one string, with the file offset of each of its characters. */
interface RawUrl {
  s: string;
  doc: Int32Array;
  /** Whether a line break of the file falls before this character. */
  lineBefore: Uint8Array;
}

function formatRequest(text: string, request: ODataRequest, options: FormatOptions, eol: string): Edit | undefined {
  const span = request.urlSpan;
  const lines = request.urlLines;
  if (!span || !lines?.length || span.end <= span.start) return undefined;
  // Up to the end of the last line: blanks trailing the URL go.
  const current = text.slice(span.start, lines[lines.length - 1].end);
  // Comment lines between the URL's lines would be lost, and so would an ` HTTP/1.1` before its last line.
  if (current.split('\n').length !== lines.length) return undefined;
  if (request.httpVersion && request.httpVersion.start < lines[lines.length - 1].start) return undefined;
  const raw = rawUrl(text, request);
  const question = raw.s.indexOf('?');
  const pathEnd = question < 0 ? raw.s.length : question;
  if (spansLines(raw, 0, pathEnd)) return undefined;
  const path = raw.s.slice(0, pathEnd).trimEnd();
  // Without a path the request line would be left without its URL; a path `GET` alone would read as a method.
  if (!path || (!request.methodSpan && METHODS.includes(path.toUpperCase()))) return undefined;
  let formatted = path;
  if (question >= 0) {
    const parts = splitOptions(raw.s, question + 1).map(([start, end]) =>
      // Blanks before the next option's line break (or '&') go, so that a second pass finds nothing to do.
      (spansLines(raw, start, end) ? text.slice(raw.doc[start], raw.doc[end - 1] + 1) : raw.s.slice(start, end)).trimEnd());
    if (!parts.length) formatted += '?';
    else if (options.mode === 'join') formatted += '?' + parts.join('&');
    else formatted += parts.map((p, i) => eol + options.indent + (i ? '&' : '?') + p).join('');
  }
  // A line ending in ` HTTP/1.1` would lose it from the URL when read again.
  const requestLine = text.slice(text.lastIndexOf('\n', span.start - 1) + 1, span.start);
  if ((requestLine + formatted).split(eol).slice(0, -1).some((line) => HTTP_VERSION.test(line))) return undefined;
  return minimalEdit(span.start, current, formatted);
}

/** The URL from its pieces, with each `{{name}}` as typed instead of its value. */
function rawUrl(text: string, request: ODataRequest): RawUrl {
  let s = '';
  const doc: number[] = [];
  for (const p of request.pieces) {
    // A text piece reads the same in the URL and in the file; a variable's is its `{{name}}`.
    const typed = text.slice(p.docStart, p.docStart + p.docLength);
    s += typed;
    for (let k = 0; k < typed.length; k++) doc.push(p.docStart + k);
  }
  const lineBefore = new Uint8Array(doc.length);
  for (let k = 1; k < doc.length; k++) if (doc[k] !== doc[k - 1] + 1 && text.slice(doc[k - 1], doc[k]).includes('\n')) lineBefore[k] = 1;
  return { s, doc: Int32Array.from(doc), lineBefore };
}

function spansLines(raw: RawUrl, start: number, end: number): boolean {
  for (let k = start + 1; k < end; k++) if (raw.lineBefore[k]) return true;
  return false;
}

/** [start, end) of each query option: split on `&`, except inside a `fetchXml=` value where `&` does not start another option. */
function splitOptions(s: string, from: number): [number, number][] {
  const out: [number, number][] = [];
  let i = from;
  if (i >= s.length) return out;
  while (i <= s.length) {
    let amp = s.indexOf('&', i);
    if (/^fetchxml=/i.test(s.slice(i, i + 9))) {
      while (amp >= 0 && !isOptionStart(s, amp + 1)) amp = s.indexOf('&', amp + 1);
    }
    const end = amp < 0 ? s.length : amp;
    out.push([i, end]);
    i = end + 1;
  }
  return out;
}

function isOptionStart(s: string, at: number): boolean {
  OPTION_START.lastIndex = at;
  return OPTION_START.test(s);
}

/** One edit replacing only what differs between `current` (at `start`) and `wanted`; undefined when they are equal. */
function minimalEdit(start: number, current: string, wanted: string): Edit | undefined {
  if (current === wanted) return undefined;
  let prefix = 0;
  const max = Math.min(current.length, wanted.length);
  while (prefix < max && current[prefix] === wanted[prefix]) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && current[current.length - 1 - suffix] === wanted[wanted.length - 1 - suffix]) suffix++;
  return { start: start + prefix, end: start + current.length - suffix, newText: wanted.slice(prefix, wanted.length - suffix) };
}

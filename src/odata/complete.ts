/**
 * Completion and hover in a `.odata` file: methods, entity sets, columns,
 * navigation properties (nested `$expand` included), query options, operators
 * and functions, choice values, header names and values, variables, and
 * FetchXML entity and attribute names. Pure: metadata comes through
 * MetadataLookup, and without one only what needs no metadata is offered.
 */
import type { MetadataLookup } from '../dataverse/metadata/model';
import { HEADERS, METHODS, QUERY_OPTIONS, headerHelp } from './completionHelp';
import { completeUrl, entitySetItems, unboundFunctionItems } from './completeUrl';
import { docToUrl, requestAt, urlToDoc, type Header, type ODataFile, type ODataRequest } from './file';
import { plain, shorten } from './markdown';
import { hoverIn } from './hover';
import type { Resolver } from './metadataPath';
import { atLineStart, lineAround } from './textLines';

export type CompletionKind =
  | 'method' | 'entitySet' | 'column' | 'navigation' | 'option' | 'operator' | 'function' | 'keyword'
  | 'choice' | 'header' | 'headerValue' | 'variable' | 'fetchEntity' | 'fetchAttribute' | 'value';

export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  /** Short text beside the label, e.g. the display name or the column type. */
  detail?: string;
  /** Longer text, markdown. */
  documentation?: string;
  /** What is inserted, when not the label. */
  insertText?: string;
  /** A value inserted after the text and selected, to type over (e.g. the number of `odata.maxpagesize=`). */
  placeholder?: string;
  /** Accepting the item leads straight to more choices (a header name with known values): offer them at once. */
  suggestNext?: boolean;
  sortText?: string;
  filterText?: string;
}

export interface Completions {
  items: CompletionItem[];
  /** The file range the chosen item replaces. */
  replaceStart: number;
  replaceEnd: number;
}

export interface Hover {
  start: number;
  end: number;
  /** Markdown; names from the org are escaped. */
  markdown: string;
}

/** Completions at a file offset; undefined when nothing belongs there. Never rejects. */
export function completeAt(file: ODataFile, offset: number, lookup: MetadataLookup | undefined, signal?: AbortSignal): Promise<Completions | undefined> {
  return guarded(file, offset, lookup, signal, complete);
}

/** The hover at a file offset: a column's type, description and lookup target; a table's display name and entity set. */
export function hoverAt(file: ODataFile, offset: number, lookup: MetadataLookup | undefined, signal?: AbortSignal): Promise<Hover | undefined> {
  return guarded(file, offset, lookup, signal, hoverIn);
}

/**
 * Runs `work` never rejecting: an aborted call resolves to undefined (cancelling
 * is not an error), and metadata that cannot be read (offline, signed out)
 * leaves what needs none.
 */
async function guarded<T>(
  file: ODataFile, offset: number, lookup: MetadataLookup | undefined, signal: AbortSignal | undefined,
  work: (file: ODataFile, offset: number, r: Resolver | undefined) => Promise<T | undefined>,
): Promise<T | undefined> {
  const at = Math.max(0, Math.min(offset, file.text.length));
  for (const r of lookup ? [{ lookup, signal }, undefined] : [undefined]) {
    if (signal?.aborted) return undefined;
    try {
      const result = await work(file, at, r);
      return signal?.aborted ? undefined : result;
    } catch {
      // Try again without metadata; without metadata nothing throws, but never reject.
    }
  }
  return undefined;
}

async function complete(file: ODataFile, offset: number, r: Resolver | undefined): Promise<Completions | undefined> {
  const text = file.text;
  const line = lineAround(text, offset);
  const variable = completeVariable(file, offset, line);
  if (variable) return variable;
  const head = text.slice(line.start, offset).trimStart();
  if (head.startsWith('#') || head.startsWith('//') || head.startsWith('@')) return undefined;

  const request = requestAt(file, offset);
  if (request) {
    if (request.body && offset >= request.body.start) return undefined;
    const method = request.methodSpan;
    if (method && method.start <= offset && offset <= method.end) return { items: methodItems(), replaceStart: method.start, replaceEnd: method.end };
    const inUrl = await completeInUrl(text, request, offset, line, r);
    if (inUrl) return inUrl;
    const header = request.headers.find((h) => h.start <= offset && offset <= h.end);
    if (header) return completeHeader(file, request, header, offset);
  }
  if (text.slice(line.start, line.end).trim() === '' && line.start > 0) {
    const head = requestHeadAbove(file, line.start);
    if (head) return blankLineAfterHead(file, head, offset, line);
  }
  return lineStart(file, offset, line, r);
}

/** Completion in the URL, when the offset is in it (or right after the method, before any URL). */
async function completeInUrl(text: string, request: ODataRequest, offset: number, line: { start: number; end: number }, r: Resolver | undefined): Promise<Completions | undefined> {
  let urlOffset = docToUrl(request, offset);
  let toDoc = (u: number): number => urlToDoc(request, u);
  if (urlOffset === undefined) {
    const method = request.methodSpan;
    if (!method || request.url.trim() !== '' || method.start < line.start || offset <= method.end || offset > line.end) return undefined;
    // `GET |` with no URL yet: the URL starts at the cursor.
    urlOffset = request.url.length;
    const at = offset;
    toDoc = (u) => at + (u - request.url.length);
  }
  const result = await completeUrl(request.url, request.parsed.tree, urlOffset, r);
  if (!result) return undefined;
  const replaceStart = toDoc(result.replaceStart);
  const replaceEnd = Math.max(replaceStart, toDoc(result.replaceEnd));
  const items = result.items;
  // A word at the very start of a line with no method: it may still become one.
  if (result.slot === 'entitySet' && !request.methodSpan && !/\S/.test(request.url.slice(0, result.replaceStart)) && atLineStart(text, replaceStart)) {
    items.unshift(...methodItems());
  }
  return { items, replaceStart, replaceEnd };
}

/** Requests, headers and the URL end on lines; the request whose method, URL or a header ends the line before `lineStart`. */
function requestHeadAbove(file: ODataFile, lineStart: number): ODataRequest | undefined {
  const prevEnd = lineStart - 1;
  const request = requestAt(file, prevEnd) ?? requestAt(file, Math.max(0, prevEnd - 1));
  if (!request || (request.body && request.body.start <= prevEnd)) return undefined;
  const prevLine = lineAround(file.text, prevEnd);
  const touches = (s: number, e: number) => s <= prevLine.end && e >= prevLine.start;
  const onHead = request.pieces.some((p) => touches(p.docStart, p.docStart + p.docLength))
    || (request.methodSpan !== undefined && touches(request.methodSpan.start, request.methodSpan.end))
    || request.headers.some((h) => touches(h.start, h.end));
  return onHead ? request : undefined;
}

/** A blank line below the request line or a header: header names, or on an indented line the next query option. */
function blankLineAfterHead(file: ODataFile, request: ODataRequest, offset: number, line: { start: number; end: number }): Completions {
  const indented = offset > line.start && /^[ \t]+$/.test(file.text.slice(line.start, offset));
  const lastPiece = request.pieces[request.pieces.length - 1];
  const prevLine = lineAround(file.text, line.start - 1);
  const urlAbove = request.headers.every((h) => h.start > prevLine.end) && lastPiece !== undefined && lastPiece.docStart + lastPiece.docLength >= prevLine.start;
  if (indented && urlAbove) {
    const sep = request.url.includes('?') ? '&' : '?';
    const items: CompletionItem[] = [...QUERY_OPTIONS].map(([name, help], i) => ({
      label: `${sep}${name}`, kind: 'option', detail: help.summary, insertText: `${sep}${name}=`, sortText: String(i).padStart(2, '0'),
    }));
    return { items, replaceStart: offset, replaceEnd: offset };
  }
  return { items: headerNameItems(request, undefined, true), replaceStart: offset, replaceEnd: offset };
}

/** At the start of a line outside a request (an empty file, a new request after `###`): methods and entity sets. */
async function lineStart(file: ODataFile, offset: number, line: { start: number; end: number }, r: Resolver | undefined): Promise<Completions | undefined> {
  const before = file.text.slice(line.start, offset);
  const after = file.text.slice(offset, line.end);
  const word = /^\s*([A-Za-z_$][\w$]*)?$/.exec(before);
  if (!word || !/^[\w$]*\s*$/.test(after)) return undefined;
  const start = offset - (word[1]?.length ?? 0);
  const end = offset + (/^[\w$]*/.exec(after)?.[0].length ?? 0);
  const items = methodItems();
  if (r) items.push(...(await entitySetItems(r)));
  items.push(...unboundFunctionItems());
  return { items, replaceStart: start, replaceEnd: end };
}

function methodItems(): CompletionItem[] {
  return METHODS.map(([label, detail], i) => ({ label, kind: 'method', detail, insertText: `${label} `, sortText: ` ${i}` }));
}

/** `{{na|`: the variables of the file. */
function completeVariable(file: ODataFile, offset: number, line: { start: number; end: number }): Completions | undefined {
  const before = file.text.slice(line.start, offset);
  const open = before.lastIndexOf('{{');
  if (open < 0 || before.includes('}}', open)) return undefined;
  const typed = before.slice(open + 2);
  if (!/^\s*[\w.$-]*$/.test(typed)) return undefined;
  const replaceStart = line.start + open + 2;
  const replaceEnd = offset + (/^[\w.$-]*/.exec(file.text.slice(offset, line.end))?.[0].length ?? 0);
  const closed = file.text.startsWith('}}', replaceEnd);
  const seen = new Set<string>();
  const items: CompletionItem[] = [];
  for (const v of file.variables) {
    if (seen.has(v.name)) continue;
    seen.add(v.name);
    items.push({ label: v.name, kind: 'variable', detail: shorten(plain(v.value), 60), insertText: closed ? v.name : `${v.name}}}` });
  }
  return { items, replaceStart, replaceEnd };
}

function headerNameItems(request: ODataRequest, current: Header | undefined, withColon: boolean): CompletionItem[] {
  const present = new Set(request.headers.filter((h) => h !== current).map((h) => h.name.trim().toLowerCase()));
  return HEADERS.filter((h) => !present.has(h.name.toLowerCase())).map((h, i) => ({
    label: h.name, kind: 'header', detail: h.summary, documentation: `${h.summary}\n\n[Documentation](${h.url})`,
    insertText: withColon ? `${h.name}: ` : h.name, sortText: String(i).padStart(2, '0'),
    ...(withColon && h.values.length ? { suggestNext: true } : {}),
  }));
}

/** On a header line: names before the `:`, values after it (one preference of a `Prefer` list at a time). */
function completeHeader(file: ODataFile, request: ODataRequest, header: Header, offset: number): Completions | undefined {
  const text = file.text;
  const line = lineAround(text, header.nameSpan.start);
  const colon = text.indexOf(':', header.nameSpan.start);
  const hasColon = colon >= 0 && colon < line.end;
  if (!hasColon || offset <= colon) {
    return { items: headerNameItems(request, header, !hasColon), replaceStart: header.nameSpan.start, replaceEnd: Math.max(header.nameSpan.end, offset) };
  }
  const help = headerHelp(header.name);
  if (!help || !help.values.length) return undefined;
  let start = colon + 1;
  let end = line.end;
  if (help.list) {
    const comma = text.lastIndexOf(',', offset - 1);
    if (comma > start) start = comma + 1;
    const next = text.indexOf(',', offset);
    if (next >= 0 && next < end) end = next;
  }
  while (start < offset && (text[start] === ' ' || text[start] === '\t')) start++;
  while (end > offset && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  const items: CompletionItem[] = help.values.map(([value, detail, placeholder], i) => ({
    label: value, kind: 'headerValue', detail, documentation: `${detail}\n\n[Documentation](${help.url})`, sortText: String(i).padStart(2, '0'),
    ...(placeholder !== undefined ? { placeholder } : {}),
  }));
  return { items, replaceStart: start, replaceEnd: Math.max(start, end) };
}

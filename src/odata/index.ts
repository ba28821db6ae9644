/**
 * `parseRequestUrl`: the syntax tree and syntax diagnostics of one Dataverse
 * Web API request URL, relative to the service root (`accounts?$top=3`) or
 * absolute (`https://org.crm.dynamics.com/api/data/v9.2/accounts?$top=3`).
 * It needs no metadata and never throws. What it accepts: docs/odata-grammar.md.
 */
import type { Diagnostic, ParseResult, QueryOption, RequestUrl, ResourcePath } from './ast';
import { tokenize } from './lexer';
import { TokenParser, normalizeOptionName } from './parser';
import { decodeSegment, origin, parseWork } from './source';
import { DATAVERSE_OPTIONS, SYSTEM_OPTIONS, closest } from './vocabulary';

export type * from './ast';
export { contextAt, type CompletionContext, type SlotKind } from './context';
export { parseWork } from './source';

const SERVICE_PATH = /\/api\/data\/v\d+(?:\.\d+)?(?:\/|(?=[?#]|$))/iy;
const OPTION_START = /[$@]?[A-Za-z_][\w.]*=/y;

/** Parses one request URL; see the module comment. */
export function parseRequestUrl(text: string): ParseResult {
  try {
    return parse(text);
  } catch (e) {
    // A bug in the parser must not take the editor down with it; report it where the user can see it.
    const tree: RequestUrl = { kind: 'url', start: 0, end: text.length, path: { kind: 'path', segments: [], start: 0, end: 0 }, question: -1, options: [] };
    return { tree, diagnostics: [{ start: 0, end: text.length, message: `Internal parser error: ${(e as Error).message}`, severity: 'error' }] };
  }
}

function parse(text: string): ParseResult {
  const diags: Diagnostic[] = [];
  let start = 0;
  // Trailing blanks stay inside the last option: the cursor after `eq ` is still in $filter.
  const end = text.length;
  let trimmed = end;
  while (start < end && /\s/.test(text[start])) start++;
  while (trimmed > start && /\s/.test(text[trimmed - 1])) trimmed--;
  let pathStart = start;
  let serviceRoot: RequestUrl['serviceRoot'];
  const scheme = /^https?:\/\//i.exec(text.slice(start, start + 8));
  if (scheme) {
    let hostEnd = start + scheme[0].length;
    while (hostEnd < end && !'/?#'.includes(text[hostEnd])) hostEnd++;
    SERVICE_PATH.lastIndex = hostEnd;
    const m = SERVICE_PATH.exec(text);
    if (m && hostEnd + m[0].length <= trimmed) {
      pathStart = hostEnd + m[0].length;
    } else {
      diags.push({
        start: hostEnd, end: Math.max(hostEnd, Math.min(end, hostEnd + 1)),
        message: 'An absolute URL must point at the Web API root: https://<org>.crm.dynamics.com/api/data/v9.2/<entity set>.',
        severity: 'error',
      });
      pathStart = hostEnd < end && text[hostEnd] === '/' ? hostEnd + 1 : hostEnd;
    }
    serviceRoot = { start, end: pathStart, text: text.slice(start, pathStart) };
  } else if (text[start] === '/') {
    SERVICE_PATH.lastIndex = start;
    const m = SERVICE_PATH.exec(text);
    pathStart = m ? start + m[0].length : start + 1;
  }

  let question = text.indexOf('?', pathStart);
  if (question >= end) question = -1;
  const pathEnd = question < 0 ? end : question;
  const path = parsePath(text, pathStart, pathEnd, diags);
  const options = question < 0 ? [] : parseQuery(text, question + 1, end, diags);
  if (!path.segments.length && (question >= 0 || pathStart >= trimmed)) {
    diags.push({ start: pathStart, end: pathStart, message: 'Expected an entity set, function or action name, e.g. accounts or WhoAmI().', severity: 'error' });
  }
  const tree: RequestUrl = { kind: 'url', start, end: trimmed, path, question, options };
  if (serviceRoot) tree.serviceRoot = serviceRoot;
  return { tree, diagnostics: tidy(diags) };
}

/** Sorted by position; of several errors starting at one offset only the first (widest) is kept, the rest being its echoes. */
function tidy(diags: Diagnostic[]): Diagnostic[] {
  diags.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Diagnostic[] = [];
  let lastErrorStart = -1;
  for (const d of diags) {
    if (d.severity === 'error') {
      if (d.start === lastErrorStart) continue;
      lastErrorStart = d.start;
    }
    out.push(d);
  }
  return out;
}

function parsePath(text: string, start: number, end: number, diags: Diagnostic[]): ResourcePath {
  const seg = decodeSegment(text, start, end, diags);
  const tokens = tokenize(seg, diags);
  const parser = new TokenParser(tokens, diags);
  const path = parser.parsePath();
  if (!path.segments.length) {
    path.start = start;
    path.end = start;
  }
  return path;
}

/** Splits the query on raw `&` (a `fetchXml=` value keeps `&` not followed by `name=`), then parses each option. */
function parseQuery(text: string, start: number, end: number, diags: Diagnostic[]): QueryOption[] {
  const options: QueryOption[] = [];
  const seen = new Map<string, QueryOption>();
  const aliasUses: { name: string; span: { start: number; end: number } }[] = [];
  let i = start;
  while (i <= end) {
    const amp = indexIn(text, '&', i, end);
    // Search '=' only up to the '&': searching to the end for every option would be quadratic.
    const eq = indexIn(text, '=', i, amp >= 0 ? amp : end);
    const nameEnd = eq >= 0 ? eq : amp >= 0 ? amp : end;
    const nameSeg = decodeSegment(text, i, nameEnd, diags);
    const rawName = nameSeg.s;
    let valueEnd = amp >= 0 ? amp : end;
    if (rawName.toLowerCase() === 'fetchxml' && nameEnd === eq) valueEnd = fetchXmlEnd(text, eq + 1, end);
    if (i === valueEnd) {
      i = valueEnd + 1;
      continue;
    }
    const option = parseOption(text, i, nameEnd, nameSeg.s, nameEnd === eq ? eq : -1, valueEnd, diags, aliasUses);
    options.push(option);
    const previous = seen.get(option.key);
    if (previous && option.name.name) {
      diags.push({ start: option.name.start, end: option.name.end, message: `'${option.name.name}' appears twice; the service accepts each query option once, so merge the two.`, severity: 'error' });
    }
    seen.set(option.key, option);
    i = valueEnd + 1;
  }
  for (const use of aliasUses) {
    if (!seen.has(use.name)) {
      diags.push({ start: use.span.start, end: use.span.end, message: `The parameter alias '${use.name}' has no value: add &${use.name}=<value> to the query.`, severity: 'error' });
    }
  }
  return options;
}

function indexIn(text: string, ch: string, from: number, end: number): number {
  for (let k = from; k < end; k++) {
    if (text[k] === ch) {
      parseWork.steps += k - from;
      return k;
    }
  }
  parseWork.steps += end - from;
  return -1;
}

/** A raw FetchXML value runs to the next `&` that starts another option (`&amp;` inside the XML does not). */
function fetchXmlEnd(text: string, from: number, end: number): number {
  let k = from;
  for (;;) {
    const amp = indexIn(text, '&', k, end);
    if (amp < 0) return end;
    OPTION_START.lastIndex = amp + 1;
    if (OPTION_START.test(text)) return amp;
    k = amp + 1;
  }
}

function parseOption(
  text: string, start: number, nameEnd: number, name: string, equals: number, end: number,
  diags: Diagnostic[], aliasUses: { name: string; span: { start: number; end: number } }[],
): QueryOption {
  const key = normalizeOptionName(name);
  const valueStart = equals >= 0 ? equals + 1 : nameEnd;
  const option: QueryOption = {
    kind: 'option', name: { kind: 'identifier', name, start, end: nameEnd }, key, equals,
    valueSpan: { start: valueStart, end: Math.max(valueStart, end) }, value: { kind: 'raw', text: '' }, start, end: Math.max(end, nameEnd),
  };
  const nameSpan = { start, end: Math.max(nameEnd, start + 1) };
  const warn = (message: string, severity: Diagnostic['severity'] = 'warning') => diags.push({ ...nameSpan, message, severity });
  const isSystem = key.startsWith('$');
  const isAlias = key.startsWith('@');
  if (!name) {
    diags.push({ start, end: Math.max(start + 1, Math.min(end, start + 1)), message: "Expected a query option name before '=', e.g. $filter=.", severity: 'error' });
  } else if (isSystem && !(SYSTEM_OPTIONS as readonly string[]).includes(key)) {
    const guess = closest(key, SYSTEM_OPTIONS);
    warn(`Unknown query option '${name}'${guess ? `; did you mean ${guess}?` : '.'}`, 'error');
  } else if (!isSystem && !isAlias) {
    const asSystem = '$' + name.toLowerCase();
    const dataverse = DATAVERSE_OPTIONS.find((o) => o.toLowerCase() === name.toLowerCase());
    if ((SYSTEM_OPTIONS as readonly string[]).includes(asSystem)) warn(`Without '$', '${name}' is a custom option that Dataverse ignores: write ${asSystem}.`);
    else if (dataverse && dataverse !== name) warn(`Dataverse spells this option '${dataverse}'.`);
  }
  if (key === '$skip') warn('Dataverse does not support $skip: page with the Prefer: odata.maxpagesize=<n> header and follow @odata.nextLink.');
  if (key === '$format') warn('Dataverse does not support $format: it always answers JSON; ask for it with the Accept: application/json header.');
  if (key === '$search') warn('$search works only when Dataverse search is enabled for the environment; otherwise use $filter with contains().', 'info');
  if (equals < 0) {
    if (isSystem || isAlias) diags.push({ start, end: nameEnd, message: `Expected '=' and a value after '${name}'.`, severity: 'error' });
    return option;
  }
  if (key.toLowerCase() === 'fetchxml') {
    // XML typed as it is (it starts with '<', which encoded would be %3C) is encoded when sent, so its '%'
    // is a character, e.g. the wildcard of operator="like" value="Contoso%"; only encoded XML is decoded.
    const raw = text.slice(valueStart, end);
    const xml = raw.trimStart().startsWith('<') ? raw : decodeSegment(text, valueStart, end, diags).s;
    option.value = { kind: 'fetchXml', xml };
    if (!xml.trim()) diags.push({ start: equals, end: equals + 1, message: 'Expected a FetchXML query after fetchXml=, e.g. <fetch><entity name="account"/></fetch>.', severity: 'error' });
    return option;
  }
  const seg = decodeSegment(text, valueStart, end, diags);
  if (!isSystem && !isAlias) {
    option.value = { kind: 'raw', text: seg.s };
    return option;
  }
  if (key === '$skiptoken' || key === '$deltatoken' || key === '$format' || key === '$schemaversion' || key === '$id' || key === '$compute') {
    option.value = { kind: 'raw', text: seg.s };
    return option;
  }
  if (key === '$search') {
    option.value = { kind: 'search', text: seg.s };
    checkSearch(seg.s, (i) => origin(seg, i), diags);
    return option;
  }
  const tokens = tokenize(seg, diags);
  const parser = new TokenParser(tokens, diags);
  option.value = parser.parseOptionValue(key, []);
  parser.expectEnd(`the value of ${name}`);
  aliasUses.push(...parser.aliasUses);
  option.tokens = tokens;
  return option;
}

/** `$search`: balanced double quotes and parentheses (OASIS OData ABNF, searchExpr). */
function checkSearch(s: string, at: (i: number) => number, diags: Diagnostic[]): void {
  const opens: number[] = [];
  let quote = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote >= 0) {
      if (c === '"') quote = -1;
      continue;
    }
    if (c === '"') quote = i;
    else if (c === '(') opens.push(i);
    else if (c === ')') {
      if (!opens.length) diags.push({ start: at(i), end: at(i) + 1, message: `Unbalanced ')': there is no '(' for it to close.`, severity: 'error' });
      else opens.pop();
    }
  }
  if (quote >= 0) diags.push({ start: at(quote), end: at(s.length), message: 'Unterminated phrase: add the closing ".', severity: 'error' });
  for (const o of opens) diags.push({ start: at(o), end: at(o) + 1, message: "This '(' is never closed: add ')'.", severity: 'error' });
}

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
 *
 * Choices made here (each is explained for users in docs/odata-file.md):
 * - Variables are file-wide: a request may use one defined further down, and
 *   when a name is defined twice the last definition applies everywhere (the
 *   earlier one gets a warning). A value may use other variables.
 * - Header values and bodies keep the text as typed; `resolvedValue` and
 *   `resolvedText` hold them with variables substituted.
 * - The body leaves out blank and comment lines at its start and end, so a
 *   comment about the next request is not sent; comment lines inside it are sent.
 * - One pass over the lines, then one per request: linear in the file's length,
 *   as it runs on every keystroke.
 */
import type { Diagnostic, ParseResult, Span } from './ast';
import { parseRequestUrl } from './index';
import { jsonSyntaxError } from './json';
import { closest } from './vocabulary';

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
  /** The value with the `{{name}}` of other variables substituted (set for the definition in force). */
  resolvedValue?: string;
}

/** `Name: value` after the request line. A line without `:` is a header whose name is being typed (value ''). */
export interface Header extends Span {
  name: string;
  value: string;
  nameSpan: Span;
  /** Empty span at the end of the line when there is no value yet. */
  valueSpan: Span;
  /** `value` is as typed; this is the value with `{{name}}` substituted (what is sent). */
  resolvedValue?: string;
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
  /** The body after the blank line, when there is one: `text` as typed, `resolvedText` with `{{name}}` substituted. */
  body?: Span & { text: string; resolvedText?: string };
  /** The URL as typed in the file: from its first character to the end of its last line, trailing blanks excluded. */
  urlSpan?: Span;
  /** Each line of the URL as typed: the request line after the method, then each continuation line without its indentation. */
  urlLines?: Span[];
  /** A ` HTTP/1.1` after the URL, as Microsoft's pages write requests; it is not part of the URL. */
  httpVersion?: Span;
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
  try {
    return new FileParser(text).parse();
  } catch (e) {
    // A bug here must not take the editor down with it; report it where the user can see it.
    const diagnostics: FileDiagnostic[] = [{ start: 0, end: 0, message: `Internal error while reading the file: ${(e as Error).message}`, severity: 'error' }];
    return { text, requests: [], variables: [], diagnostics };
  }
}

/** Methods a request line may start with (Dataverse Web API operations). */
export const METHODS: readonly string[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

const METHOD_WORD = /^([A-Za-z]+)(?:([ \t]+)|$)/;
const OPTION_START = /[$@]?[A-Za-z_][\w.]*=/y;
const OPTION_IN_LINE = /[?&]([$@]?[A-Za-z_][\w.]*)=/g;
const CONNECTION = /^(?:#|\/\/)[ \t]*@connection\b[ \t]*/i;
const VARIABLE = /^@([^\s=]*)[ \t]*(=?)[ \t]*/;
const VARIABLE_NAME = /^[A-Za-z_][\w.-]*$/;
const ORGANIZATION_URI = /\[Organi[sz]ation UR[IL]\]/iy;
const HTTP_VERSION = /[ \t]+HTTP\/\d(?:\.\d)?[ \t]*$/i;
const ONLY_HTTP_VERSION = /^HTTP\/\d(?:\.\d)?[ \t]*$/i;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

interface Line {
  start: number;
  /** End of the content, before `\r\n` or `\n`. */
  end: number;
}

/** The lines of one request, found before variables are known. */
interface Block {
  separator?: number;
  first: number;
  last: number;
  requestLine?: number;
  /** The first blank line after the separator, where a URL would be typed. */
  blank?: number;
  urlLines: { start: number; end: number; fullEnd: number; xmlJoin: boolean }[];
  headerLines: { line: number; afterUrl: boolean }[];
  bodyFirst?: number;
  bodyLast?: number;
  method?: string;
  methodSpan?: Span;
  httpVersion?: Span;
}

type Where = 'preamble' | 'head' | 'url' | 'headers' | 'body';

/** Builds a string out of runs of the file, remembering where each run came from. */
class Builder {
  s = '';
  readonly pieces: UrlPiece[] = [];
  constructor(private readonly text: string) {}
  add(docStart: number, docEnd: number): void {
    if (docEnd <= docStart) return;
    const length = docEnd - docStart;
    this.pieces.push({ urlStart: this.s.length, urlLength: length, docStart, docLength: length });
    this.s += this.text.slice(docStart, docEnd);
  }
  variable(name: string, value: string, docStart: number, docEnd: number): void {
    this.pieces.push({ urlStart: this.s.length, urlLength: value.length, docStart, docLength: docEnd - docStart, variable: name });
    this.s += value;
  }
}

class FileParser {
  private readonly lines: Line[] = [];
  private readonly blocks: Block[] = [];
  private readonly variableLines: number[] = [];
  private readonly diagnostics: FileDiagnostic[] = [];
  private readonly definitions = new Map<string, Variable>();
  private readonly resolved = new Map<string, string>();
  private readonly resolving = new Set<string>();
  private connection?: ConnectionBinding;

  constructor(private readonly text: string) {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) {
        this.lines.push({ start, end: text.length });
        break;
      }
      this.lines.push({ start, end: nl > start && text[nl - 1] === '\r' ? nl - 1 : nl });
      start = nl + 1;
    }
    // A byte order mark (files read from disk may keep one) is not part of the first line.
    if (text.charCodeAt(0) === 0xfeff) this.lines[0].start = Math.min(1, this.lines[0].end);
  }

  parse(): ODataFile {
    this.findBlocks();
    const variables = this.readVariables();
    for (const name of this.definitions.keys()) this.resolve(name);
    const requests = this.blocks.map((b) => this.request(b));
    this.diagnostics.sort((a, b) => a.start - b.start || a.end - b.end);
    const file: ODataFile = { text: this.text, requests, variables, diagnostics: this.diagnostics };
    if (this.connection) file.connection = this.connection;
    return file;
  }

  private report(start: number, end: number, message: string, code: string, severity: Diagnostic['severity'] = 'error'): FileDiagnostic {
    const diagnostic: FileDiagnostic = { start, end, message, severity, code };
    this.diagnostics.push(diagnostic);
    return diagnostic;
  }

  /** First pass: which lines are separators, variables, request lines, URL continuations, headers and bodies. */
  private findBlocks(): void {
    const text = this.text;
    let where: Where = 'preamble';
    let block: Block | undefined;
    let inXml = false;
    for (let n = 0; n < this.lines.length; n++) {
      const { start, end } = this.lines[n];
      let k = start;
      while (k < end && (text[k] === ' ' || text[k] === '\t')) k++;
      const blank = k === end;
      const c = text[k];
      if (!blank && text.startsWith('###', k)) {
        block = { separator: n, first: n, last: n, urlLines: [], headerLines: [] };
        this.blocks.push(block);
        where = 'head';
        continue;
      }
      if (block) block.last = n;
      const comment = !blank && (c === '#' || text.startsWith('//', k));
      if (comment && where !== 'body') this.connectionComment(k, end, where === 'preamble');
      if (where === 'preamble' || where === 'head') {
        if (blank) {
          if (block && block.blank === undefined) block.blank = n;
          continue;
        }
        if (comment) continue;
        if (c === '@') {
          this.variableLines.push(n);
          continue;
        }
        if (!block || where === 'preamble') {
          block = { first: n, last: n, urlLines: [], headerLines: [] };
          this.blocks.push(block);
        }
        block.requestLine = n;
        const urlStart = this.skipOrganizationUri(this.requestLine(block, k, end), end);
        const urlEnd = this.cutHttpVersion(block, urlStart, end);
        block.urlLines.push({ start: urlStart, end: urlEnd, fullEnd: end, xmlJoin: false });
        inXml = this.endsInFetchXml(urlStart, urlEnd, false);
        where = 'url';
        continue;
      }
      if (!block) continue;
      if (where === 'body') {
        if (!blank && !comment) {
          block.bodyFirst ??= n;
          block.bodyLast = n;
        }
        continue;
      }
      if (blank) {
        where = 'body';
        continue;
      }
      if (comment) continue;
      if (where === 'url') {
        const optionStart = c === '?' || (c === '&' && this.isOptionStart(k + 1));
        if (inXml && (k > start || c === '<') && !optionStart) {
          const previous = block.urlLines[block.urlLines.length - 1];
          // Lines of XML join without their indentation, except where that would glue two words together.
          const glue = previous.end > previous.start && !'>='.includes(text[previous.end - 1]) && c !== '<' && k > start;
          const urlEnd = this.cutHttpVersion(block, k, end);
          block.urlLines.push({ start: k, end: urlEnd, fullEnd: end, xmlJoin: glue });
          inXml = this.endsInFetchXml(k, urlEnd, true);
          continue;
        }
        if (c === '&' || c === '?') {
          const urlEnd = this.cutHttpVersion(block, k, end);
          block.urlLines.push({ start: k, end: urlEnd, fullEnd: end, xmlJoin: false });
          inXml = this.endsInFetchXml(k, urlEnd, inXml);
          continue;
        }
        where = 'headers';
        block.headerLines.push({ line: n, afterUrl: true });
        continue;
      }
      block.headerLines.push({ line: n, afterUrl: false });
    }
  }

  private isOptionStart(at: number): boolean {
    OPTION_START.lastIndex = at;
    return OPTION_START.test(this.text);
  }

  /** Whether the URL, after the line [start, end), is inside a `fetchXml=` value. */
  private endsInFetchXml(start: number, end: number, before: boolean): boolean {
    const line = this.text.slice(start, end);
    let last: string | undefined;
    OPTION_IN_LINE.lastIndex = 0;
    for (let m = OPTION_IN_LINE.exec(line); m; m = OPTION_IN_LINE.exec(line)) last = m[1];
    return last === undefined ? before : last.toLowerCase() === 'fetchxml';
  }

  /**
   * Microsoft's Web API pages write requests as `GET [Organization URI]/api/data/v9.2/accounts HTTP/1.1`
   * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-data-web-api), so a request
   * pasted from them works: the placeholder is skipped, and the URL starts at `/api/data/...`.
   */
  private skipOrganizationUri(start: number, end: number): number {
    ORGANIZATION_URI.lastIndex = start;
    return ORGANIZATION_URI.test(this.text) && ORGANIZATION_URI.lastIndex <= end ? ORGANIZATION_URI.lastIndex : start;
  }

  /** A trailing ` HTTP/1.1` ends the URL (and is otherwise ignored); returns the end of the URL on the line. */
  private cutHttpVersion(block: Block, start: number, end: number): number {
    if (block.httpVersion) {
      // Only after the URL's last line: one before another URL line is part of the URL.
      const previous = block.urlLines[block.urlLines.length - 1];
      previous.end = previous.fullEnd;
      block.httpVersion = undefined;
    }
    const m = HTTP_VERSION.exec(this.text.slice(start, end));
    if (!m) return end;
    let at = start + m.index;
    while (at < end && (this.text[at] === ' ' || this.text[at] === '\t')) at++;
    block.httpVersion = { start: at, end: start + m.index + m[0].trimEnd().length };
    return start + m.index;
  }

  /** Reads the method of a request line; returns where its URL starts. */
  private requestLine(block: Block, k: number, end: number): number {
    const m = METHOD_WORD.exec(this.text.slice(k, end));
    if (!m) return k;
    const word = m[1].toUpperCase();
    const known = METHODS.includes(word);
    const rest = k + m[0].length;
    if (ONLY_HTTP_VERSION.test(this.text.slice(rest, end))) return k;
    // `accounts` alone is a URL; `GETT accounts` is a misspelt method.
    if (!known && (m[2] === undefined || rest >= end)) return k;
    block.method = word;
    block.methodSpan = { start: k, end: k + m[1].length };
    if (!known) {
      const guess = closest(word, METHODS);
      const end = k + m[1].length;
      const diagnostic = this.report(k, end, `Unknown method '${m[1]}'${guess ? `; did you mean ${guess}?` : ''}: a request starts with ${METHODS.join(', ')} (or only the URL, for GET).`, 'unknown-method');
      if (guess) diagnostic.fix = { title: `Change to ${guess}`, edits: [{ start: k, end, newText: guess }] };
    }
    return rest;
  }

  /** `# @connection <name>`: binds the file before the first request; anywhere else it is a mistake worth saying. */
  private connectionComment(k: number, end: number, beforeFirstRequest: boolean): void {
    const m = CONNECTION.exec(this.text.slice(k, end));
    if (!m) return;
    let nameEnd = end;
    while (nameEnd > k + m[0].length && /\s/.test(this.text[nameEnd - 1])) nameEnd--;
    const nameStart = k + m[0].length;
    const binding: ConnectionBinding = { start: k, end: nameEnd, name: this.text.slice(nameStart, nameEnd), nameSpan: { start: nameStart, end: nameEnd } };
    if (!beforeFirstRequest) {
      this.report(k, nameEnd, '# @connection binds the file only before the first request: move this line to the top of the file.', 'misplaced-connection', 'warning');
    } else if (!binding.name) {
      this.report(k, nameEnd, 'Expected the name of a saved connection after # @connection, e.g. # @connection Contoso Dev.', 'connection-syntax');
    } else if (this.connection) {
      this.report(k, nameEnd, `The file is already bound to '${this.connection.name}' on line ${this.lineOf(this.connection.start) + 1}: keep one # @connection line.`, 'duplicate-connection');
    } else {
      this.connection = binding;
    }
  }

  private lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lines[mid].start <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** `@name = value` lines. The last definition of a name applies to the whole file. */
  private readVariables(): Variable[] {
    const variables: Variable[] = [];
    for (const n of this.variableLines) {
      const { start, end } = this.lines[n];
      let k = start;
      while (this.text[k] === ' ' || this.text[k] === '\t') k++;
      let te = end;
      while (te > k && /\s/.test(this.text[te - 1])) te--;
      const m = VARIABLE.exec(this.text.slice(k, te));
      if (!m) continue;
      const name = m[1];
      const nameSpan = { start: k + 1, end: k + 1 + name.length };
      if (!name) {
        this.report(k, k + 1, 'Expected a variable name after @, e.g. @top = 10.', 'variable-syntax');
        continue;
      }
      if (!VARIABLE_NAME.test(name)) {
        this.report(nameSpan.start, nameSpan.end, `'${name}' is not a variable name: use letters, digits, _, . and -, starting with a letter or _.`, 'variable-syntax');
        continue;
      }
      if (!m[2]) {
        this.report(nameSpan.start, nameSpan.end, `Expected '=' and a value: @${name} = value.`, 'variable-syntax');
        continue;
      }
      const valueStart = k + m[0].length;
      const variable: Variable = { start: k, end: te, name, value: this.text.slice(valueStart, te), nameSpan, valueSpan: { start: valueStart, end: te } };
      const previous = this.definitions.get(name);
      if (previous) {
        this.report(previous.nameSpan.start, previous.nameSpan.end, `@${name} is defined again on line ${n + 1}; the last definition applies to the whole file.`, 'duplicate-variable', 'warning');
      }
      this.definitions.set(name, variable);
      variables.push(variable);
    }
    return variables;
  }

  /** The value of a variable with the variables it uses substituted; undefined when not defined. */
  private resolve(name: string): string | undefined {
    const variable = this.definitions.get(name);
    if (!variable) return undefined;
    const done = this.resolved.get(name);
    if (done !== undefined) return done;
    this.resolving.add(name);
    const b = new Builder(this.text);
    this.expand(b, variable.valueSpan.start, variable.valueSpan.end, []);
    this.resolving.delete(name);
    this.resolved.set(name, b.s);
    variable.resolvedValue = b.s;
    return b.s;
  }

  /** Appends [start, end) of the file to `b`, with `{{name}}` replaced by its value; spans left as typed go to `unresolved`. */
  private expand(b: Builder, start: number, end: number, unresolved: Span[]): void {
    const seg = this.text.slice(start, end);
    let i = 0;
    for (;;) {
      const open = seg.indexOf('{{', i);
      if (open < 0) break;
      const close = seg.indexOf('}}', open + 2);
      const reopen = seg.indexOf('{{', open + 2);
      if (close < 0 || (reopen >= 0 && reopen < close)) {
        // Another `{{` before the `}}`: this one is unclosed, whether the two are on one line or on two.
        const stop = close < 0 ? seg.length : reopen;
        this.report(start + open, start + stop, "This '{{' is never closed: write {{name}}.", 'variable-syntax');
        unresolved.push({ start: start + open, end: start + stop });
        if (close < 0) break;
        b.add(start + i, start + reopen);
        i = reopen;
        continue;
      }
      b.add(start + i, start + open);
      const name = seg.slice(open + 2, close).trim();
      const docStart = start + open;
      const docEnd = start + close + 2;
      const value = this.resolving.has(name) ? undefined : this.resolve(name);
      if (value !== undefined) {
        b.variable(name, value, docStart, docEnd);
      } else {
        b.add(docStart, docEnd);
        unresolved.push({ start: docStart, end: docEnd });
        this.reportUndefined(name, docStart, docEnd);
      }
      i = close + 2;
    }
    b.add(start + i, end);
  }

  private reportUndefined(name: string, start: number, end: number): void {
    if (!name) {
      this.report(start, end, 'Expected a variable name between {{ and }}, e.g. {{top}}.', 'variable-syntax');
    } else if (this.resolving.has(name)) {
      this.report(start, end, `{{${name}}} uses its own value (through the variables it refers to): a variable cannot refer to itself.`, 'variable-cycle');
    } else {
      const guess = closest(name, this.definitions.keys());
      const hint = guess ? `; did you mean {{${guess}}}?` : `: define it on its own line, @${name} = value.`;
      const diagnostic = this.report(start, end, `The variable '${name}' is not defined${hint}`, 'undefined-variable');
      if (guess) diagnostic.fix = { title: `Change to {{${guess}}}`, edits: [{ start, end, newText: `{{${guess}}}` }] };
    }
  }

  private request(block: Block): ODataRequest {
    const text = this.text;
    const first = this.lines[block.first];
    // With nothing typed yet, the URL is empty (and its "expected an entity set" goes unreported).
    const url = block.requestLine === undefined ? { url: '', pieces: [], parsed: parseRequestUrl('') } : this.url(block);
    const request: ODataRequest = { start: first.start, end: this.lines[block.last].end, title: '', method: 'GET', ...url, headers: [] };
    if (block.separator !== undefined) {
      let k = first.start;
      while (text[k] === ' ' || text[k] === '\t') k++;
      request.separator = { start: k, end: first.end };
      while (k < first.end && text[k] === '#') k++;
      while (k < first.end && /\s/.test(text[k])) k++;
      let te = first.end;
      while (te > k && /\s/.test(text[te - 1])) te--;
      request.title = text.slice(k, te);
      if (te > k) request.titleSpan = { start: k, end: te };
    }
    if (block.httpVersion) request.httpVersion = block.httpVersion;
    if (block.method && block.methodSpan) {
      request.method = block.method;
      request.methodSpan = block.methodSpan;
    }
    if (block.requestLine === undefined) {
      // Nothing typed yet: the first blank line is where the URL goes.
      if (block.blank !== undefined) {
        const at = this.lines[block.blank].start;
        request.pieces = [{ urlStart: 0, urlLength: 0, docStart: at, docLength: 0 }];
      }
      return request;
    }
    for (const h of block.headerLines) request.headers.push(this.header(h.line, h.afterUrl));
    if (block.bodyFirst !== undefined && block.bodyLast !== undefined) this.body(request, this.lines[block.bodyFirst].start, this.lines[block.bodyLast].end);
    return request;
  }

  private url(block: Block): Pick<ODataRequest, 'url' | 'pieces' | 'parsed' | 'urlSpan' | 'urlLines'> {
    const b = new Builder(this.text);
    const unresolved: Span[] = [];
    for (const line of block.urlLines) {
      if (line.xmlJoin) b.add(line.start - 1, line.start);
      this.expand(b, line.start, line.end, unresolved);
    }
    const firstLine = block.urlLines[0];
    const lastLine = block.urlLines[block.urlLines.length - 1];
    if (!b.pieces.length) b.pieces.push({ urlStart: 0, urlLength: 0, docStart: firstLine.start, docLength: 0 });
    let urlEnd = lastLine.end;
    while (urlEnd > lastLine.start && /\s/.test(this.text[urlEnd - 1])) urlEnd--;
    const parsed = parseRequestUrl(b.s);
    for (const d of parsed.diagnostics) {
      const start = offsetToDoc(b.pieces, d.start, firstLine.start);
      const end = d.end > d.start ? docEndOf(b.pieces, d.end) : start;
      // `{{x}}` left as typed already has its own diagnostic; the URL parser's complaints about its braces are echoes.
      if (unresolved.some((u) => start < u.end && end > u.start)) continue;
      this.diagnostics.push({ ...d, start, end });
    }
    return {
      url: b.s, pieces: b.pieces, parsed,
      urlSpan: { start: firstLine.start, end: Math.max(firstLine.start, urlEnd) },
      urlLines: block.urlLines.map((l) => ({ start: l.start, end: l.end })),
    };
  }

  private header(n: number, afterUrl: boolean): Header {
    const text = this.text;
    const { start, end } = this.lines[n];
    let k = start;
    while (text[k] === ' ' || text[k] === '\t') k++;
    let te = end;
    while (te > k && /\s/.test(text[te - 1])) te--;
    const colon = text.indexOf(':', k);
    if (text[k] === '{' || text[k] === '[') {
      this.report(k, te, 'A body comes after a blank line: add an empty line before it.', 'header-syntax');
      return { start: k, end, name: '', value: '', nameSpan: { start: k, end: k }, valueSpan: { start: end, end }, resolvedValue: '' };
    }
    if ((text[k] === '&' || text[k] === '?') && !afterUrl) {
      this.report(k, te, "A URL continues only on the lines right after it, before the headers: move this line up, under the URL.", 'header-syntax');
      return { start: k, end, name: text.slice(k, te), value: '', nameSpan: { start: k, end: te }, valueSpan: { start: end, end }, resolvedValue: '' };
    }
    if (colon < 0 || colon >= te) {
      const hint = afterUrl && k > start ? '; a URL continues only on lines that start with & or ?' : ', e.g. Prefer: odata.maxpagesize=50';
      this.report(k, te, `Expected \`Name: value\` (a header)${hint}.`, 'header-syntax');
      return { start: k, end, name: text.slice(k, te), value: '', nameSpan: { start: k, end: te }, valueSpan: { start: end, end }, resolvedValue: '' };
    }
    let nameEnd = colon;
    while (nameEnd > k && /\s/.test(text[nameEnd - 1])) nameEnd--;
    const name = text.slice(k, nameEnd);
    if (!name) this.report(k, colon + 1, "Expected a header name before ':', e.g. Prefer: odata.include-annotations=\"*\".", 'header-syntax');
    else if (!HEADER_NAME.test(name)) this.report(k, nameEnd, `'${name}' is not a header name: a header name is one word of letters, digits and -, e.g. Content-Type.`, 'header-syntax');
    let vs = colon + 1;
    while (vs < te && /\s/.test(text[vs])) vs++;
    const b = new Builder(text);
    this.expand(b, vs, te, []);
    return {
      start: k, end, name, value: text.slice(vs, te), nameSpan: { start: k, end: nameEnd },
      valueSpan: vs < te ? { start: vs, end: te } : { start: end, end }, resolvedValue: b.s,
    };
  }

  private body(request: ODataRequest, start: number, end: number): void {
    const b = new Builder(this.text);
    const unresolved: Span[] = [];
    this.expand(b, start, end, unresolved);
    request.body = { start, end, text: this.text.slice(start, end), resolvedText: b.s };
    if (request.method === 'GET' || request.method === 'DELETE') {
      this.report(start, end, `A ${request.method} request sends no body: start the next request with a ### line, or remove these lines.`, 'body-ignored', 'warning');
      return;
    }
    const contentType = request.headers.find((h) => h.name.toLowerCase() === 'content-type');
    if (unresolved.length || (contentType && !/json/i.test(contentType.resolvedValue ?? contentType.value))) return;
    const error = jsonSyntaxError(b.s);
    if (!error) return;
    const at = offsetToDoc(b.pieces, error.offset, start);
    const errorEnd = error.offset < b.s.length ? docEndOf(b.pieces, error.offset + 1) : at;
    this.report(at, errorEnd, `Invalid JSON body: ${error.message}`, 'invalid-json');
  }
}

/** The file offset of `offset` in a string built from `pieces` (see urlToDoc). */
function offsetToDoc(pieces: UrlPiece[], offset: number, fallback: number): number {
  if (!pieces.length) return fallback;
  const p = pieces[pieceIndex(pieces, offset)];
  const into = Math.max(0, offset - p.urlStart);
  if (p.variable !== undefined) return into >= p.urlLength ? p.docStart + p.docLength : p.docStart;
  return p.docStart + Math.min(into, p.docLength);
}

/** The file offset just after the character before `end`: a range's end that stays on the character's own line. */
function docEndOf(pieces: UrlPiece[], end: number): number {
  const p = pieces[pieceIndex(pieces, end - 1)];
  if (p.variable !== undefined) return p.docStart + p.docLength;
  return p.docStart + Math.min(Math.max(0, end - p.urlStart), p.docLength);
}

/** Index of the last piece starting at or before `offset`. */
function pieceIndex(pieces: UrlPiece[], offset: number): number {
  let lo = 0;
  let hi = pieces.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pieces[mid].urlStart <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
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
  return offsetToDoc(request.pieces, urlOffset, request.start);
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

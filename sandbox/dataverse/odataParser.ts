/**
 * A parser for the OData 4.0 query options Dataverse accepts: $select,
 * $filter, $orderby, $top, $expand (with nested options), $count, $apply, and
 * parameter aliases in $filter and $orderby. Pure: text in, syntax tree out
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview).
 */
import { querySyntax } from './errors';

/** A literal value in a filter. */
export interface Literal {
  readonly k: 'lit';
  readonly type: 'string' | 'number' | 'boolean' | 'null' | 'guid' | 'datetime' | 'date' | 'enum';
  readonly value: string | number | boolean | null;
  readonly enumType?: string;
}

export type ComparisonOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

/** A filter expression. */
export type Expr =
  | Literal
  | { readonly k: 'path'; readonly path: readonly string[] }
  | { readonly k: 'bin'; readonly op: ComparisonOp | 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly k: 'not'; readonly operand: Expr }
  | { readonly k: 'call'; readonly name: string; readonly args: readonly Expr[] }
  | { readonly k: 'crm'; readonly name: string; readonly params: Readonly<Record<string, Literal | readonly Literal[]>> }
  | { readonly k: 'lambda'; readonly path: readonly string[]; readonly op: 'any' | 'all'; readonly variable?: string; readonly predicate?: Expr };

/** One $orderby key. */
export interface OrderKey {
  readonly path: readonly string[];
  readonly desc: boolean;
}

/** One $expand item with its nested options. */
export interface ExpandItem {
  readonly name: string;
  readonly options: QueryOptions;
}

/** Parsed query options. */
export interface QueryOptions {
  select?: string[];
  filter?: Expr;
  orderby?: OrderKey[];
  top?: number;
  expand?: ExpandItem[];
  count?: boolean;
  skiptoken?: string;
  fetchXml?: string;
  /** `$apply` transformations (filter, groupby, aggregate). */
  apply?: ApplySpec;
  /** Parameter aliases (`@p1=...`) for function calls, $filter and $orderby. */
  aliases: Record<string, string>;
}

/** One aggregate expression of `$apply`: `x with sum as total` or `$count as count`. */
export type AggregateItem =
  | { readonly kind: 'count'; readonly alias: string }
  | { readonly kind: 'with'; readonly path: readonly string[]; readonly method: AggregateMethod; readonly alias: string };

export type AggregateMethod = 'sum' | 'average' | 'min' | 'max' | 'countdistinct';

/** A parsed `$apply`: an optional filter, then an optional groupby, then aggregates. */
export interface ApplySpec {
  readonly filter?: Expr;
  readonly groupby?: ReadonlyArray<readonly string[]>;
  readonly aggregates: readonly AggregateItem[];
}

interface Token {
  readonly t: '(' | ')' | ',' | '=' | '[' | ']' | ':' | '/' | 'ident' | 'lit';
  readonly v: string;
  readonly lit?: Literal;
  readonly pos: number;
}

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}/;
const NUMBER_RE = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?/;
const IDENT_RE = /^[A-Za-z_$@][A-Za-z0-9_.$@]*/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') { i++; continue; }
    if ('(),=[]:/'.includes(ch)) { tokens.push({ t: ch as Token['t'], v: ch, pos: i }); i++; continue; }
    if (ch === "'") {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= text.length) throw querySyntax(`Syntax error: unterminated string literal at position ${i} in '${text}'.`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") { value += "'"; j += 2; continue; }
          break;
        }
        value += text[j]; j++;
      }
      tokens.push({ t: 'lit', v: value, lit: { k: 'lit', type: 'string', value }, pos: i });
      i = j + 1;
      continue;
    }
    const rest = text.slice(i);
    let m = GUID_RE.exec(rest);
    if (m) { tokens.push({ t: 'lit', v: m[0], lit: { k: 'lit', type: 'guid', value: m[0].toLowerCase() }, pos: i }); i += m[0].length; continue; }
    m = DATETIME_RE.exec(rest);
    if (m) { tokens.push({ t: 'lit', v: m[0], lit: { k: 'lit', type: 'datetime', value: m[0] }, pos: i }); i += m[0].length; continue; }
    m = DATE_RE.exec(rest);
    if (m) { tokens.push({ t: 'lit', v: m[0], lit: { k: 'lit', type: 'date', value: m[0] }, pos: i }); i += m[0].length; continue; }
    m = NUMBER_RE.exec(rest);
    if (m) { tokens.push({ t: 'lit', v: m[0], lit: { k: 'lit', type: 'number', value: parseFloat(m[0]) }, pos: i }); i += m[0].length; continue; }
    m = IDENT_RE.exec(rest);
    if (m) {
      const word = m[0];
      // Enum literal: Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned' (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api).
      if (text[i + word.length] === "'" && word.includes('.')) {
        const end = text.indexOf("'", i + word.length + 1);
        if (end < 0) throw querySyntax(`Syntax error: unterminated enum literal at position ${i} in '${text}'.`);
        const value = text.slice(i + word.length + 1, end);
        tokens.push({ t: 'lit', v: value, lit: { k: 'lit', type: 'enum', value, enumType: word }, pos: i });
        i = end + 1;
        continue;
      }
      if (word === 'true' || word === 'false') tokens.push({ t: 'lit', v: word, lit: { k: 'lit', type: 'boolean', value: word === 'true' }, pos: i });
      else if (word === 'null') tokens.push({ t: 'lit', v: word, lit: { k: 'lit', type: 'null', value: null }, pos: i });
      else tokens.push({ t: 'ident', v: word, pos: i });
      i += word.length;
      continue;
    }
    throw querySyntax(`Syntax error: character '${ch}' is not valid at position ${i} in '${text}'.`);
  }
  return tokens;
}

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const STRING_FUNCTIONS = new Set(['contains', 'startswith', 'endswith']);

class FilterParser {
  private i = 0;
  private readonly tokens: Token[];
  constructor(private readonly text: string, private readonly aliases: Readonly<Record<string, string>> = {}) {
    this.tokens = tokenize(text);
  }

  parse(): Expr {
    if (this.tokens.length === 0) throw querySyntax(`Syntax error: the $filter expression is empty.`);
    const e = this.or();
    if (this.i < this.tokens.length) this.fail(this.tokens[this.i]!);
    return e;
  }

  private fail(token: Token | undefined): never {
    const pos = token ? token.pos : this.text.length;
    throw querySyntax(`Syntax error at position ${pos} in '${this.text}'.`);
  }
  private peek(): Token | undefined { return this.tokens[this.i]; }
  private expect(t: Token['t']): Token {
    const token = this.tokens[this.i];
    if (!token || token.t !== t) {
      if (t === ')') throw querySyntax(`')' or ',' expected at position ${token ? token.pos : this.text.length} in '${this.text}'.`);
      this.fail(token);
    }
    this.i++;
    return token;
  }
  private isWord(word: string): boolean {
    const token = this.peek();
    return token?.t === 'ident' && token.v === word;
  }

  private or(): Expr {
    let left = this.and();
    while (this.isWord('or')) { this.i++; left = { k: 'bin', op: 'or', left, right: this.and() }; }
    return left;
  }
  private and(): Expr {
    let left = this.unary();
    while (this.isWord('and')) { this.i++; left = { k: 'bin', op: 'and', left, right: this.unary() }; }
    return left;
  }
  private unary(): Expr {
    if (this.isWord('not')) { this.i++; return { k: 'not', operand: this.unary() }; }
    return this.comparison();
  }
  private comparison(): Expr {
    const left = this.primary();
    const token = this.peek();
    if (token?.t === 'ident' && COMPARISONS.has(token.v)) {
      this.i++;
      return { k: 'bin', op: token.v as ComparisonOp, left, right: this.primary() };
    }
    return left;
  }
  private primary(): Expr {
    const token = this.peek();
    if (!token) this.fail(undefined);
    if (token.t === '(') {
      this.i++;
      const e = this.or();
      this.expect(')');
      return e;
    }
    if (token.t === 'lit') { this.i++; return token.lit!; }
    if (token.t !== 'ident') this.fail(token);
    this.i++;
    if (token.v.startsWith('@')) return this.alias(token.v);
    const next = this.peek();
    if (token.v.startsWith('Microsoft.Dynamics.CRM.') && next?.t === '(') return this.crmFunction(token.v.slice('Microsoft.Dynamics.CRM.'.length));
    if (STRING_FUNCTIONS.has(token.v) && next?.t === '(') {
      this.i++;
      const args: Expr[] = [this.or()];
      while (this.peek()?.t === ',') { this.i++; args.push(this.or()); }
      this.expect(')');
      return { k: 'call', name: token.v, args };
    }
    if (next?.t === '(') throw querySyntax(`An unknown function with name '${token.v}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`);
    const path = [token.v];
    while (this.peek()?.t === '/') {
      this.i++;
      const seg = this.expect('ident');
      if ((seg.v === 'any' || seg.v === 'all') && this.peek()?.t === '(') {
        this.i++;
        if (this.peek()?.t === ')') { this.i++; return { k: 'lambda', path, op: seg.v }; }
        const variable = this.expect('ident').v;
        this.expect(':');
        const predicate = this.or();
        this.expect(')');
        return { k: 'lambda', path, op: seg.v, variable, predicate };
      }
      path.push(seg.v);
    }
    return { k: 'path', path };
  }
  /**
   * A parameter alias stands for its value, a literal or a property path; an alias given no value
   * is null (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview#use-parameter-aliases-with-query-options).
   */
  private alias(name: string): Expr {
    const value = this.aliases[name];
    if (value === undefined) return { k: 'lit', type: 'null', value: null };
    if (value.includes('@')) throw querySyntax(`The parameter alias '${name}' cannot refer to another parameter alias.`);
    return new FilterParser(value).parse();
  }
  private crmFunction(name: string): Expr {
    this.expect('(');
    const params: Record<string, Literal | Literal[]> = {};
    if (this.peek()?.t !== ')') {
      for (;;) {
        const key = this.expect('ident').v;
        this.expect('=');
        if (this.peek()?.t === '[') {
          this.i++;
          const values: Literal[] = [];
          while (this.peek()?.t !== ']') {
            const v = this.expect('lit');
            values.push(v.lit!);
            if (this.peek()?.t === ',') this.i++;
          }
          this.i++;
          params[key] = values;
        } else {
          params[key] = this.expect('lit').lit!;
        }
        if (this.peek()?.t === ',') { this.i++; continue; }
        break;
      }
    }
    this.expect(')');
    return { k: 'crm', name, params };
  }
}

/** Parses a $filter expression; `aliases` are the request's parameter aliases (`@p1=...`). */
export function parseFilter(text: string, aliases: Readonly<Record<string, string>> = {}): Expr {
  return new FilterParser(text, aliases).parse();
}

/** Splits on a separator at nesting depth 0, ignoring separators inside quotes. */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    else if (!quoted && depth === 0 && ch === separator) { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function parseSelect(text: string): string[] {
  const items = splitTopLevel(text, ',');
  for (const item of items) if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(item)) throw querySyntax(`Syntax error: '${item}' is not a valid $select item.`);
  return items;
}

function parseOrderBy(text: string, aliases: Readonly<Record<string, string>>): OrderKey[] {
  return splitTopLevel(text, ',').map((written) => {
    // `@p1 asc` with `@p1=name` orders by name (same page as parseFilter's aliases).
    const item = written.replace(/^@[A-Za-z0-9_]+/, (alias) => {
      const value = aliases[alias];
      if (value === undefined) throw querySyntax(`The parameter alias '${alias}' in $orderby has no value; give it one, e.g. '${alias}=name'.`);
      return value.trim();
    });
    const m = /^([A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*)(?:\s+(asc|desc))?$/.exec(item);
    if (!m) throw querySyntax(`Syntax error at position 0 in '${item}'.`);
    return { path: m[1]!.split('/'), desc: m[2] === 'desc' };
  });
}

function parseExpand(text: string): ExpandItem[] {
  return splitTopLevel(text, ',').map((item) => {
    const open = item.indexOf('(');
    if (open < 0) {
      if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(item)) throw querySyntax(`Syntax error: '${item}' is not a valid $expand item.`);
      return { name: item, options: { aliases: {} } };
    }
    if (!item.endsWith(')')) throw querySyntax(`')' or ',' expected at position ${item.length} in '${item}'.`);
    const name = item.slice(0, open).trim();
    const inner = item.slice(open + 1, -1);
    const raw = new Map<string, string>();
    for (const part of splitTopLevel(inner, ';')) {
      const eq = part.indexOf('=');
      if (eq < 0) throw querySyntax(`Syntax error: '${part}' is not a valid query option.`);
      raw.set(part.slice(0, eq).trim(), part.slice(eq + 1));
    }
    return { name, options: parseQueryOptions(raw, true) };
  });
}

/** Decodes a query string the way OData does: `+` is kept literally (only %XX is decoded). */
export function parseQueryString(search: string): Map<string, string> {
  const map = new Map<string, string>();
  const text = search.startsWith('?') ? search.slice(1) : search;
  if (!text) return map;
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(pair.slice(eq + 1));
    map.set(key, value);
  }
  return map;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw querySyntax(`The query string is not correctly encoded: '${text}'.`);
  }
}

const SUPPORTED = new Set(['$select', '$filter', '$orderby', '$top', '$expand', '$count', '$skiptoken', '$apply']);

/** Parses the query options of a request (or of an $expand item when `nested`). */
export function parseQueryOptions(raw: Map<string, string>, nested = false): QueryOptions {
  const options: QueryOptions = { aliases: {} };
  // Aliases may follow the options that use them, so they are collected first; they do not reach inside $expand.
  if (!nested) for (const [key, value] of raw) if (key.startsWith('@')) options.aliases[key] = value;
  for (const [key, value] of raw) {
    if (key.startsWith('@')) continue;
    if (key === 'fetchXml' && !nested) { options.fetchXml = value; continue; }
    if (!key.startsWith('$')) continue; // Dataverse ignores unknown non-$ parameters.
    // $skip, $search and $format are not supported; paging is only through @odata.nextLink
    // (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview#unsupported-odata-query-options).
    if (!SUPPORTED.has(key) || (nested && (key === '$count' || key === '$skiptoken' || key === '$apply'))) throw querySyntax(`The query parameter ${key} is not supported`);
    switch (key) {
      case '$select': options.select = parseSelect(value); break;
      case '$filter': options.filter = parseFilter(value, options.aliases); break;
      case '$orderby': options.orderby = parseOrderBy(value, options.aliases); break;
      case '$apply': options.apply = parseApply(value, options.aliases); break;
      case '$expand': options.expand = parseExpand(value); break;
      case '$top': {
        if (!/^\d+$/.test(value.trim())) throw querySyntax(`Invalid value '${value}' for $top query option found. The $top query option requires a non-negative integer value.`);
        options.top = parseInt(value, 10);
        break;
      }
      case '$count': {
        if (value !== 'true' && value !== 'false') throw querySyntax(`'${value}' is not a valid count option.`);
        options.count = value === 'true';
        break;
      }
      case '$skiptoken': options.skiptoken = value; break;
      default: break;
    }
  }
  return options;
}

const AGGREGATE_METHODS = new Set<AggregateMethod>(['sum', 'average', 'min', 'max', 'countdistinct']);

function applyCall(step: string): { name: string; inner: string } {
  const m = /^([A-Za-z]+)\s*\((.*)\)$/s.exec(step.trim());
  if (!m) throw querySyntax(`Syntax error in $apply: '${step}' is not a transformation; use filter(...), groupby((...)) or aggregate(...).`);
  return { name: m[1]!, inner: m[2]! };
}

function parseAggregates(text: string): AggregateItem[] {
  return splitTopLevel(text, ',').map((item) => {
    const count = /^\$count\s+as\s+([A-Za-z_][A-Za-z0-9_]*)$/.exec(item);
    if (count) return { kind: 'count', alias: count[1]! };
    const m = /^([A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*)\s+with\s+([A-Za-z]+)\s+as\s+([A-Za-z_][A-Za-z0-9_]*)$/.exec(item);
    if (!m) throw querySyntax(`Syntax error in $apply: '${item}' is not an aggregate expression; write 'column with sum as alias' or '$count as alias'.`);
    if (!AGGREGATE_METHODS.has(m[2] as AggregateMethod)) throw querySyntax(`Syntax error in $apply: the aggregation method '${m[2]}' is not supported; use sum, average, min, max or countdistinct.`);
    return { kind: 'with', path: m[1]!.split('/'), method: m[2] as AggregateMethod, alias: m[3]! };
  });
}

/**
 * Parses `$apply`: `filter(...)` before `groupby((...)[,aggregate(...)])` or `aggregate(...)`
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/aggregate-data).
 */
export function parseApply(text: string, aliases: Readonly<Record<string, string>> = {}): ApplySpec {
  let filter: Expr | undefined;
  let groupby: string[][] | undefined;
  let aggregates: AggregateItem[] = [];
  const steps = splitTopLevel(text, '/');
  if (steps.length === 0) throw querySyntax('Syntax error: the $apply expression is empty.');
  steps.forEach((step, i) => {
    const { name, inner } = applyCall(step);
    const last = i === steps.length - 1;
    if (name === 'filter' && !last && !groupby && aggregates.length === 0) { filter = filter ? { k: 'bin', op: 'and', left: filter, right: parseFilter(inner, aliases) } : parseFilter(inner, aliases); return; }
    if (name === 'groupby' && last) {
      const parts = splitTopLevel(inner, ',');
      const columns = /^\((.*)\)$/s.exec(parts[0] ?? '');
      if (!columns || parts.length > 2) throw querySyntax(`Syntax error in $apply: write groupby((column1,column2)) or groupby((column),aggregate(...)).`);
      groupby = splitTopLevel(columns[1]!, ',').map((c) => {
        if (!/^[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)?$/.test(c)) throw querySyntax(`Syntax error in $apply: '${c}' is not a column to group by.`);
        return c.split('/');
      });
      if (parts[1] !== undefined) {
        const agg = applyCall(parts[1]);
        if (agg.name !== 'aggregate') throw querySyntax(`Syntax error in $apply: only aggregate(...) may follow the grouped columns, not '${agg.name}'.`);
        aggregates = parseAggregates(agg.inner);
      }
      return;
    }
    if (name === 'aggregate' && last) { aggregates = parseAggregates(inner); return; }
    throw querySyntax(`The $apply transformation '${name}' is not supported here; Dataverse supports filter(...) followed by groupby(...) or aggregate(...).`);
  });
  if (!groupby && aggregates.length === 0) throw querySyntax('Syntax error in $apply: a filter(...) must be followed by groupby(...) or aggregate(...).');
  return { filter, groupby, aggregates };
}

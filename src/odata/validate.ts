/**
 * Checks of a request against the connected org's metadata and Dataverse's
 * documented limits: unknown entity sets, columns and navigation properties
 * (with "did you mean"), lookups filtered by name instead of `_x_value`,
 * choice values the column does not have, `odata.maxpagesize` above 5,000,
 * `$top` beside `maxpagesize`, and FetchXML that is not well-formed or names
 * an unknown entity or attribute. Pure: metadata comes through MetadataLookup.
 *
 * Every check reads the tree `parseRequestUrl` built; URL offsets are mapped
 * to the file with `urlToDoc`. Metadata is asked for per table, once per
 * validation, and only for the tables the request names. The checks, their
 * codes and fixes: docs/odata-validation.md.
 */
import type { ChoiceSet, Column, MetadataLookup, Relationship, TableSummary } from '../dataverse/metadata/model';
import type { Expr, ExpandItem, Identifier, Literal, QueryOption, Span, Transformation } from './ast';
import { readFetchXml, type FetchXmlDocument, type XmlElement } from './fetchXml';
import { urlToDoc, type FileDiagnostic, type ODataRequest } from './file';
import { DATAVERSE_NAMESPACE, nearest } from './vocabulary';

/** The stable codes of the diagnostics `validateRequest` reports. */
export type ValidationCode =
  | 'unknown-entity-set' | 'unknown-column' | 'unknown-navigation' | 'lookup-name' | 'unknown-choice-value'
  | 'maxpagesize-too-large' | 'top-with-maxpagesize'
  | 'fetchxml-not-well-formed' | 'fetchxml-unknown-entity' | 'fetchxml-unknown-attribute';

/**
 * The largest page Dataverse returns; a larger `odata.maxpagesize` is ignored
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results).
 */
export const MAX_PAGE_SIZE = 5000;

/**
 * The metadata and limit diagnostics of one request, in file offsets (map URL
 * offsets with `urlToDoc`). Syntax diagnostics are not repeated here: they are
 * in `request.parsed.diagnostics`. Never rejects; an aborted signal resolves to [].
 */
export async function validateRequest(request: ODataRequest, lookup: MetadataLookup | undefined, signal?: AbortSignal): Promise<FileDiagnostic[]> {
  if (signal?.aborted) return [];
  const out = new Diagnostics(request);
  const fetchXml: FetchXmlQuery[] = [];
  try {
    checkPaging(request, out);
    for (const option of request.parsed.tree.options) {
      if (option.value.kind === 'fetchXml') {
        const query = readFetchXmlOption(option, option.value.xml, out);
        if (query) fetchXml.push(query);
      }
    }
  } catch {
    // A bug in a check must not take the others down: report what was found.
  }
  if (!lookup) return out.sorted();
  const checker = new MetadataChecker(request, lookup, out, signal);
  try {
    checker.checkUrl();
    for (const query of fetchXml) checker.checkFetchXml(query);
    await untilAborted(checker.drain(), signal);
  } catch {
    // Metadata that cannot be loaded (offline, signed out) leaves the checks that need none.
    if (signal?.aborted) return [];
  }
  return signal?.aborted ? [] : out.sorted();
}

/** `work`, or as soon as `signal` aborts (a lookup that does not watch the signal must not hold the editor). */
function untilAborted(work: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return work;
  return new Promise<void>((resolve, reject) => {
    const done = () => resolve();
    signal.addEventListener('abort', done, { once: true });
    work.then(
      () => (signal.removeEventListener('abort', done), resolve()),
      (e: unknown) => (signal.removeEventListener('abort', done), reject(e)),
    );
  });
}

// ---------------------------------------------------------------- diagnostics in file offsets

type Role = 'select' | 'filter' | 'orderby' | 'apply' | 'propertyName';

/** Collects diagnostics, mapping URL spans to the file. */
class Diagnostics {
  private readonly list: FileDiagnostic[] = [];

  constructor(private readonly request: ODataRequest) {}

  /** A diagnostic at a URL span; `replacement` makes a fix when the span is plain text in the file. */
  atUrl(span: Span, severity: FileDiagnostic['severity'], code: ValidationCode, message: string, replacement?: { text: string; title: string }): void {
    const start = urlToDoc(this.request, span.start);
    const end = span.end > span.start ? this.docEnd(span.end) : start;
    const d: FileDiagnostic = { start, end, message, severity, code };
    if (replacement && end - start === span.end - span.start && !this.touchesVariable(span)) {
      d.fix = { title: replacement.title, edits: [{ start, end, newText: replacement.text }] };
    }
    this.list.push(d);
  }

  /** A diagnostic at a file span. */
  atDoc(span: Span, severity: FileDiagnostic['severity'], code: ValidationCode, message: string): void {
    this.list.push({ start: span.start, end: span.end, message, severity, code });
  }

  sorted(): FileDiagnostic[] {
    return this.list.sort((a, b) => a.start - b.start || a.end - b.end);
  }

  /** The file offset just after the URL character before `urlEnd`, so a span never swallows a line break or indentation. */
  private docEnd(urlEnd: number): number {
    for (const p of this.request.pieces) {
      if (urlEnd - 1 >= p.urlStart && urlEnd - 1 < p.urlStart + p.urlLength) {
        return p.variable !== undefined ? p.docStart + p.docLength : p.docStart + Math.min(urlEnd - 1 - p.urlStart, p.docLength - 1) + 1;
      }
    }
    return urlToDoc(this.request, urlEnd);
  }

  private touchesVariable(span: Span): boolean {
    return this.request.pieces.some((p) => p.variable !== undefined && p.urlStart < span.end && span.start < p.urlStart + p.urlLength);
  }
}

/** "; did you mean 'a'?" / "; did you mean 'a', 'b' or 'c'?", and the one replacement when it is certain. */
function didYouMean(word: string, candidates: readonly string[], spell: (candidate: string) => string = (c) => c): { text: string; fix?: { text: string; title: string } } {
  const exact = candidates.find((c) => c.toLowerCase() === word.toLowerCase());
  return suggest([...new Set((exact ? [exact] : nearest(word, candidates)).map(spell))]);
}

/** The "did you mean" of names already chosen. */
function suggest(found: readonly string[]): { text: string; fix?: { text: string; title: string } } {
  if (!found.length) return { text: '' };
  const quoted = found.map((f) => `'${f}'`);
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
  const text = `; did you mean ${list}?`;
  return found.length === 1 ? { text, fix: { text: found[0], title: `Replace with '${found[0]}'` } } : { text };
}

// ---------------------------------------------------------------- paging (no metadata)

const PAGE_RESULTS = 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results';
const MAX_PAGE_SIZE_PREFERENCE = /odata\.maxpagesize\s*=\s*"?(\d+)/gi;

/** `Prefer: odata.maxpagesize=N` above 5,000, and `$top` beside any maxpagesize. */
function checkPaging(request: ODataRequest, out: Diagnostics): void {
  let hasMaxPageSize = false;
  for (const header of request.headers) {
    if (header.name.toLowerCase() !== 'prefer') continue;
    const exact = header.valueSpan.end - header.valueSpan.start === header.value.length;
    for (const m of header.value.matchAll(MAX_PAGE_SIZE_PREFERENCE)) {
      hasMaxPageSize = true;
      const n = Number(m[1]);
      if (n <= MAX_PAGE_SIZE) continue;
      const at = m.index + m[0].length - m[1].length;
      const span = exact ? { start: header.valueSpan.start + at, end: header.valueSpan.start + at + m[1].length } : header.valueSpan;
      out.atDoc(span, 'warning', 'maxpagesize-too-large',
        `odata.maxpagesize=${m[1]} is above Dataverse's limit: pages hold at most ${MAX_PAGE_SIZE} rows and a larger size is ignored; ask for ${MAX_PAGE_SIZE} or fewer and follow @odata.nextLink (${PAGE_RESULTS}).`);
    }
  }
  if (!hasMaxPageSize) return;
  const top = request.parsed.tree.options.find((o) => o.key === '$top');
  if (top) {
    out.atUrl({ start: top.start, end: top.end }, 'warning', 'top-with-maxpagesize',
      `Dataverse ignores $top when the Prefer header asks for odata.maxpagesize: remove $top to page through all rows, or remove odata.maxpagesize to get only the first rows (${PAGE_RESULTS}).`);
  }
}

// ---------------------------------------------------------------- FetchXML well-formedness (no metadata)

/** A FetchXML option value read into elements, with the way back to URL offsets. */
interface FetchXmlQuery {
  root: XmlElement;
  /** The URL span of an XML span: 1:1 when the value was typed raw, else the whole value. */
  urlSpan(span: Span): Span;
  /** True when XML offsets map 1:1 to the URL, so a fix can edit a name in place. */
  exact: boolean;
}

// Validation runs on every keystroke for every request of the file: XML that did not change is not read again.
const fetchXmlCache = new Map<string, FetchXmlDocument>();
const FETCH_XML_CACHE_SIZE = 64;

function readFetchXmlCached(xml: string): FetchXmlDocument {
  let doc = fetchXmlCache.get(xml);
  if (!doc) {
    doc = readFetchXml(xml);
    if (fetchXmlCache.size >= FETCH_XML_CACHE_SIZE) fetchXmlCache.delete(fetchXmlCache.keys().next().value!);
    fetchXmlCache.set(xml, doc);
  }
  return doc;
}

function readFetchXmlOption(option: QueryOption, xml: string, out: Diagnostics): FetchXmlQuery | undefined {
  const value = option.valueSpan;
  // Percent-encoded XML no longer lines up with the text: its diagnostics cover the whole value.
  const oneToOne = value.end - value.start === xml.length;
  const urlSpan = (s: Span): Span => (oneToOne ? { start: value.start + s.start, end: value.start + s.end } : value);
  if (!xml.trim()) return undefined; // the parser already asks for a query
  const doc = readFetchXmlCached(xml);
  if (doc.error) {
    const { message } = doc.error;
    const at = Math.min(doc.error.offset, xml.length);
    // The parser stops just past the offending character; a tag that is wrong as a whole is underlined whole.
    const tagStart = /^(unexpected close tag|documents may contain only one root)/.test(message) ? xml.lastIndexOf('<', at - 1) : -1;
    const tagEnd = tagStart >= 0 ? xml.indexOf('>', tagStart) : -1;
    const span = tagStart >= 0 ? { start: tagStart, end: tagEnd >= 0 ? tagEnd + 1 : Math.max(at, tagStart + 1) } : { start: Math.max(0, at - 1), end: Math.max(at, 1) };
    out.atUrl(urlSpan(span), 'error', 'fetchxml-not-well-formed', `FetchXML is not well-formed: ${message.replace(/\.?$/, '.')} ${xmlHint(message, doc.error.open)}`);
    return undefined;
  }
  return doc.root?.name === 'fetch' ? { root: doc.root, urlSpan, exact: oneToOne } : undefined;
}

/** The fix for a saxes well-formedness message. */
function xmlHint(message: string, open: string | undefined): string {
  const unclosed = /^unclosed tag: (\S+)/.exec(message);
  if (unclosed) return `Close it with </${unclosed[1]}>.`;
  if (/^unexpected close tag/.test(message)) {
    return open
      ? `<${open}> is still open here: close it first with </${open}> (or write it as <${open} ... />); elements close in the reverse order of opening.`
      : 'Close the elements in the reverse order of opening them.';
  }
  if (/^unquoted attribute value/.test(message)) return 'Put the value in double quotes.';
  return 'Correct the XML here; Dataverse refuses FetchXML it cannot parse.';
}

// ---------------------------------------------------------------- metadata

/** A table's columns by the names the Web API and FetchXML use, built once per column list. */
interface ColumnIndex {
  /** By logical name (FetchXML; every column). */
  readonly byLogicalName: ReadonlyMap<string, Column>;
  /** By `_x_value` name (lookups in the Web API). */
  readonly byValueName: ReadonlyMap<string, Column>;
  /** Names to compare a typo with in a URL: logical names and `_x_value` names (a lookup is suggested in its `_x_value` form). */
  readonly webApiNames: readonly string[];
  /** Names to suggest in FetchXML and query functions: logical names. */
  readonly logicalNames: readonly string[];
}

/** A table's navigation properties. */
interface NavigationIndex {
  readonly byName: ReadonlyMap<string, Relationship>;
  readonly names: readonly string[];
  /** The single-valued navigation properties of each lookup column (a customer lookup has one per table it points to). */
  readonly byLookup: ReadonlyMap<string, readonly string[]>;
}

// Keyed by the arrays the lookup answers from memory, so a keystroke does not rebuild them.
const columnIndexes = new WeakMap<readonly Column[], ColumnIndex>();
const navigationIndexes = new WeakMap<readonly Relationship[], NavigationIndex>();
const entitySetLists = new WeakMap<readonly TableSummary[], { sets: string[]; logicalNames: string[] }>();

function indexColumns(columns: readonly Column[]): ColumnIndex {
  let index = columnIndexes.get(columns);
  if (!index) {
    const readable = columns.filter((c) => !c.attributeOf);
    index = {
      byLogicalName: new Map(columns.map((c) => [c.logicalName, c])),
      byValueName: new Map(columns.filter((c) => c.lookupValueName).map((c) => [c.lookupValueName!, c])),
      webApiNames: readable.flatMap((c) => (c.lookupValueName ? [c.logicalName, c.lookupValueName] : [c.logicalName])),
      logicalNames: readable.map((c) => c.logicalName),
    };
    columnIndexes.set(columns, index);
  }
  return index;
}

function indexNavigations(relationships: readonly Relationship[]): NavigationIndex {
  let index = navigationIndexes.get(relationships);
  if (!index) {
    const byName = new Map<string, Relationship>();
    const byLookup = new Map<string, string[]>();
    for (const r of relationships) {
      if (!r.navigationProperty) continue;
      byName.set(r.navigationProperty, r);
      if (r.kind === 'ManyToOne') byLookup.set(r.referencingAttribute, [...(byLookup.get(r.referencingAttribute) ?? []), r.navigationProperty]);
    }
    index = { byName, names: [...byName.keys()], byLookup };
    navigationIndexes.set(relationships, index);
  }
  return index;
}

function tableNames(tables: readonly TableSummary[]): { sets: string[]; logicalNames: string[] } {
  let names = entitySetLists.get(tables);
  if (!names) {
    names = { sets: tables.flatMap((t) => (t.entitySetName ? [t.entitySetName] : [])), logicalNames: tables.map((t) => t.logicalName) };
    entitySetLists.set(tables, names);
  }
  return names;
}

/** A single-valued navigation property (N:1): a path may go through it to one related row. */
function isSingleValued(r: Relationship): boolean {
  return r.kind === 'ManyToOne';
}

/**
 * Metadata asked for by key, in rounds: checks that need something not loaded
 * yet wait for the next round, and each round loads every distinct key at once.
 * So a request costs one await per level of nesting, not one per name.
 */
class Loader {
  private readonly values = new Map<string, unknown>();
  private waiting: { key: string; load: () => Promise<unknown>; run: () => void }[] = [];

  constructor(private readonly signal: AbortSignal | undefined) {}

  /** Runs `run` with the value of `key`: now when it is loaded, else after the next round. */
  with<T>(key: string, load: () => Promise<T>, run: (value: T) => void): void {
    if (this.values.has(key)) run(this.values.get(key) as T);
    else this.waiting.push({ key, load, run: () => run(this.values.get(key) as T) });
  }

  async drain(): Promise<void> {
    // Each round goes one level deeper ($expand in $expand, a path through a lookup); the bound stops a runaway.
    for (let round = 0; this.waiting.length && round < 64; round++) {
      if (this.signal?.aborted) return;
      const batch = this.waiting;
      this.waiting = [];
      const loads = new Map<string, () => Promise<unknown>>();
      for (const w of batch) if (!this.values.has(w.key) && !loads.has(w.key)) loads.set(w.key, w.load);
      const loaded = await Promise.all([...loads].map(async ([key, load]) => [key, await load()] as const));
      for (const [key, value] of loaded) this.values.set(key, value);
      if (this.signal?.aborted) return;
      for (const w of batch) w.run();
    }
  }
}

/** What names mean where an expression is read. */
interface Scope {
  /** The table whose columns bare names are. */
  table: string;
  /** Lambda variables in scope and the table each ranges over (undefined when unknown). */
  lambdas: ReadonlyMap<string, string | undefined>;
  /** Aliases `$apply` introduced (`aggregate(revenue with sum as total)`). */
  aliases: ReadonlySet<string>;
}

/**
 * Entity sets of the metadata itself, not tables
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api).
 */
const METADATA_ENTITY_SETS = new Set(['EntityDefinitions', 'RelationshipDefinitions', 'GlobalOptionSetDefinitions', 'ManagedPropertyDefinitions']);

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in']);
const LOOKUP_PROPERTIES = 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-properties#lookup-properties';

class MetadataChecker {
  private readonly loader: Loader;

  constructor(
    private readonly request: ODataRequest,
    private readonly lookup: MetadataLookup,
    private readonly out: Diagnostics,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.loader = new Loader(signal);
  }

  drain(): Promise<void> {
    return this.loader.drain();
  }

  // -- loading

  private tables(run: (names: { sets: string[]; logicalNames: string[] }) => void): void {
    this.loader.with('tables', async () => tableNames(await this.lookup.tables(this.signal)), run);
  }

  private tableBySet(set: string, run: (table: TableSummary | undefined) => void): void {
    this.loader.with(`set:${set}`, () => this.lookup.tableByEntitySet(set, this.signal), run);
  }

  private tableByName(name: string, run: (table: TableSummary | undefined) => void): void {
    this.loader.with(`table:${name}`, () => this.lookup.table(name, this.signal), run);
  }

  private columns(table: string, run: (index: ColumnIndex) => void): void {
    this.loader.with(`columns:${table}`, async () => indexColumns(await this.lookup.columns(table, this.signal)), (index) => {
      // An unknown table has no columns: there is nothing to tell about its names.
      if (index.byLogicalName.size) run(index);
    });
  }

  private navigations(table: string, run: (index: NavigationIndex) => void): void {
    this.anyNavigations(table, (index) => {
      if (index.byName.size) run(index);
    });
  }

  /** The navigation properties of a table, also when it has none (or does not exist). */
  private anyNavigations(table: string, run: (index: NavigationIndex) => void): void {
    this.loader.with(`navigations:${table}`, async () => indexNavigations(await this.lookup.relationships(table, this.signal)), run);
  }

  private choices(table: string, column: string, run: (set: ChoiceSet | undefined) => void): void {
    this.loader.with(`choices:${table}/${column}`, () => this.lookup.choices(table, column, this.signal), run);
  }

  // -- the URL

  checkUrl(): void {
    const tree = this.request.parsed.tree;
    const entitySet = tree.path.entitySet;
    if (!entitySet || !entitySet.name || METADATA_ENTITY_SETS.has(entitySet.name)) return;
    this.tableBySet(entitySet.name, (table) => {
      if (!table) {
        this.unknownEntitySet(entitySet, tree.path.segments[0]);
        return;
      }
      this.followPath(1, table.logicalName);
    });
  }

  private unknownEntitySet(name: Identifier, segment: { args?: unknown[] }): void {
    // An unbound function with parameters (RetrieveTotalRecordCount(EntityNames=@p)) or an action (POST new_MyAction) reads
    // like an entity set: unless a table's name is certainly meant, it is not reported.
    const looksLikeOperation = this.request.method !== 'GET' || (segment.args !== undefined && /[A-Z]/.test(name.name));
    this.tables((names) => {
      const hint = didYouMean(name.name, names.sets);
      if (looksLikeOperation && !hint.fix) return;
      this.out.atUrl(name, 'error', 'unknown-entity-set',
        `Unknown entity set '${name.name}'${hint.text || ': use the plural entity set name of a table, e.g. accounts or contacts.'}`, hint.fix);
    });
  }

  /** Walks the path after the entity set (navigation properties), then checks the options against the table it ends on. */
  private followPath(index: number, table: string): void {
    const segments = this.request.parsed.tree.path.segments;
    const seg = segments[index];
    if (!seg || seg.name.name.startsWith('$')) {
      this.checkOptions(this.request.parsed.tree.options, table);
      return;
    }
    if (!seg.name.name || seg.name.name.includes('.')) return; // being typed, or a bound operation or cast: its result is not this table
    this.navigations(table, (navs) => {
      const rel = navs.byName.get(seg.name.name);
      if (rel) {
        this.followPath(index + 1, rel.relatedTable);
        return;
      }
      this.columns(table, (columns) => {
        if (columns.byLogicalName.has(seg.name.name) || columns.byValueName.has(seg.name.name)) return; // a single property: accounts(id)/name
        this.unknownNavigation(seg.name, table, navs);
      });
    });
  }

  // -- query options

  private checkOptions(options: readonly QueryOption[], table: string): void {
    const aliases = new Set<string>();
    for (const o of options) {
      if (o.value.kind === 'apply') collectAliases(o.value.transformations, aliases);
    }
    const scope: Scope = { table, lambdas: new Map(), aliases };
    for (const o of options) {
      const v = o.value;
      switch (v.kind) {
        case 'select':
          for (const item of v.items) if (!item.star && item.path.length) this.checkMember(item.path, scope, 'select');
          break;
        case 'filter':
          this.checkExpr(v.expr, scope, 'filter');
          break;
        case 'orderby':
          for (const item of v.items) this.checkExpr(item.expr, scope, 'orderby');
          break;
        case 'expand':
          for (const item of v.items) this.checkExpand(item, table);
          break;
        case 'apply':
          this.checkTransformations(v.transformations, scope);
          break;
        default:
          break;
      }
    }
  }

  private checkExpand(item: ExpandItem, table: string): void {
    const path = item.path.filter((p) => !p.name.startsWith('$'));
    if (item.star || !path.length || !path[0].name) return;
    const step = (i: number, from: string): void => {
      this.navigations(from, (navs) => {
        const rel = navs.byName.get(path[i].name);
        if (!rel) {
          this.unknownNavigation(path[i], from, navs);
          return;
        }
        if (i + 1 < path.length) step(i + 1, rel.relatedTable);
        else this.checkOptions(item.options, rel.relatedTable);
      });
    };
    step(0, table);
  }

  private checkTransformations(transformations: readonly Transformation[], scope: Scope): void {
    for (const t of transformations) {
      for (const g of t.groupBy ?? []) this.checkMember(g.segments, scope, 'apply');
      for (const a of t.aggregates ?? []) this.checkExpr(a.expr, scope, 'apply');
      if (t.filter) this.checkExpr(t.filter, scope, 'filter');
      if (t.nested) this.checkTransformations(t.nested, scope);
    }
  }

  // -- expressions

  private checkExpr(expr: Expr, scope: Scope, role: Role): void {
    // An explicit stack: a long chain of `or` must not overflow the call stack.
    const stack: Expr[] = [expr];
    let guard = 0;
    while (stack.length && guard++ < 100_000) {
      const e = stack.pop()!;
      switch (e.kind) {
        case 'member':
          this.checkMember(e.segments, scope, role);
          break;
        case 'binary':
          if (COMPARISONS.has(e.operator) && this.checkComparison(e.left, e.right, scope, role)) break;
          stack.push(e.right, e.left);
          break;
        case 'unary':
          stack.push(e.operand);
          break;
        case 'paren':
          stack.push(e.inner);
          break;
        case 'list':
          stack.push(...e.items);
          break;
        case 'call':
          this.checkCall(e, scope, stack);
          break;
        case 'lambda':
          this.checkLambda(e, scope);
          break;
        default:
          break;
      }
    }
  }

  /** `statecode eq 7`, `7 eq statecode`, `statecode in (0,7)`: the column is checked, and the numbers against its choices. True when handled. */
  private checkComparison(left: Expr, right: Expr, scope: Scope, role: Role): boolean {
    const [member, other] = left.kind === 'member' ? [left, right] : right.kind === 'member' ? [right, left] : [undefined, undefined];
    if (!member || !other) return false;
    const numbers = (other.kind === 'list' ? other.items : [other]).filter((x): x is Literal => x.kind === 'literal' && x.type === 'integer');
    if (!numbers.length) return false;
    this.checkMember(member.segments, scope, role, (column, table) => this.checkChoiceValues(column, table, numbers.map((n) => ({ text: n.value, span: n }))));
    if (other.kind !== 'literal') this.checkExpr(other, scope, role);
    return true;
  }

  /** Numbers compared with a choice column (`text` as typed, `span` in the URL) that are not among its options. */
  private checkChoiceValues(column: Column, table: string, values: readonly { text: string; span: Span }[]): void {
    if (!column.hasChoices || !values.length) return;
    this.choices(table, column.logicalName, (set) => {
      if (!set || (set.kind !== 'Picklist' && set.kind !== 'State' && set.kind !== 'Status')) return;
      for (const v of values) {
        if (set.options.some((o) => o.value === Number(v.text))) continue;
        this.out.atUrl(v.span, 'warning', 'unknown-choice-value',
          `${column.logicalName} has no option ${v.text}, so no row matches: use one of ${describeOptions(set)}.`);
      }
    });
  }

  private checkCall(call: Extract<Expr, { kind: 'call' }>, scope: Scope, stack: Expr[]): void {
    for (const a of call.args) {
      if (a.kind !== 'namedArgument') {
        stack.push(a);
        continue;
      }
      // Dataverse query functions name their column by logical name in a string: PropertyName='createdon'.
      const v = a.value;
      if (a.name.name === 'PropertyName' && call.name.name.startsWith(`${DATAVERSE_NAMESPACE}.`) && v.kind === 'literal' && v.type === 'string' && v.value) {
        const inner = v.raw.length === v.end - v.start ? { start: v.start + 1, end: v.end - 1 } : { start: v.start, end: v.end };
        this.checkMember([{ kind: 'identifier', name: v.value, ...inner }], scope, 'propertyName');
      } else {
        stack.push(v);
      }
    }
  }

  private checkLambda(lambda: Extract<Expr, { kind: 'lambda' }>, scope: Scope): void {
    const segments = lambda.collection.segments;
    const withVariable = (table: string | undefined): void => {
      if (!lambda.predicate) return;
      const lambdas = new Map(scope.lambdas);
      if (lambda.variable) lambdas.set(lambda.variable.name, table);
      this.checkExpr(lambda.predicate, { ...scope, lambdas }, 'filter');
    };
    let i = 0;
    let table: string | undefined = scope.table;
    if (segments[0] && scope.lambdas.has(segments[0].name)) {
      table = scope.lambdas.get(segments[0].name);
      i = 1;
    }
    if (!table || i >= segments.length || segments.some((s) => !s.name || s.name.startsWith('$') || s.name.includes('.'))) {
      withVariable(undefined);
      return;
    }
    const step = (k: number, from: string): void => {
      this.navigations(from, (navs) => {
        const rel = navs.byName.get(segments[k].name);
        if (!rel) {
          this.unknownNavigation(segments[k], from, navs);
          withVariable(undefined);
          return;
        }
        if (k + 1 < segments.length) step(k + 1, rel.relatedTable);
        else withVariable(rel.relatedTable);
      });
    };
    step(i, table);
  }

  /**
   * A member path: `name`, `primarycontactid/fullname` (through single-valued
   * navigation properties), `c/fullname` (a lambda variable). `onColumn` gets
   * the column the path ends on, when it exists.
   */
  private checkMember(segments: readonly Identifier[], scope: Scope, role: Role, onColumn?: (column: Column, table: string) => void): void {
    const first = segments[0];
    if (!first || !first.name || first.name.startsWith('$') || first.name.startsWith('@')) return;
    let table: string | undefined = scope.table;
    let i = 0;
    if (scope.lambdas.has(first.name)) {
      table = scope.lambdas.get(first.name);
      i = 1;
    } else if (segments.length === 1 && scope.aliases.has(first.name)) {
      return;
    }
    if (!table || i >= segments.length) return;
    const step = (k: number, from: string): void => {
      const seg = segments[k];
      if (!seg.name || seg.name.includes('.')) return; // being typed, or a cast
      if (k === segments.length - 1) {
        this.columns(from, (columns) => this.checkColumn(seg, from, columns, role, onColumn));
        return;
      }
      this.navigations(from, (navs) => {
        const rel = navs.byName.get(seg.name);
        if (!rel) this.unknownNavigation(seg, from, navs);
        else if (isSingleValued(rel)) step(k + 1, rel.relatedTable);
      });
    };
    step(i, table);
  }

  private checkColumn(name: Identifier, table: string, columns: ColumnIndex, role: Role, onColumn?: (column: Column, table: string) => void): void {
    const byLogical = columns.byLogicalName.get(name.name);
    const column = byLogical ?? (role === 'propertyName' ? undefined : columns.byValueName.get(name.name));
    if (column) {
      if (byLogical?.lookupValueName && role !== 'propertyName') {
        const valueName = byLogical.lookupValueName;
        this.out.atUrl(name, 'warning', 'lookup-name',
          `'${name.name}' is a lookup: the Web API reads its value as '${valueName}' (the name alone is the navigation property; reach the related row's columns with ${name.name}/<column> or $expand) (${LOOKUP_PROPERTIES}).`,
          { text: valueName, title: `Use '${valueName}'` });
      }
      onColumn?.(column, table);
      return;
    }
    const hint = role === 'propertyName'
      ? didYouMean(name.name, columns.logicalNames)
      : didYouMean(name.name, columns.webApiNames, (c) => columns.byLogicalName.get(c)?.lookupValueName ?? c);
    const unknown = () => this.out.atUrl(name, 'error', 'unknown-column',
      `Unknown column '${name.name}' on table ${table}${hint.text || ': check the spelling, or pick a column from completion.'}`, hint.fix);
    if (role === 'propertyName') {
      unknown();
      return;
    }
    // Not a column: a navigation property where a column belongs says what to write instead.
    this.anyNavigations(table, (navs) => {
      const rel = navs.byName.get(name.name);
      if (!rel) {
        unknown();
        return;
      }
      const how = role === 'select' || role === 'apply'
        ? `expand it instead: $expand=${name.name}($select=<columns>)`
        : isSingleValued(rel)
          ? `compare one of its columns: ${name.name}/<column>`
          : `test its rows with ${name.name}/any(x: x/<column> eq <value>)`;
      this.out.atUrl(name, 'error', 'unknown-column', `'${name.name}' is a navigation property of ${table} (to ${rel.relatedTable}), not a column: ${how}.`);
    });
  }

  private unknownNavigation(name: Identifier, table: string, navs: NavigationIndex): void {
    // A lookup's name where its navigation properties are wanted: they are the suggestions.
    const forLookup = navs.byLookup.get(name.name);
    const hint = forLookup ? suggest(forLookup) : didYouMean(name.name, navs.names);
    this.out.atUrl(name, 'error', 'unknown-navigation',
      `Unknown navigation property '${name.name}' on table ${table}${hint.text || ': navigation properties are case sensitive; pick one from completion.'}`, hint.fix);
  }

  // -- FetchXML

  checkFetchXml(query: FetchXmlQuery): void {
    const entity = query.root.children.find((c) => c.name === 'entity');
    if (!entity) return;
    // A condition may name a link-entity by its alias before or after it: know them all first.
    const aliases = new Map<string, string>();
    const collect = (e: XmlElement): void => {
      for (const child of e.children) {
        const alias = child.attributes.get('alias')?.value;
        const name = child.attributes.get('name')?.value;
        if (child.name === 'link-entity' && alias && name) aliases.set(alias, name);
        collect(child);
      }
    };
    collect(entity);
    this.checkFetchEntity(query, entity, undefined, aliases);
  }

  /** `<entity>` or `<link-entity>` and what it holds; `parent` is the enclosing entity's table, for `to`. */
  private checkFetchEntity(query: FetchXmlQuery, element: XmlElement, parent: string | undefined, aliases: ReadonlyMap<string, string>): void {
    const name = element.attributes.get('name');
    if (!name || !name.value) return;
    this.tableByName(name.value, (table) => {
      if (!table) {
        this.tables((names) => {
          const hint = didYouMean(name.value, names.logicalNames);
          this.out.atUrl(query.urlSpan(name), 'error', 'fetchxml-unknown-entity',
            `Unknown table '${name.value}' in FetchXML${hint.text || ': FetchXML names tables by logical name, e.g. account.'}`, query.exact ? hint.fix : undefined);
        });
        return;
      }
      const here = table.logicalName;
      if (element.name === 'link-entity') {
        this.checkFetchAttribute(query, element.attributes.get('from'), here);
        if (parent) this.checkFetchAttribute(query, element.attributes.get('to'), parent);
      }
      this.checkFetchChildren(query, element, here, aliases);
    });
  }

  private checkFetchChildren(query: FetchXmlQuery, element: XmlElement, table: string, aliases: ReadonlyMap<string, string>): void {
    for (const child of element.children) {
      switch (child.name) {
        case 'attribute':
          this.checkFetchAttribute(query, child.attributes.get('name'), table);
          break;
        case 'order':
        case 'condition': {
          // entityname points a condition (or an order) at a link-entity by its alias.
          const target = child.attributes.get('entityname')?.value;
          const on = target ? aliases.get(target) : table;
          if (!on) break;
          // A condition's number on a choice column must be one of its options (operator eq, ne, in...).
          const value = child.name === 'condition' ? child.attributes.get('value') : undefined;
          const numbers = value && /^-?\d+$/.test(value.value.trim()) ? [{ text: value.value.trim(), span: query.urlSpan(value) }] : [];
          this.checkFetchAttribute(query, child.attributes.get('attribute'), on, (column) => this.checkChoiceValues(column, on, numbers));
          break;
        }
        case 'filter':
          this.checkFetchChildren(query, child, table, aliases);
          break;
        case 'link-entity':
          this.checkFetchEntity(query, child, table, aliases);
          break;
        default:
          break;
      }
    }
  }

  private checkFetchAttribute(query: FetchXmlQuery, attribute: { value: string; start: number; end: number } | undefined, table: string, onColumn?: (column: Column) => void): void {
    if (!attribute || !attribute.value) return;
    this.columns(table, (columns) => {
      const column = columns.byLogicalName.get(attribute.value);
      if (column) {
        onColumn?.(column);
        return;
      }
      const hint = didYouMean(attribute.value, columns.logicalNames);
      this.out.atUrl(query.urlSpan(attribute), 'error', 'fetchxml-unknown-attribute',
        `Unknown column '${attribute.value}' on table ${table} in FetchXML${hint.text || ': FetchXML names columns by logical name.'}`, query.exact ? hint.fix : undefined);
    });
  }
}

function collectAliases(transformations: readonly Transformation[], out: Set<string>): void {
  for (const t of transformations) {
    for (const a of t.aggregates ?? []) if (a.alias?.name) out.add(a.alias.name);
    if (t.nested) collectAliases(t.nested, out);
  }
}

/** `0 (Active), 1 (Inactive)`: the first dozen, then how many more. */
function describeOptions(set: ChoiceSet): string {
  const shown = set.options.slice(0, 12).map((o) => (o.label ? `${o.value} (${o.label})` : String(o.value)));
  const more = set.options.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

/**
 * Runs FetchXML sent as `GET <entityset>?fetchXml=` the way the Web API
 * answers it (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/overview):
 * joins (inner and outer link-entity), filters, orders, top, count/page with
 * the paging cookie in `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie`, and
 * aggregates with their 50,000-row limit. Each query's ordered result is
 * cached (by the query without its paging) so page 2 onwards of a query over
 * 100,000 rows does not scan again; any write clears the cache.
 */
import { AnnotationFilter, FORMATTED_VALUE, formatDate, formatMoney, formatNumber, LOOKUP_LOGICAL_NAME, type Preferences } from './annotations';
import { DataverseError } from './errors';
import {
  invalidFetch, invalidXml, nodesOf, parseFetchXml,
  type FetchAttribute, type FetchCondition, type FetchFilter, type FetchNode, type FetchQuery,
} from './fetchXml';
import { isLookup, type AttributeDef, type EntityDef } from './model';
import { innerEncode } from './pagingCookie';
import { formatted, shapeRecord, type RecordContext } from './records';
import { isLookupRef, type Row, type StoredValue } from './store';
import { parseXml, XmlSyntaxError } from './xmlParser';

export const PAGING_COOKIE = 'Microsoft.Dynamics.CRM.fetchxmlpagingcookie';
export const MORE_RECORDS = 'Microsoft.Dynamics.CRM.morerecords';
export const ATTRIBUTE_NAME = 'OData.Community.Display.V1.AttributeName';

/** Default and largest page (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/page-results). */
const MAX_PAGE = 5000;
/** Rows an aggregate query may read (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/aggregate-data#limitations). */
export const AGGREGATE_LIMIT = 50_000;
const DAY = 86_400_000;
/** Queries whose results are kept for their next pages, and the rows all of them may hold (about 100 MB). */
const CACHE_SIZE = 16;
const CACHE_ROWS = 400_000;

type Scalar = string | number | boolean | null;
/** Normalised values of the order columns, compared column by column. */
type SortKey = readonly Scalar[];

/** One result row: a row id per node of the query (root first), null for an outer link with no match. */
interface Tuple {
  readonly ids: ReadonlyArray<string | null>;
  readonly key: SortKey;
}

interface Matched {
  readonly tuples: readonly Tuple[];
  /** Whether Dataverse would return a paging cookie (not when ordering by a link-entity column or when a link can repeat rows). */
  readonly cookieColumns: readonly AttributeDef[] | null;
}

/** The JSON body and the `Preference-Applied` values of a fetch response. */
export interface FetchResult {
  readonly body: Record<string, unknown>;
  readonly preferenceApplied: string[];
}

/** 400 0x8004e023 AggregateQueryRecordLimitExceeded, with the platform message (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/aggregate-data#limitations). */
export function aggregateLimitExceeded(): DataverseError {
  return new DataverseError(400, '0x8004e023', 'AggregateQueryRecordLimit exceeded. Cannot perform this operation.');
}

/** FetchXML execution for one org, with its per-query result cache. */
export class FetchXmlService {
  private readonly cache = new Map<string, Matched>();

  /** Forgets every cached result (call on any write). */
  invalidate(): void {
    this.cache.clear();
  }

  run(ctx: RecordContext, entitySet: EntityDef, fetchXml: string, prefs: Preferences): FetchResult {
    const query = parseFetchXml(fetchXml, ctx.schema);
    const entity = query.root.entity;
    if (entity !== entitySet) {
      throw invalidFetch(`The FetchXML queries '${entity.logicalName}' but was sent to the '${entitySet.entitySetName}' entity set; send it to '${entity.entitySetName}'.`);
    }
    const annotations = new AnnotationFilter(prefs.includeAnnotations);
    const preferenceApplied = annotations.any ? [`odata.include-annotations="${prefs.includeAnnotations}"`] : [];
    const runner = new Execution(ctx, query);
    if (query.aggregate) return { body: runner.aggregate(annotations), preferenceApplied };

    const matched = this.matched(runner);
    const pageSize = Math.min(query.top ?? query.count ?? MAX_PAGE, MAX_PAGE);
    const page = query.page ?? 1;
    let start = query.top !== undefined ? 0 : (page - 1) * pageSize;
    if (query.pagingCookie !== undefined && query.top === undefined && matched.cookieColumns) {
      const resume = readCookie(query.pagingCookie, page, matched.cookieColumns);
      if (resume) start = upperBound(matched.tuples, resume, runner.directions);
    }
    const slice = matched.tuples.slice(start, start + pageSize);
    const more = query.top === undefined && start + pageSize < matched.tuples.length;

    const body: Record<string, unknown> = { '@odata.context': runner.contextUrl() };
    if (more && annotations.wants(PAGING_COOKIE) && matched.cookieColumns && slice.length > 0) {
      body[`@${PAGING_COOKIE}`] = buildCookie(page, matched.cookieColumns, runner.row(slice[0]!, 0)!, runner.row(slice[slice.length - 1]!, 0)!, runner);
    }
    // On the last page neither annotation is sent (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/page-results).
    if (more && annotations.wants(MORE_RECORDS)) body[`@${MORE_RECORDS}`] = true;
    body['value'] = slice.map((t) => runner.shape(t, annotations));
    return { body, preferenceApplied };
  }

  private matched(runner: Execution): Matched {
    const key = runner.cacheKey();
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const matched = runner.match();
    this.cache.set(key, matched);
    let rows = 0;
    for (const m of this.cache.values()) rows += m.tuples.length;
    while (this.cache.size > 1 && (this.cache.size > CACHE_SIZE || rows > CACHE_ROWS)) {
      const oldest = this.cache.keys().next().value!;
      rows -= this.cache.get(oldest)!.tuples.length;
      this.cache.delete(oldest);
    }
    return matched;
  }
}

// ---- values ------------------------------------------------------------------------

const NUMERIC = new Set(['Integer', 'BigInt', 'Decimal', 'Double', 'Money', 'Picklist', 'State', 'Status']);
const GUID_TYPES = new Set(['Lookup', 'Customer', 'Owner', 'Uniqueidentifier']);

function plain(value: StoredValue | undefined): Scalar {
  if (value === undefined) return null;
  return isLookupRef(value) ? value.id : value;
}

function time(value: Scalar): number | undefined {
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(t) ? undefined : t;
}

/** A condition or cookie value converted to the column's type; throws a clear error when it cannot be. */
function literal(attribute: AttributeDef, text: string): Scalar {
  const t = text.trim();
  const bad = (): DataverseError => invalidFetch(`The value '${text}' is not valid for the ${attribute.type} column '${attribute.logicalName}'.`);
  if (NUMERIC.has(attribute.type)) {
    const n = Number(t);
    if (t === '' || Number.isNaN(n)) throw bad();
    return n;
  }
  if (attribute.type === 'Boolean') {
    if (/^(1|true)$/i.test(t)) return true;
    if (/^(0|false)$/i.test(t)) return false;
    throw bad();
  }
  if (GUID_TYPES.has(attribute.type)) {
    const g = t.replace(/^\{|\}$/g, '').toLowerCase();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(g)) throw bad();
    return g;
  }
  if (attribute.type === 'DateTime' && time(t) === undefined) throw bad();
  return text;
}

/** Compares two values of one column; strings case-insensitively (the SQL collation). */
function compare(attribute: AttributeDef, a: Scalar, b: Scalar): number {
  if (attribute.type === 'DateTime') return (time(a) ?? 0) - (time(b) ?? 0);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a).toLowerCase();
  const y = String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function likeRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      re += `[${pattern.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|\\\]]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`, 'is');
  } catch {
    throw invalidFetch(`The like pattern '${pattern}' is not valid; check its [...] sets.`);
  }
}

function startOfDay(t: number): number {
  return Math.floor(t / DAY) * DAY;
}

// ---- execution ----------------------------------------------------------------------

type Predicate = (rows: ReadonlyArray<Row | null>) => boolean;

/** One query against one org: compiles conditions once, joins, orders, shapes. */
class Execution {
  readonly nodes: FetchNode[];
  private readonly index = new Map<string, number>();
  private readonly parentOf: number[] = [];
  private readonly orderColumns: Array<{ node: number; attribute: AttributeDef }> = [];
  readonly directions: boolean[] = [];
  private readonly names = new Map<string, string | null>();

  constructor(private readonly ctx: RecordContext, private readonly query: FetchQuery) {
    this.nodes = nodesOf(query.root);
    this.nodes.forEach((n, i) => this.index.set(n.alias, i));
    const walk = (node: FetchNode, parent: number): void => {
      const me = this.nodes.indexOf(node);
      this.parentOf[me] = parent;
      for (const link of node.links) walk(link, me);
    };
    walk(query.root, -1);
    this.nodes.forEach((node, i) => {
      for (const o of node.orders) {
        if (o.attribute) { this.orderColumns.push({ node: i, attribute: o.attribute }); this.directions.push(o.descending); }
      }
    });
    const entity = query.root.entity;
    const pk = ctx.schema.attribute(entity.logicalName, entity.primaryIdAttribute)!;
    // The primary key ends every order so pages are stable, as the paging cookie's last element shows.
    if (!this.orderColumns.some((c) => c.node === 0 && c.attribute === pk)) {
      this.orderColumns.push({ node: 0, attribute: pk });
      this.directions.push(false);
    }
  }

  row(tuple: Tuple, node: number): Row | null {
    const id = tuple.ids[node];
    return id ? this.ctx.store.get(this.nodes[node]!.entity.logicalName, id) ?? null : null;
  }

  /** A stable text for the query without its paging, plus what makes results depend on the caller or the clock. */
  cacheKey(): string {
    const cond = (c: FetchCondition): string => `${c.entityAlias ?? ''}.${c.attribute.logicalName} ${c.operator} ${JSON.stringify(c.values)}`;
    const filter = (f: FetchFilter | undefined): string => (f ? `${f.type}(${f.items.map((i) => (i.kind === 'filter' ? filter(i) : cond(i))).join(',')})` : '');
    const node = (n: FetchNode): string => [
      n.entity.logicalName, n.alias, this.query.distinct ? (n.attributes?.map((a) => a.attribute.logicalName).join(',') ?? '*') : '', n.link ? `${n.link.from.logicalName}=${n.link.to.logicalName}/${n.link.type}` : '',
      n.orders.map((o) => `${o.attribute?.logicalName ?? o.alias}${o.descending ? ' desc' : ''}`).join(','),
      filter(n.filter), `[${n.links.map(node).join(';')}]`,
    ].join('|');
    const usesClock = /(last-x-days|next-x-days|today|yesterday)/.test(filter(this.query.root.filter) + this.query.root.links.map(node).join());
    return `${node(this.query.root)}#${this.ctx.userId}#${usesClock ? Math.floor(this.ctx.now / 60_000) : ''}`;
  }

  // -- filters --

  private compile(filter: FetchFilter | undefined, home: number): Predicate {
    if (!filter) return () => true;
    const parts = filter.items.map((item) => (item.kind === 'filter' ? this.compile(item, home) : this.condition(item, home)));
    return filter.type === 'and' ? (rows) => parts.every((p) => p(rows)) : (rows) => parts.some((p) => p(rows));
  }

  private condition(c: FetchCondition, home: number): Predicate {
    const node = c.entityAlias !== undefined ? this.index.get(c.entityAlias)! : home;
    const a = c.attribute;
    const get = (rows: ReadonlyArray<Row | null>): Scalar => plain(rows[node]?.[a.logicalName]);
    const { now, userId } = this.ctx;
    const today = startOfDay(now);
    const num = (): number => {
      const n = Number(c.values[0]);
      if (!Number.isInteger(n) || n < 0) throw invalidFetch(`The operator '${c.operator}' needs a whole number of days, not '${c.values[0]}'.`);
      return n;
    };
    const day = (): number => {
      const t = time(c.values[0]!.trim());
      if (t === undefined) throw invalidFetch(`The operator '${c.operator}' needs a date, not '${c.values[0]}'.`);
      return startOfDay(t);
    };
    const inRange = (from: number, to: number): Predicate => (rows) => {
      const t = time(get(rows));
      return t !== undefined && t >= from && t < to;
    };
    // Every comparison with null is false (SQL), so ne and not-like leave out rows without a value.
    const test = (fn: (v: Scalar) => boolean): Predicate => (rows) => {
      const v = get(rows);
      return v !== null && fn(v);
    };
    const values = (): Scalar[] => c.values.map((v) => literal(a, v));
    switch (c.operator) {
      case 'null': return (rows) => get(rows) === null;
      case 'not-null': return (rows) => get(rows) !== null;
      case 'eq-userid': return test((v) => v === userId);
      case 'ne-userid': return test((v) => v !== userId);
      case 'eq': { const [x] = values(); return test((v) => compare(a, v, x!) === 0); }
      case 'ne': case 'neq': { const [x] = values(); return test((v) => compare(a, v, x!) !== 0); }
      case 'lt': { const [x] = values(); return test((v) => compare(a, v, x!) < 0); }
      case 'le': { const [x] = values(); return test((v) => compare(a, v, x!) <= 0); }
      case 'gt': { const [x] = values(); return test((v) => compare(a, v, x!) > 0); }
      case 'ge': { const [x] = values(); return test((v) => compare(a, v, x!) >= 0); }
      case 'in': { const xs = values(); return test((v) => xs.some((x) => compare(a, v, x) === 0)); }
      case 'not-in': { const xs = values(); return test((v) => !xs.some((x) => compare(a, v, x) === 0)); }
      case 'between': { const [lo, hi] = values(); return test((v) => compare(a, v, lo!) >= 0 && compare(a, v, hi!) <= 0); }
      case 'not-between': { const [lo, hi] = values(); return test((v) => compare(a, v, lo!) < 0 || compare(a, v, hi!) > 0); }
      case 'like': { const re = likeRegex(c.values[0]!); return test((v) => re.test(String(v))); }
      case 'not-like': { const re = likeRegex(c.values[0]!); return test((v) => !re.test(String(v))); }
      case 'begins-with': { const re = likeRegex(`${c.values[0]}%`); return test((v) => re.test(String(v))); }
      case 'ends-with': { const re = likeRegex(`%${c.values[0]}`); return test((v) => re.test(String(v))); }
      // https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/reference/operators: from the start of the day X days ago until now.
      case 'last-x-days': { const n = num(); return inRange(today - n * DAY, now + 1); }
      case 'next-x-days': { const n = num(); return inRange(now, today + (n + 1) * DAY); }
      case 'today': return inRange(today, today + DAY);
      case 'yesterday': return inRange(today - DAY, today);
      case 'on': { const d = day(); return inRange(d, d + DAY); }
      case 'on-or-after': { const d = day(); return inRange(d, Number.MAX_SAFE_INTEGER); }
      case 'on-or-before': { const d = day(); return inRange(Number.MIN_SAFE_INTEGER, d + DAY); }
    }
  }

  // -- joins --

  /** Every row of the root table joined, filtered and ordered; `limit` stops early with the aggregate error. */
  match(limit = Number.POSITIVE_INFINITY): Matched {
    const predicates = this.nodes.map((n, i) => this.compile(n.filter, i));
    const indexes = new Map<number, Map<string, string[]>>();
    const store = this.ctx.store;
    const candidates = (node: number, parentRow: Row): Row[] => {
      const link = this.nodes[node]!.link!;
      const entity = this.nodes[node]!.entity;
      const value = plain(parentRow[link.to.logicalName]);
      if (value === null) return [];
      const key = String(value).toLowerCase();
      if (link.from.logicalName === entity.primaryIdAttribute) {
        const row = store.get(entity.logicalName, key);
        return row ? [row] : [];
      }
      let byValue = indexes.get(node);
      if (!byValue) {
        byValue = new Map();
        for (const row of store.scan(entity.logicalName)) {
          const v = plain(row[link.from.logicalName]);
          if (v === null) continue;
          const k = String(v).toLowerCase();
          const list = byValue.get(k);
          if (list) list.push(String(row[entity.primaryIdAttribute])); else byValue.set(k, [String(row[entity.primaryIdAttribute])]);
        }
        indexes.set(node, byValue);
      }
      return (byValue.get(key) ?? []).map((id) => store.get(entity.logicalName, id)!).filter(Boolean);
    };

    // Only ids and sort keys are kept, so the generated rows can be collected as the scan goes.
    const distinctColumns = this.distinctColumns();
    const tuples: Array<Tuple & { unique?: string }> = [];
    const idsOf = (rows: ReadonlyArray<Row | null>): Array<string | null> => rows.map((r, i) => (r ? String(r[this.nodes[i]!.entity.primaryIdAttribute]) : null));
    const rootEntity = this.query.root.entity;
    for (const root of store.scan(rootEntity.logicalName)) {
      let partial: Array<Array<Row | null>> = [[root]];
      for (let n = 1; n < this.nodes.length && partial.length; n++) {
        const node = this.nodes[n]!;
        const next: Array<Array<Row | null>> = [];
        for (const rows of partial) {
          const parent = rows[this.parentOf[n]!];
          const found = parent ? candidates(n, parent).filter((r) => { rows[n] = r; return predicates[n]!(rows); }) : [];
          if (found.length === 0) {
            if (node.link!.type === 'outer') next.push([...rows.slice(0, n), null]);
            continue;
          }
          for (const r of found) next.push([...rows.slice(0, n), r]);
        }
        partial = next;
      }
      for (const rows of partial) {
        if (!predicates[0]!(rows)) continue;
        const unique = distinctColumns && JSON.stringify(distinctColumns.map((c) => loose(plain(rows[c.node]?.[c.attribute.logicalName]))));
        tuples.push({ ids: idsOf(rows), key: this.sortKey(rows), ...(unique ? { unique } : {}) });
      }
      if (tuples.length > limit) throw aggregateLimitExceeded();
    }
    tuples.sort((x, y) => compareKeys(x.key, y.key, this.directions));
    const kept = distinctColumns ? distinct(tuples) : tuples;
    const canRepeat = this.nodes.some((n) => n.link && n.link.from.logicalName !== n.entity.primaryIdAttribute);
    const ordersOnLinks = this.orderColumns.some((c) => c.node !== 0);
    return {
      tuples: kept,
      cookieColumns: canRepeat || ordersOnLinks || kept !== tuples ? null : this.orderColumns.map((c) => c.attribute),
    };
  }

  /** With `distinct='true'`, the selected columns whose values make a row unique; undefined when the primary key is among them. */
  private distinctColumns(): Array<{ node: number; attribute: AttributeDef }> | undefined {
    if (!this.query.distinct || this.query.root.attributes === null) return undefined;
    const columns = this.nodes.flatMap((n, node) => (n.attributes ?? n.entity.attributes.map((attribute) => ({ attribute }))).map((a) => ({ node, attribute: a.attribute })));
    return columns.some((c) => c.node === 0 && c.attribute.logicalName === this.query.root.entity.primaryIdAttribute) ? undefined : columns;
  }

  /** The value a column sorts by: lookups by the related row's primary name, strings without case. */
  cookieValue(attribute: AttributeDef, row: Row | null): Scalar {
    const v = row?.[attribute.logicalName] ?? null;
    if (isLookupRef(v)) {
      const k = `${v.type}:${v.id}`;
      if (!this.names.has(k)) this.names.set(k, this.ctx.store.primaryName(v));
      return this.names.get(k)!;
    }
    return v;
  }

  private sortKey(rows: ReadonlyArray<Row | null>): SortKey {
    return this.orderColumns.map((c) => normalise(c.attribute, this.cookieValue(c.attribute, rows[c.node] ?? null)));
  }

  // -- shaping --

  contextUrl(): string {
    const { serviceRoot } = this.ctx;
    const root = this.query.root;
    if (root.attributes === null) return `${serviceRoot}$metadata#${root.entity.entitySetName}`;
    const cols = root.attributes.map((a) => (isLookup(a.attribute) ? `_${a.attribute.logicalName}_value` : a.attribute.logicalName));
    if (!cols.includes(root.entity.primaryIdAttribute) && !this.distinctColumns()) cols.push(root.entity.primaryIdAttribute);
    return `${serviceRoot}$metadata#${root.entity.entitySetName}(${cols.join(',')})`;
  }

  /** One row as the Web API returns fetch results: null columns left out, aliased and linked columns named by alias. */
  shape(tuple: Tuple, annotations: AnnotationFilter): Record<string, unknown> {
    const root = this.query.root;
    const row = this.row(tuple, 0)!;
    const plainColumns = root.attributes?.filter((a) => !a.alias);
    const select = plainColumns?.map((a) => (isLookup(a.attribute) ? `_${a.attribute.logicalName}_value` : a.attribute.logicalName));
    const shaped = shapeRecord(this.ctx, root.entity, row, select, undefined, annotations);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(shaped)) if (v !== null) out[k] = v;
    if (this.distinctColumns()) {
      // A distinct row stands for several records: no record key, no etag.
      delete out['@odata.etag'];
      delete out[root.entity.primaryIdAttribute];
    }
    for (const a of root.attributes ?? []) if (a.alias) this.aliased(out, a.alias, a.attribute, row, annotations);
    this.nodes.forEach((node, i) => {
      if (i === 0) return;
      const linked = this.row(tuple, i);
      if (!linked) return;
      const columns = node.attributes ?? node.entity.attributes.map((attribute): FetchAttribute => ({ attribute, groupby: false, distinct: false }));
      for (const a of columns) {
        // A linked column is named `{alias}.{column}` (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/select-columns#column-aliases);
        // the Web API writes that name with the '.' escaped, `{alias}_x002e_{column}`. An attribute alias replaces the whole name.
        this.aliased(out, a.alias ?? `${node.alias}_x002e_${a.attribute.logicalName}`, a.attribute, linked, annotations);
      }
    });
    return out;
  }

  /** An aliased value: AttributeName, FormattedValue and lookuplogicalname annotations, then the value; nothing when null. */
  private aliased(out: Record<string, unknown>, key: string, attribute: AttributeDef, row: Row, annotations: AnnotationFilter): void {
    const value = row[attribute.logicalName] ?? null;
    if (value === null) return;
    if (annotations.wants(ATTRIBUTE_NAME)) out[`${key}@${ATTRIBUTE_NAME}`] = attribute.logicalName;
    if (annotations.wants(FORMATTED_VALUE)) {
      const f = formatted(this.ctx, attribute, value);
      if (f !== undefined) out[`${key}@${FORMATTED_VALUE}`] = f;
    }
    if (isLookupRef(value) && annotations.wants(LOOKUP_LOGICAL_NAME)) out[`${key}@${LOOKUP_LOGICAL_NAME}`] = value.type;
    out[key] = isLookupRef(value) ? value.id : value;
  }

  // -- aggregates --

  aggregate(annotations: AnnotationFilter): Record<string, unknown> {
    const matched = this.match(Math.min(this.query.aggregateLimit ?? AGGREGATE_LIMIT, AGGREGATE_LIMIT));
    const columns = this.nodes.flatMap((node, i) => (node.attributes ?? []).map((a) => ({ node: i, ...a })));
    const groupBy = columns.filter((c) => c.groupby);
    const groups = new Map<string, { values: Scalar[]; rows: Array<ReadonlyArray<Row | null>> }>();
    for (const tuple of matched.tuples) {
      const rows = this.nodes.map((_, i) => this.row(tuple, i));
      const values = groupBy.map((g) => grouped(g, rows[g.node]?.[g.attribute.logicalName] ?? null));
      const key = JSON.stringify(values.map((v) => (typeof v === 'string' ? v.toLowerCase() : v)));
      const group = groups.get(key);
      if (group) group.rows.push(rows); else groups.set(key, { values, rows: [rows] });
    }
    if (groupBy.length === 0 && groups.size === 0) groups.set('[]', { values: [], rows: [] });

    const result: Array<{ record: Record<string, unknown>; byAlias: Map<string, Scalar> }> = [];
    for (const group of groups.values()) {
      const record: Record<string, unknown> = {};
      const byAlias = new Map<string, Scalar>();
      for (const c of columns) {
        const alias = c.alias!;
        let value: Scalar;
        let stored: StoredValue;
        if (c.groupby) {
          stored = group.rows[0]?.[c.node]?.[c.attribute.logicalName] ?? null;
          value = group.values[groupBy.indexOf(c)] ?? null;
          if (c.dategrouping) stored = value;
        } else {
          value = aggregateOf(c, group.rows.map((rows) => rows[c.node]?.[c.attribute.logicalName] ?? null));
          stored = value;
        }
        byAlias.set(alias, value);
        if (value === null) continue;
        if (annotations.wants(ATTRIBUTE_NAME)) record[`${alias}@${ATTRIBUTE_NAME}`] = c.attribute.logicalName;
        if (annotations.wants(FORMATTED_VALUE)) {
          const f = c.groupby && !c.dategrouping ? formatted(this.ctx, c.attribute, stored) : aggregateFormatted(c, value);
          if (f !== undefined) record[`${alias}@${FORMATTED_VALUE}`] = f;
        }
        if (isLookupRef(stored) && annotations.wants(LOOKUP_LOGICAL_NAME)) record[`${alias}@${LOOKUP_LOGICAL_NAME}`] = stored.type;
        record[alias] = value;
      }
      result.push({ record, byAlias });
    }
    const orders = this.nodes.flatMap((n) => n.orders).filter((o) => o.alias);
    for (const o of orders) if (!columns.some((c) => c.alias === o.alias)) throw invalidFetch(`The order alias '${o.alias}' is not the alias of an attribute of this query.`);
    const sortBy = orders.length ? orders.map((o) => ({ alias: o.alias!, desc: o.descending })) : groupBy.map((g) => ({ alias: g.alias!, desc: false }));
    result.sort((x, y) => compareKeys(sortBy.map((s) => loose(x.byAlias.get(s.alias))), sortBy.map((s) => loose(y.byAlias.get(s.alias))), sortBy.map((s) => s.desc)));
    return { '@odata.context': `${this.ctx.serviceRoot}$metadata#${this.query.root.entity.entitySetName}`, value: result.map((r) => r.record) };
  }
}

/** Keeps the first row of each combination of selected values (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/filter-rows#returning-distinct-results). */
function distinct<T extends { unique?: string }>(tuples: T[]): T[] {
  const seen = new Set<string>();
  return tuples.filter((t) => {
    if (seen.has(t.unique!)) return false;
    seen.add(t.unique!);
    return true;
  });
}

function loose(v: Scalar | undefined): Scalar {
  return typeof v === 'string' ? v.toLowerCase() : v ?? null;
}

/** A groupby value: the column's value (lookups as their id), or a part of a date. */
function grouped(c: FetchAttribute, value: StoredValue): Scalar {
  const v = plain(value);
  if (!c.dategrouping || v === null) return v;
  const d = new Date(time(v) ?? 0);
  switch (c.dategrouping) {
    case 'year': return d.getUTCFullYear();
    case 'quarter': return Math.floor(d.getUTCMonth() / 3) + 1;
    case 'month': return d.getUTCMonth() + 1;
    case 'day': return d.getUTCDate();
  }
}

/** Null values are left out of every aggregate (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/aggregate-data). */
function aggregateOf(c: FetchAttribute, values: StoredValue[]): Scalar {
  const present = values.map(plain).filter((v): v is string | number | boolean => v !== null);
  switch (c.aggregate) {
    case 'count': return values.length;
    case 'countcolumn': return c.distinct ? new Set(present.map((v) => (typeof v === 'string' ? v.toLowerCase() : v))).size : present.length;
    case 'sum': return present.reduce<number>((s, v) => s + Number(v), 0);
    case 'avg': {
      if (present.length === 0) return null;
      const avg = present.reduce<number>((s, v) => s + Number(v), 0) / present.length;
      // Whole-number columns average to a whole number, as SQL AVG does (the documented example gives 3,911).
      return ['Integer', 'BigInt'].includes(c.attribute.type) ? Math.trunc(avg) : avg;
    }
    case 'min': case 'max': {
      if (present.length === 0) return null;
      const sorted = [...present].sort((x, y) => compare(c.attribute, x, y));
      return c.aggregate === 'min' ? sorted[0]! : sorted[sorted.length - 1]!;
    }
    default: return null;
  }
}

function aggregateFormatted(c: FetchAttribute, value: Scalar): string | undefined {
  if (typeof value !== 'number') return typeof value === 'string' && c.attribute.type === 'DateTime' ? formatDate(value, c.attribute.format === 'DateOnly') : undefined;
  if (c.aggregate === 'count' || c.aggregate === 'countcolumn' || c.dategrouping) return formatNumber(value);
  if (c.attribute.type === 'Money') return formatMoney(value);
  if (c.attribute.type === 'Decimal' || c.attribute.type === 'Double') return formatNumber(value, c.attribute.precision ?? 2);
  return formatNumber(value);
}

// ---- ordering and the paging cookie --------------------------------------------------------

function normalise(attribute: AttributeDef, value: Scalar): Scalar {
  if (value === null) return null;
  if (typeof value === 'boolean') return Number(value);
  if (attribute.type === 'DateTime') return time(value) ?? null;
  return typeof value === 'string' ? value.toLowerCase() : value;
}

/** Column by column; null sorts first ascending (SQL Server). */
function compareKeys(a: SortKey, b: SortKey, descending: readonly boolean[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    let c: number;
    if (x === y) c = 0;
    else if (x === null) c = -1;
    else if (y === null) c = 1;
    else if (typeof x === 'number' && typeof y === 'number') c = x - y;
    else c = String(x) < String(y) ? -1 : 1;
    if (c !== 0) return descending[i] ? -c : c;
  }
  return 0;
}

function upperBound(sorted: readonly Tuple[], key: SortKey, descending: readonly boolean[]): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(sorted[mid]!.key, key, descending) <= 0) lo = mid + 1; else hi = mid;
  }
  return lo;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function xmlAttr(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function cookieText(value: Scalar): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  const s = String(value);
  return GUID.test(s) ? `{${s.toUpperCase()}}` : s;
}

/**
 * `<cookie pagenumber="2" pagingcookie="%253ccookie%2520page%253d%25221%2522%253e..." istracking="False" />`: the inner
 * cookie names each order column with the first and last values of the page, and is URL-encoded twice
 * (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/page-results).
 */
function buildCookie(page: number, columns: readonly AttributeDef[], first: Row, last: Row, runner: Execution): string {
  const inner = `<cookie page="${page}">${columns.map((a) => {
    const l = runner.cookieValue(a, last);
    return `<${a.logicalName} last="${xmlAttr(cookieText(l))}" first="${xmlAttr(cookieText(runner.cookieValue(a, first)))}"${l === null ? ' lastnull="1"' : ''} />`;
  }).join('')}</cookie>`;
  return `<cookie pagenumber="${page + 1}" pagingcookie="${innerEncode(innerEncode(inner))}" istracking="False" />`;
}

/**
 * The resume key in a `paging-cookie` the client sent back. Dataverse ignores the cookie when the
 * page is not the one after it or its columns do not match the order, and falls back to simple paging.
 */
function readCookie(text: string, page: number, columns: readonly AttributeDef[]): SortKey | undefined {
  let cookie;
  try {
    cookie = parseXml(text);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw invalidXml();
    throw e;
  }
  if (cookie.name !== 'cookie') throw invalidFetch("The paging-cookie attribute must hold the <cookie page='...'> element of the fetchxmlpagingcookie annotation, URL-decoded twice.");
  if (Number(cookie.attributes.get('page')) !== page - 1) return undefined;
  if (cookie.children.length !== columns.length || cookie.children.some((c, i) => c.name !== columns[i]!.logicalName)) return undefined;
  return cookie.children.map((c, i) => {
    const a = columns[i]!;
    if (c.attributes.get('lastnull') === '1') return null;
    const raw = c.attributes.get('last') ?? '';
    const value = GUID.test(raw.replace(/^\{|\}$/g, '')) ? raw.replace(/^\{|\}$/g, '') : raw;
    return normalise(a, NUMERIC.has(a.type) ? Number(value) : a.type === 'Boolean' ? value === '1' || value === 'true' : value);
  });
}

/**
 * Entity-set queries and record writes over a DataStore: $select, $filter,
 * $orderby, $top, $count, $expand, paging with a cookie, annotations, and
 * create/update/delete with Dataverse's validation errors. Pure (no http).
 */
import {
  AnnotationFilter, ASSOCIATED_NAVIGATION_PROPERTY, FORMATTED_VALUE, formatDate, formatMoney, formatNumber, LOOKUP_LOGICAL_NAME,
  TOTAL_RECORD_COUNT, TOTAL_RECORD_COUNT_LIMIT_EXCEEDED, type Preferences,
} from './annotations';
import { DataverseError, propertyNotFound, querySyntax, recordNotFound } from './errors';
import { compareValues, evaluate, visitPaths, type FilterAccess } from './filterEval';
import { edmType, isLookup, type AttributeDef, type EntityDef, type ManyToManyDef, type OneToManyDef } from './model';
import type { ExpandItem, Expr, OrderKey, QueryOptions } from './odataParser';
import { orderedResult, positionAfter, sortValue, type IndexedQuery } from './queryIndex';
import { buildSkipToken, encodeSkipTokenForUrl, parseSkipToken, type CookieColumn } from './pagingCookie';
import type { Schema } from './schema';
import { isLookupRef, type DataStore, type LookupRef, type Row, type StoredValue } from './store';

/** Page size cap and default (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results). */
export const MAX_PAGE_SIZE = 5000;
/** $count cap (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/count-rows). */
export const COUNT_LIMIT = 5000;

/** What a query needs to know about the org and the caller. */
export interface RecordContext {
  readonly schema: Schema;
  readonly store: DataStore;
  /** `https://host:port/api/data/v9.2/` */
  readonly serviceRoot: string;
  readonly now: number;
  readonly userId: string;
  readonly businessUnitId: string;
}

/** A navigation property as seen from one table. */
type Navigation =
  | { readonly kind: 'single'; readonly name: string; readonly attribute: AttributeDef; readonly target: string | null }
  | { readonly kind: 'oneToMany'; readonly name: string; readonly rel: OneToManyDef }
  | { readonly kind: 'manyToMany'; readonly name: string; readonly rel: ManyToManyDef; readonly self: 1 | 2 };

export function typeName(entity: EntityDef): string {
  return `Microsoft.Dynamics.CRM.${entity.logicalName}`;
}

/** Finds a navigation property by name (single-valued from lookups, collection-valued from relationships). */
export function navigation(schema: Schema, entity: EntityDef, name: string): Navigation | undefined {
  for (const rel of schema.manyToOne(entity.logicalName)) {
    if (rel.referencingNav === name) {
      const attribute = schema.attribute(entity.logicalName, rel.referencingAttribute);
      if (attribute) return { kind: 'single', name, attribute, target: rel.referencedEntity };
    }
  }
  const owner = entity.attributes.find((a) => a.type === 'Owner' && a.logicalName === name);
  if (owner) return { kind: 'single', name, attribute: owner, target: null };
  for (const rel of schema.oneToMany(entity.logicalName)) if (rel.referencedNav === name) return { kind: 'oneToMany', name, rel };
  for (const rel of schema.manyToMany(entity.logicalName)) {
    if (rel.entity1 === entity.logicalName && rel.entity1Nav === name) return { kind: 'manyToMany', name, rel, self: 1 };
    if (rel.entity2 === entity.logicalName && rel.entity2Nav === name) return { kind: 'manyToMany', name, rel, self: 2 };
  }
  return undefined;
}

/** A column reference in $select/$filter/$orderby: plain column or `_lookup_value`. */
export function resolveColumn(schema: Schema, entity: EntityDef, name: string, byLogicalName = false): AttributeDef | undefined {
  if (byLogicalName) {
    const direct = schema.attribute(entity.logicalName, name);
    if (direct) return direct;
  }
  const m = /^_(.+)_value$/.exec(name);
  if (m) {
    const a = schema.attribute(entity.logicalName, m[1]!);
    return a && isLookup(a) ? a : undefined;
  }
  const a = schema.attribute(entity.logicalName, name);
  return a && !isLookup(a) ? a : undefined;
}

function columnValue(row: Row, attribute: AttributeDef): string | number | boolean | null {
  const v = row[attribute.logicalName];
  if (v === undefined) return null;
  return isLookupRef(v) ? v.id : v;
}

/** Rows related to `row` through a collection-valued navigation. */
export function relatedRows(ctx: RecordContext, entity: EntityDef, row: Row, nav: Navigation): { entity: EntityDef; rows: Row[] } {
  const id = String(row[entity.primaryIdAttribute]);
  if (nav.kind === 'oneToMany') {
    const target = ctx.schema.entity(nav.rel.referencingEntity)!;
    const rows: Row[] = [];
    for (const r of ctx.store.scan(target.logicalName)) {
      const v = r[nav.rel.referencingAttribute];
      if (isLookupRef(v) && v.id === id && v.type === entity.logicalName) rows.push(r);
    }
    return { entity: target, rows };
  }
  if (nav.kind === 'manyToMany') {
    const otherName = nav.self === 1 ? nav.rel.entity2 : nav.rel.entity1;
    const mine = nav.self === 1 ? nav.rel.entity1IntersectAttribute : nav.rel.entity2IntersectAttribute;
    const theirs = nav.self === 1 ? nav.rel.entity2IntersectAttribute : nav.rel.entity1IntersectAttribute;
    const target = ctx.schema.entity(otherName)!;
    const rows: Row[] = [];
    if (ctx.store.hasTable(nav.rel.intersectEntity)) {
      for (const link of ctx.store.scan(nav.rel.intersectEntity)) {
        if (link[mine] === id) {
          const other = ctx.store.get(otherName, String(link[theirs]));
          if (other) rows.push(other);
        }
      }
    }
    return { entity: target, rows };
  }
  throw querySyntax(`The navigation property '${nav.name}' is not collection-valued.`);
}

function singleTarget(ctx: RecordContext, row: Row, nav: Navigation & { kind: 'single' }): { entity: EntityDef; row: Row } | null {
  const ref = row[nav.attribute.logicalName];
  if (!isLookupRef(ref)) return null;
  if (nav.target && ref.type !== nav.target) return null;
  const entity = ctx.schema.entity(ref.type);
  const target = entity ? ctx.store.get(ref.type, ref.id) : undefined;
  return entity && target ? { entity, row: target } : null;
}

/** Filter access over records of one table, with validation of every property path. */
function recordAccess(ctx: RecordContext, entity: EntityDef): FilterAccess<Row> {
  return {
    now: ctx.now,
    userId: ctx.userId,
    businessUnitId: ctx.businessUnitId,
    get: (row, path, byLogicalName) => {
      if (path.length === 1) {
        const a = resolveColumn(ctx.schema, entity, path[0]!, byLogicalName);
        return a ? columnValue(row, a) : null;
      }
      const nav = navigation(ctx.schema, entity, path[0]!);
      if (nav?.kind !== 'single') return null;
      const target = singleTarget(ctx, row, nav);
      if (!target) return null;
      const a = resolveColumn(ctx.schema, target.entity, path[1]!);
      return a ? columnValue(target.row, a) : null;
    },
    collection: (row, path) => {
      const nav = navigation(ctx.schema, entity, path[0]!)!;
      return relatedRows(ctx, entity, row, nav).rows;
    },
    inner: (path) => {
      const nav = navigation(ctx.schema, entity, path[0]!)!;
      const targetName = nav.kind === 'oneToMany' ? nav.rel.referencingEntity : nav.kind === 'manyToMany' ? (nav.self === 1 ? nav.rel.entity2 : nav.rel.entity1) : entity.logicalName;
      return recordAccess(ctx, ctx.schema.entity(targetName)!) as FilterAccess<unknown>;
    },
  };
}

const INDEXED_TYPES = new Set<AttributeDef['type']>(['Picklist', 'State', 'Status', 'Money']);
const INDEXED_BY_DEFAULT = new Set<string>([]);

/** A filter over one table as the query index runs it: the plain columns it reads come from the column index. */
export function indexedQuery(ctx: RecordContext, entity: EntityDef, filter: Expr | undefined): IndexedQuery {
  // Besides what this filter reads, the index takes the columns queries usually filter and sort by (the
  // primary name, choices, money, created and modified on, owner), so that the next query seldom needs another scan.
  const columns = new Set<string>(entity.attributes.filter((a) => INDEXED_BY_DEFAULT.has(a.logicalName) || a.logicalName === entity.primaryNameAttribute || INDEXED_TYPES.has(a.type)).map((a) => a.logicalName));
  if (filter) {
    visitPaths(filter, (path, byLogicalName) => {
      const a = path.length === 1 ? resolveColumn(ctx.schema, entity, path[0]!, byLogicalName) : undefined;
      if (a) columns.add(a.logicalName);
    });
  }
  return {
    table: entity.logicalName, filter, columns: [...columns], access: recordAccess(ctx, entity),
    resolve: (name, byLogicalName) => resolveColumn(ctx.schema, entity, name, byLogicalName)?.logicalName,
  };
}

/** Refuses a filter that names a column or navigation property the table does not have. */
export function validateFilterPaths(ctx: RecordContext, entity: EntityDef, options: QueryOptions): void {
  if (!options.filter) return;
  visitPaths(options.filter, (path, byLogicalName) => {
    if (path.length === 1) {
      const nav = navigation(ctx.schema, entity, path[0]!);
      if (nav && nav.kind !== 'single' && !byLogicalName) return; // lambda over a collection
      if (!resolveColumn(ctx.schema, entity, path[0]!, byLogicalName)) throw propertyNotFound(path[0]!, typeName(entity));
      return;
    }
    const nav = navigation(ctx.schema, entity, path[0]!);
    if (!nav) throw propertyNotFound(path[0]!, typeName(entity));
    if (nav.kind === 'single' && nav.target) {
      const target = ctx.schema.entity(nav.target)!;
      if (!resolveColumn(ctx.schema, target, path[1]!)) throw propertyNotFound(path[1]!, typeName(target));
    }
  });
}

// ---- shaping -----------------------------------------------------------------

function optionLabel(attribute: AttributeDef, value: number | boolean): string | undefined {
  const v = typeof value === 'boolean' ? Number(value) : value;
  return attribute.optionSet?.options.find((o) => o.value === v)?.label;
}

/** The FormattedValue annotation of a stored value, when the column type has one. */
export function formatted(ctx: RecordContext, attribute: AttributeDef, value: StoredValue): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (isLookupRef(value)) return ctx.store.primaryName(value) ?? undefined;
  switch (attribute.type) {
    case 'Picklist': case 'State': case 'Status': case 'Boolean': return optionLabel(attribute, value as number | boolean);
    case 'Money': return formatMoney(Number(value));
    case 'DateTime': return formatDate(String(value), attribute.format === 'DateOnly');
    case 'Integer': case 'BigInt': return formatNumber(Number(value));
    case 'Decimal': case 'Double': return formatNumber(Number(value), attribute.precision ?? 2);
    default: return undefined;
  }
}

function navName(ctx: RecordContext, entity: EntityDef, attribute: AttributeDef, ref: LookupRef): string {
  if (attribute.type === 'Owner') return attribute.logicalName;
  const rel = ctx.schema.manyToOne(entity.logicalName).find((r) => r.referencingAttribute === attribute.logicalName && r.referencedEntity === ref.type);
  return rel?.referencingNav ?? attribute.logicalName;
}

/**
 * The weak ETag of a record, from its row version: `W/"<versionnumber>"`
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api#etags).
 */
export function etagOf(row: Row): string {
  return `W/"${row['versionnumber'] ?? 1}"`;
}

/** Shapes one record for the wire: etag, selected columns (lookups as `_x_value`), annotations before their property, expansions. */
export function shapeRecord(
  ctx: RecordContext, entity: EntityDef, row: Row, select: readonly string[] | undefined, expand: readonly ExpandItem[] | undefined, annotations: AnnotationFilter,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  out['@odata.etag'] = etagOf(row);
  const columns: AttributeDef[] = select
    ? select.map((name) => resolveColumn(ctx.schema, entity, name)!).filter(Boolean)
    : entity.attributes;
  const pk = ctx.schema.attribute(entity.logicalName, entity.primaryIdAttribute)!;
  if (!columns.includes(pk)) columns.push(pk);
  for (const a of columns) {
    const value = row[a.logicalName] ?? null;
    const key = isLookup(a) ? `_${a.logicalName}_value` : a.logicalName;
    if (value !== null && annotations.any) {
      if (annotations.wants(FORMATTED_VALUE)) {
        const f = formatted(ctx, a, value);
        if (f !== undefined) out[`${key}@${FORMATTED_VALUE}`] = f;
      }
      if (isLookupRef(value)) {
        if (annotations.wants(ASSOCIATED_NAVIGATION_PROPERTY)) out[`${key}@${ASSOCIATED_NAVIGATION_PROPERTY}`] = navName(ctx, entity, a, value);
        if (annotations.wants(LOOKUP_LOGICAL_NAME)) out[`${key}@${LOOKUP_LOGICAL_NAME}`] = value.type;
      }
    }
    out[key] = isLookupRef(value) ? value.id : value;
  }
  for (const item of expand ?? []) {
    const nav = navigation(ctx.schema, entity, item.name);
    if (!nav) throw propertyNotFound(item.name, typeName(entity));
    if (nav.kind === 'single') {
      const target = singleTarget(ctx, row, nav);
      if (!target) { out[item.name] = null; continue; }
      validateSelect(ctx, target.entity, item.options.select);
      const shaped = shapeRecord(ctx, target.entity, target.row, item.options.select, item.options.expand, annotations);
      out[item.name] = nav.attribute.type === 'Owner'
        ? { '@odata.type': `#${typeName(target.entity)}`, ...shaped, ownerid: target.row[target.entity.primaryIdAttribute] }
        : shaped;
    } else {
      const related = relatedRows(ctx, entity, row, nav);
      validateSelect(ctx, related.entity, item.options.select);
      let rows = related.rows;
      if (item.options.filter) {
        const access = recordAccess(ctx, related.entity);
        rows = rows.filter((r) => evaluate(item.options.filter!, r, access));
      }
      rows = sortRows(ctx, related.entity, rows, item.options.orderby ?? []);
      if (item.options.top !== undefined) rows = rows.slice(0, item.options.top);
      out[item.name] = rows.map((r) => shapeRecord(ctx, related.entity, r, item.options.select, item.options.expand, annotations));
    }
  }
  return out;
}

function validateSelect(ctx: RecordContext, entity: EntityDef, select: readonly string[] | undefined): void {
  for (const name of select ?? []) if (!resolveColumn(ctx.schema, entity, name)) throw propertyNotFound(name, typeName(entity));
}

function contextSelect(select: readonly string[] | undefined, expand: readonly ExpandItem[] | undefined): string {
  const parts = [...(select ?? [])];
  for (const e of expand ?? []) parts.push(`${e.name}(${contextSelect(e.options.select, e.options.expand)})`);
  return parts.join(',');
}

/** `@odata.context` of a collection or a single record (`/$entity`). */
export function contextUrl(serviceRoot: string, entitySet: string, options: QueryOptions, single: boolean): string {
  const cols = contextSelect(options.select, options.expand);
  return `${serviceRoot}$metadata#${entitySet}${cols ? `(${cols})` : ''}${single ? '/$entity' : ''}`;
}

// ---- ordering and paging ---------------------------------------------------------

interface OrderColumn {
  readonly attribute: AttributeDef;
  readonly desc: boolean;
}

function orderColumns(ctx: RecordContext, entity: EntityDef, orderby: readonly OrderKey[]): OrderColumn[] {
  const cols = orderby.map((key) => {
    if (key.path.length !== 1) throw querySyntax(`Ordering by '${key.path.join('/')}' is not supported; order by a column of '${entity.logicalName}'.`);
    const a = resolveColumn(ctx.schema, entity, key.path[0]!);
    if (!a) throw propertyNotFound(key.path[0]!, typeName(entity));
    return { attribute: a, desc: key.desc };
  });
  // Stable: the primary key always ends the order (as Dataverse's paging cookie does).
  const pk = ctx.schema.attribute(entity.logicalName, entity.primaryIdAttribute)!;
  if (!cols.some((c) => c.attribute === pk)) cols.push({ attribute: pk, desc: false });
  return cols;
}

type SortKey = ReadonlyArray<string | number | boolean | null>;

function compareNullable(a: string | number | boolean | null, b: string | number | boolean | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1; // nulls sort first ascending (SQL Server)
  return Math.sign(compareValues(a, b) ?? 0);
}

function compareKeys(a: SortKey, b: SortKey, cols: readonly OrderColumn[]): number {
  for (let i = 0; i < cols.length; i++) {
    const c = compareNullable(a[i]!, b[i]!);
    if (c !== 0) return cols[i]!.desc ? -c : c;
  }
  return 0;
}

function sortRows(ctx: RecordContext, entity: EntityDef, rows: Row[], orderby: readonly OrderKey[]): Row[] {
  const cols = orderColumns(ctx, entity, orderby);
  return rows
    .map((row) => ({ row, key: cols.map((c) => columnValue(row, c.attribute)) }))
    .sort((x, y) => compareKeys(x.key, y.key, cols))
    .map((x) => x.row);
}

function cookieValueOf(v: string | number | boolean | null): string | null {
  return v === null ? null : String(v);
}

function fromCookie(attribute: AttributeDef, value: string | null): string | number | boolean | null {
  if (value === null) return null;
  switch (attribute.type) {
    case 'Integer': case 'BigInt': case 'Decimal': case 'Double': case 'Money': case 'Picklist': case 'State': case 'Status': return Number(value);
    case 'Boolean': return value === 'true';
    default: return value;
  }
}

/** First index in `sorted` strictly after `key` (binary search). */
function upperBound<T>(sorted: readonly T[], key: SortKey, keyOf: (item: T) => SortKey, cols: readonly OrderColumn[]): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keyOf(sorted[mid]!), key, cols) <= 0) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Result of a collection query. */
export interface CollectionResult {
  readonly body: Record<string, unknown>;
  readonly preferenceApplied: string[];
}

/**
 * Runs a query on an entity set. `requestPathAndQuery` is the original
 * request (path + query) so the nextLink repeats it with only the
 * `$skiptoken` added (clients must not modify the nextLink: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results).
 */
export function queryCollection(
  ctx: RecordContext, entity: EntityDef, options: QueryOptions, prefs: Preferences, requestUrl: URL,
): CollectionResult {
  validateSelect(ctx, entity, options.select);
  validateFilterPaths(ctx, entity, options);
  for (const e of options.expand ?? []) if (!navigation(ctx.schema, entity, e.name)) throw propertyNotFound(e.name, typeName(entity));
  const cols = orderColumns(ctx, entity, options.orderby ?? []);
  const annotations = new AnnotationFilter(prefs.includeAnnotations);
  const preferenceApplied: string[] = [];
  // Page size: Prefer odata.maxpagesize (at most 5,000, the default); $top is ignored when both are sent, as the page says (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results).
  let pageSize = MAX_PAGE_SIZE;
  let paged = true;
  if (prefs.maxPageSize !== undefined) {
    pageSize = Math.min(prefs.maxPageSize, MAX_PAGE_SIZE);
    preferenceApplied.push(`odata.maxpagesize=${pageSize}`);
  } else if (options.top !== undefined) {
    pageSize = Math.min(options.top, MAX_PAGE_SIZE);
    paged = false;
  }
  if (annotations.any) preferenceApplied.push(`odata.include-annotations="${prefs.includeAnnotations}"`);

  const cookie = options.skiptoken !== undefined ? parseSkipToken(options.skiptoken) : undefined;
  let resumeKey: SortKey | undefined;
  if (cookie) {
    if (cookie.columns.length !== cols.length || cookie.columns.some((c, i) => c.name !== cols[i]!.attribute.logicalName)) {
      throw querySyntax('The $skiptoken paging cookie does not match the $orderby of the query.');
    }
    resumeKey = cookie.columns.map((c, i) => fromCookie(cols[i]!.attribute, c.last));
  }

  let total: number;
  let pageRows: Row[];
  let more: boolean;
  const byPrimaryKey = cols.length === 1 && !cols[0]!.desc;
  const ids = byPrimaryKey ? ctx.store.sortedIds(entity.logicalName) : [];
  const start = byPrimaryKey && resumeKey ? upperBound(ids, resumeKey, (id) => [id], cols) : 0;
  // A filter in primary-key order without $count is paged by reading rows in order until the page is full.
  const streamed = byPrimaryKey && options.filter && !options.count ? streamPage(ctx, entity, options.filter, ids, start, pageSize) : undefined;
  if (byPrimaryKey && !options.filter) {
    // Fast path: default order by primary key, no filter: only the page's rows are generated.
    total = ids.length;
    const pageIds = ids.slice(start, start + pageSize);
    pageRows = pageIds.map((id) => ctx.store.get(entity.logicalName, id)!);
    more = start + pageSize < ids.length;
  } else if (streamed) {
    total = 0; // not asked for ($count makes the query take the cached path)
    pageRows = streamed.rows;
    more = streamed.more;
  } else {
    // Filtered or ordered: the ordered ids come from the query cache (built once per filter and order).
    const order = cols.map((c) => ({ column: c.attribute.logicalName, desc: c.desc }));
    const result = orderedResult(ctx.store, indexedQuery(ctx, entity, options.filter), order, ctx.schema.version);
    total = result.ids.length;
    const from = resumeKey ? positionAfter(result, resumeKey.map(sortValue), order) : 0;
    pageRows = result.ids.slice(from, from + pageSize).map((id) => ctx.store.get(entity.logicalName, id)!);
    more = from + pageSize < result.ids.length;
  }

  const body: Record<string, unknown> = { '@odata.context': contextUrl(ctx.serviceRoot, entity.entitySetName, options, false) };
  if (options.count) {
    // @odata.count is capped at 5,000 (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/count-rows).
    body['@odata.count'] = Math.min(total, COUNT_LIMIT);
    if (annotations.wants(TOTAL_RECORD_COUNT)) body[`@${TOTAL_RECORD_COUNT}`] = Math.min(total, COUNT_LIMIT);
    if (annotations.wants(TOTAL_RECORD_COUNT_LIMIT_EXCEEDED)) body[`@${TOTAL_RECORD_COUNT_LIMIT_EXCEEDED}`] = total > COUNT_LIMIT;
  }
  body['value'] = pageRows.map((row) => shapeRecord(ctx, entity, row, options.select, options.expand, annotations));
  if (more && paged && pageRows.length > 0) {
    const first = pageRows[0]!;
    const last = pageRows[pageRows.length - 1]!;
    const columns: CookieColumn[] = cols.map((c) => ({
      name: c.attribute.logicalName,
      last: cookieValueOf(columnValue(last, c.attribute)),
      first: cookieValueOf(columnValue(first, c.attribute)),
    }));
    const token = buildSkipToken({ pageNumber: (cookie?.pageNumber ?? 1) + 1, columns });
    body['@odata.nextLink'] = nextLink(ctx.serviceRoot, requestUrl, token);
  }
  return { body, preferenceApplied };
}

/** Rows read at most to fill one page in primary-key order before a selective filter is left to the query cache. */
const STREAM_BUDGET_PER_ROW = 4;

/**
 * One page of a filtered query in primary-key order, read row by row from `start` in `ids`: a filter that
 * keeps most rows (`contains(name,'a')`) fills a page after a few thousand rows, with no pass over the table.
 * Undefined when the page is not full after reading four rows per row wanted.
 */
function streamPage(ctx: RecordContext, entity: EntityDef, filter: Expr, ids: readonly string[], start: number, pageSize: number): { rows: Row[]; more: boolean } | undefined {
  const access = recordAccess(ctx, entity);
  const budget = Math.max(pageSize, 500) * STREAM_BUDGET_PER_ROW;
  const rows: Row[] = [];
  for (let i = start; i < ids.length; i++) {
    if (i - start >= budget) return undefined;
    const row = ctx.store.get(entity.logicalName, ids[i]!)!;
    if (!evaluate(filter, row, access)) continue;
    if (rows.length === pageSize) return { rows, more: true };
    rows.push(row);
  }
  return { rows, more: false };
}

function nextLink(serviceRoot: string, requestUrl: URL, token: string): string {
  const origin = new URL(serviceRoot).origin;
  const query = requestUrl.search.replace(/^\?/, '').split('&').filter((p) => p && !p.startsWith('$skiptoken=') && !p.startsWith('%24skiptoken='));
  query.push(`$skiptoken=${encodeSkipTokenForUrl(token)}`);
  return `${origin}${requestUrl.pathname}?${query.join('&')}`;
}

/** Count of a whole entity set (GET /accounts/$count, text/plain; capped like $count). */
export function countCollection(ctx: RecordContext, entity: EntityDef): number {
  return Math.min(ctx.store.count(entity.logicalName), COUNT_LIMIT);
}

/** GET entityset(id). */
export function retrieveRecord(ctx: RecordContext, entity: EntityDef, id: string, options: QueryOptions, prefs: Preferences): Record<string, unknown> {
  validateSelect(ctx, entity, options.select);
  const row = ctx.store.get(entity.logicalName, id);
  if (!row) throw recordNotFound(entity.logicalName, id);
  const annotations = new AnnotationFilter(prefs.includeAnnotations);
  return {
    '@odata.context': contextUrl(ctx.serviceRoot, entity.entitySetName, options, true),
    ...shapeRecord(ctx, entity, row, options.select, options.expand, annotations),
  };
}

/** Finds a record by alternate key values `accounts(accountnumber='ACC-000001')`. */
export function findByAlternateKey(ctx: RecordContext, entity: EntityDef, values: Record<string, string>): Row | undefined {
  const names = Object.keys(values).sort();
  const key = entity.keys.find((k) => [...k.keyAttributes].sort().join(',') === names.join(','));
  if (!key) throw new DataverseError(400, '0x80060888', `The key attribute(s) ${names.join(', ')} do not form an alternate key of entity '${entity.logicalName}'.`);
  // Through the column index: at full scale a scan per lookup would rebuild 100,000 rows.
  const index = ctx.store.columnIndex(entity.logicalName, names);
  const columns = names.map((n) => index.columns.get(n)!);
  for (let p = 0; p < index.ids.length; p++) {
    if (index.ids[p] !== null && names.every((n, i) => compareValues(columns[i]![p], values[n]) === 0)) return ctx.store.get(entity.logicalName, index.ids[p]!);
  }
  return undefined;
}

// ---- writes ------------------------------------------------------------------

// Row versions of writes start above every generated row's version, so a write always changes the ETag.
let versionCounter = 1_000_000_000;

function invalidProperty(name: string, entity: EntityDef): DataverseError {
  // Bad property in a POST/PATCH body (https://learn.microsoft.com/troubleshoot/power-platform/dataverse/dataverse-web-api-and-sdk/web-api-client-errors).
  return new DataverseError(400, '0x0', `An error occurred while validating input parameters: Microsoft.Crm.CrmException: Invalid property '${name}' was found in entity '${typeName(entity)}'. ---> Microsoft.OData.ODataException: Does not support untyped value in non-open type.`);
}

function validateValue(entity: EntityDef, a: AttributeDef, value: unknown): StoredValue {
  if (value === null) return null;
  const wrongType = (): DataverseError => new DataverseError(400, '0x0', `Cannot convert the literal '${String(value)}' to the expected type '${edmType(a)}'.`);
  switch (a.type) {
    case 'String': case 'Memo': {
      if (typeof value !== 'string') throw wrongType();
      if (a.maxLength !== undefined && value.length > a.maxLength) {
        // 0x80044331 (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api).
        throw new DataverseError(400, '0x80044331', `A validation error occurred. The length of the '${a.logicalName}' attribute of the '${entity.logicalName}' entity exceeded the maximum allowed length of '${a.maxLength}'.`);
      }
      return value;
    }
    case 'Integer': case 'BigInt': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType();
      if ((a.minValue !== undefined && value < a.minValue) || (a.maxValue !== undefined && value > a.maxValue)) {
        throw new DataverseError(400, '0x80044331', `A validation error occurred. The value of '${a.logicalName}' on record of type '${entity.logicalName}' is outside the valid range.`);
      }
      return value;
    }
    case 'Decimal': case 'Double': case 'Money': if (typeof value !== 'number') throw wrongType(); return value;
    case 'Boolean': if (typeof value !== 'boolean') throw wrongType(); return value;
    case 'Picklist': case 'State': case 'Status': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType();
      const options = a.optionSet?.options ?? [];
      if (!options.some((o) => o.value === value)) {
        // [INF] code 0x8004431a (OptionSetValue out of range) as reported publicly.
        throw new DataverseError(400, '0x8004431a', `A validation error occurred. The value ${value} of '${a.logicalName}' on record of type '${entity.logicalName}' is outside the valid range. Accepted Values: ${options.map((o) => o.value).join(',')}`);
      }
      return value;
    }
    case 'DateTime': {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw wrongType();
      return a.format === 'DateOnly' ? value.slice(0, 10) : new Date(value).toISOString().replace('.000Z', 'Z');
    }
    case 'Uniqueidentifier': {
      if (typeof value !== 'string' || !/^[0-9a-f-]{36}$/i.test(value)) throw wrongType();
      return value.toLowerCase();
    }
    default: throw invalidProperty(a.logicalName, entity);
  }
}

function parseBind(ctx: RecordContext, value: unknown): LookupRef | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw new DataverseError(400, '0x80048d19', `Error identified in Payload provided by the user: the @odata.bind value must be a string.`);
  const m = /(?:^|\/)([A-Za-z_][A-Za-z0-9_]*)\(([0-9a-fA-F-]{36})\)$/.exec(value.trim());
  if (!m) throw new DataverseError(400, '0x80048d19', `Error identified in Payload provided by the user: '${value}' is not a valid entity reference.`);
  const target = ctx.schema.entityBySet(m[1]!);
  if (!target) throw new DataverseError(404, '0x8006088a', `Resource not found for the segment '${m[1]}'.`);
  const id = m[2]!.toLowerCase();
  if (!ctx.store.get(target.logicalName, id)) throw recordNotFound(target.logicalName, id);
  return { id, type: target.logicalName };
}

function applyBody(ctx: RecordContext, entity: EntityDef, body: Record<string, unknown>, row: Row, creating: boolean): void {
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('@')) continue;
    const bind = /^(.+)@odata\.bind$/.exec(key);
    if (bind) {
      const nav = navigation(ctx.schema, entity, bind[1]!);
      if (nav?.kind !== 'single') {
        // Bad navigation property name in @odata.bind (https://learn.microsoft.com/troubleshoot/power-platform/dataverse/dataverse-web-api-and-sdk/web-api-client-errors).
        throw new DataverseError(400, '0x80048d19', `Error identified in Payload provided by the user for Entity :'${entity.entitySetName}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : Microsoft.OData.ODataException: An undeclared property '${bind[1]}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`);
      }
      const ref = parseBind(ctx, value);
      if (ref && nav.attribute.targets && !nav.attribute.targets.includes(ref.type)) {
        throw new DataverseError(400, '0x80048d19', `Error identified in Payload provided by the user: '${ref.type}' is not a valid target of '${nav.name}'.`);
      }
      row[nav.attribute.logicalName] = ref;
      continue;
    }
    if (key.includes('@')) continue; // other instance annotations
    const a = ctx.schema.attribute(entity.logicalName, key);
    if (!a || isLookup(a)) throw invalidProperty(key, entity);
    if (creating ? !a.isValidForCreate : !a.isValidForUpdate) continue; // read-only columns are ignored
    row[key] = validateValue(entity, a, value);
  }
}

function isoNow(now: number): string {
  return new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** POST entityset: returns the new id. */
export function createRecord(ctx: RecordContext, entity: EntityDef, body: unknown): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new DataverseError(400, '0x80048d19', 'Error identified in Payload provided by the user: the request body must be a JSON object.');
  const row: Row = {};
  for (const a of entity.attributes) row[a.logicalName] = null;
  const given = (body as Record<string, unknown>)[entity.primaryIdAttribute];
  const id = typeof given === 'string' ? given.toLowerCase() : crypto.randomUUID();
  if (ctx.store.get(entity.logicalName, id)) throw new DataverseError(412, '0x80040237', 'A record with matching key values already exists.');
  applyBody(ctx, entity, body as Record<string, unknown>, row, true);
  row[entity.primaryIdAttribute] = id;
  const stamp = isoNow(ctx.now);
  const me: LookupRef = { id: ctx.userId, type: 'systemuser' };
  const defaults: Row = {
    createdon: stamp, modifiedon: stamp, createdby: me, modifiedby: me, statecode: 0, statuscode: 1, versionnumber: ++versionCounter,
  };
  if (entity.ownershipType === 'UserOwned') {
    Object.assign(defaults, { ownerid: me, owninguser: me, owningbusinessunit: { id: ctx.businessUnitId, type: 'businessunit' } });
  }
  for (const [k, v] of Object.entries(defaults)) if (ctx.schema.attribute(entity.logicalName, k) && (row[k] === null || k === 'versionnumber' || k.startsWith('created') || k.startsWith('modified'))) row[k] = v;
  if (entity.logicalName === 'contact') row['fullname'] = [row['firstname'], row['lastname']].filter(Boolean).join(' ');
  return ctx.store.create(entity.logicalName, row);
}

/** PATCH entityset(id): update, or upsert when the row does not exist and If-Match: * was not sent. Returns true when created. */
export function updateRecord(ctx: RecordContext, entity: EntityDef, id: string, body: unknown, mustExist: boolean): boolean {
  const existing = ctx.store.get(entity.logicalName, id);
  if (!existing) {
    if (mustExist) throw recordNotFound(entity.logicalName, id);
    createRecord(ctx, entity, { ...(body as object), [entity.primaryIdAttribute]: id });
    return true;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new DataverseError(400, '0x80048d19', 'Error identified in Payload provided by the user: the request body must be a JSON object.');
  const row: Row = { ...existing };
  applyBody(ctx, entity, body as Record<string, unknown>, row, false);
  row['modifiedon'] = isoNow(ctx.now);
  row['modifiedby'] = { id: ctx.userId, type: 'systemuser' };
  row['versionnumber'] = ++versionCounter;
  if (entity.logicalName === 'contact') row['fullname'] = [row['firstname'], row['lastname']].filter(Boolean).join(' ');
  ctx.store.replace(entity.logicalName, id, row);
  return false;
}

/** DELETE entityset(id). */
export function deleteRecord(ctx: RecordContext, entity: EntityDef, id: string): void {
  if (!ctx.store.delete(entity.logicalName, id)) throw recordNotFound(entity.logicalName, id);
}

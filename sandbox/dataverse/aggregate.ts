/**
 * `$apply` over an entity set: `filter(...)` first, then `groupby((...))` with
 * or without `aggregate(...)`, or `aggregate(...)` alone; methods sum, average,
 * min, max, countdistinct and `$count`. Rows are read through the query index.
 * Shapes follow https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/aggregate-data:
 * context `$metadata#<entityset>`, one object per group, a group column that is
 * null is left out, a column reached through a lookup is named
 * `<table>_<column>` (e.g. `contact_fullname`).
 */
import { AnnotationFilter, FORMATTED_VALUE, formatNumber, type Preferences } from './annotations';
import { DataverseError, propertyNotFound, querySyntax } from './errors';
import { type AttributeDef, type EntityDef } from './model';
import type { AggregateItem, Expr, QueryOptions } from './odataParser';
import { compareSortKeys, matchingPositions, plain, sortValue, type SortValue } from './queryIndex';
import { formatted, indexedQuery, navigation, resolveColumn, typeName, validateFilterPaths, type RecordContext } from './records';
import type { StoredValue } from './store';

/**
 * Aggregate queries stop at 50,000 source rows with error 0x8004E023
 * (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/aggregate-data#per-query-limit;
 * the Web API answers 400 with the platform message).
 */
export const AGGREGATE_RECORD_LIMIT = 50_000;

/** 400 0x8004e023: the aggregate would read more than 50,000 rows. */
export function aggregateLimitExceeded(): DataverseError {
  return new DataverseError(400, '0x8004e023', 'AggregateQueryRecordLimit exceeded. Cannot perform this operation.');
}

const NUMERIC = new Set<AttributeDef['type']>(['Integer', 'BigInt', 'Decimal', 'Double', 'Money']);

/** A grouped column: where its value comes from and the property name it gets. */
interface GroupColumn {
  readonly path: readonly string[];
  readonly attribute: AttributeDef;
  readonly name: string;
}

function groupColumn(ctx: RecordContext, entity: EntityDef, path: readonly string[]): GroupColumn {
  if (path.length === 1) {
    const attribute = resolveColumn(ctx.schema, entity, path[0]!);
    if (!attribute) throw propertyNotFound(path[0]!, typeName(entity));
    return { path, attribute, name: path[0]! };
  }
  const nav = navigation(ctx.schema, entity, path[0]!);
  if (nav?.kind !== 'single' || !nav.target) throw propertyNotFound(path[0]!, typeName(entity));
  const target = ctx.schema.entity(nav.target)!;
  const attribute = resolveColumn(ctx.schema, target, path[1]!);
  if (!attribute) throw propertyNotFound(path[1]!, typeName(target));
  return { path, attribute, name: `${target.logicalName}_${path[1]}` };
}

function aggregateColumn(ctx: RecordContext, entity: EntityDef, item: AggregateItem & { kind: 'with' }): AttributeDef {
  if (item.path.length !== 1) throw querySyntax(`Aggregating '${item.path.join('/')}' is not supported; aggregate a column of '${entity.logicalName}'.`);
  const attribute = resolveColumn(ctx.schema, entity, item.path[0]!);
  if (!attribute) throw propertyNotFound(item.path[0]!, typeName(entity));
  const numeric = NUMERIC.has(attribute.type);
  const fits = item.method === 'countdistinct' || numeric || ((item.method === 'min' || item.method === 'max') && attribute.type === 'DateTime');
  if (!fits) throw querySyntax(`The aggregation method '${item.method}' cannot be applied to '${item.path[0]}' (${attribute.type}); use it on a number, money or, for min and max, a date column.`);
  return attribute;
}

function compute(item: AggregateItem & { kind: 'with' }, values: readonly SortValue[]): SortValue {
  const present = values.filter((v) => v !== null);
  switch (item.method) {
    case 'countdistinct': return new Set(present.map(sortValue)).size;
    case 'sum': return present.length ? round(present.reduce<number>((s, v) => s + Number(v), 0)) : null;
    case 'average': return present.length ? round(present.reduce<number>((s, v) => s + Number(v), 0) / present.length) : null;
    case 'min': case 'max': {
      let best: SortValue = null;
      for (const v of present) {
        if (best === null) { best = v; continue; }
        const c = compareSortKeys([v], [best], [{ column: '', desc: false }]);
        if (item.method === 'min' ? c < 0 : c > 0) best = v;
      }
      return best;
    }
  }
}

/** Money and decimals have at most 10 decimal places; keeps float noise out of sums and averages. */
function round(n: number): number {
  return Math.round(n * 1e10) / 1e10;
}

/** GET entityset?$apply=...: the grouped and aggregated rows. */
export function aggregateCollection(ctx: RecordContext, entity: EntityDef, options: QueryOptions, prefs: Preferences): { body: Record<string, unknown>; preferenceApplied: string[] } {
  const spec = options.apply!;
  if (options.select || options.expand) throw querySyntax('$select and $expand cannot be combined with $apply; name the columns in groupby((...)).');
  const filter: Expr | undefined = spec.filter && options.filter ? { k: 'bin', op: 'and', left: spec.filter, right: options.filter } : spec.filter ?? options.filter;
  validateFilterPaths(ctx, entity, { aliases: {}, filter });
  const groups = (spec.groupby ?? []).map((path) => groupColumn(ctx, entity, path));
  // "groupby with datetime values is not supported" (the aggregate-data page cited above).
  const dated = groups.find((g) => g.attribute.type === 'DateTime');
  if (dated) throw querySyntax(`groupby with datetime values is not supported: '${dated.path.join('/')}' is a date and time column; group by another column, or aggregate it with min or max.`);
  const aggregates = spec.aggregates.map((item) => ({ item, attribute: item.kind === 'with' ? aggregateColumn(ctx, entity, item) : undefined }));

  const query = indexedQuery(ctx, entity, filter);
  const direct = [...groups.filter((g) => g.path.length === 1).map((g) => g.attribute), ...aggregates.flatMap((a) => (a.attribute ? [a.attribute] : []))];
  const { index, positions } = matchingPositions(ctx.store, { ...query, columns: [...query.columns, ...direct.map((a) => a.logicalName)] });
  if (positions.length > AGGREGATE_RECORD_LIMIT) throw aggregateLimitExceeded();

  const read = (path: readonly string[], attribute: AttributeDef, position: number): StoredValue => {
    if (path.length === 1) return index.columns.get(attribute.logicalName)![position] ?? null;
    const row = ctx.store.get(entity.logicalName, index.ids[position]!)!;
    return query.access.get(row, path) as StoredValue;
  };

  // Group the matched rows; without groupby every row is in one group (even when none matched).
  const buckets = new Map<string, { raw: StoredValue[]; key: SortValue[]; positions: number[] }>();
  for (const position of positions) {
    const raw = groups.map((g) => read(g.path, g.attribute, position));
    const key = raw.map((v) => sortValue(plain(v)));
    const id = JSON.stringify(key);
    let bucket = buckets.get(id);
    if (!bucket) { bucket = { raw, key, positions: [] }; buckets.set(id, bucket); }
    bucket.positions.push(position);
  }
  if (groups.length === 0 && buckets.size === 0) buckets.set('[]', { raw: [], key: [], positions: [] });

  const annotations = new AnnotationFilter(prefs.includeAnnotations);
  const wantsFormatted = annotations.any && annotations.wants(FORMATTED_VALUE);
  const put = (out: Record<string, unknown>, name: string, value: SortValue, display: string | undefined): void => {
    if (wantsFormatted && display !== undefined) out[`${name}@${FORMATTED_VALUE}`] = display;
    out[name] = value;
  };

  let ordered = [...buckets.values()].sort((x, y) => compareSortKeys(x.key, y.key, groups.map(() => ({ column: '', desc: false }))));
  ordered = orderGroups(ordered, groups, aggregates.map((a) => a.item.alias), options);
  if (options.top !== undefined) ordered = ordered.slice(0, options.top);

  const value = ordered.map((bucket) => {
    const out: Record<string, unknown> = {};
    groups.forEach((g, i) => {
      const raw = bucket.raw[i] ?? null;
      if (raw !== null) put(out, g.name, plain(raw), formatted(ctx, g.attribute, raw));
    });
    for (const { item, attribute } of aggregates) {
      if (item.kind === 'count') { put(out, item.alias, bucket.positions.length, formatNumber(bucket.positions.length)); continue; }
      const result = compute(item, bucket.positions.map((p) => plain(read(item.path, attribute!, p))));
      const display = result === null ? undefined : item.method === 'countdistinct' ? formatNumber(Number(result)) : formatted(ctx, attribute!, result);
      put(out, item.alias, result, display);
    }
    return out;
  });
  return {
    body: { '@odata.context': `${ctx.serviceRoot}$metadata#${entity.entitySetName}`, value },
    preferenceApplied: annotations.any ? [`odata.include-annotations="${prefs.includeAnnotations}"`] : [],
  };
}

function orderGroups<T extends { key: SortValue[] }>(buckets: T[], groups: readonly GroupColumn[], aliases: readonly string[], options: QueryOptions): T[] {
  if (!options.orderby?.length) return buckets;
  const order = options.orderby.map((o) => {
    const name = o.path.join('/');
    // Ordering by an aggregate value is refused, with the error the documentation quotes.
    if (aliases.includes(name)) throw querySyntax('The query node SingleValueOpenPropertyAccess is not supported');
    const i = groups.findIndex((g) => g.path.join('/') === name);
    if (i < 0) throw querySyntax(`$orderby with $apply can only name a grouped column; '${name}' is not one.`);
    return { i, desc: o.desc };
  });
  return [...buckets].sort((x, y) => compareSortKeys(order.map((o) => x.key[o.i]!), order.map((o) => y.key[o.i]!), order.map((o) => ({ column: '', desc: o.desc }))));
}

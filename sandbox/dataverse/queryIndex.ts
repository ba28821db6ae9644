/**
 * Filtered and ordered queries over large tables without a scan per page: the
 * rows a query matches are found once, through a column index of the store
 * (only the columns the query reads, not whole rows), sorted once, and the
 * ordered ids are cached under the query's normalised filter and order. Any
 * write to the org makes every cached result stale, because filters can read
 * related rows. Later pages, and repeats of the query, binary-search the
 * cached order with the paging cookie's values.
 */
import { evaluate, type FilterAccess } from './filterEval';
import type { Expr } from './odataParser';
import { isLookupRef, type ColumnIndex, type DataStore, type Row, type StoredValue } from './store';

/** A value a row sorts by: strings lower-cased (Dataverse compares them case-insensitively), lookups as their id. */
export type SortValue = string | number | boolean | null;
export type SortKey = readonly SortValue[];

/** What a query over one table reads. */
export interface IndexedQuery {
  readonly table: string;
  readonly filter?: Expr;
  /** Logical names of the plain columns the filter and order read; they are served from the column index. */
  readonly columns: readonly string[];
  /** Reads anything else (related rows, lambdas) from the whole row. */
  readonly access: FilterAccess<Row>;
  /** Logical name of the column a one-segment filter path names, when it is a plain column or a `_x_value` lookup. */
  readonly resolve: (name: string, byLogicalName?: boolean) => string | undefined;
}

/** One order column by logical name. */
export interface IndexedOrder {
  readonly column: string;
  readonly desc: boolean;
}

/** The ids a query matches in order, with the sort values of each, one array per order column. */
export interface OrderedResult {
  readonly ids: readonly string[];
  readonly keyColumns: ReadonlyArray<readonly SortValue[]>;
}

const CACHE_SIZE = 16;
const caches = new WeakMap<DataStore, Map<string, { generation: number; result: OrderedResult }>>();

/** Plain value of a stored value for comparisons: a lookup compares by its id. */
export function plain(value: StoredValue | undefined): SortValue {
  if (value === undefined) return null;
  return isLookupRef(value) ? value.id : value;
}

/** Normalises a value for sorting the way compareValues compares (case-insensitive strings). */
export function sortValue(value: SortValue): SortValue {
  return typeof value === 'string' ? value.toLowerCase() : value;
}

function compareSortValues(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return -1; // nulls sort first ascending (SQL Server)
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two normalised keys under an order. */
export function compareSortKeys(a: SortKey, b: SortKey, order: readonly IndexedOrder[]): number {
  for (let i = 0; i < order.length; i++) {
    const c = compareSortValues(a[i]!, b[i]!);
    if (c !== 0) return order[i]!.desc ? -c : c;
  }
  return 0;
}

/** Positions in the column index of the rows the filter matches, in scan order. */
export function matchingPositions(store: DataStore, query: IndexedQuery): { index: ColumnIndex; positions: number[] } {
  const index = store.columnIndex(query.table, query.columns);
  const full = (position: number): Row => store.get(query.table, index.ids[position]!)!;
  const served = new Map<string, StoredValue[] | null>();
  const base = query.access;
  const access: FilterAccess<number> = {
    now: base.now,
    userId: base.userId,
    businessUnitId: base.businessUnitId,
    get: (position, path, byLogicalName) => {
      if (path.length === 1) {
        const key = `${byLogicalName ? '#' : ''}${path[0]}`;
        let column = served.get(key);
        if (column === undefined) {
          const name = query.resolve(path[0]!, byLogicalName);
          column = (name && index.columns.get(name)) || null;
          served.set(key, column);
        }
        if (column) return plain(column[position]);
      }
      return base.get(full(position), path, byLogicalName);
    },
    collection: base.collection ? (position, path) => base.collection!(full(position), path) : undefined,
    inner: base.inner,
  };
  const positions: number[] = [];
  for (let p = 0; p < index.ids.length; p++) {
    if (index.ids[p] === null) continue;
    if (query.filter && !evaluate(query.filter, p, access)) continue;
    positions.push(p);
  }
  return { index, positions };
}

function cacheKey(query: IndexedQuery, order: readonly IndexedOrder[], schemaVersion: number): string {
  const filter = query.filter ? JSON.stringify(query.filter) : '';
  // Query functions (Today, EqualUserId...) depend on the clock and the caller.
  const context = filter.includes('"k":"crm"') ? `${query.access.now}|${query.access.userId}` : '';
  return `${query.table}|${schemaVersion}|${filter}|${order.map((o) => `${o.column} ${o.desc ? 'desc' : 'asc'}`).join(',')}|${context}`;
}

/**
 * The ids a query matches, sorted by `order` (which ends with the primary key), cached under the
 * normalised filter and order until the next write to the org.
 */
export function orderedResult(store: DataStore, query: IndexedQuery, order: readonly IndexedOrder[], schemaVersion: number): OrderedResult {
  let cache = caches.get(store);
  if (!cache) { cache = new Map(); caches.set(store, cache); }
  const key = cacheKey(query, order, schemaVersion);
  const hit = cache.get(key);
  if (hit && hit.generation === store.generation) {
    cache.delete(key);
    cache.set(key, hit); // most recently used last
    return hit.result;
  }
  const { index, positions } = matchingPositions(store, { ...query, columns: [...query.columns, ...order.map((o) => o.column)] });
  // Column-major keys and a sorted permutation: no object per matched row.
  const unsorted = order.map((o) => {
    const values = index.columns.get(o.column)!;
    return positions.map((p) => sortValue(plain(values[p])));
  });
  const permutation = Uint32Array.from(positions.keys());
  permutation.sort((a, b) => {
    for (let c = 0; c < order.length; c++) {
      const r = compareSortValues(unsorted[c]![a]!, unsorted[c]![b]!);
      if (r !== 0) return order[c]!.desc ? -r : r;
    }
    return 0;
  });
  const ids = Array.from(permutation, (i) => index.ids[positions[i]!]!);
  const result: OrderedResult = { ids, keyColumns: unsorted.map((column) => Array.from(permutation, (i) => column[i]!)) };
  cache.set(key, { generation: store.generation, result });
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return result;
}

/** First position in an ordered result strictly after `key` (binary search). */
export function positionAfter(result: OrderedResult, key: SortKey, order: readonly IndexedOrder[]): number {
  let lo = 0;
  let hi = result.ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareSortKeys(result.keyColumns.map((column) => column[mid]!), key, order) <= 0) lo = mid + 1; else hi = mid;
  }
  return lo;
}

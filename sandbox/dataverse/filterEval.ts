/**
 * Evaluates a parsed $filter against an item through an accessor, so the same
 * code filters records and metadata. Comparisons follow Dataverse: strings
 * compare case-insensitively (SQL collation), null only equals null.
 */
import { querySyntax } from './errors';
import type { Expr, Literal } from './odataParser';

/** How a filter reads an item. */
export interface FilterAccess<T> {
  /** Value at a property path of the item; `byLogicalName` for query functions, whose PropertyName is a column's logical name. */
  get(item: T, path: readonly string[], byLogicalName?: boolean): unknown;
  /** Items of a collection-valued property, for any/all. */
  collection?(item: T, path: readonly string[]): readonly unknown[];
  /** Accessor for the items of a collection in a lambda. */
  inner?(path: readonly string[]): FilterAccess<unknown>;
  /** "Now" in ms since the epoch (query functions such as Today). */
  readonly now: number;
  /** The caller's systemuserid (EqualUserId) and business unit (EqualBusinessId). */
  readonly userId?: string;
  readonly businessUnitId?: string;
}

const DAY = 86_400_000;

function literalValue(lit: Literal): unknown {
  return lit.value;
}

function asTime(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(t) ? undefined : t;
}

/** Three-way comparison; undefined when the values are not comparable (null involved). */
export function compareValues(a: unknown, b: unknown, hint?: Literal['type']): number | undefined {
  if (a === null || a === undefined || b === null || b === undefined) return undefined;
  if (hint === 'datetime' || hint === 'date') {
    const ta = asTime(a); const tb = asTime(b);
    if (ta === undefined || tb === undefined) return undefined;
    return ta - tb;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'number' && typeof b === 'string' && b.trim() !== '' && !Number.isNaN(Number(b))) return a - Number(b);
  if (typeof a === 'boolean' && typeof b === 'string') return Number(a) - Number(b === 'true' || b === '1');
  const sa = String(a).toLowerCase();
  const sb = String(b).toLowerCase();
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function startOfDay(t: number): number {
  return Math.floor(t / DAY) * DAY;
}

/** Evaluates a filter for one item. */
export function evaluate<T>(expr: Expr, item: T, access: FilterAccess<T>): boolean {
  return Boolean(value(expr, item, access));
}

function value<T>(expr: Expr, item: T, access: FilterAccess<T>): unknown {
  switch (expr.k) {
    case 'lit': return literalValue(expr);
    case 'path': return access.get(item, expr.path);
    case 'not': return !value(expr.operand, item, access);
    case 'bin': {
      if (expr.op === 'and') return Boolean(value(expr.left, item, access)) && Boolean(value(expr.right, item, access));
      if (expr.op === 'or') return Boolean(value(expr.left, item, access)) || Boolean(value(expr.right, item, access));
      const l = value(expr.left, item, access);
      const r = value(expr.right, item, access);
      const hint = expr.right.k === 'lit' ? expr.right.type : expr.left.k === 'lit' ? expr.left.type : undefined;
      if (expr.op === 'eq' || expr.op === 'ne') {
        const bothNull = (l === null || l === undefined) && (r === null || r === undefined);
        const equal = bothNull || compareValues(l, r, hint) === 0;
        return expr.op === 'eq' ? equal : !equal;
      }
      const c = compareValues(l, r, hint);
      if (c === undefined) return false;
      switch (expr.op) {
        case 'gt': return c > 0;
        case 'ge': return c >= 0;
        case 'lt': return c < 0;
        default: return c <= 0;
      }
    }
    case 'call': {
      const [a, b] = expr.args.map((arg) => value(arg, item, access));
      if (a === null || a === undefined || b === null || b === undefined) return false;
      const sa = String(a).toLowerCase();
      const sb = String(b).toLowerCase();
      if (expr.name === 'contains') return sa.includes(sb);
      if (expr.name === 'startswith') return sa.startsWith(sb);
      return sa.endsWith(sb);
    }
    case 'lambda': {
      if (!access.collection || !access.inner) throw querySyntax(`The '${expr.op}' operator is not supported on '${expr.path.join('/')}'.`);
      const items = access.collection(item, expr.path);
      if (!expr.predicate) return items.length > 0;
      const inner = access.inner(expr.path);
      const variable = expr.variable!;
      const innerAccess: FilterAccess<unknown> = {
        ...inner,
        get: (it, path) => inner.get(it, path[0] === variable ? path.slice(1) : path),
      };
      return expr.op === 'any'
        ? items.some((it) => evaluate(expr.predicate!, it, innerAccess))
        : items.every((it) => evaluate(expr.predicate!, it, innerAccess));
    }
    case 'crm': return crmFunction(expr.name, expr.params, item, access);
  }
}

/** Query functions (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/queryfunctions). */
function crmFunction<T>(name: string, params: Readonly<Record<string, Literal | readonly Literal[]>>, item: T, access: FilterAccess<T>): boolean {
  const prop = params['PropertyName'];
  if (!prop || Array.isArray(prop)) throw querySyntax(`The function 'Microsoft.Dynamics.CRM.${name}' requires a PropertyName parameter.`);
  const actual = access.get(item, [String((prop as Literal).value)], true);
  const single = params['PropertyValue'] as Literal | undefined;
  const list = (params['PropertyValues'] as readonly Literal[] | undefined) ?? [];
  const n = single ? Number(single.value) : 0;
  const now = access.now;
  const t = asTime(actual);
  const today = startOfDay(now);
  const inDay = (day: number): boolean => t !== undefined && t >= day && t < day + DAY;
  switch (name) {
    case 'Today': return inDay(today);
    case 'Yesterday': return inDay(today - DAY);
    case 'Tomorrow': return inDay(today + DAY);
    case 'LastXDays': return t !== undefined && t >= today - n * DAY && t <= now;
    case 'NextXDays': return t !== undefined && t >= now && t < today + (n + 1) * DAY;
    case 'Last7Days': return t !== undefined && t >= today - 7 * DAY && t <= now;
    case 'Next7Days': return t !== undefined && t >= now && t < today + 8 * DAY;
    case 'LastXHours': return t !== undefined && t >= now - n * 3_600_000 && t <= now;
    case 'NextXHours': return t !== undefined && t >= now && t <= now + n * 3_600_000;
    case 'OlderThanXDays': return t !== undefined && t < today - n * DAY;
    case 'On': return single !== undefined && inDay(startOfDay(asTime(single.value) ?? NaN));
    case 'OnOrAfter': return t !== undefined && single !== undefined && t >= startOfDay(asTime(single.value) ?? NaN);
    case 'OnOrBefore': return t !== undefined && single !== undefined && t < startOfDay(asTime(single.value) ?? NaN) + DAY;
    case 'ThisYear': return t !== undefined && new Date(t).getUTCFullYear() === new Date(now).getUTCFullYear();
    case 'LastYear': return t !== undefined && new Date(t).getUTCFullYear() === new Date(now).getUTCFullYear() - 1;
    case 'ThisMonth': {
      const a = new Date(now); const b = t === undefined ? undefined : new Date(t);
      return b !== undefined && a.getUTCFullYear() === b.getUTCFullYear() && a.getUTCMonth() === b.getUTCMonth();
    }
    case 'In': return list.some((v) => compareValues(actual, v.value) === 0);
    case 'NotIn': return actual !== null && actual !== undefined && !list.some((v) => compareValues(actual, v.value) === 0);
    case 'Between':
    case 'NotBetween': {
      if (list.length !== 2) throw querySyntax(`The function 'Microsoft.Dynamics.CRM.${name}' requires two PropertyValues.`);
      const hint = list[0]!.type === 'datetime' || list[0]!.type === 'date' ? list[0]!.type : undefined;
      const lo = compareValues(actual, list[0]!.value, hint);
      const hi = compareValues(actual, list[1]!.value, hint);
      if (lo === undefined || hi === undefined) return false;
      const between = lo >= 0 && hi <= 0;
      return name === 'Between' ? between : !between;
    }
    case 'EqualUserId': return access.userId !== undefined && compareValues(actual, access.userId) === 0;
    case 'NotEqualUserId': return access.userId === undefined || compareValues(actual, access.userId) !== 0;
    case 'EqualBusinessId': return access.businessUnitId !== undefined && compareValues(actual, access.businessUnitId) === 0;
    case 'NotEqualBusinessId': return access.businessUnitId === undefined || compareValues(actual, access.businessUnitId) !== 0;
    default: throw querySyntax(`An unknown function with name 'Microsoft.Dynamics.CRM.${name}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`);
  }
}

/** Calls `visit` with every property path of a filter (outside lambda bodies), to validate them before evaluation. */
export function visitPaths(expr: Expr, visit: (path: readonly string[], byLogicalName?: boolean) => void): void {
  switch (expr.k) {
    case 'path': visit(expr.path); break;
    case 'bin': visitPaths(expr.left, visit); visitPaths(expr.right, visit); break;
    case 'not': visitPaths(expr.operand, visit); break;
    case 'call': expr.args.forEach((a) => visitPaths(a, visit)); break;
    case 'crm': {
      const prop = expr.params['PropertyName'];
      if (prop && !Array.isArray(prop)) visit([String((prop as Literal).value)], true);
      break;
    }
    case 'lambda': visit(expr.path); break;
    default: break;
  }
}

/**
 * Names the parser knows without metadata: OData's built-in functions (OData
 * 4.01 URL Conventions, section 5.1.1 "Built-in Query Functions",
 * https://docs.oasis-open.org/odata/odata/v4.01/odata-v4.01-part2-url-conventions.html)
 * and Dataverse's query functions
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/queryfunctions).
 */

/** Built-in functions: name -> [min, max] argument count. */
export const BUILT_IN_FUNCTIONS: ReadonlyMap<string, readonly [number, number]> = new Map([
  ['contains', [2, 2]], ['startswith', [2, 2]], ['endswith', [2, 2]], ['indexof', [2, 2]], ['concat', [2, 2]],
  ['substring', [2, 3]], ['matchesPattern', [2, 2]], ['length', [1, 1]], ['tolower', [1, 1]], ['toupper', [1, 1]], ['trim', [1, 1]],
  ['year', [1, 1]], ['month', [1, 1]], ['day', [1, 1]], ['hour', [1, 1]], ['minute', [1, 1]], ['second', [1, 1]],
  ['fractionalseconds', [1, 1]], ['totalseconds', [1, 1]], ['totaloffsetminutes', [1, 1]], ['date', [1, 1]], ['time', [1, 1]],
  ['now', [0, 0]], ['mindatetime', [0, 0]], ['maxdatetime', [0, 0]],
  ['round', [1, 1]], ['floor', [1, 1]], ['ceiling', [1, 1]],
  ['cast', [1, 2]], ['isof', [1, 2]],
  ['geo.distance', [2, 2]], ['geo.length', [1, 1]], ['geo.intersects', [2, 2]],
  ['hassubset', [2, 2]], ['hassubsequence', [2, 2]],
] as const);

/** The Dataverse namespace that qualifies its query functions and enum types. */
export const DATAVERSE_NAMESPACE = 'Microsoft.Dynamics.CRM';

/** Which named parameters a Dataverse query function takes besides PropertyName. */
export type QueryFunctionShape = 'name' | 'value' | 'values';

const NAME_ONLY = [
  'EqualBusinessId', 'EqualUserId', 'EqualUserLanguage', 'EqualUserOrUserHierarchy', 'EqualUserOrUserHierarchyAndTeams',
  'EqualUserOrUserTeams', 'EqualUserTeams', 'Last7Days', 'LastFiscalPeriod', 'LastFiscalYear', 'LastMonth', 'LastWeek',
  'LastYear', 'Next7Days', 'NextFiscalPeriod', 'NextFiscalYear', 'NextMonth', 'NextWeek', 'NextYear', 'NotEqualBusinessId',
  'NotEqualUserId', 'ThisFiscalPeriod', 'ThisFiscalYear', 'ThisMonth', 'ThisWeek', 'ThisYear', 'Today', 'Tomorrow', 'Yesterday',
];
const ONE_VALUE = [
  'Above', 'AboveOrEqual', 'InFiscalPeriod', 'InFiscalYear', 'LastXDays', 'LastXFiscalPeriods', 'LastXFiscalYears',
  'LastXHours', 'LastXMonths', 'LastXWeeks', 'LastXYears', 'NextXDays', 'NextXFiscalPeriods', 'NextXFiscalYears', 'NextXHours',
  'NextXMonths', 'NextXWeeks', 'NextXYears', 'NotUnder', 'OlderThanXDays', 'OlderThanXHours', 'OlderThanXMinutes',
  'OlderThanXMonths', 'OlderThanXWeeks', 'OlderThanXYears', 'On', 'OnOrAfter', 'OnOrBefore', 'Under', 'UnderOrEqual',
];
const VALUES = [
  'Between', 'ContainValues', 'DoesNotContainValues', 'In', 'InFiscalPeriodAndYear', 'InOrAfterFiscalPeriodAndYear',
  'InOrBeforeFiscalPeriodAndYear', 'NotBetween', 'NotIn',
];

/** Dataverse query functions by unqualified name. */
export const DATAVERSE_QUERY_FUNCTIONS: ReadonlyMap<string, QueryFunctionShape> = new Map([
  ...NAME_ONLY.map((n) => [n, 'name'] as const),
  ...ONE_VALUE.map((n) => [n, 'value'] as const),
  ...VALUES.map((n) => [n, 'values'] as const),
]);

/** System query options the parser reads at the top level of a URL. */
export const SYSTEM_OPTIONS = [
  '$select', '$filter', '$orderby', '$top', '$skip', '$count', '$expand', '$apply', '$search', '$format', '$skiptoken',
  '$compute', '$deltatoken', '$schemaversion', '$index', '$id',
] as const;

/** Options allowed inside `$expand(...)`. */
export const EXPAND_OPTIONS = ['$select', '$filter', '$orderby', '$top', '$skip', '$count', '$expand', '$search', '$levels', '$compute'] as const;

/** Dataverse's own (non-$) query options. */
export const DATAVERSE_OPTIONS = ['fetchXml', 'savedQuery', 'userQuery'] as const;

/** Path segments that start with `$`. */
export const DOLLAR_SEGMENTS = ['$count', '$ref', '$value', '$metadata', '$batch', '$entity', '$all', '$crossjoin', '$each', '$query', '$filter'] as const;

/** The closest candidate within a small edit distance, for "did you mean". */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(w.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(w, c.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

/**
 * The candidates nearest to a typo, within the distance `closest` accepts,
 * counting a swap of two neighbouring letters as one edit: all of them when
 * several are equally near (at most `max`). "Did you mean" lists them, and a
 * fix is offered only when there is exactly one.
 */
export function nearest(word: string, candidates: Iterable<string>, max = 3): string[] {
  const w = word.toLowerCase();
  let best = Math.max(2, Math.floor(w.length / 3));
  let found: string[] = [];
  for (const c of candidates) {
    const d = typoDistance(w, c.toLowerCase(), best + 1);
    if (d > best) continue;
    if (d < best) {
      best = d;
      found = [];
    }
    found.push(c);
  }
  return found.slice(0, max);
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), or `limit` when it is at least that. */
function typoDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j], before[j - 2] + 1);
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length];
}

function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Completion inside a request URL. Offsets here are URL offsets (into
 * `request.url`); complete.ts maps them to the file. `contextAt` says which
 * slot the cursor is in; this module fills it from the metadata of the one
 * table that slot belongs to.
 */
import type { Column, Relationship, TableSummary } from '../dataverse/metadata/model';
import type { RequestUrl } from './ast';
import type { CompletionItem } from './complete';
import { EXPAND_QUERY_OPTIONS, FILTER_FUNCTIONS, FILTER_URL, OPERATORS, QUERY_FUNCTIONS_URL, QUERY_OPTIONS, UNBOUND_FUNCTIONS, type Help } from './completionHelp';
import { contextAt, type CompletionContext } from './context';
import { columnMarkdown, columnType, navigationMarkdown, relationshipKind, tableMarkdown } from './describe';
import { completeFetchXml } from './completeFetchXml';
import type { Token } from './lexer';
import { code, plain } from './markdown';
import { followPath, lambdaTables, memberTable, navigate, openLambdas, optionAt, pathTable, type Resolver } from './metadataPath';
import { DATAVERSE_NAMESPACE, DATAVERSE_QUERY_FUNCTIONS } from './vocabulary';

/** Completion items and the URL range they replace. */
export interface UrlCompletions {
  items: CompletionItem[];
  replaceStart: number;
  replaceEnd: number;
  /** The slot the cursor was in (for callers that add items, e.g. methods at the start of a line). */
  slot: CompletionContext['slot'];
}

const COMPARISON = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

function helpDoc(h: Help): string {
  return `${h.summary}\n\n[Documentation](${h.url})`;
}

/** Completions at a URL offset of `url` (parsed as `tree`). */
export async function completeUrl(url: string, tree: RequestUrl, offset: number, r: Resolver | undefined): Promise<UrlCompletions | undefined> {
  const ctx = contextAt(tree, offset);
  const out = (items: CompletionItem[], start = ctx.replaceStart, end = ctx.replaceEnd): UrlCompletions => ({ items, replaceStart: start, replaceEnd: end, slot: ctx.slot });
  switch (ctx.slot) {
    case 'entitySet':
      return out([...(r ? await entitySetItems(r) : []), ...unboundFunctionItems()]);
    case 'pathSegment':
      return out(await pathSegmentItems(tree, ctx, r));
    case 'keyOrParameter':
      return keyItems(url, tree, offset, r, ctx);
    case 'queryOptionName':
    case 'expandOptionName':
      return out(optionNameItems(url, tree, ctx, offset));
    case 'selectItem': {
      const table = await levelTable(tree, ctx, r);
      if (!r || !table || ctx.memberPath.length) return out([]);
      const chosen = selected(tree, offset);
      return out((await columnItems(r, table, true)).filter((i) => !chosen.has(i.label)));
    }
    case 'orderbyItem': {
      const table = await levelTable(tree, ctx, r);
      return out(r && table && !ctx.memberPath.length ? await columnItems(r, table, true) : []);
    }
    case 'orderbyDirection':
      return out([
        { label: 'asc', kind: 'keyword', detail: 'Ascending (the default)' },
        { label: 'desc', kind: 'keyword', detail: 'Descending' },
      ]);
    case 'expandNavigation': {
      const table = await levelTable(tree, ctx, r);
      return out(r && table && !ctx.memberPath.length ? await navigationItems(r, table, false) : []);
    }
    case 'filterOperand':
      return operandItems(url, tree, offset, ctx, r);
    case 'filterOperator':
      return out(operatorItems(url, tree, offset, ctx));
    case 'queryFunctionProperty': {
      const table = await levelTable(tree, ctx, r);
      return out(r && table ? await columnItems(r, table, false) : []);
    }
    case 'queryOptionValue':
      return optionValueItems(url, tree, offset, r, ctx);
    default:
      return undefined;
  }
}

/** The table the cursor's option applies to: the path's table, then down the `$expand` path. */
async function levelTable(tree: RequestUrl, ctx: CompletionContext, r: Resolver | undefined): Promise<string | undefined> {
  if (!r) return undefined;
  return followPath(r, await pathTable(r, tree), ctx.expandPath);
}

// Items built from one metadata array, kept while the lookup hands out that same array
// (OrgMetadata keeps it until a refresh): building 1,000 items with escaped markdown
// costs milliseconds, which every keystroke would otherwise pay.
const entitySetCache = new WeakMap<readonly TableSummary[], CompletionItem[]>();
const columnCache = new WeakMap<readonly Column[], { relationships: readonly Relationship[]; items: Map<boolean, CompletionItem[]> }>();

/** Entity sets of the org: the entity set name, the display name beside it. */
export async function entitySetItems(r: Resolver): Promise<CompletionItem[]> {
  const tables = await r.lookup.tables(r.signal);
  let items = entitySetCache.get(tables);
  if (!items) {
    items = [];
    for (const t of tables) {
      if (!t.entitySetName) continue;
      items.push({ label: t.entitySetName, kind: 'entitySet', detail: plain(t.displayName) || t.logicalName, documentation: tableMarkdown(t) });
    }
    entitySetCache.set(tables, items);
  }
  return items.slice();
}

/** Functions and metadata entity sets that need no org metadata to be offered. */
export function unboundFunctionItems(): CompletionItem[] {
  return UNBOUND_FUNCTIONS.map(([label, summary, url]) => ({ label, kind: 'function', detail: 'function', documentation: helpDoc({ summary, url }), sortText: `~${label}` }));
}

/**
 * Columns of a table. Lookups are offered by their `_x_value` name where the
 * Web API reads them (`$select`, `$filter`, `$orderby`), with the navigation
 * property to expand them noted; parts of other columns (`xxxname`) are left out.
 */
export async function columnItems(r: Resolver, table: string, lookupsAsValue: boolean): Promise<CompletionItem[]> {
  const [columns, relationships] = await Promise.all([r.lookup.columns(table, r.signal), r.lookup.relationships(table, r.signal)]);
  let cached = columnCache.get(columns);
  if (!cached || cached.relationships !== relationships) {
    cached = { relationships, items: new Map() };
    columnCache.set(columns, cached);
  }
  let items = cached.items.get(lookupsAsValue);
  if (!items) {
    items = buildColumnItems(columns, navigationsOfLookups(table, relationships), lookupsAsValue);
    cached.items.set(lookupsAsValue, items);
  }
  return items.slice();
}

function buildColumnItems(columns: readonly Column[], navs: Map<string, string[]>, lookupsAsValue: boolean): CompletionItem[] {
  const items: CompletionItem[] = [];
  for (const c of columns) {
    if (c.attributeOf || !c.isValidForRead) continue;
    const label = lookupsAsValue && c.lookupValueName ? c.lookupValueName : c.logicalName;
    const viaNav = navs.get(c.logicalName) ?? [];
    let detail = columnType(c);
    if (label !== c.logicalName && viaNav.length) detail += ` (navigation: ${viaNav.join(', ')})`;
    const display = plain(c.displayName);
    items.push({
      label, kind: 'column', detail: display ? `${detail} · ${display}` : detail, documentation: columnMarkdown(c, viaNav),
      // A lookup sorts by its own name (primarycontactid), not among the other `_x_value` names at the top.
      sortText: `${c.isPrimaryName ? '0' : '1'}${c.logicalName}`, filterText: label === c.logicalName ? label : `${label} ${c.logicalName}`,
    });
  }
  return items;
}

/** The single-valued navigation properties of each lookup column of `table`. */
export async function lookupNavigations(r: Resolver, table: string): Promise<Map<string, string[]>> {
  return navigationsOfLookups(table, await r.lookup.relationships(table, r.signal));
}

function navigationsOfLookups(table: string, relationships: readonly Relationship[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const rel of relationships) {
    if (rel.kind !== 'ManyToOne' || !rel.navigationProperty || rel.referencingTable !== table) continue;
    const list = out.get(rel.referencingAttribute) ?? [];
    list.push(rel.navigationProperty);
    out.set(rel.referencingAttribute, list);
  }
  return out;
}

/** Navigation properties of `table` (for `$expand` and paths); `asPath` inserts `name/`. */
const navigationCache = new WeakMap<readonly Relationship[], Map<string, CompletionItem[]>>();

async function navigationItems(r: Resolver, table: string, asPath: boolean): Promise<CompletionItem[]> {
  const relationships = await r.lookup.relationships(table, r.signal);
  let byShape = navigationCache.get(relationships);
  if (!byShape) navigationCache.set(relationships, (byShape = new Map()));
  const key = `${table}\n${asPath}`;
  let items = byShape.get(key);
  if (!items) {
    items = [];
    const seen = new Set<string>();
    for (const rel of relationships) {
      const name = rel.navigationProperty;
      if (!name || seen.has(name)) continue;
      seen.add(name);
      const single = rel.kind === 'ManyToOne';
      items.push({
        label: name, kind: 'navigation', detail: `${relationshipKind(rel)} → ${rel.relatedTable}${single ? '' : ' (collection)'}`,
        documentation: navigationMarkdown(name, table, rel), ...(asPath ? { insertText: `${name}/` } : {}),
        // The single-valued lookups people expand most come before the collections.
        sortText: `2${single ? '0' : '1'}${name}`,
      });
    }
    byShape.set(key, items);
  }
  return items.slice();
}

async function pathSegmentItems(tree: RequestUrl, ctx: CompletionContext, r: Resolver | undefined): Promise<CompletionItem[]> {
  const index = ctx.memberPath.length;
  const prev = tree.path.segments[index - 1];
  if (!prev || prev.name.name.startsWith('$')) return [];
  const keyed = prev.open !== undefined;
  const dollar = (label: string, detail: string): CompletionItem => ({ label, kind: 'keyword', detail, sortText: `9${label}` });
  if (!r) return keyed ? [] : [dollar('$count', 'The number of rows'), dollar('$ref', 'References to the related rows')];
  let collection = !keyed;
  if (index > 1 && !keyed) {
    const parent = await pathTable(r, tree, index - 1);
    collection = parent ? (await navigate(r, parent, prev.name.name))?.collection ?? true : true;
  }
  if (collection) return [dollar('$count', 'The number of rows'), ...(index > 1 ? [dollar('$ref', 'References to the related rows')] : [])];
  const table = await pathTable(r, tree, index);
  if (!table) return [];
  const navs = await navigationItems(r, table, false);
  const columns = (await columnItems(r, table, true)).map((c) => ({ ...c, sortText: `3${c.label}` }));
  return [...navs, ...columns, ...(index > 1 ? [dollar('$ref', 'A reference to the related row')] : [])];
}

/** Inside `accounts(`: the columns of the table's alternate keys, as `name=`. */
async function keyItems(url: string, tree: RequestUrl, offset: number, r: Resolver | undefined, ctx: CompletionContext): Promise<UrlCompletions | undefined> {
  const index = tree.path.segments.findIndex((s) => s.open !== undefined && offset > s.open && (s.close === undefined || s.close < 0 || offset <= s.close));
  const seg = tree.path.segments[index];
  if (!r || index !== 0 || seg.open === undefined) return undefined;
  const word = /[A-Za-z_]\w*$/.exec(url.slice(0, offset));
  const start = word ? offset - word[0].length : offset;
  if (start !== seg.open + 1 && url[start - 1] !== ',') return undefined;
  const table = await pathTable(r, tree, 1);
  if (!table) return undefined;
  const names = new Map<string, string>();
  for (const key of await r.lookup.keys(table, r.signal)) {
    for (const a of key.keyAttributes) if (!names.has(a)) names.set(a, plain(key.displayName) || key.logicalName);
  }
  const items: CompletionItem[] = [...names].map(([a, key]) => ({ label: a, kind: 'column', detail: `alternate key: ${key}`, insertText: `${a}=` }));
  return { items, replaceStart: start, replaceEnd: offset + (/^\w*/.exec(url.slice(offset))?.[0].length ?? 0), slot: ctx.slot };
}

/** Options not yet in the query (top level) or in the `$expand(...)` under the cursor. */
function optionNameItems(url: string, tree: RequestUrl, ctx: CompletionContext, offset: number): CompletionItem[] {
  const nested = ctx.slot === 'expandOptionName';
  const catalogue = nested ? EXPAND_QUERY_OPTIONS : QUERY_OPTIONS;
  const present = new Set<string>();
  const siblings = nested ? nestedSiblings(tree, offset) : tree.options;
  for (const o of siblings) if (!(o.name.start <= offset && offset <= o.name.end)) present.add(o.name.name.toLowerCase());
  const hasEquals = url[ctx.replaceEnd] === '=';
  const typedDollar = ctx.partial.startsWith('$');
  const items: CompletionItem[] = [];
  let rank = 0;
  for (const [name, help] of catalogue) {
    rank++;
    if (present.has(name.toLowerCase())) continue;
    const bare = name.replace(/^\$/, '');
    items.push({
      label: name, kind: 'option', detail: help.summary, documentation: helpDoc(help), insertText: hasEquals ? name : `${name}=`,
      sortText: String(rank).padStart(2, '0'), filterText: typedDollar || !name.startsWith('$') ? name : bare,
    });
  }
  return items;
}

function nestedSiblings(tree: RequestUrl, offset: number): RequestUrl['options'] {
  let options = tree.options;
  let found: RequestUrl['options'] = [];
  for (let guard = 0; guard < 100; guard++) {
    const option = options.find((o) => o.start <= offset && offset <= o.end);
    if (!option || option.value.kind !== 'expand') break;
    const item = option.value.items.find((i) => i.start <= offset && offset <= i.end && i.open !== undefined && offset > i.open);
    if (!item) break;
    found = item.options;
    options = item.options;
  }
  return found;
}

/** Names already in the `$select` list under the cursor (so they are not offered twice). */
function selected(tree: RequestUrl, offset: number): Set<string> {
  const at = optionAt(tree, offset);
  const out = new Set<string>();
  if (at?.option.value.kind !== 'select') return out;
  for (const item of at.option.value.items) {
    if (item.start <= offset && offset <= item.end) continue;
    if (item.path.length === 1) out.add(item.path[0].name);
  }
  return out;
}

/** Tokens of the top-level option under the cursor (nested options share them), up to the partial name. */
function tokensBefore(tree: RequestUrl, offset: number, limit: number): Token[] {
  const top = tree.options.find((o) => o.start <= offset && offset <= o.end);
  const out: Token[] = [];
  for (const t of top?.tokens ?? []) {
    if (t.kind === 'eof' || t.end > limit) break;
    out.push(t);
  }
  return out;
}

/** After `<path> eq ` or `<path> in (a,`: the member path of the left operand. */
function comparedPath(tokens: Token[]): string[] | undefined {
  let j = tokens.length - 1;
  const isPunct = (t: Token | undefined, p: string) => t?.kind === 'punct' && t.text === p;
  if (isPunct(tokens[j], '(') || isPunct(tokens[j], ',')) {
    while (j >= 0 && !isPunct(tokens[j], '(')) {
      if (isPunct(tokens[j], ')')) return undefined;
      j--;
    }
    j--;
    if (tokens[j]?.kind !== 'ident' || tokens[j].text !== 'in') return undefined;
  } else if (!(tokens[j]?.kind === 'ident' && COMPARISON.has(tokens[j].text))) {
    return undefined;
  }
  j--;
  const path: string[] = [];
  while (j >= 0 && tokens[j].kind === 'ident') {
    path.unshift(tokens[j].text);
    if (isPunct(tokens[j - 1], '/')) j -= 2;
    else break;
  }
  return path.length ? path : undefined;
}

async function operandItems(url: string, tree: RequestUrl, offset: number, ctx: CompletionContext, r: Resolver | undefined): Promise<UrlCompletions> {
  // `Microsoft.Dynamics.CRM.La|`: the lexer splits at dots; the qualified name is replaced as a whole.
  const dotted = /(?:[A-Za-z_]\w*\.)+$/.exec(url.slice(0, ctx.replaceStart));
  const start = dotted && !ctx.memberPath.length ? ctx.replaceStart - dotted[0].length : ctx.replaceStart;
  const out = (items: CompletionItem[]): UrlCompletions => ({ items, replaceStart: start, replaceEnd: ctx.replaceEnd, slot: ctx.slot });
  const tokens = tokensBefore(tree, offset, ctx.replaceStart);
  const compared = ctx.memberPath.length ? undefined : comparedPath(tokens);
  const base = await levelTable(tree, ctx, r);
  const lambdas = openLambdas(tokens, offset);
  const vars = r ? await lambdaTables(r, lambdas, base) : new Map<string, string>();
  if (compared) return out(await valueItems(compared, base, vars, r));
  if (ctx.memberPath.length) {
    if (!r) return out([]);
    const parent = await memberTable(r, ctx.memberPath.slice(0, -1), base, vars);
    const last = ctx.memberPath[ctx.memberPath.length - 1];
    if (ctx.memberPath.length === 1 && vars.has(last)) return out(await memberItems(r, vars.get(last)!));
    const step = parent ? await navigate(r, parent, last) : undefined;
    if (!step) return out([]);
    if (step.collection) return out(lambdaItems(step.table));
    return out(await memberItems(r, step.table));
  }
  const items: CompletionItem[] = [];
  if (r && base) items.push(...(await memberItems(r, base)));
  for (const v of new Set(lambdas.map((l) => l.variable))) items.push({ label: v, kind: 'variable', detail: vars.has(v) ? `lambda variable: ${vars.get(v)}` : 'lambda variable', insertText: `${v}/`, sortText: `0${v}` });
  items.push(...FILTER_OPERAND_WORDS);
  return out(items);
}

/** Functions, `not` and literals: the same in every filter. */
const FILTER_OPERAND_WORDS: readonly CompletionItem[] = [
  ...[...FILTER_FUNCTIONS].map(([name, summary]): CompletionItem => ({ label: name, kind: 'function', detail: summary, documentation: helpDoc({ summary, url: FILTER_URL }), insertText: `${name}(`, sortText: `4${name}` })),
  { label: 'not', kind: 'operator', detail: 'Negates the condition that follows', insertText: 'not ', sortText: '4not' },
  ...[...DATAVERSE_QUERY_FUNCTIONS].map(([name, shape]): CompletionItem => {
    const label = `${DATAVERSE_NAMESPACE}.${name}`;
    const params = shape === 'name' ? "PropertyName=''" : shape === 'value' ? "PropertyName='',PropertyValue=" : "PropertyName='',PropertyValues=[]";
    return { label, kind: 'function', detail: `Dataverse query function (${params})`, documentation: helpDoc({ summary: `${label}(${params})`, url: QUERY_FUNCTIONS_URL }), insertText: `${label}(${params})`, sortText: `5${name}`, filterText: label };
  }),
  ...['null', 'true', 'false'].map((lit): CompletionItem => ({ label: lit, kind: 'keyword', sortText: `6${lit}` })),
];

/** Columns and single-valued navigation properties (to go on with `/`) of a table, in a filter. */
async function memberItems(r: Resolver, table: string): Promise<CompletionItem[]> {
  return [...(await columnItems(r, table, true)), ...(await navigationItems(r, table, true))];
}

function lambdaItems(table: string): CompletionItem[] {
  const v = (table.replace(/^[a-z]+_/, '')[0] ?? 'x').toLowerCase();
  return (['any', 'all'] as const).map((op) => ({
    label: `${op}(${v}:${v}/…)`, kind: 'function' as const, detail: op === 'any' ? `Rows with at least one ${table} that matches` : `Rows whose every ${table} matches`,
    documentation: helpDoc({ summary: `${op}: a condition on the related ${table} rows, through the variable ${v}.`, url: FILTER_URL }),
    insertText: `${op}(${v}:${v}/`, filterText: op,
  }));
}

/** After `<choice column> eq `: its values, with their labels. */
async function valueItems(path: string[], base: string | undefined, vars: Map<string, string>, r: Resolver | undefined): Promise<CompletionItem[]> {
  const items: CompletionItem[] = [{ label: 'null', kind: 'keyword', sortText: '9null' }];
  if (!r) return items;
  const table = await memberTable(r, path.slice(0, -1), base, vars);
  if (!table) return items;
  const column: Column | undefined = await r.lookup.column(table, path[path.length - 1], r.signal);
  if (!column?.hasChoices) return items;
  const set = await r.lookup.choices(table, column.logicalName, r.signal);
  const boolean = set?.kind === 'Boolean' || column.type === 'Boolean';
  for (const [i, o] of (set?.options ?? []).entries()) {
    const label = boolean ? String(o.value === 1) : String(o.value);
    items.push({ label, kind: 'choice', detail: plain(o.label) || label, documentation: `${code(column.logicalName)} = ${code(String(o.value))}`, sortText: `0${String(i).padStart(4, '0')}` });
  }
  return items;
}

function operatorItems(url: string, tree: RequestUrl, offset: number, ctx: CompletionContext): CompletionItem[] {
  const tokens = tokensBefore(tree, offset, ctx.replaceStart);
  const prev = tokens[tokens.length - 1];
  // After a value or a closed parenthesis a condition is complete: and/or first; after a name, comparisons.
  const afterValue = prev !== undefined && (prev.kind !== 'ident' && !(prev.kind === 'punct' && prev.text !== ')'));
  const space = url[ctx.replaceEnd] === ' ' ? '' : ' ';
  let rank = 0;
  return [...OPERATORS].map(([name, detail]) => {
    rank++;
    const logical = name === 'and' || name === 'or';
    return {
      label: name, kind: 'operator' as const, detail, insertText: name + space,
      documentation: helpDoc({ summary: detail, url: FILTER_URL }),
      sortText: `${logical === afterValue ? '0' : '1'}${String(rank).padStart(2, '0')}`,
    };
  });
}

async function optionValueItems(url: string, tree: RequestUrl, offset: number, r: Resolver | undefined, ctx: CompletionContext): Promise<UrlCompletions | undefined> {
  const at = optionAt(tree, offset);
  if (!at) return undefined;
  const key = at.option.key.toLowerCase();
  if (key === 'fetchxml') return completeFetchXml(url, at.option, offset, r);
  if (key === '$count') {
    const word = /\w*$/.exec(url.slice(at.option.valueSpan.start, offset))?.[0] ?? '';
    return {
      items: [{ label: 'true', kind: 'value', detail: 'Include @odata.count' }, { label: 'false', kind: 'value', detail: 'No count' }],
      replaceStart: offset - word.length, replaceEnd: at.option.valueSpan.end, slot: ctx.slot,
    };
  }
  return undefined;
}

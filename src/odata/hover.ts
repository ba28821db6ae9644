/**
 * Hover in a `.odata` file: tables (entity sets, FetchXML entity names),
 * columns (with type, required level, lookup targets, description),
 * navigation properties, query options, filter functions and headers.
 * Offsets inside the URL are URL offsets until mapped back with `urlToDoc`.
 */
import type { Expr, RequestUrl } from './ast';
import type { Hover } from './complete';
import { EXPAND_QUERY_OPTIONS, FILTER_FUNCTIONS, FILTER_URL, QUERY_FUNCTIONS_URL, QUERY_OPTIONS, UNBOUND_FUNCTIONS, UNSUPPORTED_OPTIONS, headerHelp, type Help } from './completionHelp';
import { fetchXmlSlotAt } from './completeFetchXml';
import { lookupNavigations } from './completeUrl';
import { columnMarkdown, navigationMarkdown, tableMarkdown } from './describe';
import { docToUrl, requestAt, urlToDoc, type ODataFile } from './file';
import { code, escapeMarkdown, plain } from './markdown';
import { exprChain } from './exprChain';
import { followPath, lambdaTables, memberTable, navigate, openLambdas, optionAt, optionExprs, pathTable, type OpenLambda, type Resolver } from './metadataPath';
import { DATAVERSE_NAMESPACE, DATAVERSE_QUERY_FUNCTIONS } from './vocabulary';

/** Operators whose right side is a value of the column on their left. */
const VALUE_OPERATORS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in', 'has']);

interface Found {
  start: number;
  end: number;
  markdown: string;
}

function helpMarkdown(title: string, h: Help): string {
  return `${code(title)}: ${h.summary}\n\n[Documentation](${h.url})`;
}

/** The hover at a file offset (see complete.ts `hoverAt`, which catches and cancels). */
export async function hoverIn(file: ODataFile, offset: number, r: Resolver | undefined): Promise<Hover | undefined> {
  const request = requestAt(file, offset);
  if (!request) return undefined;
  const header = request.headers.find((h) => h.nameSpan.start <= offset && offset <= h.nameSpan.end && h.nameSpan.end > h.nameSpan.start);
  if (header) {
    const help = headerHelp(header.name);
    return help ? { start: header.nameSpan.start, end: header.nameSpan.end, markdown: helpMarkdown(help.name, help) } : undefined;
  }
  const urlOffset = docToUrl(request, offset);
  if (urlOffset === undefined) return undefined;
  const found = await urlHover(request.url, request.parsed.tree, urlOffset, r);
  if (!found) return undefined;
  return { start: urlToDoc(request, found.start), end: urlToDoc(request, found.end), markdown: found.markdown };
}

function within(span: { start: number; end: number }, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

/** The hover at a URL offset. */
export async function urlHover(url: string, tree: RequestUrl, offset: number, r: Resolver | undefined): Promise<Found | undefined> {
  if (tree.question < 0 || offset <= tree.question) return pathHover(tree, offset, r);
  const at = optionAt(tree, offset);
  if (!at) return undefined;
  const { option } = at;
  if (within(option.name, offset)) {
    const nested = at.option !== at.top;
    const key = option.key.startsWith('$') ? option.key : option.name.name;
    const help = (nested ? EXPAND_QUERY_OPTIONS.get(key) : undefined) ?? QUERY_OPTIONS.get(key)
      ?? [...QUERY_OPTIONS].find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1] ?? UNSUPPORTED_OPTIONS.get(key);
    return help ? { start: option.name.start, end: option.name.end, markdown: helpMarkdown(key, help) } : undefined;
  }
  const table = r ? await followPath(r, await pathTable(r, tree), at.expandPath) : undefined;
  const value = option.value;
  switch (value.kind) {
    case 'select': {
      const item = value.items.find((i) => within(i, offset));
      const id = item?.path.find((p) => within(p, offset));
      if (!id || !r || !table || item!.path.length !== 1) return undefined;
      return nameHover(r, table, id.name, id);
    }
    case 'expand': {
      const item = value.items.find((i) => within(i, offset));
      const k = item ? item.path.findIndex((p) => within(p, offset)) : -1;
      if (k < 0 || !r || !table) return undefined;
      const parent = await followPath(r, table, item!.path.slice(0, k).map((p) => p.name));
      return parent ? nameHover(r, parent, item!.path[k].name, item!.path[k], true) : undefined;
    }
    case 'fetchXml':
      return fetchXmlHover(url, option.valueSpan, offset, r);
    default: {
      const exprs = optionExprs(option);
      for (const e of exprs) {
        if (!within(e, offset)) continue;
        return exprHover(exprChain(e, offset), openLambdas(at.top.tokens ?? [], offset), offset, table, r);
      }
      return undefined;
    }
  }
}

async function pathHover(tree: RequestUrl, offset: number, r: Resolver | undefined): Promise<Found | undefined> {
  const index = tree.path.segments.findIndex((s) => within(s.name, offset));
  if (index < 0) return undefined;
  const id = tree.path.segments[index].name;
  if (index === 0) {
    const fn = UNBOUND_FUNCTIONS.find(([label]) => label.replace(/\(.*$/, '') === id.name);
    if (fn) return { start: id.start, end: id.end, markdown: helpMarkdown(id.name, { summary: fn[1], url: fn[2] }) };
    const t = r && tree.path.entitySet ? await r.lookup.tableByEntitySet(id.name, r.signal) : undefined;
    return t ? { start: id.start, end: id.end, markdown: tableMarkdown(t) } : undefined;
  }
  if (!r || id.name.startsWith('$')) return undefined;
  const parent = await pathTable(r, tree, index);
  return parent ? nameHover(r, parent, id.name, id, true) : undefined;
}

/** A column of `table`, else a navigation property of it (navigation first in `$expand`, where a lookup's name is its navigation property). */
async function nameHover(r: Resolver, table: string, name: string, span: { start: number; end: number }, navigationFirst = false): Promise<Found | undefined> {
  if (navigationFirst) {
    const nav = await navigate(r, table, name);
    if (nav) return { start: span.start, end: span.end, markdown: navigationMarkdown(name, table, nav.relationship) };
  }
  const column = await r.lookup.column(table, name, r.signal);
  if (column) {
    const navs = column.targets?.length ? (await lookupNavigations(r, table)).get(column.logicalName) ?? [] : [];
    return { start: span.start, end: span.end, markdown: columnMarkdown(column, navs) };
  }
  const nav = await navigate(r, table, name);
  return nav ? { start: span.start, end: span.end, markdown: navigationMarkdown(name, table, nav.relationship) } : undefined;
}

async function exprHover(chain: Expr[], lambdas: OpenLambda[], offset: number, table: string | undefined, r: Resolver | undefined): Promise<Found | undefined> {
  const node = chain[chain.length - 1];
  const parent = chain[chain.length - 2];
  if (node?.kind === 'call' && within(node.name, offset)) return functionHover(node.name);
  if (!r || !table) return undefined;
  if (node?.kind === 'member') {
    const k = node.segments.findIndex((s) => within(s, offset));
    if (k < 0) return undefined;
    const vars = await lambdaTables(r, lambdas, table);
    const names = node.segments.map((s) => s.name);
    const seg = node.segments[k];
    if (k === 0 && vars.has(seg.name)) {
      const t = await r.lookup.table(vars.get(seg.name)!, r.signal);
      return t ? { start: seg.start, end: seg.end, markdown: `Lambda variable ${code(seg.name)}: a row of\n\n${tableMarkdown(t)}` } : undefined;
    }
    const owner = await memberTable(r, names.slice(0, k), table, vars);
    return owner ? nameHover(r, owner, seg.name, seg) : undefined;
  }
  // Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',...): the column named in the string.
  if (node?.kind === 'literal' && node.type === 'string' && parent?.kind === 'call') {
    const arg = parent.args.find((a) => a.kind === 'namedArgument' && a.value === node);
    if (arg?.kind === 'namedArgument' && arg.name.name === 'PropertyName') return nameHover(r, table, node.value, { start: node.start + 1, end: node.end - 1 });
  }
  // `statecode eq 1`, `industrycode in (1,2)`: the label of a choice value.
  const comparison = parent?.kind === 'list' ? chain[chain.length - 3] : parent;
  if (node?.kind === 'literal' && comparison?.kind === 'binary' && VALUE_OPERATORS.has(comparison.operator) && comparison.left.kind === 'member') {
    const names = comparison.left.segments.map((seg) => seg.name);
    const owner = await memberTable(r, names.slice(0, -1), table, await lambdaTables(r, lambdas, table));
    return owner ? choiceHover(r, owner, names[names.length - 1], node) : undefined;
  }
  return undefined;
}

async function choiceHover(r: Resolver, table: string, columnName: string, literal: { raw: string; value: string; start: number; end: number }): Promise<Found | undefined> {
  const column = await r.lookup.column(table, columnName, r.signal);
  if (!column?.hasChoices) return undefined;
  const set = await r.lookup.choices(table, column.logicalName, r.signal);
  const option = set?.options.find((o) => String(o.value) === literal.raw || (set.kind === 'Boolean' && String(o.value === 1) === literal.raw));
  if (!option) return undefined;
  const label = plain(option.label) ? `**${escapeMarkdown(option.label)}**` : '(no label)';
  const description = plain(option.description) ? `\n\n${escapeMarkdown(option.description)}` : '';
  return { start: literal.start, end: literal.end, markdown: `${label}: value ${code(String(option.value))} of ${code(column.logicalName)}${description}` };
}

function functionHover(name: { name: string; start: number; end: number }): Found | undefined {
  const builtin = FILTER_FUNCTIONS.get(name.name);
  if (builtin) return { start: name.start, end: name.end, markdown: helpMarkdown(name.name, { summary: builtin, url: FILTER_URL }) };
  const short = name.name.startsWith(`${DATAVERSE_NAMESPACE}.`) ? name.name.slice(DATAVERSE_NAMESPACE.length + 1) : '';
  const shape = DATAVERSE_QUERY_FUNCTIONS.get(short);
  if (!shape) return undefined;
  const params = shape === 'name' ? 'PropertyName' : shape === 'value' ? 'PropertyName, PropertyValue' : 'PropertyName, PropertyValues';
  return { start: name.start, end: name.end, markdown: helpMarkdown(name.name, { summary: `Dataverse query function; parameters: ${params}.`, url: QUERY_FUNCTIONS_URL }) };
}

async function fetchXmlHover(url: string, span: { start: number; end: number }, offset: number, r: Resolver | undefined): Promise<Found | undefined> {
  if (!r) return undefined;
  const xml = url.slice(span.start, span.end);
  const slot = fetchXmlSlotAt(xml, offset - span.start);
  if (!slot) return undefined;
  const name = xml.slice(slot.start, slot.end);
  const range = { start: span.start + slot.start, end: span.start + slot.end };
  if (slot.kind === 'entity') {
    const t = await r.lookup.table(name, r.signal);
    return t ? { ...range, markdown: tableMarkdown(t) } : undefined;
  }
  const column = slot.table ? await r.lookup.column(slot.table, name, r.signal) : undefined;
  return column ? { ...range, markdown: columnMarkdown(column) } : undefined;
}

/**
 * Following names through an org's metadata for completion and hover: the
 * table of an entity set, the table a navigation property leads to, and the
 * table of a lambda variable. Each step asks the lookup for one table only,
 * so the cost does not grow with the size of the org.
 */
import type { MetadataLookup, Relationship } from '../dataverse/metadata/model';
import type { ExpandItem, Expr, QueryOption, RequestUrl } from './ast';
import type { Token } from './lexer';

/** Where a navigation property leads. */
export interface NavigationTarget {
  relationship: Relationship;
  /** Logical name of the related table. */
  table: string;
  /** True for collection-valued navigation properties (1:N and N:N). */
  collection: boolean;
}

/** Metadata access for one completion or hover call. */
export interface Resolver {
  readonly lookup: MetadataLookup;
  readonly signal?: AbortSignal;
}

/** The relationship and related table of a navigation property of `table`. */
export async function navigate(r: Resolver, table: string, name: string): Promise<NavigationTarget | undefined> {
  const relationship = await r.lookup.navigationProperty(table, name, r.signal);
  if (!relationship) return undefined;
  return { relationship, table: relationship.relatedTable, collection: relationship.kind !== 'ManyToOne' };
}

/** Follows navigation properties from `table`; undefined when one of them is unknown. */
export async function followPath(r: Resolver, table: string | undefined, names: readonly string[]): Promise<string | undefined> {
  let current = table;
  for (const name of names) {
    if (!current) return undefined;
    current = (await navigate(r, current, name))?.table;
  }
  return current;
}

/** The logical name of the table the resource path addresses (entity set, then navigation segments). */
export async function pathTable(r: Resolver, tree: RequestUrl, segmentCount = tree.path.segments.length): Promise<string | undefined> {
  const set = tree.path.entitySet?.name;
  if (!set) return undefined;
  const first = await r.lookup.tableByEntitySet(set, r.signal);
  const navs = tree.path.segments.slice(1, segmentCount).map((s) => s.name.name).filter((n) => !n.startsWith('$'));
  return followPath(r, first?.logicalName, navs);
}

/** The option under a URL offset, nested `$expand` options included, with the navigation properties leading to it. */
export interface OptionAt {
  option: QueryOption;
  /** The top-level option that contains it (it holds the tokens). */
  top: QueryOption;
  expandPath: string[];
}

function within(span: { start: number; end: number }, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

/**
 * The last of `spans` when the cursor is past its end inside parentheses that
 * are not closed (`($filter=statecode eq |`): half-typed text ends at the cursor,
 * but the parser's spans end at the last token.
 */
export function unclosedLast<T extends { start: number; end: number; open?: number; close?: number }>(spans: readonly T[], offset: number, close?: number): T | undefined {
  const last = spans[spans.length - 1];
  if (!last || offset < last.end) return undefined;
  if (close !== undefined) return close < 0 ? last : undefined;
  return last.open !== undefined && last.close === -1 ? last : undefined;
}

/** The innermost query option under `offset`. */
export function optionAt(tree: RequestUrl, offset: number): OptionAt | undefined {
  const top = tree.options.find((o) => within(o, offset));
  if (!top) return undefined;
  const expandPath: string[] = [];
  let option = top;
  for (let guard = 0; guard < 100; guard++) {
    if (option.value.kind !== 'expand') break;
    const item: ExpandItem | undefined = option.value.items.find((i) => within(i, offset)) ?? unclosedLast(option.value.items, offset);
    if (!item || item.open === undefined || offset <= item.open || (item.close !== undefined && item.close >= 0 && offset > item.close)) break;
    const nested = item.options.find((o) => within(o, offset)) ?? unclosedLast(item.options, offset, item.close);
    if (!nested) break;
    expandPath.push(...item.path.map((p) => p.name));
    option = nested;
  }
  return { option, top, expandPath };
}

/** The expression of a $filter, alias or $apply filter option, if any. */
export function optionExprs(option: QueryOption): Expr[] {
  const v = option.value;
  if (v.kind === 'filter' || v.kind === 'alias') return [v.expr];
  if (v.kind === 'orderby') return v.items.map((i) => i.expr);
  if (v.kind === 'apply') {
    const out: Expr[] = [];
    const visit = (ts: typeof v.transformations): void => {
      for (const t of ts) {
        if (t.filter) out.push(t.filter);
        if (t.groupBy) out.push(...t.groupBy);
        for (const a of t.aggregates ?? []) out.push(a.expr);
        if (t.nested) visit(t.nested);
      }
    };
    visit(v.transformations);
    return out;
  }
  return [];
}

/** A lambda (`any`/`all`) whose parentheses are open at the cursor. */
export interface OpenLambda {
  variable: string;
  /** The collection path before `/any(`, e.g. ['contact_customer_accounts'] or ['c', 'contact_customer_accounts']. */
  collection: string[];
}

function isPunct(t: Token | undefined, text: string): boolean {
  return t?.kind === 'punct' && t.text === text;
}

/**
 * The lambdas in scope at `offset`, outermost first, read from the option's
 * tokens: half-typed text (`any(c:c/name eq `) has no closing parenthesis,
 * so the tree's spans stop before the cursor while the tokens still show
 * which parentheses are open.
 */
export function openLambdas(tokens: readonly Token[], offset: number): OpenLambda[] {
  const stack: (OpenLambda | null)[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'eof' || t.start >= offset) break;
    if (isPunct(t, ')')) {
      stack.pop();
      continue;
    }
    if (!isPunct(t, '(')) continue;
    const op = tokens[i - 1];
    const v = tokens[i + 1];
    if (op?.kind === 'ident' && (op.text === 'any' || op.text === 'all') && isPunct(tokens[i - 2], '/') && v?.kind === 'ident' && isPunct(tokens[i + 2], ':') && tokens[i + 2].end <= offset) {
      const collection: string[] = [];
      let j = i - 3;
      while (j >= 0 && tokens[j].kind === 'ident') {
        collection.unshift(tokens[j].text);
        if (isPunct(tokens[j - 1], '/')) j -= 2;
        else break;
      }
      stack.push({ variable: v.text, collection });
    } else {
      stack.push(null);
    }
  }
  return stack.filter((l): l is OpenLambda => l !== null);
}

/** The tables of the lambda variables in scope (`c` in `contact_customer_accounts/any(c:c/fullname eq 'x')` is a contact). */
export async function lambdaTables(r: Resolver, lambdas: readonly OpenLambda[], table: string | undefined): Promise<Map<string, string>> {
  const vars = new Map<string, string>();
  for (const l of lambdas) {
    const target = await memberTable(r, l.collection, table, vars);
    if (target) vars.set(l.variable, target);
  }
  return vars;
}

/** The table reached by a member path that starts at `table` or at a lambda variable. */
export async function memberTable(r: Resolver, names: readonly string[], table: string | undefined, vars: ReadonlyMap<string, string>): Promise<string | undefined> {
  if (!names.length) return table;
  const [first, ...rest] = names;
  if (vars.has(first)) return followPath(r, vars.get(first), rest);
  if (first === '$it' || first === '$this') return followPath(r, table, rest);
  return followPath(r, table, names);
}

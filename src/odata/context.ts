/**
 * `contextAt`: what kind of name belongs at a cursor offset, for completion.
 * It reads the tree `parseRequestUrl` returns (and the tokens kept on each
 * top-level option), so it works on half-typed text.
 */
import type { Expr, ExpandItem, QueryOption, RequestUrl } from './ast';
import { exprChain } from './exprChain';
import type { Token } from './lexer';

/** The kind of slot the cursor is in. */
export type SlotKind =
  | 'entitySet' | 'pathSegment' | 'keyOrParameter' | 'queryOptionName' | 'queryOptionValue'
  | 'selectItem' | 'expandNavigation' | 'expandOptionName' | 'filterOperand' | 'filterOperator'
  | 'orderbyItem' | 'orderbyDirection' | 'queryFunctionProperty' | 'none';

/** Where the cursor is, and what it has typed so far. */
export interface CompletionContext {
  slot: SlotKind;
  /** The part of the name under the cursor before it (decoded). */
  partial: string;
  /** The range a completion replaces: the whole name under the cursor. */
  replaceStart: number;
  replaceEnd: number;
  /** The entity set of the resource path, when there is one. */
  entitySet?: string;
  /** Navigation properties from the entity set down to the expand level the cursor is in. */
  expandPath: string[];
  /** Names before the partial one in a path (`primarycontactid/` gives ['primarycontactid']). */
  memberPath: string[];
  /** The query option the cursor is in (`$filter`, nested options included). */
  option?: string;
  /** Lambda variables in scope (innermost last). */
  lambdaVariables: string[];
}

function within(span: { start: number; end: number }, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

/** The completion context at `offset` (0-based, into the text given to parseRequestUrl). */
export function contextAt(tree: RequestUrl, offset: number): CompletionContext {
  const ctx: CompletionContext = { slot: 'none', partial: '', replaceStart: offset, replaceEnd: offset, expandPath: [], memberPath: [], lambdaVariables: [] };
  if (tree.path.entitySet) ctx.entitySet = tree.path.entitySet.name;
  if (offset < tree.start || offset > tree.end + 1) return ctx;
  if (tree.question < 0 || offset <= tree.question) return pathContext(tree, offset, ctx);
  const option = tree.options.find((o) => within(o, offset));
  if (!option) {
    ctx.slot = 'queryOptionName';
    return ctx;
  }
  return optionContext(option, offset, ctx, option.tokens ?? [], false);
}

function pathContext(tree: RequestUrl, offset: number, ctx: CompletionContext): CompletionContext {
  const segments = tree.path.segments;
  if (tree.serviceRoot && offset < tree.serviceRoot.end) return ctx;
  const index = segments.findIndex((s) => within(s, offset));
  if (index < 0) {
    ctx.slot = segments.length ? 'pathSegment' : 'entitySet';
    ctx.memberPath = segments.map((s) => s.name.name);
    return ctx;
  }
  const seg = segments[index];
  if (seg.open !== undefined && offset > seg.open && (seg.close === undefined || seg.close < 0 || offset <= seg.close)) {
    ctx.slot = 'keyOrParameter';
    return ctx;
  }
  if (offset > seg.name.end) return ctx; // after a key or parameter list: nothing to name here
  setPartial(ctx, seg.name.name, seg.name.start, seg.name.end, offset);
  ctx.slot = index === 0 ? 'entitySet' : 'pathSegment';
  ctx.memberPath = segments.slice(0, index).map((s) => s.name.name);
  return ctx;
}

function setPartial(ctx: CompletionContext, name: string, start: number, end: number, offset: number): void {
  ctx.partial = name.slice(0, Math.max(0, Math.min(name.length, offset - start)));
  ctx.replaceStart = start;
  ctx.replaceEnd = end;
}

function optionContext(option: QueryOption, offset: number, ctx: CompletionContext, tokens: Token[], nested: boolean): CompletionContext {
  if (option.equals < 0 || offset <= option.equals) {
    ctx.slot = nested ? 'expandOptionName' : 'queryOptionName';
    setPartial(ctx, option.name.name, option.name.start, option.name.end, offset);
    return ctx;
  }
  ctx.option = option.key;
  const value = option.value;
  switch (value.kind) {
    case 'select': {
      const item = value.items.find((i) => within(i, offset));
      ctx.slot = 'selectItem';
      if (item) pathPartial(ctx, item.path, offset);
      return ctx;
    }
    case 'expand':
      return expandContext(value.items, offset, ctx, tokens);
    case 'filter':
    case 'alias':
      collectLambdas(value.expr, offset, ctx.lambdaVariables);
      return exprContext(ctx, tokens, offset, 'filterOperand', 'filterOperator');
    case 'orderby':
      return exprContext(ctx, tokens, offset, 'orderbyItem', 'orderbyDirection');
    case 'apply':
      for (const t of value.transformations) {
        if (t.filter) collectLambdas(t.filter, offset, ctx.lambdaVariables);
      }
      return exprContext(ctx, tokens, offset, 'filterOperand', 'filterOperator');
    default:
      ctx.slot = 'queryOptionValue';
      return ctx;
  }
}

function pathPartial(ctx: CompletionContext, path: { name: string; start: number; end: number }[], offset: number): void {
  const k = path.findIndex((p) => within(p, offset));
  if (k < 0) return;
  setPartial(ctx, path[k].name, path[k].start, path[k].end, offset);
  ctx.memberPath = path.slice(0, k).map((p) => p.name);
}

function expandContext(items: ExpandItem[], offset: number, ctx: CompletionContext, tokens: Token[]): CompletionContext {
  // Past the end of an item whose `(` is not closed yet (`a($filter=x eq |`), the cursor is still inside it.
  const last = items[items.length - 1];
  const item = items.find((i) => within(i, offset)) ?? (last && last.open !== undefined && last.close === -1 && offset > last.end ? last : undefined);
  if (item && item.open !== undefined && offset > item.open && (item.close === undefined || item.close < 0 || offset <= item.close)) {
    ctx.expandPath.push(...item.path.map((p) => p.name));
    const nestedOption = item.options.find((o) => within(o, offset));
    if (!nestedOption) {
      ctx.slot = 'expandOptionName';
      return ctx;
    }
    return optionContext(nestedOption, offset, ctx, tokens, true);
  }
  ctx.slot = 'expandNavigation';
  if (item) pathPartial(ctx, item.path, offset);
  return ctx;
}

/** Operand or operator, decided by the token before the name under the cursor. */
function exprContext(ctx: CompletionContext, tokens: Token[], offset: number, operand: SlotKind, operator: SlotKind): CompletionContext {
  let limit = offset;
  for (const t of tokens) {
    if (t.kind === 'eof' || t.start > offset) break;
    if (t.kind === 'ident' && t.start < offset && offset <= t.end) {
      setPartial(ctx, t.text, t.start, t.end, offset);
      limit = t.start;
      break;
    }
    if (t.kind === 'ident' && t.start === offset) ctx.replaceEnd = t.end;
    if (t.kind !== 'ident' && t.kind !== 'punct' && t.start < offset && (offset < t.end || t.unterminated)) {
      return literalContext(ctx, tokens, t, offset);
    }
  }
  let before = -1;
  for (let j = 0; j < tokens.length && tokens[j].kind !== 'eof' && tokens[j].end <= limit; j++) before = j;
  const prev = tokens[before];
  if (prev && prev.kind === 'punct' && prev.text === '/' && prev.end === limit) {
    const path: string[] = [];
    let j = before - 1;
    while (j >= 0 && tokens[j].kind === 'ident') {
      path.unshift(tokens[j].text);
      if (j >= 1 && tokens[j - 1].kind === 'punct' && tokens[j - 1].text === '/') j -= 2;
      else break;
    }
    ctx.memberPath = path;
    ctx.slot = operand;
    return ctx;
  }
  ctx.slot = prev && endsOperand(prev) ? operator : operand;
  return ctx;
}

/**
 * Inside a literal nothing is completed, except the column named by a Dataverse query
 * function: Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',...).
 */
function literalContext(ctx: CompletionContext, tokens: Token[], t: Token, offset: number): CompletionContext {
  const k = tokens.indexOf(t);
  const eq = tokens[k - 1];
  const name = tokens[k - 2];
  if (t.kind === 'string' && eq?.kind === 'punct' && eq.text === '=' && name?.kind === 'ident' && name.text === 'PropertyName' && t.ds + 1 <= t.de) {
    const contentEnd = t.unterminated ? t.end : t.end - 1;
    ctx.slot = 'queryFunctionProperty';
    ctx.partial = (t.value ?? '').slice(0, Math.max(0, offset - t.start - 1));
    ctx.replaceStart = t.start + 1;
    ctx.replaceEnd = Math.max(contentEnd, offset);
    return ctx;
  }
  ctx.slot = 'none';
  return ctx;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'has', 'in', 'add', 'sub', 'mul', 'div', 'divby', 'mod', 'asc', 'desc']);

function endsOperand(t: Token): boolean {
  if (t.kind === 'punct') return t.text === ')' || t.text === ']';
  if (t.kind === 'ident') return !KEYWORDS.has(t.text);
  return t.kind !== 'bad' && t.kind !== 'eof' && !t.unterminated;
}

function collectLambdas(e: Expr, offset: number, out: string[]): void {
  for (const node of exprChain(e, offset)) {
    if (node.kind === 'lambda' && node.variable) out.push(node.variable.name);
  }
}

/**
 * The syntax tree of a Dataverse Web API request URL. Every node carries
 * `start`/`end`: 0-based offsets into the text given to `parseRequestUrl`
 * (end exclusive), so that completion, hover and squiggles map straight back.
 */

import type { Token } from './lexer';

/** How serious a diagnostic is. */
export type Severity = 'error' | 'warning' | 'info';

/** A problem found in the text, at [start, end). */
export interface Diagnostic {
  start: number;
  end: number;
  message: string;
  severity: Severity;
}

/** Any node's position. */
export interface Span {
  start: number;
  end: number;
}

/** A name as typed (decoded), e.g. `accounts`, `Microsoft.Dynamics.CRM.LastXDays`. */
export interface Identifier extends Span {
  kind: 'identifier';
  name: string;
}

/** The primitive type a literal was read as. */
export type LiteralType =
  | 'null' | 'boolean' | 'string' | 'guid' | 'date' | 'dateTimeOffset' | 'timeOfDay' | 'duration'
  | 'integer' | 'decimal' | 'double' | 'binary' | 'enum' | 'geography' | 'geometry';

/** A literal; `value` is the decoded content (string quotes removed, '' unescaped). */
export interface Literal extends Span {
  kind: 'literal';
  type: LiteralType;
  raw: string;
  value: string;
  /** Enum literals: the qualified type name before the quote. */
  typeName?: string;
}

/** A path such as `primarycontactid/fullname`, `$it/name` or a lambda variable path `c/fullname`. */
export interface MemberExpr extends Span {
  kind: 'member';
  segments: Identifier[];
}

/** `name any(v: predicate)` / `all(...)` applied to the collection path before it. */
export interface LambdaExpr extends Span {
  kind: 'lambda';
  collection: MemberExpr;
  operator: 'any' | 'all';
  variable?: Identifier;
  predicate?: Expr;
}

/** `@p1`: a parameter alias, resolved from `&@p1=...`. */
export interface AliasExpr extends Span {
  kind: 'alias';
  name: string;
}

/** Binary operators, by precedence (lowest first): or; and; eq ne; lt le gt ge; add sub; mul div divby mod; has in. */
export type BinaryOperator =
  | 'or' | 'and' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'add' | 'sub' | 'mul' | 'div' | 'divby' | 'mod' | 'has' | 'in';

export interface BinaryExpr extends Span {
  kind: 'binary';
  operator: BinaryOperator;
  operatorSpan: Span;
  left: Expr;
  right: Expr;
}

export interface UnaryExpr extends Span {
  kind: 'unary';
  operator: 'not' | '-';
  operand: Expr;
}

/** `name=value` inside the parentheses of a function call, key or Dataverse query function. */
export interface NamedArgument extends Span {
  kind: 'namedArgument';
  name: Identifier;
  value: Expr;
}

/** A built-in method (`contains(name,'x')`) or a qualified function (`Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=7)`). */
export interface CallExpr extends Span {
  kind: 'call';
  name: Identifier;
  args: (Expr | NamedArgument)[];
  /** Offset of `(` and of `)` (end is -1 when missing). */
  open: number;
  close: number;
}

/** `(a, b, c)` after `in`, or a JSON array `[...]`. */
export interface ListExpr extends Span {
  kind: 'list';
  items: Expr[];
}

/** `(expr)`. */
export interface ParenExpr extends Span {
  kind: 'paren';
  inner: Expr;
}

/** A value that should be here and is not (half-typed text); start === end at the gap. */
export interface MissingExpr extends Span {
  kind: 'missing';
}

/** Any expression node. */
export type Expr = Literal | MemberExpr | LambdaExpr | AliasExpr | BinaryExpr | UnaryExpr | CallExpr | ListExpr | ParenExpr | MissingExpr;

/** One segment of the resource path: `accounts`, `accounts(guid)`, `WhoAmI()`, `$count`. */
export interface PathSegment extends Span {
  kind: 'segment';
  name: Identifier;
  /** Key predicate or function parameters, when the segment has parentheses. */
  args?: (Expr | NamedArgument)[];
  open?: number;
  close?: number;
}

/** The resource path, e.g. `accounts(accountnumber='A1')/contact_customer_accounts/$count`. */
export interface ResourcePath extends Span {
  kind: 'path';
  segments: PathSegment[];
  /** The first segment's name when it reads as an entity set (not an unbound function or `$` segment). */
  entitySet?: Identifier;
}

/** `$select` / nested `$select` item: a path, `*`, or a qualified `Namespace.*`. */
export interface SelectItem extends Span {
  kind: 'selectItem';
  path: Identifier[];
  star: boolean;
}

/** `$orderby` item. */
export interface OrderbyItem extends Span {
  kind: 'orderbyItem';
  expr: Expr;
  direction?: Identifier;
}

/** `$expand` item: navigation path, optional `/$ref` or `/$count`, and nested options. */
export interface ExpandItem extends Span {
  kind: 'expandItem';
  path: Identifier[];
  star: boolean;
  options: QueryOption[];
  /** Offsets of the options' `(` and `)` (close is -1 when missing). */
  open?: number;
  close?: number;
}

/** `$apply` transformation: `groupby(...)`, `aggregate(...)`, `filter(...)`. */
export interface Transformation extends Span {
  kind: 'transformation';
  name: Identifier;
  /** groupby: the grouping paths. */
  groupBy?: MemberExpr[];
  /** aggregate: `expr with method as alias` / `$count as alias`. */
  aggregates?: Aggregate[];
  /** filter: the predicate; groupby may nest transformations after the paths. */
  filter?: Expr;
  nested?: Transformation[];
}

export interface Aggregate extends Span {
  kind: 'aggregate';
  expr: Expr;
  method?: Identifier;
  alias?: Identifier;
}

/** What a query option's value was read as. */
export type OptionValue =
  | { kind: 'select'; items: SelectItem[] }
  | { kind: 'filter'; expr: Expr }
  | { kind: 'orderby'; items: OrderbyItem[] }
  | { kind: 'integer'; value: number | undefined }
  | { kind: 'boolean'; value: boolean | undefined }
  | { kind: 'expand'; items: ExpandItem[] }
  | { kind: 'apply'; transformations: Transformation[] }
  | { kind: 'search'; text: string }
  | { kind: 'alias'; expr: Expr }
  | { kind: 'fetchXml'; xml: string }
  | { kind: 'raw'; text: string };

/** `name=value`, at top level (`&`-separated) or nested in `$expand(...)` (`;`-separated). */
export interface QueryOption extends Span {
  kind: 'option';
  /** The name as typed (decoded). */
  name: Identifier;
  /** Lowercase name with a `$` for system options (`$filter`), as typed otherwise. */
  key: string;
  /** Offset of `=` (-1 when missing). */
  equals: number;
  /** The value's span (empty span right after `=` when nothing is typed yet). */
  valueSpan: Span;
  value: OptionValue;
  /** Top-level options parsed as expressions keep their value's tokens, for `contextAt`. */
  tokens?: Token[];
}

/** The whole request URL. */
export interface RequestUrl extends Span {
  kind: 'url';
  /** `https://org.crm.dynamics.com/api/data/v9.2/` when the URL is absolute. */
  serviceRoot?: Span & { text: string };
  path: ResourcePath;
  /** Offset of `?` (-1 when there is no query). */
  question: number;
  options: QueryOption[];
}

/** What `parseRequestUrl` returns. */
export interface ParseResult {
  tree: RequestUrl;
  diagnostics: Diagnostic[];
}

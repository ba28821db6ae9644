/**
 * Recursive descent over tokens, following the expression, path and query
 * option rules of the OASIS OData ABNF (sections 1, 2 and 4):
 * https://github.com/oasis-tcs/odata-abnf/blob/main/abnf/odata-abnf-construction-rules.txt
 * Operator precedence is the one of OData 4.01 URL Conventions, section 5.1.1
 * (https://docs.oasis-open.org/odata/odata/v4.01/odata-v4.01-part2-url-conventions.html).
 *
 * Every rule recovers instead of throwing: a missing operand becomes a
 * `missing` node at the gap, a missing `)` is reported at the `(` it should
 * close, and nesting deeper than MAX_DEPTH is reported once and skipped.
 */
import type {
  Aggregate, BinaryOperator, CallExpr, Diagnostic, ExpandItem, Expr, Identifier, LambdaExpr, Literal, LiteralType,
  MemberExpr, NamedArgument, OptionValue, OrderbyItem, PathSegment, QueryOption, ResourcePath, SelectItem, Span, Transformation,
} from './ast';
import type { Token } from './lexer';
import { parseWork } from './source';

/** Local binding: see lexer.ts. */
const work = parseWork;
import { BUILT_IN_FUNCTIONS, DATAVERSE_NAMESPACE, DATAVERSE_QUERY_FUNCTIONS, DOLLAR_SEGMENTS, EXPAND_OPTIONS, closest } from './vocabulary';

const BINARY: Readonly<Record<string, number>> = {
  or: 1, and: 2, eq: 3, ne: 3, lt: 4, le: 4, gt: 4, ge: 4, add: 5, sub: 5, mul: 6, div: 6, divby: 6, mod: 6, has: 8, in: 8,
};
const UNARY_PRECEDENCE = 7;
/** Deeper nesting than this is reported rather than parsed (keeps the stack far from its limit). */
export const MAX_DEPTH = 200;

const TYPED_LITERAL_PREFIXES: Readonly<Record<string, LiteralType>> = {
  duration: 'duration', binary: 'binary', x: 'binary', geography: 'geography', geometry: 'geometry',
};

/** Parses the tokens of one decoded value; positions are original offsets. */
export class TokenParser {
  private i = 0;
  private depth = 0;
  private tooDeepReported = false;
  private readonly scopes: string[] = [];
  /** `@name` aliases used in expressions, for the "alias has no value" check. */
  readonly aliasUses: { name: string; span: Span }[] = [];

  constructor(
    readonly tokens: Token[],
    private readonly diags: Diagnostic[],
  ) {}

  peek(k = 0): Token {
    work.steps++;
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)];
  }
  next(): Token {
    const t = this.tokens[this.i];
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }
  atEnd(): boolean {
    return this.peek().kind === 'eof';
  }
  /** End offset of the last consumed token (or the start of the first). */
  lastEnd(): number {
    return this.i > 0 ? this.tokens[this.i - 1].end : this.tokens[0].start;
  }
  isPunct(ch: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'punct' && t.text === ch;
  }
  private eatPunct(ch: string): Token | undefined {
    return this.isPunct(ch) ? this.next() : undefined;
  }
  error(start: number, end: number, message: string, severity: Diagnostic['severity'] = 'error'): void {
    // After too-deep nesting the rest of the value is skipped: the enclosing rules would only report echoes of it.
    if (!this.tooDeepReported) this.diags.push({ start, end, message, severity });
  }
  private describe(t: Token): string {
    return t.kind === 'eof' ? 'the end of the text' : `'${t.text}'`;
  }

  private missing(what: string): Expr {
    const t = this.peek();
    const at = t.kind === 'eof' ? this.lastEnd() : t.start;
    this.error(at, t.kind === 'eof' ? at : t.end, `Expected ${what}, found ${this.describe(t)}.`);
    return { kind: 'missing', start: at, end: at };
  }

  /** Reports too-deep nesting once and consumes the rest of the value, so that recursion unwinds at once. */
  private tooDeep(): Expr {
    const t = this.peek();
    if (!this.tooDeepReported) {
      this.error(t.start, this.tokens[this.tokens.length - 1].end, `Parentheses, calls and operators nest deeper here than the parser follows (${MAX_DEPTH} rules, about ${MAX_DEPTH / 2} levels of parentheses); the rest of this value is not checked.`);
      this.tooDeepReported = true;
    }
    this.i = this.tokens.length - 1;
    return { kind: 'missing', start: t.start, end: t.start };
  }

  private enter(): boolean {
    return ++this.depth <= MAX_DEPTH;
  }

  // ---------------------------------------------------------------- expressions

  /** commonExpr with binary operators at `minPrecedence` or tighter. */
  parseExpr(minPrecedence = 1): Expr {
    if (!this.enter()) {
      this.depth--;
      return this.tooDeep();
    }
    try {
      let left = this.parseUnary();
      for (;;) {
        const t = this.peek();
        if (t.kind !== 'ident') break;
        const precedence = BINARY[t.text];
        if (precedence === undefined || precedence < minPrecedence) break;
        this.next();
        const right = t.text === 'has' ? this.parseUnary() : this.parseExpr(precedence + 1);
        left = {
          kind: 'binary', operator: t.text as BinaryOperator, operatorSpan: { start: t.start, end: t.end },
          left, right, start: left.start, end: Math.max(right.end, t.end),
        };
      }
      return left;
    } finally {
      this.depth--;
    }
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (t.kind === 'ident' && t.text === 'not' && !this.isOperatorAfter(1)) {
      this.next();
      const operand = this.parseExpr(UNARY_PRECEDENCE);
      return { kind: 'unary', operator: 'not', operand, start: t.start, end: Math.max(t.end, operand.end) };
    }
    if (t.kind === 'punct' && t.text === '-') {
      this.next();
      const n = this.peek();
      if (n.ds === t.de && (n.kind === 'number' || (n.kind === 'ident' && n.text === 'INF'))) {
        this.next();
        return this.numberLiteral(n, t.start, '-' + n.text);
      }
      const operand = this.parseExpr(UNARY_PRECEDENCE);
      return { kind: 'unary', operator: '-', operand, start: t.start, end: Math.max(t.end, operand.end) };
    }
    return this.parsePrimary();
  }

  /** True when the token at k is a binary operator keyword (so `not` before it is a name, not an operator). */
  private isOperatorAfter(k: number): boolean {
    const t = this.peek(k);
    return t.kind === 'ident' && BINARY[t.text] !== undefined;
  }

  private numberLiteral(t: Token, start: number, raw: string): Literal {
    const type: LiteralType = /INF|NaN|[eE]/.test(raw) ? 'double' : raw.includes('.') ? 'decimal' : 'integer';
    return { kind: 'literal', type, raw, value: raw, start, end: t.end };
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'string':
      case 'dstring':
        this.next();
        return { kind: 'literal', type: 'string', raw: t.text, value: t.value ?? '', start: t.start, end: t.end };
      case 'number':
        this.next();
        return this.numberLiteral(t, t.start, t.text);
      case 'guid':
      case 'date':
      case 'dateTimeOffset':
      case 'timeOfDay':
        this.next();
        return { kind: 'literal', type: t.kind, raw: t.text, value: t.text, start: t.start, end: t.end };
      case 'alias':
        if (t.text.includes('.')) return this.parseMemberPath(this.annotation());
        this.next();
        if (t.text.length === 1) this.error(t.start, t.end, "Expected a parameter alias name after '@', e.g. @p1.");
        else this.aliasUses.push({ name: t.text, span: { start: t.start, end: t.end } });
        if (this.isPunct('/')) return this.parseMemberPath({ kind: 'identifier', name: t.text, start: t.start, end: t.end });
        return { kind: 'alias', name: t.text, start: t.start, end: t.end };
      case 'ident':
        return this.parseNamed();
      case 'punct':
        if (t.text === '(') return this.parseParen();
        if (t.text === '[') return this.parseJsonArray();
        if (t.text === '{') return this.parseJsonObject();
        break;
    }
    return this.missing('a value (a column, a literal or a function call)');
  }

  private parseQualifiedName(): Identifier {
    const first = this.next();
    let name = first.text;
    let end = first.end;
    let last = first;
    while (this.isPunct('.') && this.peek().ds === last.de && this.peek(1).kind === 'ident' && this.peek(1).ds === this.peek().de) {
      this.next();
      last = this.next();
      name += '.' + last.text;
      end = last.end;
    }
    return { kind: 'identifier', name, start: first.start, end };
  }

  private parseNamed(): Expr {
    const first = this.peek();
    const word = first.text;
    if (word === 'true' || word === 'false' || word === 'null') {
      this.next();
      return { kind: 'literal', type: word === 'null' ? 'null' : 'boolean', raw: word, value: word, start: first.start, end: first.end };
    }
    if (word === 'INF' || word === 'NaN') {
      this.next();
      return this.numberLiteral(first, first.start, word);
    }
    const name = this.parseQualifiedName();
    const after = this.peek();
    if (after.kind === 'string' && after.start === name.end) {
      this.next();
      const prefix = TYPED_LITERAL_PREFIXES[name.name.toLowerCase()];
      const literal: Literal = { kind: 'literal', type: prefix ?? 'enum', raw: name.name + after.text, value: after.value ?? '', start: name.start, end: after.end };
      if (!prefix) literal.typeName = name.name;
      if (prefix === 'duration' && !/^-?P(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/.test(literal.value)) {
        this.error(after.start, after.end, `'${literal.value}' is not an ISO 8601 duration; write for example duration'P1DT2H30M'.`);
      }
      return literal;
    }
    if (this.isPunct('(')) {
      const call = this.parseCall(name);
      if (!this.isPunct('/')) return call;
      // Key access or a function result followed by a path: Items(1)/Name, Namespace.F()/City.
      return this.parseMemberPath({ kind: 'identifier', name: name.name, start: name.start, end: call.end });
    }
    return this.parseMemberPath(name);
  }

  /**
   * `a/b/c`, with lambdas, annotations (`Price/@Core.Term`), key access and bound functions
   * on the way (`Items(1)/Name`, `$root/accounts(guid)/name`): a segment with parentheses
   * spans them, and its arguments are parsed (and checked) like any call's.
   */
  private parseMemberPath(first: Identifier): Expr {
    const segments: Identifier[] = [first];
    let end = first.end;
    while (this.isPunct('/')) {
      const slash = this.next();
      end = slash.end;
      const t = this.peek();
      if ((t.kind !== 'ident' && t.kind !== 'alias') || t.ds !== slash.de) {
        this.error(slash.start, slash.end, `Expected a property name right after '/', found ${t.ds !== slash.de && t.kind !== 'eof' ? 'a space' : this.describe(t)}.`);
        segments.push({ kind: 'identifier', name: '', start: slash.end, end: slash.end });
        break;
      }
      if ((t.text === 'any' || t.text === 'all') && this.isPunct('(', 1)) {
        const collection: MemberExpr = { kind: 'member', segments, start: first.start, end: slash.start };
        return this.parseLambda(collection, t);
      }
      const seg = t.kind === 'alias' ? this.annotation() : this.parseQualifiedName();
      if (this.isPunct('(')) {
        const { end: callEnd } = this.parseArguments();
        seg.end = callEnd;
      }
      segments.push(seg);
      end = seg.end;
    }
    return { kind: 'member', segments, start: first.start, end };
  }

  /** `@Namespace.Term` in a path: an instance annotation, read as a path segment. */
  private annotation(): Identifier {
    const t = this.next();
    return { kind: 'identifier', name: t.text, start: t.start, end: t.end };
  }

  private parseLambda(collection: MemberExpr, op: Token): LambdaExpr {
    this.next();
    const open = this.next();
    const lambda: LambdaExpr = { kind: 'lambda', collection, operator: op.text as 'any' | 'all', start: collection.start, end: open.end };
    if (this.isPunct(')')) {
      if (op.text === 'all') this.error(op.start, this.peek().end, "all() needs a variable and a condition, e.g. all(c: c/statecode eq 0).");
      lambda.end = this.next().end;
      return lambda;
    }
    const v = this.peek();
    if (v.kind === 'ident' && this.isPunct(':', 1)) {
      this.next();
      this.next();
      lambda.variable = { kind: 'identifier', name: v.text, start: v.start, end: v.end };
      if (this.scopes.includes(v.text)) this.error(v.start, v.end, `The lambda variable '${v.text}' is already used by an enclosing any/all; choose another name.`);
      this.scopes.push(v.text);
      try {
        lambda.predicate = this.parseExpr();
      } finally {
        this.scopes.pop();
      }
    } else {
      this.error(v.start, v.end, `Expected a lambda variable and ':' after ${op.text}(, e.g. ${op.text}(c: c/name eq 'x').`);
      lambda.predicate = this.parseExpr();
      this.skipTo([')']);
    }
    lambda.end = this.closeParen(open, lambda.predicate?.end ?? open.end);
    return lambda;
  }

  /** Expects `)` closing `open`; reports the unbalanced `(` at its own position. Returns the end offset. */
  private closeParen(open: Token, fallbackEnd: number): number {
    const close = this.eatPunct(')');
    if (close) return close.end;
    const t = this.peek();
    // An unterminated string has eaten the ')': its own diagnostic says so.
    if (this.i > 0 && this.tokens[this.i - 1].unterminated) return Math.max(fallbackEnd, this.lastEnd());
    if (t.kind === 'eof') {
      this.error(open.start, open.end, `This '(' is never closed: add ')' at the end.`);
      return Math.max(fallbackEnd, this.lastEnd());
    }
    // Something stray before the ')': report it where it is, then resume after the ')'.
    this.error(t.start, t.end, `Expected ')' or ',' here, found ${this.describe(t)}.`);
    this.skipTo([')', ';']);
    const late = this.eatPunct(')');
    return late ? late.end : Math.max(fallbackEnd, this.lastEnd());
  }

  /** Arguments in parentheses: positional expressions or name=value pairs. */
  parseArguments(): { args: (Expr | NamedArgument)[]; open: number; close: number; end: number } {
    const open = this.next();
    const args: (Expr | NamedArgument)[] = [];
    if (!this.enter()) {
      this.depth--;
      this.tooDeep();
      return { args, open: open.start, close: -1, end: this.lastEnd() };
    }
    try {
      if (!this.isPunct(')') && !this.atEnd()) {
        for (;;) {
          const t = this.peek();
          if (t.kind === 'ident' && this.isPunct('=', 1)) {
            this.next();
            this.next();
            const value = this.parseExpr();
            args.push({ kind: 'namedArgument', name: { kind: 'identifier', name: t.text, start: t.start, end: t.end }, value, start: t.start, end: Math.max(value.end, t.end + 1) });
          } else {
            args.push(this.parseExpr());
          }
          if (!this.eatPunct(',')) break;
        }
      }
      const closeTok = this.isPunct(')') ? this.peek() : undefined;
      const end = this.closeParen(open, args.length ? args[args.length - 1].end : open.end);
      return { args, open: open.start, close: closeTok ? closeTok.start : -1, end };
    } finally {
      this.depth--;
    }
  }

  private parseCall(name: Identifier): CallExpr {
    const { args, open, close, end } = this.parseArguments();
    const call: CallExpr = { kind: 'call', name, args, open, close, start: name.start, end };
    this.checkCall(call);
    return call;
  }

  private checkCall(call: CallExpr): void {
    const name = call.name.name;
    const arity = BUILT_IN_FUNCTIONS.get(name);
    if (arity) {
      const [min, max] = arity;
      const n = call.args.length;
      if (call.close >= 0 && (n < min || n > max)) {
        const expected = min === max ? `${min}` : `${min} or ${max}`;
        this.error(call.name.start, call.end, `${name}() takes ${expected} argument${max === 1 ? '' : 's'}, found ${n}.`);
      }
      return;
    }
    if (name.startsWith(DATAVERSE_NAMESPACE + '.')) {
      const short = name.slice(DATAVERSE_NAMESPACE.length + 1);
      const shape = DATAVERSE_QUERY_FUNCTIONS.get(short);
      if (!shape) {
        const guess = closest(short, DATAVERSE_QUERY_FUNCTIONS.keys());
        this.error(call.name.start, call.name.end, `'${short}' is not a Dataverse query function${guess ? `; did you mean ${DATAVERSE_NAMESPACE}.${guess}?` : '.'}`, 'warning');
        return;
      }
      this.checkQueryFunction(call, shape);
      return;
    }
    if (DATAVERSE_QUERY_FUNCTIONS.has(name)) {
      this.error(call.name.start, call.name.end, `Dataverse query functions are written with their namespace: ${DATAVERSE_NAMESPACE}.${name}(...).`);
      return;
    }
    if (name.includes('.') || call.args.some((a) => a.kind === 'namedArgument')) return;
    // Items(1), accounts('x'): key access on a collection, not a function.
    if (call.args.length > 0 && call.args.every((a) => a.kind === 'literal' || a.kind === 'alias')) return;
    if (this.isPunct('/')) return;
    const lower = name.toLowerCase();
    const known = [...BUILT_IN_FUNCTIONS.keys()].find((k) => k.toLowerCase() === lower);
    const guess = known ?? closest(name, BUILT_IN_FUNCTIONS.keys());
    this.error(call.name.start, call.name.end, `Unknown function '${name}'${guess ? `; did you mean ${guess}()?` : '.'}`);
  }

  private checkQueryFunction(call: CallExpr, shape: 'name' | 'value' | 'values'): void {
    const named = new Map<string, NamedArgument>();
    for (const a of call.args) {
      if (a.kind !== 'namedArgument') {
        this.error(a.start, Math.max(a.end, a.start + 1), `Dataverse query functions take named parameters, e.g. PropertyName='createdon'.`);
        return;
      }
      named.set(a.name.name, a);
    }
    const required = ['PropertyName', ...(shape === 'value' ? ['PropertyValue'] : shape === 'values' ? ['PropertyValues'] : [])];
    for (const p of required) {
      if (!named.has(p) && call.close >= 0) this.error(call.name.start, call.end, `${call.name.name.slice(DATAVERSE_NAMESPACE.length + 1)} needs the parameter ${p}.`);
    }
    for (const [p, a] of named) {
      if (!required.includes(p)) this.error(a.name.start, a.name.end, `Unexpected parameter '${p}': this function takes ${required.join(' and ')}.`);
    }
  }

  private parseParen(): Expr {
    const open = this.next();
    if (!this.enter()) {
      this.depth--;
      return this.tooDeep();
    }
    try {
      if (this.isPunct(')')) {
        const close = this.next();
        return { kind: 'list', items: [], start: open.start, end: close.end };
      }
      const first = this.parseExpr();
      if (this.isPunct(',')) {
        const items = [first];
        while (this.eatPunct(',')) items.push(this.parseExpr());
        const end = this.closeParen(open, items[items.length - 1].end);
        return { kind: 'list', items, start: open.start, end };
      }
      const end = this.closeParen(open, first.end);
      return { kind: 'paren', inner: first, start: open.start, end };
    } finally {
      this.depth--;
    }
  }

  private parseJsonArray(): Expr {
    const open = this.next();
    const items: Expr[] = [];
    if (!this.isPunct(']')) {
      do items.push(this.parseExpr());
      while (this.eatPunct(','));
    }
    const close = this.eatPunct(']');
    if (!close) this.error(open.start, open.end, `This '[' is never closed: add ']'.`);
    return { kind: 'list', items, start: open.start, end: close ? close.end : this.lastEnd() };
  }

  private parseJsonObject(): Expr {
    const open = this.next();
    const items: Expr[] = [];
    if (!this.isPunct('}')) {
      do {
        const t = this.peek();
        if (t.kind === 'dstring' && this.isPunct(':', 1)) {
          this.next();
          this.next();
        } else {
          this.error(t.start, t.end, `Expected a member name in double quotes, e.g. {"name":"value"}.`);
          if ((t.kind === 'string' || t.kind === 'ident') && this.isPunct(':', 1)) {
            this.next();
            this.next();
          }
        }
        items.push(this.parseExpr());
      } while (this.eatPunct(','));
    }
    const close = this.eatPunct('}');
    if (!close) this.error(open.start, open.end, `This '{' is never closed: add '}'.`);
    return { kind: 'list', items, start: open.start, end: close ? close.end : this.lastEnd() };
  }

  /** After a complete value: report what follows (if it is not `stop`) and skip to the end. */
  expectEnd(after: string, stops: readonly string[] = []): void {
    const t = this.peek();
    if (t.kind === 'eof' || (t.kind === 'punct' && stops.includes(t.text))) return;
    if (t.kind === 'punct' && t.text === ')') {
      this.error(t.start, t.end, `Unbalanced ')': there is no '(' for it to close.`);
    } else if (t.kind === 'ident' && BINARY[t.text.toLowerCase()] !== undefined) {
      this.error(t.start, t.end, `Operators are lowercase: write '${t.text.toLowerCase()}'.`);
    } else if (t.kind === 'punct' && t.text === '=') {
      this.error(t.start, t.end, `Compare with eq, not '=': for example statecode eq 0.`);
    } else if (this.i > 0 && this.tokens[this.i - 1].kind === 'string' && this.tokens[this.i - 1].de === t.ds) {
      this.error(t.start, t.end, `Unexpected ${this.describe(t)} right after a string: a quote inside a string is written twice, e.g. 'O''Neil'.`);
    } else if (t.kind !== 'bad') {
      this.error(t.start, t.end, `Unexpected ${this.describe(t)} after ${after}: expected an operator such as and, or, eq.`);
    }
    this.skipTo(stops);
  }

  /** Skips tokens up to (not including) a top-level stop punctuation, keeping parentheses balanced. */
  skipTo(stops: readonly string[]): void {
    let level = 0;
    while (!this.atEnd()) {
      const t = this.peek();
      if (t.kind === 'punct') {
        if (level === 0 && stops.includes(t.text)) return;
        if (t.text === '(') level++;
        else if (t.text === ')') {
          if (level === 0 && stops.includes(')')) return;
          level = Math.max(0, level - 1);
        }
      }
      this.next();
    }
  }

  // ---------------------------------------------------------------- query option values

  parseSelectItems(stops: readonly string[]): SelectItem[] {
    const items: SelectItem[] = [];
    do {
      const t = this.peek();
      if (t.kind === 'punct' && t.text === '*') {
        this.next();
        items.push({ kind: 'selectItem', path: [], star: true, start: t.start, end: t.end });
        continue;
      }
      if (t.kind !== 'ident') {
        const at = t.kind === 'eof' ? this.lastEnd() : t.start;
        this.error(at, t.kind === 'eof' ? at : t.end, `Expected a column name, found ${this.describe(t)}.`);
        items.push({ kind: 'selectItem', path: [], star: false, start: at, end: at });
        if (t.kind !== 'eof' && !(t.kind === 'punct' && (t.text === ',' || stops.includes(t.text)))) this.next();
        continue;
      }
      const path = this.parsePathNames();
      let star = false;
      let end = path[path.length - 1].end;
      if (this.isPunct('.') && this.isPunct('*', 1)) {
        this.next();
        end = this.next().end;
        star = true;
      }
      const item: SelectItem = { kind: 'selectItem', path, star, start: t.start, end };
      if (this.isPunct('(')) {
        const open = this.next();
        this.parseNestedOptions(open);
        item.end = this.lastEnd();
      }
      items.push(item);
    } while (this.eatPunct(','));
    return items;
  }

  /** `a/b/c` of qualified names (for $select and $expand). */
  private parsePathNames(): Identifier[] {
    const path = [this.parseQualifiedName()];
    while (this.isPunct('/')) {
      const slash = this.next();
      const t = this.peek();
      if (t.kind !== 'ident') {
        this.error(slash.start, slash.end, `Expected a name after '/', found ${this.describe(t)}.`);
        path.push({ kind: 'identifier', name: '', start: slash.end, end: slash.end });
        break;
      }
      path.push(this.parseQualifiedName());
    }
    return path;
  }

  parseOrderbyItems(): OrderbyItem[] {
    const items: OrderbyItem[] = [];
    do {
      const expr = this.parseExpr();
      const item: OrderbyItem = { kind: 'orderbyItem', expr, start: expr.start, end: expr.end };
      const d = this.peek();
      if (d.kind === 'ident' && (d.text === 'asc' || d.text === 'desc')) {
        this.next();
        item.direction = { kind: 'identifier', name: d.text, start: d.start, end: d.end };
        item.end = d.end;
      } else if (d.kind === 'ident' && (d.text.toLowerCase() === 'asc' || d.text.toLowerCase() === 'desc')) {
        this.next();
        this.error(d.start, d.end, `Sort directions are lowercase: write '${d.text.toLowerCase()}'.`);
      }
      items.push(item);
    } while (this.eatPunct(','));
    return items;
  }

  parseExpandItems(): ExpandItem[] {
    const items: ExpandItem[] = [];
    do {
      const t = this.peek();
      let item: ExpandItem;
      if (t.kind === 'punct' && t.text === '*') {
        this.next();
        item = { kind: 'expandItem', path: [], star: true, options: [], start: t.start, end: t.end };
      } else if (t.kind === 'ident') {
        const path = this.parsePathNames();
        item = { kind: 'expandItem', path, star: false, options: [], start: t.start, end: path[path.length - 1].end };
      } else {
        const at = t.kind === 'eof' ? this.lastEnd() : t.start;
        this.error(at, t.kind === 'eof' ? at : t.end, `Expected a navigation property, found ${this.describe(t)}.`);
        items.push({ kind: 'expandItem', path: [], star: false, options: [], start: at, end: at });
        if (t.kind !== 'eof' && !(t.kind === 'punct' && (t.text === ',' || t.text === ';' || t.text === ')'))) this.next();
        continue;
      }
      if (this.isPunct('(')) {
        const open = this.next();
        item.open = open.start;
        item.options = this.parseNestedOptions(open);
        const last = this.tokens[this.i - 1];
        item.close = last.kind === 'punct' && last.text === ')' && last !== open ? last.start : -1;
        item.end = this.lastEnd();
      }
      items.push(item);
    } while (this.eatPunct(','));
    return items;
  }

  /** `name=value;name=value)` after `(`, consuming the closing `)`. */
  parseNestedOptions(open: Token): QueryOption[] {
    const options: QueryOption[] = [];
    if (!this.enter()) {
      this.depth--;
      this.tooDeep();
      return options;
    }
    try {
      const seen = new Set<string>();
      while (!this.isPunct(')') && !this.atEnd()) {
        const t = this.peek();
        if (t.kind === 'punct' && t.text === ';') {
          this.next();
          continue;
        }
        if (t.kind !== 'ident' && t.kind !== 'alias') {
          this.error(t.start, t.end, `Expected a query option such as $select= or $filter=, found ${this.describe(t)}.`);
          this.skipTo([';', ')']);
          continue;
        }
        this.next();
        const name: Identifier = { kind: 'identifier', name: t.text, start: t.start, end: t.end };
        const key = t.kind === 'alias' ? t.text : normalizeOptionName(t.text);
        const option: QueryOption = { kind: 'option', name, key, equals: -1, valueSpan: { start: t.end, end: t.end }, value: { kind: 'raw', text: '' }, start: t.start, end: t.end };
        options.push(option);
        if (seen.has(key)) this.error(t.start, t.end, `'${t.text}' appears twice in these nested options; keep one.`);
        seen.add(key);
        const known = t.kind === 'alias' || (EXPAND_OPTIONS as readonly string[]).includes(key);
        if (!known) {
          const guess = closest(t.text, EXPAND_OPTIONS);
          this.error(t.start, t.end, `'${t.text}' is not an option of $expand${guess ? `; did you mean ${guess}?` : '.'}`);
        }
        const eq = this.eatPunct('=');
        if (!eq) {
          this.error(t.start, t.end, `Expected '=' after '${t.text}'.`);
          this.skipTo([';', ')']);
          continue;
        }
        option.equals = eq.start;
        const valueStart = this.i;
        option.value = known ? this.parseOptionValue(key, [';', ')']) : (this.skipTo([';', ')']), { kind: 'raw', text: '' });
        const valueEnd = this.lastEnd();
        option.valueSpan = this.i > valueStart ? { start: this.tokens[valueStart].start, end: valueEnd } : { start: eq.end, end: eq.end };
        option.end = Math.max(option.valueSpan.end, eq.end);
        this.expectEnd(`the value of ${t.text}`, [';', ')']);
        // The option reaches its terminator, so a cursor in the blanks before ';' or ')' is still inside it.
        option.end = Math.max(option.end, this.peek().start);
      }
      this.closeParen(open, this.lastEnd());
      return options;
    } finally {
      this.depth--;
    }
  }

  /** Parses an option's value (token-based options only) up to a stop or the end. */
  parseOptionValue(key: string, stops: readonly string[]): OptionValue {
    switch (key) {
      case '$select':
        return { kind: 'select', items: this.parseSelectItems(stops) };
      case '$filter':
        return { kind: 'filter', expr: this.parseExpr() };
      case '$orderby':
        return { kind: 'orderby', items: this.parseOrderbyItems() };
      case '$expand':
        return { kind: 'expand', items: this.parseExpandItems() };
      case '$apply':
        return { kind: 'apply', transformations: this.parseTransformations() };
      case '$top':
      case '$skip':
      case '$levels':
      case '$index':
        return this.parseInteger(key);
      case '$count':
        return this.parseBoolean(key);
      case '$search': {
        const start = this.i;
        this.skipTo(stops);
        return { kind: 'search', text: this.tokens.slice(start, this.i).map((t) => t.text).join(' ') };
      }
      default:
        if (key.startsWith('@')) return { kind: 'alias', expr: this.parseExpr() };
        this.skipTo(stops);
        return { kind: 'raw', text: '' };
    }
  }

  private parseInteger(key: string): OptionValue {
    const t = this.peek();
    if (key === '$levels' && t.kind === 'ident' && t.text === 'max') {
      this.next();
      return { kind: 'integer', value: undefined };
    }
    if (t.kind === 'number' && /^\d+$/.test(t.text)) {
      this.next();
      return { kind: 'integer', value: Number(t.text) };
    }
    const at = t.kind === 'eof' ? this.lastEnd() : t.start;
    if (t.kind === 'punct' && t.text === '-' && this.peek(1).kind === 'number') {
      this.error(t.start, this.peek(1).end, `${key} must not be negative: write a non-negative integer, e.g. ${key}=10.`);
      this.skipTo([';', ')']);
      return { kind: 'integer', value: undefined };
    }
    this.error(at, t.kind === 'eof' ? at : t.end, `${key} takes a non-negative integer, e.g. ${key}=10${key === '$levels' ? ' or $levels=max' : ''}.`);
    if (t.kind !== 'eof') this.skipTo([';', ')']);
    return { kind: 'integer', value: undefined };
  }

  private parseBoolean(key: string): OptionValue {
    const t = this.peek();
    if (t.kind === 'ident' && (t.text === 'true' || t.text === 'false')) {
      this.next();
      return { kind: 'boolean', value: t.text === 'true' };
    }
    const at = t.kind === 'eof' ? this.lastEnd() : t.start;
    this.error(at, t.kind === 'eof' ? at : t.end, `${key} takes true or false.`);
    if (t.kind !== 'eof') this.skipTo([';', ')']);
    return { kind: 'boolean', value: undefined };
  }

  // ---------------------------------------------------------------- $apply (OData Data Aggregation Extension)

  parseTransformations(): Transformation[] {
    const list: Transformation[] = [];
    do {
      const t = this.peek();
      if (t.kind !== 'ident') {
        this.missing('a transformation such as groupby(...), aggregate(...) or filter(...)');
        break;
      }
      this.next();
      const name: Identifier = { kind: 'identifier', name: t.text, start: t.start, end: t.end };
      const tr: Transformation = { kind: 'transformation', name, start: t.start, end: t.end };
      list.push(tr);
      const open = this.eatPunct('(');
      if (!open) {
        this.error(t.start, t.end, `Expected '(' after ${t.text}.`);
        break;
      }
      if (!this.enter()) {
        this.depth--;
        this.tooDeep();
        break;
      }
      try {
        switch (t.text) {
          case 'filter':
            tr.filter = this.parseExpr();
            break;
          case 'aggregate':
            tr.aggregates = this.parseAggregates();
            break;
          case 'groupby': {
            const groupOpen = this.eatPunct('(');
            if (!groupOpen) {
              this.error(this.peek().start, this.peek().end, 'groupby takes the grouping properties in parentheses first: groupby((name),aggregate(...)).');
              this.skipTo([')']);
              break;
            }
            tr.groupBy = [];
            if (!this.isPunct(')')) {
              do {
                const e = this.parseExpr();
                if (e.kind === 'member') tr.groupBy.push(e);
                else if (e.kind !== 'missing') this.error(e.start, e.end, 'groupby groups by properties: write a property path.');
              } while (this.eatPunct(','));
            }
            this.closeParen(groupOpen, this.lastEnd());
            if (this.eatPunct(',')) tr.nested = this.parseTransformations();
            break;
          }
          default:
            this.error(t.start, t.end, `Dataverse does not support the '${t.text}' transformation; it supports groupby, aggregate and filter.`, 'warning');
            this.skipTo([')']);
        }
      } finally {
        this.depth--;
      }
      this.expectEnd(`the arguments of ${t.text}`, [')']);
      tr.end = this.closeParen(open, this.lastEnd());
    } while (this.eatPunct('/'));
    return list;
  }

  private parseAggregates(): Aggregate[] {
    const list: Aggregate[] = [];
    do {
      const expr = this.parseExpr();
      const ag: Aggregate = { kind: 'aggregate', expr, start: expr.start, end: expr.end };
      const isCount = expr.kind === 'member' && expr.segments.length === 1 && expr.segments[0].name === '$count';
      if (this.peek().kind === 'ident' && this.peek().text === 'with') {
        this.next();
        const m = this.peek();
        if (m.kind === 'ident') {
          ag.method = this.parseQualifiedName();
          ag.end = ag.method.end;
          if (!['sum', 'min', 'max', 'average', 'countdistinct'].includes(ag.method.name) && !ag.method.name.includes('.')) {
            this.error(m.start, m.end, `Unknown aggregation method '${m.text}': use sum, min, max, average or countdistinct.`);
          }
        } else this.missing('an aggregation method (sum, min, max, average, countdistinct)');
      } else if (!isCount && expr.kind !== 'missing') {
        this.error(expr.start, expr.end, `Expected 'with' and a method after the property, e.g. revenue with sum as total.`);
      }
      if (this.peek().kind === 'ident' && this.peek().text === 'as') {
        this.next();
        const a = this.peek();
        if (a.kind === 'ident') {
          this.next();
          ag.alias = { kind: 'identifier', name: a.text, start: a.start, end: a.end };
          ag.end = a.end;
        } else this.missing('an alias name after as');
      } else if (expr.kind !== 'missing') {
        const at = this.lastEnd();
        this.error(ag.start, at, `Expected 'as' and a name for the aggregated value, e.g. ... as total.`);
      }
      list.push(ag);
    } while (this.eatPunct(','));
    return list;
  }

  // ---------------------------------------------------------------- resource path

  parsePath(): ResourcePath {
    const segments: PathSegment[] = [];
    const start = this.peek().start;
    while (!this.atEnd()) {
      const t = this.peek();
      if (t.kind !== 'ident') {
        this.error(t.start, t.end, `Expected ${segments.length ? 'a navigation property, $count, $ref, $value or an operation' : 'an entity set, function or action name'}, found ${this.describe(t)}.`);
        this.skipTo(['/']);
        if (!this.eatPunct('/')) break;
        continue;
      }
      const name = this.parseQualifiedName();
      const seg: PathSegment = { kind: 'segment', name, start: name.start, end: name.end };
      if (name.name.startsWith('$') && !(DOLLAR_SEGMENTS as readonly string[]).includes(name.name)) {
        const guess = closest(name.name, DOLLAR_SEGMENTS);
        this.error(name.start, name.end, `Unknown path segment '${name.name}'${guess ? `; did you mean ${guess}?` : '.'}`);
      }
      if (this.isPunct('(')) {
        const { args, open, close, end } = this.parseArguments();
        seg.args = args;
        seg.open = open;
        seg.close = close;
        seg.end = end;
        this.checkKey(seg);
      }
      segments.push(seg);
      const after = this.peek();
      if (after.kind === 'eof') break;
      if (!this.eatPunct('/')) {
        this.error(after.start, after.end, `Unexpected ${this.describe(after)} in the path: segments are separated by '/'.`);
        this.skipTo(['/']);
        if (!this.eatPunct('/')) break;
      } else if (this.atEnd()) {
        // A trailing '/' while typing: an empty segment to complete into.
        const at = this.lastEnd();
        segments.push({ kind: 'segment', name: { kind: 'identifier', name: '', start: at, end: at }, start: at, end: at });
      }
    }
    const path: ResourcePath = { kind: 'path', segments, start, end: segments.length ? segments[segments.length - 1].end : start };
    const first = segments[0];
    if (first && first.name.name && !first.name.name.startsWith('$') && !first.name.name.includes('.') && !(first.args && first.args.length === 0 && first.close !== undefined && first.close >= 0)) {
      path.entitySet = first.name;
    }
    return path;
  }

  private checkKey(seg: PathSegment): void {
    const args = seg.args ?? [];
    const positional = args.filter((a) => a.kind !== 'namedArgument');
    if (positional.length > 1) {
      this.error(positional[1].start, positional[1].end, 'A key of several values names each one: (key1=value1,key2=value2).');
    }
    if (positional.length === 1 && args.length > 1) {
      this.error(positional[0].start, positional[0].end, 'Mix of a bare key value and name=value pairs: name every key property.');
    }
    for (const a of args) {
      const v = a.kind === 'namedArgument' ? a.value : a;
      if (v.kind !== 'literal' && v.kind !== 'alias' && v.kind !== 'missing' && !(v.kind === 'list' && a.kind === 'namedArgument')) {
        this.error(v.start, v.end, 'A key or parameter value must be a literal (a string in quotes, a number, a GUID) or a parameter alias such as @p1.');
      }
    }
  }
}

/** `$FILTER` reads as `$filter`; names without `$` are custom options and stay as typed. */
export function normalizeOptionName(name: string): string {
  return name.startsWith('$') ? name.toLowerCase() : name;
}

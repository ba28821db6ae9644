/**
 * Tokens of OData expressions, keys and option values, from the literal and
 * identifier rules of the OASIS OData ABNF (section 7, "Literal Data Values",
 * and section 6, "Names and identifiers"):
 * https://github.com/oasis-tcs/odata-abnf/blob/main/abnf/odata-abnf-construction-rules.txt
 * One pass, no backtracking: each token is matched once at its start.
 */
import type { Diagnostic } from './ast';
import { origin as originOf, parseWork, type Segment } from './source';

// Local bindings: under a CommonJS transpiler (tsx, the benchmark) each use of an imported
// binding is a getter call, which shows in a loop that runs once per character.
const work = parseWork;
const origin = originOf;

/** Token kinds. */
export type TokenKind =
  | 'ident' | 'string' | 'dstring' | 'number' | 'guid' | 'date' | 'dateTimeOffset' | 'timeOfDay' | 'alias' | 'punct' | 'bad' | 'eof';

/** One token; `start`/`end` are original offsets, `ds`/`de` decoded ones (for adjacency). */
export interface Token {
  kind: TokenKind;
  /** The decoded text as typed (string tokens keep their quotes). */
  text: string;
  start: number;
  end: number;
  ds: number;
  de: number;
  /** String tokens: content with '' (or JSON \") unescaped. */
  value?: string;
  /** String tokens: no closing quote. */
  unterminated?: boolean;
}

const GUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z_])/y;
const DATE_TIME_OFFSET = /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,12})?)?(?:Z|[+-]\d{2}:\d{2})?/y;
const DATE = /(\d{4})-(\d{2})-(\d{2})(?![0-9])/y;
const TIME = /(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,12})?)?(?![0-9])/y;
const NUMBER = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/** Tried in order at a digit: the longest temporal form first. */
const TEMPORAL: readonly [TokenKind, RegExp, string][] = [
  ['dateTimeOffset', DATE_TIME_OFFSET, 'date-time'],
  ['date', DATE, 'date'],
  ['timeOfDay', TIME, 'time'],
];
const PUNCT = '(),/:;=[]{}*-.#!';

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || c > 127;
}
function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
function isSpace(c: number): boolean {
  // '+' is how a space arrives in a query string written by hand or by a form encoder.
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 43;
}

function inRange(diags: Diagnostic[], seg: Segment, m: RegExpExecArray, at: number, what: string): void {
  const positions = what === 'time' ? [0, 0, 3] : [0, 0, 5, 8, 11, 14];
  const check = (group: number, min: number, max: number, label: string) => {
    const v = m[group];
    if (v === undefined) return;
    const n = Number(v);
    if (n < min || n > max) {
      const offset = at + positions[group];
      diags.push({ start: origin(seg, offset), end: origin(seg, offset + v.length), message: `${label} ${v} is out of range in ${what} '${m[0]}' (${min} to ${max}).`, severity: 'error' });
    }
  };
  if (what === 'time') {
    check(1, 0, 23, 'Hour');
    check(2, 0, 59, 'Minute');
    return;
  }
  check(2, 1, 12, 'Month');
  check(3, 1, 31, 'Day');
  if (what === 'date-time') {
    check(4, 0, 23, 'Hour');
    check(5, 0, 59, 'Minute');
  }
}

/**
 * A '+' typed as is inside a literal (a time-zone offset, an exponent): servers decode a raw '+'
 * in a query string as a space, so the literal arrives broken. Encoded as %2B it survives.
 */
function warnRawPlus(diags: Diagnostic[], seg: Segment, a: number, b: number): void {
  for (let k = a; k < b; k++) {
    if (seg.s.charCodeAt(k) === 43 && origin(seg, k + 1) - origin(seg, k) === 1) {
      const at = origin(seg, k);
      diags.push({ start: at, end: at + 1, message: "A '+' in a URL query is read as a space: write %2B here.", severity: 'warning' });
    }
  }
}

/** Splits a decoded segment into tokens; problems (unterminated strings, stray characters) go to `diags`. */
export function tokenize(seg: Segment, diags: Diagnostic[]): Token[] {
  const s = seg.s;
  const n = s.length;
  const tokens: Token[] = [];
  const push = (kind: TokenKind, a: number, b: number, value?: string, unterminated?: boolean) => {
    work.steps++;
    const t: Token = { kind, text: s.slice(a, b), start: origin(seg, a), end: origin(seg, b), ds: a, de: b };
    if (value !== undefined) t.value = value;
    if (unterminated) t.unterminated = true;
    tokens.push(t);
  };
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 39 /* ' */) {
      let j = i + 1;
      let value = '';
      let closed = false;
      while (j < n) {
        const q = s.indexOf("'", j);
        if (q < 0) {
          value += s.slice(j);
          j = n;
          break;
        }
        value += s.slice(j, q);
        if (s.charCodeAt(q + 1) === 39) {
          value += "'";
          j = q + 2;
          continue;
        }
        j = q + 1;
        closed = true;
        break;
      }
      if (!closed) {
        diags.push({
          start: origin(seg, i),
          end: origin(seg, n),
          message: "Unterminated string: add the closing ' (a quote inside a string is written twice: 'O''Neil').",
          severity: 'error',
        });
      }
      push('string', i, j, value, !closed);
      i = j;
      continue;
    }
    if (c === 34 /* " */) {
      let j = i + 1;
      let value = '';
      let closed = false;
      while (j < n) {
        const ch = s[j];
        if (ch === '\\' && j + 1 < n) {
          value += s[j + 1];
          j += 2;
          continue;
        }
        j++;
        if (ch === '"') {
          closed = true;
          break;
        }
        value += ch;
      }
      if (!closed) {
        diags.push({ start: origin(seg, i), end: origin(seg, n), message: 'Unterminated double-quoted string: add the closing ".', severity: 'error' });
      }
      push('dstring', i, j, value, !closed);
      i = j;
      continue;
    }
    if (c === 64 /* @ */) {
      let j = i + 1;
      while (j < n && (isIdentChar(s.charCodeAt(j)) || (s[j] === '.' && j + 1 < n && isIdentStart(s.charCodeAt(j + 1))))) j++;
      push('alias', i, j);
      i = j;
      continue;
    }
    if (isHex(c) && s.charCodeAt(i + 8) === 45 /* - */) {
      GUID.lastIndex = i;
      if (GUID.test(s)) {
        push('guid', i, GUID.lastIndex);
        i = GUID.lastIndex;
        continue;
      }
    }
    if (c >= 48 && c <= 57) {
      let matched = false;
      // Dates have '-' at +4 and times ':' at +2; other numbers skip the regular expressions.
      const temporal = s.charCodeAt(i + 4) === 45 || s.charCodeAt(i + 2) === 58;
      for (const [kind, re, label] of temporal ? TEMPORAL : []) {
        re.lastIndex = i;
        const m = re.exec(s);
        if (!m) continue;
        if (label) inRange(diags, seg, m, i, label);
        warnRawPlus(diags, seg, i, re.lastIndex);
        push(kind, i, re.lastIndex);
        i = re.lastIndex;
        matched = true;
        break;
      }
      if (matched) continue;
      NUMBER.lastIndex = i;
      NUMBER.test(s);
      let j = NUMBER.lastIndex;
      warnRawPlus(diags, seg, i, j);
      // Type suffixes of OData 3 (1.5m, 2L) still appear in pasted queries; read them as part of the number.
      if (j < n && 'mMdDfFlL'.includes(s[j]) && !(j + 1 < n && isIdentChar(s.charCodeAt(j + 1)))) j++;
      push('number', i, j);
      i = j;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentChar(s.charCodeAt(j))) j++;
      push('ident', i, j);
      i = j;
      continue;
    }
    if (PUNCT.includes(s[i])) {
      push('punct', i, i + 1);
      i++;
      continue;
    }
    diags.push({ start: origin(seg, i), end: origin(seg, i + 1), message: `Unexpected character '${s[i]}'.`, severity: 'error' });
    push('bad', i, i + 1);
    i++;
  }
  tokens.push({ kind: 'eof', text: '', start: origin(seg, n), end: origin(seg, n), ds: n, de: n });
  return tokens;
}

/**
 * Where a JSON text first goes wrong, and why. `JSON.parse` reports a position
 * for some errors only ("Unexpected token '}', ... is not valid JSON" has
 * none), so request bodies are checked by this small scanner of the JSON
 * grammar (RFC 8259), which always gives an offset. It keeps its own stack,
 * so deep nesting cannot overflow, and runs in linear time.
 */

/** The first syntax error of a JSON text: offset into the text and a message naming the fix. */
export interface JsonError {
  offset: number;
  message: string;
}

const LITERALS = ['true', 'false', 'null'];
const ESCAPES = '"\\/bfnrtu';

/** The first error in `text`, or undefined when it is one valid JSON value. */
export function jsonSyntaxError(text: string): JsonError | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    return scan(text) ?? { offset: 0, message: (e as Error).message };
  }
}

type State = 'value' | 'firstValue' | 'key' | 'firstKey' | 'after';

function scan(s: string): JsonError | undefined {
  const stack: string[] = [];
  let i = 0;
  let state: State = 'value';
  const fail = (message: string, at = i): JsonError => ({ offset: at, message });
  const describe = (at: number) => (at >= s.length ? 'the end of the body' : `'${s[at]}'`);
  for (;;) {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
    const c = s[i];
    if (state === 'firstValue' || state === 'firstKey') {
      const close = state === 'firstValue' ? ']' : '}';
      if (c === close) {
        stack.pop();
        i++;
        state = 'after';
        continue;
      }
      state = state === 'firstValue' ? 'value' : 'key';
      continue;
    }
    if (state === 'value') {
      if (c === '{' || c === '[') {
        stack.push(c);
        i++;
        state = c === '{' ? 'firstKey' : 'firstValue';
        continue;
      }
      if (c === '"') {
        const error = string(s, i);
        if (typeof error !== 'number') return error;
        i = error;
        state = 'after';
        continue;
      }
      if (c === '-' || (c >= '0' && c <= '9')) {
        const end = number(s, i);
        if (typeof end !== 'number') return end;
        i = end;
        state = 'after';
        continue;
      }
      const word = LITERALS.find((w) => w[0] === c);
      if (word) {
        let j = 0;
        while (j < word.length && s[i + j] === word[j]) j++;
        if (j < word.length) return fail(`Expected ${word} (JSON writes true, false and null in lower case, strings in double quotes).`, i + j);
        i += word.length;
        state = 'after';
        continue;
      }
      if (c === ']' && stack[stack.length - 1] === '[') return fail("JSON allows no comma before ']': remove the last ','.");
      if (c === "'") return fail('JSON strings are written in double quotes, not single quotes.');
      return fail(`Expected a value (a string in double quotes, a number, true, false, null, an object or an array), found ${describe(i)}.`);
    }
    if (state === 'key') {
      if (c === '"') {
        const end = string(s, i);
        if (typeof end !== 'number') return end;
        i = end;
        while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
        if (s[i] !== ':') return fail(`Expected ':' after the member name, found ${describe(i)}.`);
        i++;
        state = 'value';
        continue;
      }
      if (c === '}') return fail("JSON allows no comma before '}': remove the last ','.");
      return fail(`Expected a member name in double quotes, found ${describe(i)}.`);
    }
    // state === 'after'
    const top = stack[stack.length - 1];
    if (top === undefined) return i < s.length ? fail(`Unexpected ${describe(i)} after the end of the JSON value.`) : undefined;
    const close = top === '{' ? '}' : ']';
    if (c === ',') {
      i++;
      state = top === '{' ? 'key' : 'value';
    } else if (c === close) {
      stack.pop();
      i++;
    } else {
      return fail(`Expected ',' or '${close}', found ${describe(i)}.`);
    }
  }
}

/** Scans the string starting at the quote `s[at]`; returns the offset after its closing quote, or the error. */
function string(s: string, at: number): number | JsonError {
  let i = at + 1;
  while (i < s.length) {
    const c = s[i];
    if (c === '"') return i + 1;
    if (c === '\\') {
      const e = s[i + 1];
      if (e === undefined) break;
      if (!ESCAPES.includes(e)) return { offset: i + 1, message: `Invalid escape '\\${e}' in a JSON string: write \\\\ for a backslash.` };
      for (let h = i + 2; e === 'u' && h < i + 6; h++) {
        if (!/[0-9a-fA-F]/.test(s[h] ?? '')) return { offset: h, message: 'Expected four hexadecimal digits after \\u.' };
      }
      i += e === 'u' ? 6 : 2;
      continue;
    }
    if (c.charCodeAt(0) < 0x20) return { offset: i, message: 'A JSON string cannot contain a line break or control character: close the string or write \\n.' };
    i++;
  }
  return { offset: s.length, message: `The string that starts at offset ${at} is never closed: add the closing ".` };
}

/** Scans the number starting at `s[at]` (a '-' or a digit); returns the offset after it, or the error. */
function number(s: string, at: number): number | JsonError {
  const digits = (from: number) => {
    let k = from;
    while (k < s.length && s[k] >= '0' && s[k] <= '9') k++;
    return k;
  };
  let i = s[at] === '-' ? at + 1 : at;
  if (s[i] === '0') i++;
  else if (digits(i) > i) i = digits(i);
  else return { offset: i, message: "Expected a digit after '-'." };
  if (s[i] === '.') {
    if (digits(i + 1) === i + 1) return { offset: i + 1, message: "Expected a digit after the decimal point '.'." };
    i = digits(i + 1);
  }
  if (s[i] === 'e' || s[i] === 'E') {
    let k = i + 1;
    if (s[k] === '+' || s[k] === '-') k++;
    if (digits(k) === k) return { offset: k, message: 'Expected the digits of the exponent.' };
    i = digits(k);
  }
  return i;
}

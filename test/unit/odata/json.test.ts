import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonSyntaxError } from '../../../src/odata/json';
import { prng } from './prng';

/** Each row: a body with `⟪` just before the character the error must point at, and a word of the message. */
const ROWS: [string, RegExp][] = [
  ['{ "a": 1, ⟪}', /no comma before '}'/],
  ['[1, 2, ⟪]', /no comma before ']'/],
  ['{ ⟪a: 1 }', /member name in double quotes/],
  ['{ "a" ⟪1 }', /Expected ':'/],
  ['{ "a": ⟪\'x\' }', /double quotes, not single/],
  ['{ "a": 1 ⟪"b": 2 }', /Expected ',' or '}'/],
  ['[1 ⟪2]', /Expected ',' or ']'/],
  ['{ "a": tru⟪ }', /Expected true/],
  ['{ "a": ⟪x }', /Expected a value/],
  ['{ "a": -⟪x }', /digit after '-'/],
  ['{ "a": 1.⟪ }', /decimal point/],
  ['{ "a": 1e+⟪ }', /exponent/],
  ['{ "a": 1 }⟪x', /after the end of the JSON value/],
  ['{ "a": "x⟪', /never closed/],
  ['{ "a": "x⟪\ny" }', /line break/],
  ['{ "a": "\\⟪q" }', /Invalid escape/],
  ['{ "a": "\\u12⟪" }', /four hexadecimal digits/],
  ['{ "a": 0⟪1 }', /Expected ',' or '}'/],
  ['⟪', /Expected a value/],
  ['{ "a": [1, {"b": ⟪}] }', /Expected a value/],
];

describe('jsonSyntaxError', () => {
  for (const [source, message] of ROWS) {
    test(JSON.stringify(source), () => {
      const at = source.indexOf('⟪');
      const text = source.replace('⟪', '');
      const error = jsonSyntaxError(text);
      assert.ok(error, 'an error');
      assert.equal(error.offset, at, error.message);
      assert.match(error.message, message);
    });
  }

  test('valid JSON has no error, deep nesting included', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "\\u00e9\\n"], "b": {"c": {}}} ', '"x"', '0', '[' .repeat(5000) + ']'.repeat(5000)]) {
      assert.equal(jsonSyntaxError(text), undefined, text.slice(0, 40));
    }
  });

  test('agrees with JSON.parse on 5,000 mutated bodies, at the position JSON.parse gives when it gives one, and always finds the position itself', () => {
    const rand = prng(8259);
    const base = '{ "firstname": "Ada", "tags": ["a", 1, -2.5e-3, true, null], "o": { "x": "\\"q\\"" } }';
    const pieces = ['{', '}', '[', ']', ',', ':', '"', '\\', '\\u', 'tru', '1', '-', '.', 'e', ' ', '\n', "'"];
    for (let n = 0; n < 5000; n++) {
      let s = base;
      for (let e = 1 + Math.floor(rand() * 3); e > 0; e--) {
        const at = Math.floor(rand() * (s.length + 1));
        s = rand() < 0.5 ? s.slice(0, at) + s.slice(at + 1) : s.slice(0, at) + pieces[Math.floor(rand() * pieces.length)] + s.slice(at);
      }
      let valid = true;
      let nativeMessage = '';
      try {
        JSON.parse(s);
      } catch (e) {
        valid = false;
        nativeMessage = (e as Error).message;
      }
      const error = jsonSyntaxError(s);
      assert.equal(error === undefined, valid, s);
      if (error) {
        assert.notEqual(error.message, nativeMessage, `the scanner missed the error in ${JSON.stringify(s)}`);
        assert.ok(error.offset >= 0 && error.offset <= s.length);
        const native = /at position (\d+)/.exec(nativeMessage);
        if (native) assert.equal(error.offset, Number(native[1]), `where JSON.parse puts it: ${nativeMessage} in ${JSON.stringify(s)}`);
      }
    }
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseHostMessage, parsePageMessage } from '../../../src/webviews/protocol/tokenInspector';

describe('token inspector protocol: messages from the page are validated', () => {
  test('the known messages pass, with only their own fields', () => {
    assert.deepEqual(parsePageMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parsePageMessage({ type: 'reveal', raw: 'x' }), { type: 'reveal' });
    assert.deepEqual(parsePageMessage({ type: 'copy' }), { type: 'copy' });
    assert.deepEqual(parsePageMessage({ type: 'refresh' }), { type: 'refresh' });
    assert.deepEqual(parsePageMessage({ type: 'compareWith', targetId: 'abc' }), { type: 'compareWith', targetId: 'abc' });
    assert.deepEqual(parsePageMessage({ type: 'compareWith', targetId: null }), { type: 'compareWith', targetId: null });
  });

  test('anything else is dropped', () => {
    for (const bad of [undefined, null, 'ready', 42, [], {}, { type: 'eval' }, { type: 'compareWith' }, { type: 'compareWith', targetId: 7 }, { type: 'compareWith', targetId: '' }, { type: 'compareWith', targetId: 'x'.repeat(201) }]) {
      assert.equal(parsePageMessage(bad), undefined, JSON.stringify(bad));
    }
  });

  test('the page accepts only well-formed host messages', () => {
    assert.deepEqual(parseHostMessage({ type: 'reveal', raw: 'abc', tokenSerial: 2 }), { type: 'reveal', raw: 'abc', tokenSerial: 2 });
    assert.equal(parseHostMessage({ type: 'reveal', raw: 1, tokenSerial: 2 }), undefined);
    assert.equal(parseHostMessage({ type: 'reveal', raw: 'abc' }), undefined);
    assert.equal(parseHostMessage({ type: 'show', view: { now: 'x', tokenSerial: 1, checks: [], targets: [], source: {} } }), undefined);
    const view = { now: 1, tokenSerial: 1, checks: [], targets: [], source: { kind: 'pasted', origin: 'input' }, signaturePending: false };
    const text = { verdicts: { pass: 'Pass' }, connectionTitle: 'Access token of {0}', pastedTitle: { input: 'Token from the input box' } };
    assert.deepEqual(parseHostMessage({ type: 'show', view, text }), { type: 'show', view, text });
    assert.equal(parseHostMessage({ type: 'show', view }), undefined, 'a view without the page text was accepted');
  });
});

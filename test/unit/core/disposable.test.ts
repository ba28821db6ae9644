import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Disposable, disposeAll } from '../../../src/core/disposable';

class Owner extends Disposable {
  add(d: { dispose(): void }) {
    return this._register(d);
  }
}

describe('Disposable', () => {
  test('disposes what it owns, newest first, once', () => {
    const order: string[] = [];
    const owner = new Owner();
    owner.add({ dispose: () => order.push('a') });
    owner.add({ dispose: () => order.push('b') });
    owner.dispose();
    owner.dispose();
    assert.deepEqual(order, ['b', 'a']);
  });

  test('a value registered after disposal is released at once', () => {
    const owner = new Owner();
    owner.dispose();
    let released = false;
    owner.add({ dispose: () => (released = true) });
    assert.equal(released, true);
  });

  test('disposeAll releases every item even when one throws', () => {
    const released: number[] = [];
    assert.throws(
      () =>
        disposeAll([
          { dispose: () => released.push(1) },
          { dispose: () => { throw new Error('boom'); } },
          { dispose: () => released.push(3) },
        ]),
      /boom/,
    );
    assert.deepEqual(released, [1, 3]);
  });
});

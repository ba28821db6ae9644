import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SingleFlight } from '../../../src/core/singleFlight';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  test('200 concurrent callers share one call', async () => {
    const flight = new SingleFlight<string, string>();
    let calls = 0;
    const gate = deferred<string>();
    const results = Promise.all(
      Array.from({ length: 200 }, () =>
        flight.run('https://org.crm.dynamics.com/.default', () => {
          calls++;
          return gate.promise;
        }),
      ),
    );
    assert.equal(flight.size, 1);
    gate.resolve('token');
    assert.deepEqual(new Set(await results), new Set(['token']));
    assert.equal(calls, 1);
    assert.equal(flight.size, 0);
  });

  test('different keys run separately', async () => {
    const flight = new SingleFlight<string, string>();
    const seen: string[] = [];
    const [a, b] = await Promise.all([
      flight.run('a', async () => (seen.push('a'), 'A')),
      flight.run('b', async () => (seen.push('b'), 'B')),
    ]);
    assert.deepEqual([a, b], ['A', 'B']);
    assert.deepEqual(seen.sort(), ['a', 'b']);
  });

  test('a rejection is shared, then forgotten so the next call retries', async () => {
    const flight = new SingleFlight<string, string>();
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error('AADSTS50076'));
    };
    const outcomes = await Promise.allSettled([flight.run('k', failing), flight.run('k', failing), flight.run('k', failing)]);
    assert.equal(calls, 1);
    assert.ok(outcomes.every((o) => o.status === 'rejected' && /AADSTS50076/.test(String(o.reason))));
    assert.equal(flight.has('k'), false);
    assert.equal(await flight.run('k', async () => (calls++, 'ok')), 'ok');
    assert.equal(calls, 2);
  });

  test('a retry from inside the catch handler starts a fresh call', async () => {
    const flight = new SingleFlight<string, string>();
    let calls = 0;
    const result = await flight
      .run('k', async () => {
        calls++;
        throw new Error('first');
      })
      .catch(() => flight.run('k', async () => (calls++, 'second')));
    assert.equal(result, 'second');
    assert.equal(calls, 2);
  });

  test('a factory that throws synchronously is a rejection, not a crash', async () => {
    const flight = new SingleFlight<string, string>();
    await assert.rejects(
      flight.run('k', () => {
        throw new Error('sync');
      }),
      /sync/,
    );
    assert.equal(flight.size, 0);
  });

  test('after success the next call runs again (no caching)', async () => {
    const flight = new SingleFlight<string, number>();
    let n = 0;
    assert.equal(await flight.run('k', async () => ++n), 1);
    assert.equal(await flight.run('k', async () => ++n), 2);
  });

  test('forget lets a new call start while the old one still runs', async () => {
    const flight = new SingleFlight<string, string>();
    const slow = deferred<string>();
    const first = flight.run('k', () => slow.promise);
    flight.forget('k');
    const second = flight.run('k', async () => 'fresh');
    assert.equal(await second, 'fresh');
    slow.resolve('stale');
    assert.equal(await first, 'stale');
    assert.equal(flight.size, 0);
  });
});

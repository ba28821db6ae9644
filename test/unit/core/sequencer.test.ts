import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Sequencer } from '../../../src/core/sequencer';

describe('Sequencer', () => {
  test('runs tasks one at a time, in order', async () => {
    const sequencer = new Sequencer();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const task = (name: string, ms: number) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([sequencer.queue(task('a', 20)), sequencer.queue(task('b', 1)), sequencer.queue(task('c', 5))]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.equal(maxRunning, 1);
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  test('a failed task rejects its caller and does not block the next', async () => {
    const sequencer = new Sequencer();
    const failed = sequencer.queue(async () => {
      throw new Error('cache write failed');
    });
    const next = sequencer.queue(async () => 'still runs');
    await assert.rejects(failed, /cache write failed/);
    assert.equal(await next, 'still runs');
  });

  test('a task that throws synchronously is a rejection', async () => {
    const sequencer = new Sequencer();
    await assert.rejects(
      sequencer.queue(() => {
        throw new Error('sync');
      }),
      /sync/,
    );
    assert.equal(await sequencer.queue(() => 1), 1);
  });

  test('counts pending tasks and says when idle', async () => {
    const sequencer = new Sequencer();
    void sequencer.queue(() => sleep(5));
    void sequencer.queue(() => sleep(5));
    assert.equal(sequencer.pending, 2);
    await sequencer.whenIdle();
    assert.equal(sequencer.pending, 0);
  });

  test('a task queued from inside a task runs after it', async () => {
    const sequencer = new Sequencer();
    const order: number[] = [];
    let inner: Promise<void> | undefined;
    await sequencer.queue(async () => {
      inner = sequencer.queue(async () => {
        order.push(2);
      });
      order.push(1);
    });
    await inner;
    assert.deepEqual(order, [1, 2]);
  });
});

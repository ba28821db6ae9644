import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import type { Connection } from '../../../src/auth/connection';
import { ConnectionManager } from '../../../src/auth/connectionManager';
import { ConnectionStore, type MementoLike } from '../../../src/auth/connectionStore';
import { MemoryMemento, sampleConnection } from './connectionFixtures';
import { CONNECTIONS_CHANGED_KEY, CrossWindowSync } from '../../../src/auth/crossWindowSync';
import { Emitter } from '../../../src/core/emitter';
import { MemorySecretStore } from './msal/memorySecretStore';

const dev: Connection = sampleConnection;

/** One VS Code window: its own manager and sync over the state and secrets all windows share. */
function openWindow(shared: { memento: MementoLike; secrets: MemorySecretStore }, pollIntervalMs?: number) {
  const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const manager = new ConnectionManager({
    store: new ConnectionStore(shared.memento),
    secrets: shared.secrets,
    fetch: () => Promise.reject(new Error('no network in this test')),
    logger: silent,
    ui: { openBrowser: () => Promise.resolve(), onDeviceCode: () => undefined },
    globalDiscoveryUrl: () => 'https://globaldisco.crm.dynamics.com',
  });
  const focus = new Emitter<void>();
  const sync = new CrossWindowSync({ connections: manager, secrets: shared.secrets, onDidFocus: focus.event, ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}) });
  const seen = { changes: 0 };
  manager.onDidChange(() => seen.changes++);
  return { manager, sync, focus, seen };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('CrossWindowSync', () => {
  test('a connection saved in one window shows in the other, and the other does not bump it back', async () => {
    const shared = { memento: new MemoryMemento(), secrets: new MemorySecretStore() };
    const a = openWindow(shared);
    const b = openWindow(shared);
    await a.manager.save(dev);
    await settle();
    assert.equal(shared.secrets.values.has(CONNECTIONS_CHANGED_KEY), true, 'the change was not announced');
    assert.equal(b.seen.changes, 1, 'the other window did not re-read the list');
    assert.deepEqual(b.manager.list().map((c) => c.name), ['Contoso Dev']);
    assert.equal(a.seen.changes, 1, 'the window that made the change re-read its own bump');
    assert.equal(shared.secrets.calls.store, 1, 'a refresh was bumped back (an echo loop)');
    a.sync.dispose();
    b.sync.dispose();
  });

  test('where changes are not announced, the window notices them when it gets the focus back', async () => {
    const shared = { memento: new MemoryMemento(), secrets: new MemorySecretStore() };
    const b2 = openWindow(shared);
    // Another tab writes the shared state without any SecretStorage event reaching this one.
    await new ConnectionStore(shared.memento).save(dev);
    assert.equal(b2.seen.changes, 0);
    b2.focus.fire();
    assert.equal(b2.seen.changes, 1);
    b2.focus.fire();
    assert.equal(b2.seen.changes, 1, 'a focus without a change re-read the list');
    b2.sync.dispose();
  });

  test('with a poll interval (VS Code for the Web) the list is compared on a timer, and the timer stops on dispose', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const shared = { memento: new MemoryMemento(), secrets: new MemorySecretStore() };
      const web = openWindow(shared, 3000);
      await new ConnectionStore(shared.memento).save(dev);
      mock.timers.tick(2999);
      assert.equal(web.seen.changes, 0);
      mock.timers.tick(1);
      assert.equal(web.seen.changes, 1);
      web.sync.dispose();
      await new ConnectionStore(shared.memento).remove(dev.id);
      mock.timers.tick(6000);
      assert.equal(web.seen.changes, 1, 'the timer outlived the sync');
    } finally {
      mock.timers.reset();
    }
  });

  test('after dispose, bumps from other windows are ignored', async () => {
    const shared = { memento: new MemoryMemento(), secrets: new MemorySecretStore() };
    const a = openWindow(shared);
    a.sync.dispose();
    shared.secrets.writeFromAnotherWindow(CONNECTIONS_CHANGED_KEY, 'x');
    await settle();
    assert.equal(a.seen.changes, 0);
    assert.equal(shared.secrets.listenerCount, 0);
  });
});

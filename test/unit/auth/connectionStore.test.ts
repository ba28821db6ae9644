import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Connection } from '../../../src/auth/connection';
import { allSecretKeys, connectionLabel, isProduction } from '../../../src/auth/connection';
import { ConnectionStore, type MementoLike } from '../../../src/auth/connectionStore';

class MemoryMemento implements MementoLike {
  readonly data = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.data.delete(key);
    else this.data.set(key, JSON.parse(JSON.stringify(value)));
  }
}

const base: Connection = {
  id: 'c1',
  name: 'Contoso Sales',
  orgUrl: 'https://contoso.crm.dynamics.com',
  tenantId: 't1',
  authorityHost: 'https://login.microsoftonline.com',
  flow: 'clientSecret',
  clientId: 'app-1',
  accountHint: 'app-1',
  tags: ['production'],
};

describe('ConnectionStore', () => {
  test('saves, lists, replaces and removes connections', async () => {
    const store = new ConnectionStore(new MemoryMemento());
    await store.save(base);
    await store.save({ ...base, id: 'c2', name: 'Contoso Dev', tags: [] });
    await store.save({ ...base, name: 'Contoso Sales (renamed)' });
    assert.deepEqual(
      store.list().map((c) => c.name),
      ['Contoso Sales (renamed)', 'Contoso Dev'],
    );
    await store.remove('c1');
    assert.deepEqual(
      store.list().map((c) => c.id),
      ['c2'],
    );
  });

  test('never writes a field that is not part of a connection, such as a secret', async () => {
    const memento = new MemoryMemento();
    const store = new ConnectionStore(memento);
    await store.save({ ...base, clientSecret: 'do-not-store-me' } as unknown as Connection);
    assert.ok(!JSON.stringify([...memento.data.values()]).includes('do-not-store-me'));
  });

  test('the active connection follows removal', async () => {
    const store = new ConnectionStore(new MemoryMemento());
    await store.save(base);
    await store.setActive('c1');
    assert.equal(store.active()?.name, 'Contoso Sales');
    await store.remove('c1');
    assert.equal(store.active(), undefined);
  });

  test('malformed entries in state are skipped, not thrown on', async () => {
    const memento = new MemoryMemento();
    await memento.update('dataverse.connections', [{ id: 3 }, null, base]);
    assert.deepEqual(
      new ConnectionStore(memento).list().map((c) => c.id),
      ['c1'],
    );
  });
});

describe('connection helpers', () => {
  test('labels, production tag and secret keys', () => {
    assert.equal(connectionLabel({ ...base, accountName: 'Adele Vance' }), 'Contoso Sales (Adele Vance)');
    assert.equal(isProduction(base), true);
    assert.equal(new Set(allSecretKeys('c1')).size, 3);
    assert.ok(allSecretKeys('c1').every((k) => k.includes('c1')));
  });
});

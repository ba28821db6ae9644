import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allSecretKeys, connectionSecretKeys } from '../../../src/auth/connection';
import { ORPHAN_GRACE_MS, SECRET_INDEX_KEY, SecretIndex } from '../../../src/auth/secretIndex';
import { MemorySecretStore } from './msal/memorySecretStore';

const HOUR = 60 * 60_000;

async function written(store: MemorySecretStore, index: SecretIndex, id: string): Promise<void> {
  await index.add(id);
  for (const key of allSecretKeys(id)) await store.store(key, `secret of ${id}`);
}

describe('SecretIndex', () => {
  test('removes the secrets of ids nothing keeps, once they are older than the grace period', async () => {
    let clock = 1_000_000;
    const store = new MemorySecretStore();
    const index = new SecretIndex(store, () => clock);
    await written(store, index, 'orphan');
    await written(store, index, 'saved');
    clock += ORPHAN_GRACE_MS - 1;
    assert.deepEqual(await index.removeOrphans((id) => id === 'saved'), [], 'a sign-in younger than the grace period may still be going on in another window');
    clock += 1;
    await written(store, index, 'fresh draft of another window');
    assert.deepEqual(await index.removeOrphans((id) => id === 'saved'), ['orphan']);
    for (const key of allSecretKeys('orphan')) assert.equal(store.values.get(key), undefined, key);
    assert.equal(store.values.get(connectionSecretKeys('saved').clientSecret), 'secret of saved');
    assert.equal(store.values.get(connectionSecretKeys('fresh draft of another window').tokenCache), 'secret of fresh draft of another window');
    assert.deepEqual(Object.keys(JSON.parse(store.values.get(SECRET_INDEX_KEY)!)).sort(), ['fresh draft of another window', 'saved']);
  });

  test('an id keeps the time of its first write; a removed id is forgotten', async () => {
    let clock = 0;
    const store = new MemorySecretStore();
    const index = new SecretIndex(store, () => clock);
    await index.add('a');
    clock = 2 * HOUR;
    await index.add('a');
    assert.deepEqual(await index.removeOrphans(() => false), ['a'], 'a second add must not make an old sign-in look new');
    await index.add('b');
    await index.remove('b');
    clock = 10 * HOUR;
    assert.deepEqual(await index.removeOrphans(() => false), []);
  });

  test('a damaged index is read as empty and never removes anything', async () => {
    const store = new MemorySecretStore();
    for (const damaged of ['not json', '[1,2]', '{"a":"yesterday"}', 'null']) {
      store.values.set(SECRET_INDEX_KEY, damaged);
      store.values.set(connectionSecretKeys('a').clientSecret, 'kept');
      assert.deepEqual(await new SecretIndex(store, () => 10 * HOUR).removeOrphans(() => false), [], damaged);
      assert.equal(store.values.get(connectionSecretKeys('a').clientSecret), 'kept');
    }
  });

  test('concurrent changes in one window are not lost', async () => {
    const store = new MemorySecretStore();
    const index = new SecretIndex(store, () => 0);
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => index.add(id)));
    assert.deepEqual(Object.keys(JSON.parse(store.values.get(SECRET_INDEX_KEY)!)).sort(), ['a', 'b', 'c', 'd']);
  });
});

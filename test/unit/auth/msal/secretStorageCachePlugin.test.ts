import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenCacheContext } from '@azure/msal-node';
import { SecretStorageCachePlugin } from '../../../../src/auth/msal/secretStorageCachePlugin';
import { MemorySecretStore } from './memorySecretStore';
import { secretRegistry } from '../../../../src/core/logger';

const KEY = 'dataverse.tokenCache.conn-1';

/** A stand-in for MSAL's in-memory cache: one serialized string. */
class FakeCache {
  contents = '';
  deserialize(value: string): void {
    JSON.parse(value); // MSAL throws on damaged JSON too.
    this.contents = value;
  }
  serialize(): string {
    return this.contents;
  }
}

const context = (cache: FakeCache, cacheHasChanged: boolean) => ({ cacheHasChanged, tokenCache: cache }) as unknown as TokenCacheContext;

/** One MSAL call: load, maybe change, store. */
async function access(plugin: SecretStorageCachePlugin, cache: FakeCache, change?: string): Promise<void> {
  await plugin.beforeCacheAccess(context(cache, change !== undefined));
  if (change !== undefined) cache.contents = change;
  await plugin.afterCacheAccess(context(cache, change !== undefined));
}

describe('SecretStorageCachePlugin', () => {
  test('reads the stored cache once, then only when the entry changes', async () => {
    const store = new MemorySecretStore();
    store.values.set(KEY, '{"a":1}');
    const cache = new FakeCache();
    const plugin = new SecretStorageCachePlugin(store, KEY);
    await access(plugin, cache);
    await access(plugin, cache);
    await access(plugin, cache);
    assert.equal(cache.contents, '{"a":1}');
    assert.equal(store.calls.get, 1);
  });

  test('tokens in a cache read from the store, or written to it, are masked in the log', async () => {
    secretRegistry.clear();
    const entry = (secret: string) => ({ 'k-1': { credential_type: 'RefreshToken', secret } });
    const store = new MemorySecretStore();
    store.values.set(KEY, JSON.stringify({ Account: {}, IdToken: {}, AccessToken: {}, RefreshToken: entry('stored refresh token of another window'), AppMetadata: {} }));
    const cache = new FakeCache();
    const plugin = new SecretStorageCachePlugin(store, KEY);
    await access(plugin, cache, JSON.stringify({ Account: {}, IdToken: {}, AccessToken: { 'k-2': { secret: 'access token just received' } }, RefreshToken: {}, AppMetadata: {} }));
    const masked = secretRegistry.mask('stored refresh token of another window / access token just received');
    assert.equal(masked, '[redacted] / [redacted]');
    secretRegistry.clear();
  });

  test('hands MSAL the cache on every access (msal-node empties its memory before a silent call)', async () => {
    const store = new MemorySecretStore();
    store.values.set(KEY, '{"a":1}');
    const cache = new FakeCache();
    const plugin = new SecretStorageCachePlugin(store, KEY);
    await access(plugin, cache);
    cache.contents = '';
    await access(plugin, cache);
    assert.equal(cache.contents, '{"a":1}');
  });

  test('writes only when MSAL changed the cache', async () => {
    const store = new MemorySecretStore();
    const cache = new FakeCache();
    const plugin = new SecretStorageCachePlugin(store, KEY);
    await access(plugin, cache);
    assert.equal(store.calls.store, 0);
    await access(plugin, cache, '{"token":1}');
    assert.equal(store.values.get(KEY), '{"token":1}');
    // Changed flag set but contents identical: nothing to write.
    await access(plugin, cache, '{"token":1}');
    assert.equal(store.calls.store, 1);
    plugin.dispose();
  });

  test('a change made by another window is picked up on the next MSAL call', async () => {
    const store = new MemorySecretStore();
    const cache = new FakeCache();
    const plugin = new SecretStorageCachePlugin(store, KEY);
    await access(plugin, cache, '{"mine":1}');
    store.writeFromAnotherWindow(KEY, '{"theirs":1}');
    await access(plugin, cache);
    assert.equal(cache.contents, '{"theirs":1}');
    store.writeFromAnotherWindow('some.other.key', '{}');
    const gets = store.calls.get;
    await access(plugin, cache);
    assert.equal(store.calls.get, gets, 'other keys do not trigger a reload');
    store.writeFromAnotherWindow(KEY, undefined);
    await access(plugin, cache);
    assert.deepEqual(JSON.parse(cache.contents).Account, {}, 'a sign-out elsewhere empties this window too');
  });

  test('clear deletes the entry and empties the in-memory cache on the next call', async () => {
    const store = new MemorySecretStore();
    const cache = new FakeCache();
    const plugin = new SecretStorageCachePlugin(store, KEY);
    await access(plugin, cache, '{"token":1}');
    await plugin.clear();
    assert.equal(store.values.has(KEY), false);
    await access(plugin, cache);
    assert.deepEqual(JSON.parse(cache.contents).AccessToken, {});
  });

  test('a damaged entry starts an empty cache instead of failing every call', async () => {
    const store = new MemorySecretStore();
    store.values.set(KEY, 'not json');
    const cache = new FakeCache();
    const warnings: string[] = [];
    const logger = { trace() {}, debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} };
    const plugin = new SecretStorageCachePlugin(store, KEY, logger);
    await access(plugin, cache);
    assert.deepEqual(JSON.parse(cache.contents).RefreshToken, {});
    assert.equal(warnings.length, 1);
    assert.doesNotMatch(warnings[0]!, /not json/);
  });

  test('dispose stops listening to the store', () => {
    const store = new MemorySecretStore();
    const plugin = new SecretStorageCachePlugin(store, KEY);
    assert.equal(store.listenerCount, 1);
    plugin.dispose();
    assert.equal(store.listenerCount, 0);
  });
});

import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import type { IDisposable } from '../../core/disposable';
import { registerSecret, registerToken, type Logger } from '../../core/logger';
import type { SecretStore } from './secretStore';

// What msal-node serializes for a cache with nothing in it; deserializing it
// empties the in-memory cache (deserialize replaces, it does not merge).
const EMPTY_CACHE = JSON.stringify({ Account: {}, IdToken: {}, AccessToken: {}, RefreshToken: {}, AppMetadata: {} });

/** Registers the tokens a serialized MSAL cache holds (access, refresh and ID tokens) with the log's redaction. */
function registerCachedTokens(serialized: string | undefined): void {
  if (!serialized) return;
  let cache: unknown;
  try {
    cache = JSON.parse(serialized);
  } catch {
    return;
  }
  // Refresh tokens live for months: they are kept with the long-lived secrets, not among the newest tokens.
  for (const [section, register] of [['AccessToken', registerToken], ['IdToken', registerToken], ['RefreshToken', registerSecret]] as const) {
    const entries = (cache as Record<string, unknown> | null)?.[section];
    if (typeof entries !== 'object' || entries === null) continue;
    for (const entry of Object.values(entries)) {
      const secret = (entry as { secret?: unknown } | null)?.secret;
      if (typeof secret === 'string') register(secret);
    }
  }
}

/**
 * Keeps one connection's MSAL token cache in a SecretStore entry, so tokens
 * survive a restart and live only in the OS keychain. The entry is read only
 * when it may have changed (first use, a write from this or another window,
 * `clear`) and written only when MSAL changed the cache.
 */
export class SecretStorageCachePlugin implements ICachePlugin, IDisposable {
  /** The stored entry as last read or written (undefined: nothing stored). */
  private _value: string | undefined;
  /** True when the entry may differ from `_value`. */
  private _stale = true;
  private readonly _subscription: { dispose(): void };

  constructor(
    private readonly _secrets: SecretStore,
    /** The SecretStore key of this connection's cache. */
    readonly key: string,
    private readonly _logger?: Logger,
  ) {
    // Another window signing in or out writes the same entry; re-read it before the next MSAL call.
    this._subscription = _secrets.onDidChange((e) => {
      if (e.key === this.key) this._stale = true;
    });
  }

  async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
    if (this._stale) {
      // Cleared before the await: a change event arriving meanwhile marks it stale again.
      this._stale = false;
      this._value = await this._secrets.get(this.key);
      registerCachedTokens(this._value);
    }
    // Deserialize on every access, even when nothing changed: msal-node's acquireTokenSilent
    // empties its in-memory cache and rebuilds it from what this hook deserializes.
    try {
      context.tokenCache.deserialize(this._value ?? EMPTY_CACHE);
    } catch {
      // A damaged entry must not lock the connection out: start empty, the person signs in again.
      this._logger?.warn(`Token cache ${this.key} could not be read; starting with an empty cache.`);
      this._value = undefined;
      context.tokenCache.deserialize(EMPTY_CACHE);
    }
  }

  async afterCacheAccess(context: TokenCacheContext): Promise<void> {
    if (!context.cacheHasChanged) return;
    const serialized = context.tokenCache.serialize();
    if (serialized === this._value) return;
    this._value = serialized;
    registerCachedTokens(serialized);
    await this._secrets.store(this.key, serialized);
  }

  /** Deletes the stored cache; MSAL's in-memory copy is emptied on its next access. */
  async clear(): Promise<void> {
    this._value = undefined;
    this._stale = true;
    await this._secrets.delete(this.key);
  }

  dispose(): void {
    this._subscription.dispose();
  }
}

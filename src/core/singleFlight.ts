/**
 * At most one in-flight call per key: concurrent callers of `run` with the
 * same key share one promise, so ten views asking for a token at start-up
 * cause one token request, not ten. A failure is shared the same way and
 * then forgotten, so the next call after it tries again rather than
 * replaying a stale error.
 */
export class SingleFlight<K, V> {
  private readonly _inFlight = new Map<K, Promise<V>>();

  /** Number of keys with a call in flight. */
  get size(): number {
    return this._inFlight.size;
  }

  /** True while a call for `key` is in flight. */
  has(key: K): boolean {
    return this._inFlight.has(key);
  }

  /**
   * Returns the in-flight promise for `key`, or starts `factory` and shares
   * its promise until it settles. A factory that throws synchronously is
   * treated as one that rejects.
   */
  run(key: K, factory: () => Promise<V> | V): Promise<V> {
    const existing = this._inFlight.get(key);
    if (existing) {
      return existing;
    }
    let promise: Promise<V>;
    try {
      promise = Promise.resolve(factory());
    } catch (error) {
      promise = Promise.reject(error);
    }
    this._inFlight.set(key, promise);
    // Registered before any caller's handlers, so the entry is gone by the
    // time a caller reacts: a retry from inside a catch starts a new call.
    const forget = () => {
      if (this._inFlight.get(key) === promise) {
        this._inFlight.delete(key);
      }
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Forgets the call for `key` (it keeps running); the next `run` starts a new one. */
  forget(key: K): void {
    this._inFlight.delete(key);
  }
}

/**
 * In-memory stand-in for vscode.SecretStorage. Like the real one, every
 * store/delete fires onDidChange to all listeners, which is how several
 * windows (several token sources sharing one store here) see each other.
 */
import type { SecretChangeEvent, SecretStore } from '../../../../src/auth/msal/secretStore';

export class MemorySecretStore implements SecretStore {
  readonly values = new Map<string, string>();
  /** Calls made, for "reads only when needed" assertions. */
  readonly calls = { get: 0, store: 0, delete: 0 };
  private readonly listeners = new Set<(e: SecretChangeEvent) => unknown>();

  async get(key: string): Promise<string | undefined> {
    this.calls.get++;
    return this.values.get(key);
  }

  async store(key: string, value: string): Promise<void> {
    this.calls.store++;
    this.values.set(key, value);
    this.fire(key);
  }

  async delete(key: string): Promise<void> {
    this.calls.delete++;
    this.values.delete(key);
    this.fire(key);
  }

  onDidChange(listener: (e: SecretChangeEvent) => unknown): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /** Another window writing the entry (no call counted). */
  writeFromAnotherWindow(key: string, value: string | undefined): void {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, value);
    this.fire(key);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  private fire(key: string): void {
    for (const l of [...this.listeners]) l({ key });
  }
}

/**
 * The slice of `vscode.SecretStorage` the msal adapters need, declared here so
 * this folder never imports `vscode`: the glue passes `context.secrets`, which
 * satisfies it structurally, and tests pass an in-memory fake.
 */

/** Tells which key changed, possibly in another VS Code window. */
export interface SecretChangeEvent {
  readonly key: string;
}

/** Encrypted key/value storage shared by every window of the editor. */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
  onDidChange(listener: (e: SecretChangeEvent) => unknown): { dispose(): void };
}

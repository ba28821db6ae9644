import type { IDisposable } from './disposable';

/** A subscription function, shaped like `vscode.Event`. */
export type Event<T> = (listener: (value: T) => void) => IDisposable;

/** A minimal event emitter for pure code; structurally compatible with `vscode.Event` consumers. */
export class Emitter<T> implements IDisposable {
  private _listeners = new Set<(value: T) => void>();

  readonly event: Event<T> = (listener) => {
    this._listeners.add(listener);
    return { dispose: () => this._listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this._listeners]) {
      try {
        listener(value);
      } catch {
        // One failing listener must not stop the others.
      }
    }
  }

  dispose(): void {
    this._listeners.clear();
  }
}

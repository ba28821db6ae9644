/** Anything that holds a resource to release. Matches `vscode.Disposable` structurally. */
export interface IDisposable {
  dispose(): void;
}

/**
 * Base class for objects that own other disposables: everything passed to
 * `_register` is released, newest first, when this object is disposed.
 */
export abstract class Disposable implements IDisposable {
  private readonly _disposables: IDisposable[] = [];
  private _isDisposed = false;

  protected get isDisposed(): boolean {
    return this._isDisposed;
  }

  protected _register<T extends IDisposable>(value: T): T {
    if (this._isDisposed) {
      value.dispose();
    } else {
      this._disposables.push(value);
    }
    return value;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    disposeAll(this._disposables.splice(0).reverse());
  }
}

/** Disposes every item, even when some throw; rethrows the first error afterwards. */
export function disposeAll(items: Iterable<IDisposable>): void {
  let firstError: unknown;
  let failed = false;
  for (const item of items) {
    try {
      item.dispose();
    } catch (error) {
      if (!failed) {
        failed = true;
        firstError = error;
      }
    }
  }
  if (failed) {
    throw firstError;
  }
}

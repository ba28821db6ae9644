/**
 * Runs async tasks one after another, in the order they were queued.
 *
 * Used for MSAL: its token cache is loaded before and saved after every
 * call, so two overlapping calls could each load the cache and the later
 * save would drop what the other added. Queued, each load-modify-save cycle
 * stays whole. A failed task does not block the ones behind it.
 */
export class Sequencer {
  private _tail: Promise<unknown> = Promise.resolve();
  private _pending = 0;

  /** Tasks queued or running. */
  get pending(): number {
    return this._pending;
  }

  /** Queues `task`; it starts once every earlier task has settled, and its result is returned. */
  queue<T>(task: () => Promise<T> | T): Promise<T> {
    this._pending++;
    const run = this._tail.then(() => task());
    const settled = () => {
      this._pending--;
    };
    // The chain continues past a failure, or one error would block every later call.
    this._tail = run.then(settled, settled);
    return run;
  }

  /** Resolves once every task queued so far has settled. */
  whenIdle(): Promise<void> {
    return this._tail.then(() => undefined);
  }
}

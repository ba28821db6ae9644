import { randomUUID } from 'node:crypto';
import { Disposable, type IDisposable } from '../core/disposable';
import type { Event } from '../core/emitter';
import type { SecretStore } from './msal/secretStore';

/** Key written in SecretStorage whenever the connection list changes, so other windows re-read it. */
export const CONNECTIONS_CHANGED_KEY = 'dataverse.connections.changed';

/** What the sync needs from the connection manager. */
export interface SyncedConnections {
  /** Fires for changes made in this window only. */
  readonly onDidChangeHere: Event<void>;
  /** Re-reads the saved list after another window changed it. */
  refresh(): void;
  /** Re-reads only when the saved list differs from what this window last saw. */
  refreshIfChangedElsewhere(): boolean;
}

/** What the sync listens to and how it keeps time. */
export interface CrossWindowSyncDeps {
  readonly connections: SyncedConnections;
  /** Shared by every window; its `onDidChange` reaches the other windows (on the desktop). */
  readonly secrets: SecretStore;
  /** Fires when this window gets the focus back. */
  readonly onDidFocus: Event<void>;
  /**
   * How often to compare the saved list (an in-memory read), for hosts that
   * share `globalState` between windows without announcing SecretStorage
   * changes (VS Code for the Web); undefined where changes are announced.
   */
  readonly pollIntervalMs?: number;
}

/**
 * Keeps windows in step: a change made here bumps a secret; a bump from
 * elsewhere re-reads the list (and, being no change made here, is not bumped
 * back). Where bumps are not announced, the list is compared on a timer and
 * whenever the window gets the focus back.
 */
export class CrossWindowSync extends Disposable {
  /** The value this window wrote last, to tell its own bump from another window's. */
  private _ownBump: string | undefined;

  constructor(private readonly deps: CrossWindowSyncDeps) {
    super();
    this._register(deps.connections.onDidChangeHere(() => this._bump()));
    this._register(
      deps.secrets.onDidChange((e) => {
        if (e.key === CONNECTIONS_CHANGED_KEY) void this._onBump();
      }),
    );
    this._register(deps.onDidFocus(() => deps.connections.refreshIfChangedElsewhere()));
    if (deps.pollIntervalMs !== undefined) {
      const timer = setInterval(() => deps.connections.refreshIfChangedElsewhere(), deps.pollIntervalMs);
      this._register({ dispose: () => clearInterval(timer) } satisfies IDisposable);
    }
  }

  private _bump(): void {
    this._ownBump = randomUUID();
    void this.deps.secrets.store(CONNECTIONS_CHANGED_KEY, this._ownBump);
  }

  private async _onBump(): Promise<void> {
    const value = await this.deps.secrets.get(CONNECTIONS_CHANGED_KEY);
    if (this.isDisposed || value === this._ownBump) return;
    this.deps.connections.refresh();
  }
}

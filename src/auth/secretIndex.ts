/**
 * Which connection ids have secrets in SecretStorage. VS Code's SecretStorage
 * cannot list its keys, so a secret written for a sign-in that was never
 * saved (the window closed between sign-in and "Name this connection") would
 * stay in the keychain under an id nothing lists. Every id is entered here
 * before its first secret is written, with the time, so that activation can
 * remove the secrets of ids that belong to no saved connection.
 */
import { Sequencer } from '../core/sequencer';
import { allSecretKeys } from './connection';
import type { SecretStore } from './msal/secretStore';

/** The SecretStorage key of the index: `{ "<connection id>": <ms since epoch when first written> }`. No secret. */
export const SECRET_INDEX_KEY = 'dataverse.secretIndex';

/**
 * How old an unsaved sign-in must be before its secrets are removed. Another
 * window may be in the middle of one (signed in, the name still being typed);
 * its secrets are left alone until this much time has passed.
 */
export const ORPHAN_GRACE_MS = 60 * 60_000;

type Index = Record<string, number>;

/** The index of connection ids with secrets, shared by every window through SecretStorage. */
export class SecretIndex {
  private readonly _sequencer = new Sequencer();

  constructor(
    private readonly _secrets: SecretStore,
    private readonly _now: () => number = Date.now,
  ) {}

  /** Enters `id` before its secrets are written; an id already entered keeps its first time. */
  add(id: string): Promise<void> {
    return this._update((index) => {
      if (index[id] !== undefined) return false;
      index[id] = this._now();
      return true;
    });
  }

  /** Forgets `id` once its secrets are deleted. */
  remove(id: string): Promise<void> {
    return this._update((index) => {
      if (index[id] === undefined) return false;
      delete index[id];
      return true;
    });
  }

  /**
   * Deletes the secrets of every indexed id that is neither saved nor a sign-in
   * in progress younger than `ORPHAN_GRACE_MS`, and returns those ids.
   */
  async removeOrphans(isKept: (id: string) => boolean): Promise<string[]> {
    const removed: string[] = [];
    await this._update(async (index) => {
      const now = this._now();
      for (const [id, since] of Object.entries(index)) {
        if (isKept(id) || now - since < ORPHAN_GRACE_MS) continue;
        for (const key of allSecretKeys(id)) await this._secrets.delete(key);
        delete index[id];
        removed.push(id);
      }
      return removed.length > 0;
    });
    return removed;
  }

  /** Read, change, write, one change at a time in this window; `change` says whether it changed anything. */
  private _update(change: (index: Index) => boolean | Promise<boolean>): Promise<void> {
    return this._sequencer.queue(async () => {
      const index = await this._read();
      if (await change(index)) await this._secrets.store(SECRET_INDEX_KEY, JSON.stringify(index));
    });
  }

  private async _read(): Promise<Index> {
    let parsed: unknown;
    try {
      parsed = JSON.parse((await this._secrets.get(SECRET_INDEX_KEY)) ?? '{}');
    } catch {
      return {};
    }
    const index: Index = {};
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return index;
    for (const [id, since] of Object.entries(parsed)) if (typeof since === 'number' && Number.isFinite(since)) index[id] = since;
    return index;
  }
}

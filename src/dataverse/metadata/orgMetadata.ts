/**
 * One org's metadata for one identity, as the explorer and the `.odata`
 * language use it: opened from the disk cache at once (no network), refreshed
 * in the background through RetrieveMetadataChanges (only what changed), and
 * loaded lazily per table. Pure: the service and the file system are injected.
 * See docs/metadata.md.
 */
import { Emitter, type Event } from '../../core/emitter';
import type { IDisposable } from '../../core/disposable';
import { SingleFlight } from '../../core/singleFlight';
import { DataverseNetworkError } from '../http';
import { deleteMetadataCache, metadataCachePath, readMetadataCache, writeMetadataCache, type CacheRejection, type MetadataCacheLocation, type MetadataFileSystem, type MetadataSnapshot } from './metadataCache';
import { ExpiredVersionStampError, type MetadataChanges, type MetadataService } from './metadataService';
import type { AlternateKey, ChoiceSet, Column, MetadataLookup, Relationship, TableDetailPart, TableDetails, TableSummary } from './model';

/** What an OrgMetadata needs. */
export interface OrgMetadataOptions {
  /** Reads the org. */
  readonly service: MetadataService;
  /** Reads and writes the cache. */
  readonly fs: MetadataFileSystem;
  /** Where the cache lives and whose it is. */
  readonly cache: MetadataCacheLocation;
  /** The clock (tests pass their own). */
  readonly now?: () => number;
}

/** How the table list was obtained. */
export type MetadataSource = 'cache' | 'network';

/** What a refresh did. */
export interface RefreshResult {
  /** `incremental`: only changes were downloaded; `full`: everything was loaded again. */
  readonly kind: 'incremental' | 'full';
  /** Why a full load: there was no cache or stamp, the stamp expired, or it was asked for. */
  readonly reason?: 'noCache' | 'expiredStamp' | 'forced';
  /** Bytes downloaded (response bodies). */
  readonly bytes: number;
  /** Logical names of tables added or changed. */
  readonly changedTables: readonly string[];
  /** Logical names of tables deleted. */
  readonly deletedTables: readonly string[];
}

/** What changed, for the tree to redraw. */
export interface MetadataChangeEvent {
  /** True when the table list changed. */
  readonly tables: boolean;
  /** Tables whose loaded parts changed or were dropped. */
  readonly detailsOf: readonly string[];
}

/** An org's tables and their details, cached on disk. */
export class OrgMetadata implements MetadataLookup, IDisposable {
  private readonly _onDidChange = new Emitter<MetadataChangeEvent>();
  /** Fires after a refresh or a lazy load changed what is known. */
  readonly onDidChange: Event<MetadataChangeEvent> = this._onDidChange.event;

  private _tables: TableSummary[] | undefined;
  /** The list's indexes, built on the first lookup rather than on the critical path of a load (see _index). */
  private _indexes: { byName: Map<string, TableSummary>; bySet: Map<string, TableSummary> } | undefined;
  private _details = new Map<string, LoadedParts>();
  private _stamp: string | null = null;
  private _refreshedAt: number | undefined;
  private _source: MetadataSource | undefined;
  private _rejection: CacheRejection | undefined;
  /** Bumped by every full load and by deleteCache, so a lazy load started before does not store stale parts. */
  private _generation = 0;
  private readonly _loads = new SingleFlight<string, unknown>();
  private _refreshing: Promise<RefreshResult> | undefined;
  private _saving: Promise<void> | undefined;
  private _saveError: unknown;
  private _saveAgain = false;
  private _disposed = false;

  private constructor(private readonly options: OrgMetadataOptions) {}

  /** Opens the cache (no network): the table list is known at once when there was a valid cache. */
  static async open(options: OrgMetadataOptions): Promise<OrgMetadata> {
    const org = new OrgMetadata(options);
    const read = await readMetadataCache(options.fs, options.cache).catch((e: unknown) => ({ ok: false as const, reason: 'corrupted' as const, detail: String(e) }));
    if (!read.ok) org._rejection = read.reason;
    else if (read.snapshot.languageCode !== (options.service.languageCode ?? null)) {
      org._rejection = 'otherLanguage';
      await options.fs.delete(metadataCachePath(options.cache)).catch(() => undefined);
    } else {
      org._setTables([...read.snapshot.tables]);
      for (const [name, d] of Object.entries(read.snapshot.details)) org._details.set(name, { ...d });
      org._stamp = read.snapshot.stamp;
      org._refreshedAt = read.snapshot.refreshedAt;
      org._source = 'cache';
    }
    return org;
  }

  /** Why the cache was not used when opening, if it was not. */
  get cacheRejection(): CacheRejection | undefined {
    return this._rejection;
  }

  /** Where the current table list came from, or undefined before any is known. */
  get source(): MetadataSource | undefined {
    return this._source;
  }

  /** When the metadata was last refreshed from the org (ms since epoch), if ever. */
  get refreshedAt(): number | undefined {
    return this._refreshedAt;
  }

  /** The table list known now, without waiting (undefined before the first load). */
  knownTables(): readonly TableSummary[] | undefined {
    return this._tables;
  }

  /** A part of a table known now, without waiting (undefined when not loaded yet). */
  knownDetail<P extends TableDetailPart>(tableLogicalName: string, part: P): TableDetails[P] | undefined {
    return this._details.get(tableLogicalName)?.[part] as TableDetails[P] | undefined;
  }

  /**
   * Brings the cache up to date: only the changes since the stored stamp, or
   * a full load when there is no stamp, it expired, or `full` is set.
   * Concurrent calls share one refresh. Saves the cache when done.
   */
  async refresh(options: { full?: boolean; signal?: AbortSignal } = {}): Promise<RefreshResult> {
    const result = await this._refreshShared(options);
    await this._saving;
    return result;
  }

  /** The refresh in flight or a new one; resolves once memory is up to date, before the cache file is written. */
  private _refreshShared(options: { full?: boolean; signal?: AbortSignal }): Promise<RefreshResult> {
    if (!this._refreshing) {
      const run = this._refresh(options).finally(() => {
        if (this._refreshing === run) this._refreshing = undefined;
      });
      this._refreshing = run;
    }
    return this._refreshing;
  }

  /** Resolves when the cache file holds everything known now (writes run in the background). */
  async flush(): Promise<void> {
    while (this._saving) await this._saving;
  }

  /** Why the last cache write failed, if it did (the metadata in memory is still good; the next write tries again). */
  get lastSaveError(): unknown {
    return this._saveError;
  }

  private async _refresh(options: { full?: boolean; signal?: AbortSignal }): Promise<RefreshResult> {
    const { signal } = options;
    if (options.full) return this._fullLoad('forced', signal);
    if (!this._tables || this._stamp === null) return this._fullLoad('noCache', signal);
    let changes: MetadataChanges;
    try {
      changes = await this.options.service.changesSince(this._stamp, signal);
    } catch (e) {
      if (e instanceof ExpiredVersionStampError) return this._fullLoad('expiredStamp', signal);
      throw e;
    }
    const result = this._apply(changes);
    this._refreshedAt = this._now();
    this._source = 'network';
    void this._save();
    if (result.changedTables.length || result.deletedTables.length || result.detailsOf.length) {
      this._onDidChange.fire({ tables: result.changedTables.length > 0 || result.deletedTables.length > 0, detailsOf: result.detailsOf });
    }
    return { kind: 'incremental', bytes: changes.bytes, changedTables: result.changedTables, deletedTables: result.deletedTables };
  }

  private async _fullLoad(reason: NonNullable<RefreshResult['reason']>, signal?: AbortSignal): Promise<RefreshResult> {
    const { service } = this.options;
    // One request brings the list and the stamp it is current to, so no change can fall between them.
    const { tables, stamp: newStamp, bytes } = await service.loadTablesWithStamp(signal);
    const before = this._tables;
    this._generation++;
    this._setTables(tables);
    this._details.clear();
    this._stamp = newStamp;
    this._refreshedAt = this._now();
    this._source = 'network';
    void this._save();
    const deleted = before?.length ? before.filter((t) => !this._index().byName.has(t.logicalName)).map((t) => t.logicalName) : [];
    this._onDidChange.fire({ tables: true, detailsOf: [] });
    return { kind: 'full', reason, bytes, changedTables: tables.map((t) => t.logicalName), deletedTables: deleted };
  }

  /** Applies what changed since the stamp; returns what it touched. */
  private _apply(changes: MetadataChanges): { changedTables: string[]; deletedTables: string[]; detailsOf: string[] } {
    const detailsOf = new Set<string>();
    const deletedTables: string[] = [];
    const tables = new Map((this._tables ?? []).map((t) => [t.metadataId, t]));
    const goneTables = new Set(changes.deleted.tables);
    for (const t of [...tables.values()]) {
      if (!goneTables.has(t.metadataId)) continue;
      tables.delete(t.metadataId);
      deletedTables.push(t.logicalName);
      if (this._details.delete(t.logicalName)) detailsOf.add(t.logicalName);
    }
    for (const t of changes.tables) {
      const old = tables.get(t.metadataId);
      if (old && old.logicalName !== t.logicalName) this._details.delete(old.logicalName);
      tables.set(t.metadataId, t);
    }
    this._setTables([...tables.values()].sort((a, b) => (a.logicalName < b.logicalName ? -1 : a.logicalName > b.logicalName ? 1 : 0)));

    const edit = (name: string, part: TableDetailPart, change: (d: LoadedParts) => void): void => {
      const d = this._details.get(name);
      if (!d || d[part] === undefined) return;
      change(d);
      detailsOf.add(name);
    };
    for (const c of changes.columns) {
      edit(c.tableLogicalName, 'columns', (d) => {
        d.columns = upsert(d.columns!, c, (x) => x.logicalName);
      });
      // A new or changed lookup changes relationships; a new or changed choice column, the choices: both reload when next opened.
      if (c.lookupValueName) edit(c.tableLogicalName, 'relationships', (d) => delete d.relationships);
      if (c.hasChoices) edit(c.tableLogicalName, 'choices', (d) => delete d.choices);
    }
    for (const k of changes.keys) {
      const { tableLogicalName, ...key } = k;
      edit(tableLogicalName, 'keys', (d) => {
        d.keys = upsert(d.keys!, key, (x) => x.logicalName);
      });
    }
    const goneColumns = new Set(changes.deleted.columns);
    const goneRelationships = new Set(changes.deleted.relationships);
    for (const [name, d] of this._details) {
      if (d.columns?.some((c) => goneColumns.has(c.metadataId))) {
        const gone = d.columns.filter((c) => goneColumns.has(c.metadataId));
        d.columns = d.columns.filter((c) => !goneColumns.has(c.metadataId));
        if (d.choices) d.choices = Object.fromEntries(Object.entries(d.choices).filter(([col]) => !gone.some((c) => c.logicalName === col)));
        detailsOf.add(name);
      }
      if (d.relationships?.some((r) => goneRelationships.has(r.metadataId))) {
        d.relationships = d.relationships.filter((r) => !goneRelationships.has(r.metadataId));
        detailsOf.add(name);
      }
      if (changes.deleted.choices.length && d.choices) {
        delete d.choices;
        detailsOf.add(name);
      }
    }
    this._stamp = changes.stamp;
    return { changedTables: changes.tables.map((t) => t.logicalName), deletedTables, detailsOf: [...detailsOf] };
  }

  /** Loads one part of a table (once; later calls answer from memory) and saves the cache. */
  async detail<P extends TableDetailPart>(tableLogicalName: string, part: P, signal?: AbortSignal): Promise<TableDetails[P]> {
    const known = this.knownDetail(tableLogicalName, part);
    if (known !== undefined) return known;
    if (!(await this.table(tableLogicalName, signal))) return EMPTY[part] as TableDetails[P];
    // The load is shared and runs to its end even if this caller gives up: another caller may be
    // waiting for it, and what it reads is kept. A caller's signal only stops that caller's wait.
    const shared = this._loads.run(`${tableLogicalName}\n${part}`, async () => {
      const generation = this._generation;
      const { service } = this.options;
      let value: TableDetails[TableDetailPart];
      switch (part) {
        case 'columns': value = await service.columns(tableLogicalName); break;
        case 'relationships': value = await service.relationships(tableLogicalName); break;
        case 'keys': value = await service.keys(tableLogicalName); break;
        default: value = await service.choices(tableLogicalName, undefined, await this.detail(tableLogicalName, 'columns')); break;
      }
      if (generation === this._generation && this._index().byName.has(tableLogicalName)) {
        const d = this._details.get(tableLogicalName) ?? {};
        (d as Record<string, unknown>)[part] = value;
        this._details.set(tableLogicalName, d);
        void this._save();
      }
      return value;
    }) as Promise<TableDetails[P]>;
    return signal ? untilAborted(shared, signal, `Loading the ${part} of ${tableLogicalName}`) : shared;
  }

  /** Deletes the cache file and forgets everything (sign-out). */
  async deleteCache(): Promise<void> {
    this._generation++;
    this._tables = undefined;
    this._indexes = undefined;
    this._details.clear();
    this._stamp = null;
    this._refreshedAt = undefined;
    this._source = undefined;
    await this._saving;
    await deleteMetadataCache(this.options.fs, this.options.cache);
    this._onDidChange.fire({ tables: true, detailsOf: [] });
  }

  async tables(signal?: AbortSignal): Promise<readonly TableSummary[]> {
    // The list is answered as soon as it is in memory; the cache file is written behind it.
    if (!this._tables) await this._refreshShared(signal ? { signal } : {});
    return this._tables ?? [];
  }

  async table(logicalName: string, signal?: AbortSignal): Promise<TableSummary | undefined> {
    await this.tables(signal);
    return this._index().byName.get(logicalName);
  }

  async tableByEntitySet(entitySetName: string, signal?: AbortSignal): Promise<TableSummary | undefined> {
    await this.tables(signal);
    return this._index().bySet.get(entitySetName);
  }

  async columns(tableLogicalName: string, signal?: AbortSignal): Promise<readonly Column[]> {
    return this.detail(tableLogicalName, 'columns', signal);
  }

  async column(tableLogicalName: string, name: string, signal?: AbortSignal): Promise<Column | undefined> {
    const columns = await this.columns(tableLogicalName, signal);
    return columns.find((c) => c.logicalName === name) ?? columns.find((c) => c.lookupValueName === name);
  }

  async relationships(tableLogicalName: string, signal?: AbortSignal): Promise<readonly Relationship[]> {
    return this.detail(tableLogicalName, 'relationships', signal);
  }

  async navigationProperty(tableLogicalName: string, name: string, signal?: AbortSignal): Promise<Relationship | undefined> {
    return (await this.relationships(tableLogicalName, signal)).find((r) => r.navigationProperty === name);
  }

  async keys(tableLogicalName: string, signal?: AbortSignal): Promise<readonly AlternateKey[]> {
    return this.detail(tableLogicalName, 'keys', signal);
  }

  async choices(tableLogicalName: string, columnLogicalName: string, signal?: AbortSignal): Promise<ChoiceSet | undefined> {
    const column = await this.column(tableLogicalName, columnLogicalName, signal);
    if (!column?.hasChoices) return undefined;
    return (await this.detail(tableLogicalName, 'choices', signal))[column.logicalName];
  }

  dispose(): void {
    this._disposed = true;
    this._onDidChange.dispose();
  }

  private _setTables(tables: TableSummary[]): void {
    this._tables = tables;
    this._indexes = undefined;
  }

  /**
   * The tables by logical name and by entity set name. Built when first asked for: the list is
   * answered (and the tree drawn) without them, and a list replaced before any lookup never pays for them.
   */
  private _index(): { byName: Map<string, TableSummary>; bySet: Map<string, TableSummary> } {
    if (!this._indexes) {
      const byName = new Map<string, TableSummary>();
      const bySet = new Map<string, TableSummary>();
      for (const t of this._tables ?? []) {
        byName.set(t.logicalName, t);
        if (t.entitySetName) bySet.set(t.entitySetName, t);
      }
      this._indexes = { byName, bySet };
    }
    return this._indexes;
  }

  private _now(): number {
    return (this.options.now ?? Date.now)();
  }

  private _snapshot(): MetadataSnapshot {
    return {
      orgUrl: this.options.cache.orgUrl,
      languageCode: this.options.service.languageCode ?? null,
      stamp: this._stamp,
      refreshedAt: this._refreshedAt ?? this._now(),
      tables: this._tables ?? [],
      details: Object.fromEntries(this._details),
    };
  }

  /**
   * Saves the cache in the background: writes never overlap, changes made
   * during a write are saved right after it, and a failure is kept in
   * `lastSaveError` rather than thrown (the metadata in memory is still good).
   */
  private _save(): Promise<void> {
    if (this._saving) {
      this._saveAgain = true;
      return this._saving;
    }
    const run = (async () => {
      do {
        this._saveAgain = false;
        if (this._disposed || !this._tables) return;
        try {
          await writeMetadataCache(this.options.fs, this.options.cache, this._snapshot());
          this._saveError = undefined;
        } catch (e) {
          this._saveError = e;
        }
      } while (this._saveAgain);
    })().finally(() => {
      this._saving = undefined;
    });
    this._saving = run;
    return run;
  }
}

/** The parts of a table loaded so far. */
type LoadedParts = { -readonly [P in TableDetailPart]?: TableDetails[P] };

const EMPTY: TableDetails = { columns: [], relationships: [], keys: [], choices: {} };

function upsert<T extends { metadataId: string }>(list: readonly T[], item: T, sortKey: (x: T) => string): T[] {
  const out = list.filter((x) => x.metadataId !== item.metadataId);
  out.push(item);
  return out.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

/** `promise`, or a cancellation (as the Web API client reports one) as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  const cancelled = () => new DataverseNetworkError(`${what} was cancelled.`, 'ABORT_ERR');
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

import type { Connection } from '../../auth/connection';
import type { Event } from '../../core/emitter';
import type { Logger } from '../../core/logger';
import type { BearerTokenProvider, FetchLike } from '../../dataverse/http';
import { deleteMetadataCache, type MetadataCacheLocation, type MetadataFileSystem } from '../../dataverse/metadata/metadataCache';
import { MetadataService } from '../../dataverse/metadata/metadataService';
import { OrgMetadata } from '../../dataverse/metadata/orgMetadata';
import { WebApiClient } from '../../dataverse/webApiClient';

/** What the sessions need of the connections. */
export interface SessionConnections {
  readonly onDidChange: Event<void>;
  list(): Connection[];
  isSignedIn(id: string): Promise<boolean>;
  tokenProvider(id: string): BearerTokenProvider;
}

export interface MetadataSessionsDeps {
  readonly connections: SessionConnections;
  /** The folder of the caches: the extension's global storage (`context.globalStorageUri`). */
  readonly folder: string;
  readonly fs: MetadataFileSystem;
  readonly fetch: FetchLike;
  readonly log: Logger;
}

/** The identity a cache belongs to: the signed-in account, or the app for app-only connections. */
export function cacheIdentity(connection: Connection): string {
  if (connection.flow === 'clientSecret' || connection.flow === 'certificate') return `app:${connection.tenantId}:${connection.clientId}`;
  return `user:${connection.homeAccountId ?? connection.accountHint ?? connection.id}`;
}

/** Where a connection's metadata cache lives. */
export function cacheLocation(folder: string, connection: Connection): MetadataCacheLocation {
  return { folder, orgUrl: connection.orgUrl, identity: cacheIdentity(connection) };
}

/**
 * One OrgMetadata per connection, opened from its disk cache on first use.
 * Signing out of a connection (here or in another window) or removing it
 * deletes its cache: metadata is not secret, but it belongs to that identity.
 */
export class MetadataSessions {
  private readonly _open = new Map<string, { key: string; org: Promise<OrgMetadata> }>();
  private _known = new Map<string, Connection>();
  private readonly _subscription: { dispose(): void };
  private _sweeping: Promise<void> = Promise.resolve();

  constructor(private readonly deps: MetadataSessionsDeps) {
    for (const c of deps.connections.list()) this._known.set(c.id, c);
    this._subscription = deps.connections.onDidChange(() => {
      this._sweeping = this._sweeping.then(() => this._sweep()).catch((e: unknown) => deps.log.warn(`Metadata caches: ${String(e)}`));
    });
  }

  /** The connection's metadata, opened from its cache (no network) the first time. */
  open(connection: Connection): Promise<OrgMetadata> {
    const key = `${connection.orgUrl}\n${cacheIdentity(connection)}`;
    const existing = this._open.get(connection.id);
    if (existing && existing.key === key) return existing.org;
    if (existing) void existing.org.then((o) => o.dispose(), () => undefined);
    const client = new WebApiClient({
      orgUrl: connection.orgUrl,
      tokens: this.deps.connections.tokenProvider(connection.id),
      fetch: this.deps.fetch,
    });
    const org = OrgMetadata.open({ service: new MetadataService(client), fs: this.deps.fs, cache: cacheLocation(this.deps.folder, connection) });
    org.then(
      (o) => {
        if (o.cacheRejection && o.cacheRejection !== 'missing') this.deps.log.info(`Tables of ${connection.name}: the cache was not used (${o.cacheRejection}); loading from the environment.`);
      },
      () => this._open.delete(connection.id),
    );
    this._open.set(connection.id, { key, org });
    return org;
  }

  /** The client of a connection, for requests outside the metadata (solutions). */
  client(connection: Connection): WebApiClient {
    return new WebApiClient({ orgUrl: connection.orgUrl, tokens: this.deps.connections.tokenProvider(connection.id), fetch: this.deps.fetch });
  }

  /** Resolves when the caches of connections signed out or removed so far are gone. */
  settled(): Promise<void> {
    return this._sweeping;
  }

  dispose(): void {
    this._subscription.dispose();
    for (const { org } of this._open.values()) void org.then((o) => o.dispose(), () => undefined);
    this._open.clear();
  }

  /** Deletes the cache of every connection that was removed or is no longer signed in. */
  private async _sweep(): Promise<void> {
    const now = new Map(this.deps.connections.list().map((c) => [c.id, c]));
    const gone: Connection[] = [...this._known.values()].filter((c) => !now.has(c.id));
    for (const c of now.values()) {
      if (!(await this.deps.connections.isSignedIn(c.id))) gone.push(c);
    }
    this._known = now;
    for (const connection of gone) {
      const open = this._open.get(connection.id);
      this._open.delete(connection.id);
      if (open) {
        const org = await open.org.catch(() => undefined);
        await org?.deleteCache();
        org?.dispose();
      } else {
        await deleteMetadataCache(this.deps.fs, cacheLocation(this.deps.folder, connection));
      }
    }
  }
}

import { randomUUID } from 'node:crypto';
import { Emitter, type Event } from '../core/emitter';
import type { IDisposable } from '../core/disposable';
import type { Logger } from '../core/logger';
import { callerIdentity, securityRoles, type CallerIdentity, type SecurityRole } from '../dataverse/identity';
import { allSecretKeys, connectionSecretKeys, type Connection } from './connection';
import type { ConnectionStore } from './connectionStore';
import { certificateFromPem } from './msal/certificateCredential';
import { callWithToken, discoverAuthority, type BearerTokenProvider, type FetchLike } from '../dataverse/http';
import { WebApiClient } from '../dataverse/webApiClient';
import type { AccessToken, DeviceCodePrompt, MsalTokenSource, TokenFlow } from './msal/msalTokenSource';
import type { SecretStore } from './msal/secretStore';

/** What the UI supplies to user sign-in flows. */
export interface SignInUi {
  /** Opens the sign-in page in the person's browser. */
  openBrowser(url: string): Promise<void>;
  /** Shows a device code to the person. */
  onDeviceCode(prompt: DeviceCodePrompt): void;
}

/** The secrets a new app-only connection brings; stored in SecretStorage only. */
export type ConnectionSecret =
  | { readonly kind: 'clientSecret'; readonly clientSecret: string }
  | { readonly kind: 'certificate'; readonly privateKeyPem: string; readonly certificatePem: string };

/** What the manager needs from its host. */
export interface ConnectionManagerDeps {
  readonly store: ConnectionStore;
  readonly secrets: SecretStore;
  readonly fetch: FetchLike;
  readonly logger: Logger;
  readonly ui: SignInUi;
  /** Origin of the Global Discovery Service of the chosen cloud (a setting may point it at the sandbox). */
  readonly globalDiscoveryUrl: () => string;
}

/** An environment the signed-in person can reach, from the Global Discovery Service. */
export interface DiscoveredEnvironment {
  readonly url: string;
  readonly friendlyName: string;
  readonly uniqueName: string;
  readonly environmentType?: string;
  /** The Power Platform environment id (maker portal links use it). */
  readonly environmentId?: string;
}

/**
 * msal-node is loaded when the first token source is made, not when the
 * extension starts: evaluating it is most of the bundle's load time, and
 * showing cached connections and tables needs no token.
 */
const loadMsal = () => import('./msal/msalTokenSource');

/** Names what is missing when a secret is gone, and how to fix it. */
export class MissingSecretError extends Error {
  override readonly name = 'MissingSecretError';
  constructor(
    readonly connectionName: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Saved connections, their token sources and their secrets. Pure: VS Code
 * reaches it only through the ports in `ConnectionManagerDeps`.
 */
export class ConnectionManager implements IDisposable {
  private readonly _sources = new Map<string, Promise<MsalTokenSource>>();
  private readonly _expiries = new Map<string, Date>();
  /** The last token handed out per connection, in memory only (as MSAL's own cache), to tell a new token from a cached one. */
  private readonly _lastTokens = new Map<string, string>();
  /** Connections signed in but not saved yet (the Connect conversation is still going). */
  private readonly _drafts = new Set<string>();
  private readonly _onDidChange = new Emitter<void>();
  /** Fires when connections are added, removed, renamed, signed out, or the active one changes. */
  readonly onDidChange: Event<void> = this._onDidChange.event;
  private readonly _onDidChangeHere = new Emitter<void>();
  /** Fires only for changes made in this window (not for `refresh`), so a window never echoes another's change back. */
  readonly onDidChangeHere: Event<void> = this._onDidChangeHere.event;
  private readonly _onDidIssueToken = new Emitter<{ connectionId: string; expiresOn: Date }>();
  /** Fires when a new token is issued or renewed for a connection; not when the cached one is handed out again. */
  readonly onDidIssueToken = this._onDidIssueToken.event;

  /** The list and active connection as last announced, to notice changes made by other windows. */
  private _seen: string;

  constructor(private readonly deps: ConnectionManagerDeps) {
    this._seen = this._signature();
  }

  list(): Connection[] {
    return this.deps.store.list();
  }

  get(id: string): Connection | undefined {
    return this.deps.store.get(id);
  }

  active(): Connection | undefined {
    return this.deps.store.active();
  }

  tokenExpiresOn(id: string): Date | undefined {
    return this._expiries.get(id);
  }

  async setActive(id: string): Promise<void> {
    await this.deps.store.setActive(id);
    this._changedHere();
  }

  /**
   * Re-reads state after another window changed it; unlike a change made here,
   * it does not fire `onDidChangeHere`. A connection removed elsewhere loses
   * its token source here too, and with it the tokens held in memory.
   */
  refresh(): void {
    this._seen = this._signature();
    const saved = new Set(this.list().map((c) => c.id));
    for (const id of [...this._sources.keys()]) {
      if (saved.has(id) || this._drafts.has(id)) continue;
      this._forgetTokens(id);
      void this._disposeSource(id, false);
    }
    this._onDidChange.fire();
  }

  /**
   * Refreshes only when the saved list or the active connection differs from
   * what this window last announced: cheap enough to call on a timer, for
   * hosts that share state between windows without announcing it.
   */
  refreshIfChangedElsewhere(): boolean {
    if (this._signature() === this._seen) return false;
    this.refresh();
    return true;
  }

  private _signature(): string {
    return JSON.stringify([this.active()?.id ?? null, this.list()]);
  }

  /** A change made in this window: everyone re-reads, and other windows are told. */
  private _changedHere(): void {
    this._seen = this._signature();
    this._onDidChange.fire();
    this._onDidChangeHere.fire();
  }

  /**
   * Signs in for a connection that is not saved yet, so that nothing is kept
   * when sign-in fails. Returns the token source; `save` keeps it.
   */
  async signInDraft(draft: Connection, secret: ConnectionSecret | undefined, signal?: AbortSignal): Promise<{ token: AccessToken; source: MsalTokenSource }> {
    if (secret) await this._storeSecret(draft.id, secret);
    try {
      const source = await this._createSource(draft);
      const token = await source.signIn(signal ? { signal } : {});
      this._sources.set(draft.id, Promise.resolve(source));
      this._drafts.add(draft.id);
      this._recordToken(draft.id, token);
      return { token, source };
    } catch (error) {
      await this._deleteSecrets(draft.id);
      throw error;
    }
  }

  /** Saves a connection (new or changed) and makes it active. */
  async save(connection: Connection): Promise<void> {
    await this.deps.store.save(connection);
    this._drafts.delete(connection.id);
    await this.deps.store.setActive(connection.id);
    this.deps.logger.info(`Saved connection "${connection.name}" to ${connection.orgUrl} (${connection.flow}).`);
    this._changedHere();
  }

  /** Forgets a draft whose sign-in succeeded but which the person did not keep. */
  async discardDraft(id: string): Promise<void> {
    this._drafts.delete(id);
    await this._signOutHere(id);
  }

  /** A valid access token for the connection, renewed silently when needed. */
  async getToken(id: string, options: { forceRefresh?: boolean; signal?: AbortSignal } = {}): Promise<AccessToken> {
    const source = await this._source(id);
    const token = await source.getToken(options);
    this._recordToken(id, token);
    return token;
  }

  /** Signs in again (interactive or device code) for a saved user connection whose silent renewal needs the person. */
  async reauthenticate(id: string, signal?: AbortSignal): Promise<AccessToken> {
    const connection = this._require(id);
    const source = await this._source(id);
    const token = await source.signIn(signal ? { signal } : {});
    this._recordToken(id, token);
    if (token.account && token.account.homeAccountId !== connection.homeAccountId) {
      await this.deps.store.save({ ...connection, homeAccountId: token.account.homeAccountId });
    }
    this._changedHere();
    return token;
  }

  /** The token provider of a saved connection: what a WebApiClient needs to call the connection's org. */
  tokenProvider(id: string): BearerTokenProvider {
    this._require(id);
    return { getToken: (o) => this.getToken(id, o ?? {}) };
  }

  /** The `WWW-Authenticate` challenge of an org's anonymous Web API call, which names its tenant (through the injected fetch). */
  discoverAuthority(orgUrl: string, signal?: AbortSignal): Promise<string> {
    return discoverAuthority(this.deps.fetch, orgUrl, signal);
  }

  /** WhoAmI with names for a draft that signed in but is not saved yet. */
  testDraft(draft: Connection, signal?: AbortSignal): Promise<CallerIdentity> {
    return callerIdentity(this._client(draft), signal);
  }

  /**
   * The environments a user connection's account can reach, from the Global
   * Discovery Service, using the same sign-in (MSAL renews silently for the
   * discovery resource). App-only connections get an empty list: the service
   * answers only for users.
   */
  async discoverEnvironments(connection: Connection, signal?: AbortSignal): Promise<DiscoveredEnvironment[]> {
    if (connection.flow !== 'interactive' && connection.flow !== 'deviceCode') return [];
    const discovery = this.deps.globalDiscoveryUrl().replace(/\/+$/, '');
    const main = await this._sources.get(connection.id)?.catch(() => undefined);
    const homeAccountId = main?.account?.homeAccountId ?? connection.homeAccountId;
    const source = await (await loadMsal()).MsalTokenSource.create({
      orgUrl: discovery,
      authorityHost: connection.authorityHost,
      tenantId: connection.tenantId,
      flow: await this._flow(connection),
      secrets: this.deps.secrets,
      cacheKey: connectionSecretKeys(connection.id).tokenCache,
      ...(homeAccountId ? { homeAccountId } : {}),
      scopes: [`${discovery}/user_impersonation`],
      logger: this.deps.logger,
    });
    try {
      const tokens = { getToken: (o?: { forceRefresh?: boolean; signal?: AbortSignal }) => source.getToken(o ?? {}) };
      const response = await callWithToken(this.deps.fetch, tokens, {
        url: `${discovery}/api/discovery/v2.0/Instances?$select=Url,FriendlyName,UniqueName,EnvironmentType,EnvironmentId`,
        headers: { Accept: 'application/json' },
        ...(signal ? { signal } : {}),
      });
      const body = (await response.json()) as { value?: Array<Record<string, unknown>> };
      return (body.value ?? [])
        .filter((i) => typeof i.Url === 'string')
        .map((i) => ({
          url: String(i.Url).replace(/\/+$/, ''),
          friendlyName: typeof i.FriendlyName === 'string' ? i.FriendlyName : String(i.Url),
          uniqueName: typeof i.UniqueName === 'string' ? i.UniqueName : '',
          ...(typeof i.EnvironmentType === 'string' ? { environmentType: i.EnvironmentType } : {}),
          ...(typeof i.EnvironmentId === 'string' ? { environmentId: i.EnvironmentId } : {}),
        }));
    } finally {
      source.dispose();
    }
  }

  /**
   * Saves a connection to another environment for the same account, sharing
   * the sign-in: its token cache starts as a copy of the source connection's.
   */
  async addSibling(source: Connection, environment: DiscoveredEnvironment): Promise<Connection> {
    const cache = await this.deps.secrets.get(connectionSecretKeys(source.id).tokenCache);
    const sibling: Connection = { ...source, id: randomUUID(), name: environment.friendlyName, orgUrl: environment.url, tags: environment.environmentType === 'Production' ? ['production'] : [] };
    if (cache) await this.deps.secrets.store(connectionSecretKeys(sibling.id).tokenCache, cache);
    await this.deps.store.save(sibling);
    this.deps.logger.info(`Saved connection "${sibling.name}" to ${sibling.orgUrl} (shares the sign-in of "${source.name}").`);
    this._changedHere();
    return sibling;
  }

  private _client(connection: Connection): WebApiClient {
    const id = connection.id;
    return new WebApiClient({ orgUrl: connection.orgUrl, tokens: { getToken: (o) => this.getToken(id, o ?? {}) }, fetch: this.deps.fetch });
  }

  /** WhoAmI with names: the Test Connection answer. */
  testConnection(id: string, signal?: AbortSignal): Promise<CallerIdentity> {
    return callerIdentity(this._client(this._require(id)), signal);
  }

  /** The caller's security roles in the org. */
  async securityRoles(id: string, signal?: AbortSignal): Promise<{ identity: CallerIdentity; roles: SecurityRole[] }> {
    const api = this._client(this._require(id));
    const identity = await callerIdentity(api, signal);
    return { identity, roles: await securityRoles(api, identity.userId, signal) };
  }

  /** Clears the connection's token cache and secrets; the connection stays listed. */
  async signOut(id: string): Promise<void> {
    const connection = this._require(id);
    await this._signOutHere(id);
    this.deps.logger.info(`Signed out of "${connection.name}" (${connection.orgUrl}).`);
    this._changedHere();
  }

  /** Signs out and forgets the connection. */
  async remove(id: string): Promise<void> {
    const connection = this._require(id);
    await this._signOutHere(id);
    await this.deps.store.remove(id);
    this.deps.logger.info(`Removed connection "${connection.name}".`);
    this._changedHere();
  }

  /** True when the connection has what it needs to get a token without the person (a cache or a secret). */
  async isSignedIn(id: string): Promise<boolean> {
    const connection = this.get(id);
    if (!connection) return false;
    const keys = connectionSecretKeys(id);
    if (connection.flow === 'clientSecret') return (await this.deps.secrets.get(keys.clientSecret)) !== undefined;
    if (connection.flow === 'certificate') return (await this.deps.secrets.get(keys.certificate)) !== undefined;
    return (await this.deps.secrets.get(keys.tokenCache)) !== undefined;
  }

  dispose(): void {
    for (const id of [...this._sources.keys()]) void this._disposeSource(id, false);
    this._onDidChange.dispose();
    this._onDidChangeHere.dispose();
    this._onDidIssueToken.dispose();
  }

  /** Signs the connection's token source out, deletes its secrets and forgets its tokens. */
  private async _signOutHere(id: string): Promise<void> {
    this._forgetTokens(id);
    await this._disposeSource(id, true);
    await this._deleteSecrets(id);
  }

  private _forgetTokens(id: string): void {
    this._expiries.delete(id);
    this._lastTokens.delete(id);
  }

  private _recordToken(id: string, token: AccessToken): void {
    this._expiries.set(id, token.expiresOn);
    if (this._lastTokens.get(id) === token.accessToken) return;
    this._lastTokens.set(id, token.accessToken);
    this._onDidIssueToken.fire({ connectionId: id, expiresOn: token.expiresOn });
  }

  private _require(id: string): Connection {
    const connection = this.get(id);
    if (!connection) throw new Error(`There is no saved connection with id ${id}; it may have been removed in another window.`);
    return connection;
  }

  private _source(id: string): Promise<MsalTokenSource> {
    let source = this._sources.get(id);
    if (!source) {
      source = this._createSource(this._require(id));
      this._sources.set(id, source);
      source.catch(() => this._sources.delete(id));
    }
    return source;
  }

  private async _createSource(connection: Connection): Promise<MsalTokenSource> {
    return (await loadMsal()).MsalTokenSource.create({
      orgUrl: connection.orgUrl,
      authorityHost: connection.authorityHost,
      tenantId: connection.tenantId,
      flow: await this._flow(connection),
      secrets: this.deps.secrets,
      cacheKey: connectionSecretKeys(connection.id).tokenCache,
      ...(connection.homeAccountId ? { homeAccountId: connection.homeAccountId } : {}),
      logger: this.deps.logger,
    });
  }

  private async _flow(connection: Connection): Promise<TokenFlow> {
    const keys = connectionSecretKeys(connection.id);
    switch (connection.flow) {
      case 'interactive':
        return {
          kind: 'interactive',
          clientId: connection.clientId,
          openBrowser: (url) => this.deps.ui.openBrowser(url),
          ...(connection.accountHint ? { loginHint: connection.accountHint } : {}),
        };
      case 'deviceCode':
        return { kind: 'deviceCode', clientId: connection.clientId, onDeviceCode: (p) => this.deps.ui.onDeviceCode(p) };
      case 'clientSecret': {
        const clientSecret = await this.deps.secrets.get(keys.clientSecret);
        if (!clientSecret) {
          throw new MissingSecretError(connection.name, `The client secret of "${connection.name}" is not stored (signed out?). Run "Dataverse: Connect to Environment..." to enter it again.`);
        }
        return { kind: 'clientSecret', clientId: connection.clientId, clientSecret };
      }
      case 'certificate': {
        const stored = await this.deps.secrets.get(keys.certificate);
        if (!stored) {
          throw new MissingSecretError(connection.name, `The certificate of "${connection.name}" is not stored (signed out?). Run "Dataverse: Connect to Environment..." to choose it again.`);
        }
        const pem = JSON.parse(stored) as { privateKeyPem: string; certificatePem: string };
        return { kind: 'certificate', clientId: connection.clientId, certificate: certificateFromPem(pem) };
      }
    }
  }

  private async _storeSecret(id: string, secret: ConnectionSecret): Promise<void> {
    const keys = connectionSecretKeys(id);
    if (secret.kind === 'clientSecret') await this.deps.secrets.store(keys.clientSecret, secret.clientSecret);
    else await this.deps.secrets.store(keys.certificate, JSON.stringify({ privateKeyPem: secret.privateKeyPem, certificatePem: secret.certificatePem }));
  }

  private async _deleteSecrets(id: string): Promise<void> {
    for (const key of allSecretKeys(id)) await this.deps.secrets.delete(key);
  }

  private async _disposeSource(id: string, signOut: boolean): Promise<void> {
    const pending = this._sources.get(id);
    this._sources.delete(id);
    if (!pending) return;
    try {
      const source = await pending;
      if (signOut) await source.signOut();
      source.dispose();
    } catch {
      // A source that never came up has nothing to clear.
    }
  }
}

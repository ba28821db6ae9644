import { randomUUID } from 'node:crypto';
import { Emitter, type Event } from '../core/emitter';
import type { IDisposable } from '../core/disposable';
import { registerSecret, type Logger } from '../core/logger';
import { callerIdentity, currentOrganization, securityRoles, type CallerIdentity, type OrganizationNames, type SecurityRole } from '../dataverse/identity';
import { allSecretKeys, connectionSecretKeys, type Connection } from './connection';
import type { ConnectionStore } from './connectionStore';
import { SecretIndex } from './secretIndex';
import { signInErrorPage, signInSuccessPage, type SignInPageContext } from './signInPages';
import { readDiscoveredEnvironments, type DiscoveredEnvironment } from './discovery';
import { certificateFromPem } from './msal/certificateCredential';
import { callWithToken, discoverAuthority, type BearerTokenProvider, type FetchLike } from '../dataverse/http';
import { WebApiClient } from '../dataverse/webApiClient';
import { normalizeOrgUrl } from './orgUrl';
import type { AccessToken, DeviceCodePrompt, GetTokenOptions, MsalTokenSource, TokenFlow } from './msal/msalTokenSource';
import type { SecretStore } from './msal/secretStore';
import { TokenError } from './msal/tokenError';

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
  /** The clock, for the age of unsaved sign-ins (default Date.now). */
  readonly now?: () => number;
}

export type { DiscoveredEnvironment } from './discovery';

/** The browser's pages at the end of an interactive sign-in. */
function signInPages(context: SignInPageContext): { successTemplate: string; errorTemplate: string } {
  return { successTemplate: signInSuccessPage(context), errorTemplate: signInErrorPage(context) };
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
 * A saved connection cannot give a token without the person: it was signed
 * out (its token cache or secret is gone), or its saved sign-in can no longer
 * be renewed silently. The UI answers with Sign In, never with a failure.
 */
export class SignInRequiredError extends Error {
  override readonly name = 'SignInRequiredError';
  constructor(
    readonly connectionId: string,
    readonly connectionName: string,
    /** `signedOut`: nothing is stored to sign in with; `expired`: the stored sign-in needs the person again. */
    readonly reason: 'signedOut' | 'expired',
    options: { cause: unknown },
  ) {
    super(reason === 'signedOut' ? `"${connectionName}" is signed out.` : `"${connectionName}" needs you to sign in again.`, options);
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
  /** Ids whose secrets were written, so that those of sign-ins never saved can be found again. */
  private readonly _secretIndex: SecretIndex;

  constructor(private readonly deps: ConnectionManagerDeps) {
    this._seen = this._signature();
    this._secretIndex = new SecretIndex(deps.secrets, deps.now);
  }

  /**
   * Removes the secrets of sign-ins that were never saved (the window closed
   * between sign-in and save), as found in the index of ids with secrets.
   * A sign-in younger than an hour may still be going on in another window and is left alone.
   */
  async removeOrphanedSecrets(): Promise<number> {
    const saved = new Set(this.list().map((c) => c.id));
    const removed = await this._secretIndex.removeOrphans((id) => saved.has(id) || this._drafts.has(id) || this._sources.has(id));
    if (removed.length > 0) this.deps.logger.info(`Removed the stored secrets of ${removed.length} sign-in${removed.length === 1 ? '' : 's'} that no saved connection uses.`);
    return removed.length;
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
  async signInDraft(
    draft: Connection,
    secret: ConnectionSecret | undefined,
    signal?: AbortSignal,
    onDeviceCode?: (prompt: DeviceCodePrompt) => void,
  ): Promise<{ token: AccessToken; source: MsalTokenSource }> {
    // Indexed before anything is written: if the window closes before the save, the next activation finds it.
    await this._secretIndex.add(draft.id);
    if (secret) await this._storeSecret(draft.id, secret);
    try {
      const source = await this._createSource(draft);
      const token = await source.signIn({ ...(signal ? { signal } : {}), ...(onDeviceCode ? { onDeviceCode } : {}) });
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

  /**
   * Signs an app connection back in with its secret or certificate entered
   * again (after Sign Out): stored, then proven with a token. When the token
   * is refused, the secret is not kept.
   */
  async signInWithSecret(id: string, secret: ConnectionSecret, signal?: AbortSignal): Promise<AccessToken> {
    const connection = this._require(id);
    this.deps.logger.info(`Signing "${connection.name}" in again with its ${secret.kind === 'clientSecret' ? 'client secret' : 'certificate'}.`);
    this._forgetTokens(id);
    await this._disposeSource(id, false);
    await this._secretIndex.add(id);
    await this._storeSecret(id, secret);
    try {
      const token = await this.getToken(id, signal ? { signal } : {});
      this._changedHere();
      return token;
    } catch (error) {
      await this._disposeSource(id, false);
      await this._deleteSecrets(id);
      throw error instanceof SignInRequiredError ? error.cause : error;
    }
  }

  /**
   * Keeps a new sign-in under an existing connection for the same org and
   * identity instead of saving a duplicate: the draft's token cache or secret
   * replaces the connection's, `changes` update it (flow, account...), and the
   * draft is forgotten. The connection keeps its id, name and tags.
   */
  async adoptDraft(draft: Connection, existing: Connection, changes: Partial<Omit<Connection, 'id' | 'name' | 'tags'>>): Promise<Connection> {
    this._forgetTokens(existing.id);
    await this._disposeSource(existing.id, false);
    const from = connectionSecretKeys(draft.id);
    const to = connectionSecretKeys(existing.id);
    await this._secretIndex.add(existing.id);
    for (const key of ['tokenCache', 'clientSecret', 'certificate'] as const) {
      const value = await this.deps.secrets.get(from[key]);
      if (value !== undefined) await this.deps.secrets.store(to[key], value);
      else await this.deps.secrets.delete(to[key]);
    }
    this._drafts.delete(draft.id);
    this._forgetTokens(draft.id);
    // The draft's source is dropped without signing out: its cache now belongs to the existing connection too.
    await this._disposeSource(draft.id, false);
    await this._deleteSecrets(draft.id);
    const updated: Connection = { ...existing, ...changes, id: existing.id, name: existing.name, tags: existing.tags };
    await this.save(updated);
    return updated;
  }

  /** Forgets a draft whose sign-in succeeded but which the person did not keep. */
  async discardDraft(id: string): Promise<void> {
    this._drafts.delete(id);
    await this._signOutHere(id);
  }

  /** A valid access token for the connection, renewed silently when needed. */
  async getToken(id: string, options: GetTokenOptions = {}): Promise<AccessToken> {
    let token: AccessToken;
    try {
      token = await (await this._source(id)).getToken(options);
    } catch (error) {
      throw (await this._signInRequired(id, error)) ?? error;
    }
    // Expiry and the issued event follow the connection's own token, not one asked for other scopes.
    if (!options.scopes) this._recordToken(id, token);
    return token;
  }

  /** Signs in again (interactive or device code) for a saved user connection whose silent renewal needs the person. */
  async reauthenticate(id: string, signal?: AbortSignal, onDeviceCode?: (prompt: DeviceCodePrompt) => void): Promise<AccessToken> {
    const connection = this._require(id);
    const source = await this._source(id);
    const token = await source.signIn({ ...(signal ? { signal } : {}), ...(onDeviceCode ? { onDeviceCode } : {}) });
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

  /** The org's friendly and unique names, asked of the org itself with the connection's sign-in (app connections too). */
  currentOrganization(connection: Connection, signal?: AbortSignal): Promise<OrganizationNames> {
    return currentOrganization(this._client(connection), signal);
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
      return readDiscoveredEnvironments(await response.json(), this.deps.logger);
    } finally {
      source.dispose();
    }
  }

  /**
   * Saves a connection to another environment for the same account, sharing
   * the sign-in: its token cache starts as a copy of the source connection's.
   */
  async addSibling(source: Connection, environment: DiscoveredEnvironment): Promise<Connection> {
    const org = normalizeOrgUrl(environment.url);
    if (!org.ok) throw new Error(`"${environment.friendlyName}" cannot be added: ${org.reason}`);
    const cache = await this.deps.secrets.get(connectionSecretKeys(source.id).tokenCache);
    const sibling: Connection = { ...source, id: randomUUID(), name: environment.friendlyName, orgUrl: org.url, tags: environment.environmentType === 'Production' ? ['production'] : [] };
    await this._secretIndex.add(sibling.id);
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

  /** The error to give when a saved connection needs the person to sign in, or undefined for any other failure. */
  private async _signInRequired(id: string, error: unknown): Promise<SignInRequiredError | undefined> {
    const connection = this.get(id);
    if (!connection) return undefined;
    if (error instanceof MissingSecretError) return new SignInRequiredError(id, connection.name, 'signedOut', { cause: error });
    if (error instanceof TokenError && error.kind === 'interactionRequired') {
      return new SignInRequiredError(id, connection.name, (await this.isSignedIn(id)) ? 'expired' : 'signedOut', { cause: error });
    }
    return undefined;
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
          ...signInPages({ orgName: connection.name, orgUrl: connection.orgUrl, ...(connection.accountHint ? { account: connection.accountHint } : {}) }),
        };
      case 'deviceCode':
        return { kind: 'deviceCode', clientId: connection.clientId, onDeviceCode: (p) => this.deps.ui.onDeviceCode(p) };
      case 'clientSecret': {
        const clientSecret = await this.deps.secrets.get(keys.clientSecret);
        registerSecret(clientSecret);
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
    registerSecret(secret.kind === 'clientSecret' ? secret.clientSecret : secret.privateKeyPem);
    if (secret.kind === 'clientSecret') await this.deps.secrets.store(keys.clientSecret, secret.clientSecret);
    else await this.deps.secrets.store(keys.certificate, JSON.stringify({ privateKeyPem: secret.privateKeyPem, certificatePem: secret.certificatePem }));
  }

  private async _deleteSecrets(id: string): Promise<void> {
    for (const key of allSecretKeys(id)) await this.deps.secrets.delete(key);
    await this._secretIndex.remove(id);
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

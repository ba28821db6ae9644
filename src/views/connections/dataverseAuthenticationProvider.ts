import * as vscode from 'vscode';
import type { Logger } from '../../core/logger';
import { connectionLabel, type Connection } from '../../auth/connection';
import type { ConnectionManager } from '../../auth/connectionManager';
import { sameOrg } from '../../auth/orgUrl';
import { parseScopes, type ScopeData } from '../../auth/scopes';

/** Runs the palette conversation, optionally pre-filled with the org URL; returns the new connection. */
export type ConnectFlow = (orgUrl?: string) => Promise<Connection | undefined>;

/**
 * The `dataverse` authentication provider: a session is one saved
 * connection (an org and an identity). Other extensions call
 * `vscode.authentication.getSession('dataverse', ['https://org.crm.dynamics.com/.default'])`.
 */
export class DataverseAuthenticationProvider implements vscode.AuthenticationProvider, vscode.Disposable {
  private readonly _onDidChangeSessions = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  readonly onDidChangeSessions = this._onDidChangeSessions.event;
  private _known = new Map<string, vscode.AuthenticationSession>();
  private readonly _subscription: vscode.Disposable;

  constructor(
    private readonly manager: ConnectionManager,
    private readonly connectFlow: ConnectFlow,
    private readonly log: Logger,
  ) {
    this._subscription = new vscode.Disposable(manager.onDidChange(() => void this._reportChanges()).dispose);
  }

  async getSessions(scopes: readonly string[] | undefined): Promise<vscode.AuthenticationSession[]> {
    const data = scopes && scopes.length > 0 ? this._parse(scopes) : undefined;
    const sessions: vscode.AuthenticationSession[] = [];
    for (const connection of this._matching(data)) {
      if (!(await this.manager.isSignedIn(connection.id))) continue;
      try {
        const token = await this.manager.getToken(connection.id);
        sessions.push(this._session(connection, token.accessToken, data));
      } catch (error) {
        // A connection that needs the person again is not a session until they sign in.
        this.log.warn(`No silent token for "${connection.name}": ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return sessions;
  }

  async createSession(scopes: readonly string[]): Promise<vscode.AuthenticationSession> {
    const data = this._parse(scopes);
    const pinned = data.connectionId ? this.manager.get(data.connectionId) : undefined;
    let connection: Connection | undefined = pinned;
    if (pinned) {
      await this.manager.reauthenticate(pinned.id);
    } else {
      connection = await this.connectFlow(data.orgUrl);
    }
    if (!connection) throw new vscode.CancellationError();
    if (!sameOrg(connection.orgUrl, data.orgUrl)) {
      throw new Error(vscode.l10n.t('The connection made is to {0}, not to {1} as requested.', connection.orgUrl, data.orgUrl));
    }
    const token = await this.manager.getToken(connection.id);
    const session = this._session(connection, token.accessToken, data);
    this._known.set(session.id, session);
    this._onDidChangeSessions.fire({ added: [session], removed: [], changed: [] });
    return session;
  }

  async removeSession(sessionId: string): Promise<void> {
    if (this.manager.get(sessionId)) await this.manager.signOut(sessionId);
  }

  dispose(): void {
    this._subscription.dispose();
    this._onDidChangeSessions.dispose();
  }

  private _parse(scopes: readonly string[]): ScopeData {
    const result = parseScopes(scopes);
    if (!result.ok) throw new Error(result.reason);
    return result.value;
  }

  private _matching(data: ScopeData | undefined): Connection[] {
    const all = this.manager.list();
    if (!data) return all;
    if (data.connectionId) return all.filter((c) => c.id === data.connectionId);
    return all.filter((c) => sameOrg(c.orgUrl, data.orgUrl));
  }

  private _session(connection: Connection, accessToken: string, data: ScopeData | undefined): vscode.AuthenticationSession {
    return {
      id: connection.id,
      accessToken,
      account: { id: connection.homeAccountId ?? connection.accountHint ?? connection.clientId, label: connectionLabel(connection) },
      scopes: data ? [...data.canonicalScopes] : [`${connection.orgUrl}/.default`],
    };
  }

  /** Tells VS Code which sessions appeared or disappeared, compared with what it was told before. */
  private async _reportChanges(): Promise<void> {
    const now = new Map<string, vscode.AuthenticationSession>();
    for (const connection of this.manager.list()) {
      if (await this.manager.isSignedIn(connection.id)) {
        now.set(connection.id, { id: connection.id, accessToken: '', account: { id: connection.homeAccountId ?? connection.accountHint ?? connection.clientId, label: connectionLabel(connection) }, scopes: [] });
      }
    }
    const added = [...now.values()].filter((s) => !this._known.has(s.id));
    const removed = [...this._known.values()].filter((s) => !now.has(s.id));
    this._known = now;
    if (added.length || removed.length) this._onDidChangeSessions.fire({ added, removed, changed: [] });
  }
}

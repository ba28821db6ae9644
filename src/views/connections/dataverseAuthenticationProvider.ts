import * as vscode from 'vscode';
import type { Logger } from '../../core/logger';
import { connectionLabel, type Connection } from '../../auth/connection';
import type { ConnectionManager } from '../../auth/connectionManager';
import { sameOrg } from '../../auth/orgUrl';
import { parseScopes, type ScopeData } from '../../auth/scopes';
import { connectionsFor, findSessions, pinMismatch, sessionFrom, tokenOptionsFor } from '../../auth/sessions';

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
    /** Signs a saved connection in again (the same Sign In as the Connections view); undefined when cancelled. */
    private readonly signInFlow: (connection: Connection) => Promise<Connection | undefined> = async () => undefined,
  ) {
    this._subscription = new vscode.Disposable(manager.onDidChange(() => void this._reportChanges()).dispose);
  }

  async getSessions(scopes: readonly string[] | undefined): Promise<vscode.AuthenticationSession[]> {
    const data = scopes && scopes.length > 0 ? this._parse(scopes) : undefined;
    // A connection that needs the person again is not a session until they sign in.
    return findSessions(this.manager, data, (connection, error) =>
      this.log.warn(`No silent token for "${connection.name}": ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  async createSession(scopes: readonly string[]): Promise<vscode.AuthenticationSession> {
    const data = this._parse(scopes);
    const pinned = data.connectionId ? this.manager.get(data.connectionId) : undefined;
    const mismatch = pinned ? pinMismatch(pinned, data) : undefined;
    if (mismatch) throw new Error(mismatch);
    let connection: Connection | undefined;
    // A signed-out connection of that org gets the same Sign In as in the Connections view, not an error or a new connection.
    const signedOut = pinned ? [] : await this._signedOutFor(data);
    if (pinned) connection = await this.signInFlow(pinned);
    else if (signedOut.length === 1) connection = await this.signInFlow(signedOut[0]!);
    else connection = await this.connectFlow(data.orgUrl);
    if (!connection) throw new vscode.CancellationError();
    if (!sameOrg(connection.orgUrl, data.orgUrl)) {
      throw new Error(vscode.l10n.t('The connection made is to {0}, not to {1} as requested.', connection.orgUrl, data.orgUrl));
    }
    const token = await this.manager.getToken(connection.id, tokenOptionsFor(data));
    const session = sessionFrom(connection, token, data);
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

  private async _signedOutFor(data: ScopeData): Promise<Connection[]> {
    const signedOut: Connection[] = [];
    for (const connection of connectionsFor(this.manager.list(), data)) {
      if (!(await this.manager.isSignedIn(connection.id))) signedOut.push(connection);
    }
    return signedOut;
  }

  private _parse(scopes: readonly string[]): ScopeData {
    const result = parseScopes(scopes);
    if (!result.ok) throw new Error(result.reason);
    return result.value;
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

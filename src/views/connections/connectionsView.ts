import * as vscode from 'vscode';
import { isProduction, type Connection } from '../../auth/connection';
import type { ConnectionManager } from '../../auth/connectionManager';

/** A saved connection in the tree. */
export class ConnectionNode extends vscode.TreeItem {
  constructor(
    readonly connection: Connection,
    active: boolean,
    /** False once signed out: nothing is stored to sign in with, so a click offers Sign In. */
    readonly signedIn = true,
  ) {
    super(connection.name, vscode.TreeItemCollapsibleState.None);
    this.id = `connection/${connection.id}`;
    const who = connection.accountName ?? connection.accountHint ?? '';
    // The state first: a narrow side bar cuts the end of the description, and "active" must not be what goes.
    this.description = `${active ? `${vscode.l10n.t('active')} · ` : ''}${who}`;
    this.tooltip = `${connection.orgUrl}\n${connection.accountHint ?? ''}`;
    // Screen readers announce this instead of the tooltip: the name, then the state.
    this.accessibilityInformation = {
      label: [connection.name, who, active ? vscode.l10n.t('active connection') : undefined, isProduction(connection) ? vscode.l10n.t('production') : undefined, connection.orgUrl].filter(Boolean).join(', '),
      role: 'treeitem',
    };
    this.iconPath = new vscode.ThemeIcon(isProduction(connection) ? 'warning' : active ? 'pass-filled' : 'database');
    this.contextValue = 'dataverse.connection';
    this.command = { command: 'dataverse.connection.setActive', title: vscode.l10n.t('Make Active'), arguments: [this] };
    if (!signedIn) {
      // The state first: a narrow view cuts the end of the description.
      this.description = `${vscode.l10n.t('signed out')} · ${connection.accountName ?? connection.accountHint ?? ''}`;
      this.iconPath = new vscode.ThemeIcon('debug-disconnect');
      this.contextValue = 'dataverse.connection.signedOut';
      this.command = { command: 'dataverse.connection.signIn', title: vscode.l10n.t('Sign In'), arguments: [this] };
    }
  }
}

/**
 * The Connections view. With no connection the tree is empty, which makes
 * VS Code show the welcome content declared in package.json.
 */
export class ConnectionsView implements vscode.TreeDataProvider<ConnectionNode>, vscode.Disposable {
  private readonly _onDidChangeTreeData = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private readonly _subscription: { dispose(): void };

  constructor(private readonly manager: ConnectionManager) {
    this._subscription = manager.onDidChange(() => this._onDidChangeTreeData.fire());
  }

  getTreeItem(element: ConnectionNode): vscode.TreeItem {
    return element;
  }

  async getChildren(): Promise<ConnectionNode[]> {
    const activeId = this.manager.active()?.id;
    return Promise.all(this.manager.list().map(async (c) => new ConnectionNode(c, c.id === activeId, await this.manager.isSignedIn(c.id))));
  }

  dispose(): void {
    this._subscription.dispose();
    this._onDidChangeTreeData.dispose();
  }
}

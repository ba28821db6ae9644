import * as vscode from 'vscode';
import { isProduction, type Connection } from '../../auth/connection';
import type { ConnectionManager } from '../../auth/connectionManager';

/** A saved connection in the tree. */
export class ConnectionNode extends vscode.TreeItem {
  constructor(
    readonly connection: Connection,
    active: boolean,
  ) {
    super(connection.name, vscode.TreeItemCollapsibleState.None);
    this.id = `connection/${connection.id}`;
    this.description = `${connection.accountName ?? connection.accountHint ?? ''}${active ? ` · ${vscode.l10n.t('active')}` : ''}`;
    this.tooltip = `${connection.orgUrl}\n${connection.accountHint ?? ''}`;
    this.iconPath = new vscode.ThemeIcon(isProduction(connection) ? 'warning' : active ? 'pass-filled' : 'database');
    this.contextValue = 'dataverse.connection';
    this.command = { command: 'dataverse.connection.setActive', title: vscode.l10n.t('Make Active'), arguments: [this] };
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

  getChildren(): ConnectionNode[] {
    const activeId = this.manager.active()?.id;
    return this.manager.list().map((c) => new ConnectionNode(c, c.id === activeId));
  }

  dispose(): void {
    this._subscription.dispose();
    this._onDidChangeTreeData.dispose();
  }
}

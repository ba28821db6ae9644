import * as vscode from 'vscode';

/**
 * The Connections view. Until a connection exists the tree is empty, which
 * makes VS Code show the welcome content declared in package.json.
 */
export class ConnectionsView implements vscode.TreeDataProvider<never>, vscode.Disposable {
  private readonly _onDidChangeTreeData = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  getTreeItem(element: never): vscode.TreeItem {
    return element;
  }

  getChildren(): never[] {
    return [];
  }

  dispose(): void {
    this._onDidChangeTreeData.dispose();
  }
}

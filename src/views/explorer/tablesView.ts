import * as vscode from 'vscode';
import type { Connection } from '../../auth/connection';
import type { Event } from '../../core/emitter';
import type { MetadataLookup } from '../../dataverse/metadata/model';
import {
  ErrorNode, NO_FILTER, describeFilter, loadOwnChildren, tableNodes, type Explain, type ExplorerNode, type NodeView, type TableFilter,
} from './tableTree';

/** One connection's metadata as the view uses it (OrgMetadata satisfies it). */
export interface MetadataSession extends MetadataLookup {
  /** Where the table list came from: the disk cache (maybe stale) or the environment. */
  readonly source: 'cache' | 'network' | undefined;
  /** Brings the metadata up to date (only what changed since the cache's stamp). */
  refresh(options?: { signal?: AbortSignal }): Promise<unknown>;
  /** Fires when a refresh or a lazy load changed what is known. */
  readonly onDidChange: Event<{ readonly tables: boolean; readonly detailsOf: readonly string[] }>;
}

/** What the view needs of the connections. */
export interface ConnectionSource {
  readonly onDidChange: Event<void>;
  active(): Connection | undefined;
  /** A saved connection by id (undefined once removed). */
  get(id: string): Connection | undefined;
  isSignedIn(id: string): Promise<boolean>;
}

/** What the view is showing, for the welcome content (`dataverse.tables.state` in package.json). */
type ViewState = 'noConnection' | 'signedOut' | 'ready';

export interface TablesViewDeps {
  readonly connections: ConnectionSource;
  /** Opens (or reuses) the metadata session of a connection: from its disk cache, without the network. */
  readonly session: (connection: Connection) => Promise<MetadataSession>;
  readonly explain: Explain;
  /** Logs a background refresh that failed (the tree keeps what it shows). */
  readonly logWarning: (message: string) => void;
}

/**
 * The Tables view: adapts the pure tree model (tableTree.ts) to VS Code.
 * `getChildren` never prompts; a failure is an explained node with Retry.
 * The root follows the active connection; the first open of a connection
 * shows its cache at once and brings it up to date in the background.
 */
export class TablesView implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly _onDidChangeTreeData = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  readonly treeView: vscode.TreeView<ExplorerNode>;
  private readonly _disposables: vscode.Disposable[] = [];
  private _filter: TableFilter = NO_FILTER;
  private _state: ViewState | undefined;
  /** Connections whose cache has been refreshed (or is being) since this window opened them. */
  private readonly _refreshed = new Set<string>();
  private _refreshing: Promise<void> | undefined;
  private readonly _watched = new WeakSet<MetadataSession>();

  constructor(private readonly deps: TablesViewDeps) {
    // No showCollapseAll: its button would show over the welcome too; the view contributes its own Collapse All, shown only with a tree.
    this.treeView = vscode.window.createTreeView('dataverse.tables', { treeDataProvider: this });
    this._disposables.push(
      this.treeView,
      this._onDidChangeTreeData,
      deps.connections.onDidChange(() => this._onConnectionsChanged()),
    );
  }

  get filter(): TableFilter {
    return this._filter;
  }

  /** Narrows the list; the view's description says what is filtered. */
  setFilter(filter: TableFilter): void {
    this._filter = filter;
    this.treeView.description = describeFilter(filter) || undefined;
    void vscode.commands.executeCommand('setContext', 'dataverse.tables.filtered', describeFilter(filter) !== '');
    void vscode.commands.executeCommand('setContext', 'dataverse.tables.showSystem', filter.showSystem);
    void vscode.commands.executeCommand('setContext', 'dataverse.tables.solution', filter.solution !== undefined);
    this._onDidChangeTreeData.fire(undefined);
  }

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    return toTreeItem(node, node.view());
  }

  resolveTreeItem(item: vscode.TreeItem, node: ExplorerNode): vscode.TreeItem {
    // Tooltips are built only when hovered: the 420-column table stays cheap to show.
    item.tooltip = node.tooltip();
    return item;
  }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    if (node) return loadOwnChildren(node, (id) => this._signedInSession(id), this.deps.explain);
    const connection = this.deps.connections.active();
    if (!connection) return this._show('noConnection');
    if (!(await this.deps.connections.isSignedIn(connection.id))) return this._show('signedOut');
    this._show('ready');
    try {
      const session = await this._session(connection);
      const tables = await vscode.window.withProgress({ location: { viewId: 'dataverse.tables' } }, () => session.tables());
      if (session.source === 'cache' && !this._refreshed.has(connection.id)) this._refreshInBackground(connection, session);
      return tableNodes(connection.id, tables, this._filter);
    } catch (error) {
      const explanation = this.deps.explain(error);
      return explanation.category === 'cancelled' ? [] : [new ErrorNode(undefined, connection.id, explanation)];
    }
  }

  /**
   * Loads the failed part again. The whole tree is asked again rather than
   * the failed node alone: VS Code knows nodes by instance, and the one that
   * failed may have been replaced since; what loaded is answered from memory.
   */
  retry(_node: ErrorNode): void {
    this._onDidChangeTreeData.fire(undefined);
  }

  /** Refresh: brings the active connection's cache up to date now, with progress in the view. */
  async refresh(): Promise<void> {
    const connection = this.deps.connections.active();
    if (!connection || !(await this.deps.connections.isSignedIn(connection.id))) {
      this._onDidChangeTreeData.fire(undefined);
      return;
    }
    const session = await this._session(connection);
    this._refreshed.add(connection.id);
    await vscode.window.withProgress({ location: { viewId: 'dataverse.tables' } }, () => session.refresh());
    this._onDidChangeTreeData.fire(undefined);
  }

  /** Resolves once the background refresh started by the last open (if any) has ended: for tests and Refresh. */
  whenRefreshed(): Promise<void> {
    return this._refreshing ?? Promise.resolve();
  }

  dispose(): void {
    for (const d of this._disposables.splice(0).reverse()) d.dispose();
  }

  private _refreshInBackground(connection: Connection, session: MetadataSession): void {
    this._refreshed.add(connection.id);
    // What changed is redrawn through the session's onDidChange.
    this._refreshing = session.refresh().then(
      () => undefined,
      (error: unknown) => {
        // The cached tree stays; the next open or Refresh tries again. No pop-up: the person did not ask.
        this._refreshed.delete(connection.id);
        const e = this.deps.explain(error);
        if (e.category !== 'cancelled') this.deps.logWarning(`Tables of ${connection.name}: the background refresh failed (${e.code}: ${e.title}); showing the cached list.`);
      },
    );
  }

  /** The session of a saved, signed-in connection; undefined for any other. */
  private async _signedInSession(connectionId: string): Promise<MetadataSession | undefined> {
    const connection = this.deps.connections.get(connectionId);
    if (!connection || !(await this.deps.connections.isSignedIn(connection.id))) return undefined;
    return this._session(connection);
  }

  /** The session of a connection; the tree follows its changes while the connection is active. */
  private async _session(connection: Connection): Promise<MetadataSession> {
    const session = await this.deps.session(connection);
    if (!this._watched.has(session)) {
      this._watched.add(session);
      this._disposables.push(
        session.onDidChange(() => {
          if (this.deps.connections.active()?.id === connection.id) this._onDidChangeTreeData.fire(undefined);
        }),
      );
    }
    return session;
  }

  private _show(state: ViewState): ExplorerNode[] {
    if (state !== this._state) {
      this._state = state;
      void vscode.commands.executeCommand('setContext', 'dataverse.tables.state', state);
    }
    return [];
  }

  private _onConnectionsChanged(): void {
    // Signed in or out, switched or removed: the root is read again (children of a live table stay cached by VS Code).
    this._onDidChangeTreeData.fire(undefined);
  }
}

const COLLAPSIBLE: Record<NodeView['collapsible'], vscode.TreeItemCollapsibleState> = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
};

/** The TreeItem of a node: VS Code renders labels and descriptions as text, so names from the org stay inert. */
function toTreeItem(node: ExplorerNode, view: NodeView): vscode.TreeItem {
  const item = new vscode.TreeItem(view.label, COLLAPSIBLE[view.collapsible]);
  item.id = node.id;
  item.contextValue = node.contextValue;
  if (view.description) item.description = view.description;
  item.iconPath = new vscode.ThemeIcon(view.icon, view.iconColor ? new vscode.ThemeColor(view.iconColor) : undefined);
  item.accessibilityInformation = { label: view.accessibilityLabel };
  if (view.command) item.command = { command: view.command.id, title: view.command.title, arguments: [node] };
  return item;
}

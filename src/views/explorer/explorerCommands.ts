import * as vscode from 'vscode';
import type { Connection } from '../../auth/connection';
import type { SolutionSummary } from '../../dataverse/metadata/model';
import type { ConnectionNode } from '../connections/connectionsView';
import { ErrorNode, TableNode, makerPortalUrl, newQueryText, recordsUrl, type CopyableNames, type ExplorerNode } from './tableTree';
import type { TablesView } from './tablesView';

/** What the table commands need besides the view. */
export interface ExplorerCommandDeps {
  readonly view: TablesView;
  readonly active: () => Connection | undefined;
  readonly setActive: (id: string) => Promise<void>;
  /** The org's visible solutions. */
  readonly solutions: (connection: Connection, signal?: AbortSignal) => Promise<readonly SolutionSummary[]>;
  /** The MetadataIds (lower case) of the tables in a solution. */
  readonly solutionTables: (connection: Connection, solutionId: string, signal?: AbortSignal) => Promise<ReadonlySet<string>>;
  /** The Power Platform environment id of a connection's org, for maker portal links; undefined when it cannot be found. */
  readonly environmentId: (connection: Connection) => Promise<string | undefined>;
  /** Shows an error the person asked for (a command), explained, with Show Details. */
  readonly reportError: (error: unknown, what: string) => Promise<void>;
}

const COPIES: ReadonlyArray<[command: string, name: keyof CopyableNames, what: string]> = [
  ['dataverse.tables.copyLogicalName', 'logicalName', 'logical name'],
  ['dataverse.tables.copySchemaName', 'schemaName', 'schema name'],
  ['dataverse.tables.copyEntitySetName', 'entitySetName', 'entity set name'],
  ['dataverse.tables.copyLookupValueName', 'lookupValueName', 'lookup value name'],
  ['dataverse.tables.copyNavigationProperty', 'navigationProperty', 'navigation property'],
];

/** The node a command acts on: the one it was run on, else the tree's selection. */
function target(view: TablesView, arg: unknown): ExplorerNode | undefined {
  return (arg as ExplorerNode | undefined) ?? view.treeView.selection[0];
}

function tableOf(node: ExplorerNode | undefined): TableNode | undefined {
  return node instanceof TableNode ? node : undefined;
}

/** Registers the Tables view's commands; returns their disposables. */
export function registerExplorerCommands(deps: ExplorerCommandDeps): vscode.Disposable[] {
  const { view } = deps;
  const run =
    (what: string, body: (arg: unknown) => Promise<unknown> | unknown) =>
    async (arg: unknown) => {
      try {
        await body(arg);
      } catch (error) {
        await deps.reportError(error, what);
      }
    };

  const withTable = (what: string, body: (node: TableNode, connection: Connection) => Promise<unknown>) =>
    run(what, async (arg) => {
      const node = tableOf(target(view, arg));
      const connection = deps.active();
      if (!node || !connection) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Select a table in the Tables view first.'));
        return;
      }
      await body(node, connection);
    });

  return [
    vscode.commands.registerCommand(
      'dataverse.tables.browse',
      run(vscode.l10n.t('Browse tables'), async (arg) => {
        const connection = (arg as ConnectionNode | undefined)?.connection;
        if (connection && connection.id !== deps.active()?.id) await deps.setActive(connection.id);
        await vscode.commands.executeCommand('dataverse.tables.focus');
      }),
    ),
    vscode.commands.registerCommand('dataverse.tables.refresh', run(vscode.l10n.t('Refresh tables'), () => view.refresh())),
    vscode.commands.registerCommand('dataverse.tables.retry', run(vscode.l10n.t('Retry'), (arg) => {
      if (arg instanceof ErrorNode) view.retry(arg);
      else void view.refresh();
    })),
    vscode.commands.registerCommand(
      'dataverse.tables.filter',
      run(vscode.l10n.t('Filter tables'), async () => {
        const text = await vscode.window.showInputBox({
          title: vscode.l10n.t('Filter Tables'),
          prompt: vscode.l10n.t('Part of a logical or display name, e.g. account. Leave empty to show every table.'),
          value: view.filter.text,
        });
        if (text !== undefined) view.setFilter({ ...view.filter, text: text.trim() });
      }),
    ),
    vscode.commands.registerCommand('dataverse.tables.clearFilter', () => view.setFilter({ text: '', showSystem: true })),
    // VS Code registers workbench.actions.treeView.<view id>.collapseAll for every tree view, with or without its own button.
    vscode.commands.registerCommand('dataverse.tables.collapseAll', () => vscode.commands.executeCommand('workbench.actions.treeView.dataverse.tables.collapseAll')),
    vscode.commands.registerCommand('dataverse.tables.hideSystem', () => view.setFilter({ ...view.filter, showSystem: false })),
    vscode.commands.registerCommand('dataverse.tables.showSystem', () => view.setFilter({ ...view.filter, showSystem: true })),
    vscode.commands.registerCommand(
      'dataverse.tables.chooseSolution',
      run(vscode.l10n.t('Limit to a solution'), async () => {
        const connection = deps.active();
        if (!connection) return;
        interface SolutionPick extends vscode.QuickPickItem {
          readonly solution: SolutionSummary;
        }
        const items: Promise<SolutionPick[]> = deps
          .solutions(connection)
          .then((list) => [...list].sort((a, b) => a.friendlyName.localeCompare(b.friendlyName)).map((solution) => ({ label: solution.friendlyName, description: solution.uniqueName, solution })));
        const picked = await vscode.window.showQuickPick(items, {
          title: vscode.l10n.t('Show the Tables of One Solution'),
          placeHolder: vscode.l10n.t('Choose a solution of {0}', connection.name),
          matchOnDescription: true,
        });
        if (!picked) return;
        const tableIds = await vscode.window.withProgress({ location: { viewId: 'dataverse.tables' } }, () => deps.solutionTables(connection, picked.solution.solutionId));
        view.setFilter({ ...view.filter, solution: { name: picked.solution.uniqueName, tableIds } });
      }),
    ),
    vscode.commands.registerCommand('dataverse.tables.allSolutions', () => {
      const { solution: _dropped, ...rest } = view.filter;
      view.setFilter(rest);
    }),
    ...COPIES.map(([command, name, what]) =>
      vscode.commands.registerCommand(
        command,
        run(vscode.l10n.t('Copy'), async (arg) => {
          const value = target(view, arg)?.names()[name];
          if (!value) return;
          await vscode.env.clipboard.writeText(value);
          vscode.window.setStatusBarMessage(vscode.l10n.t('Copied the {0} {1}', what, value), 3000);
        }),
      ),
    ),
    vscode.commands.registerCommand(
      'dataverse.tables.newQuery',
      withTable(vscode.l10n.t('New query'), async (node) => {
        const content = newQueryText(node.table);
        if (!content) {
          void vscode.window.showInformationMessage(vscode.l10n.t('{0} has no entity set name: the Web API does not expose it, so it cannot be queried with a URL.', node.table.logicalName));
          return;
        }
        const languages = await vscode.languages.getLanguages();
        const document = await vscode.workspace.openTextDocument({ language: languages.includes('odata') ? 'odata' : 'plaintext', content });
        const editor = await vscode.window.showTextDocument(document);
        // The cursor after $select=, where the next column goes.
        const end = content.indexOf('&');
        editor.selection = new vscode.Selection(0, end, 0, end);
      }),
    ),
    vscode.commands.registerCommand(
      'dataverse.tables.openRecords',
      withTable(vscode.l10n.t('Open records'), async (node, connection) => {
        await vscode.env.openExternal(vscode.Uri.parse(recordsUrl(connection.orgUrl, node.table), true));
      }),
    ),
    vscode.commands.registerCommand(
      'dataverse.tables.openInMaker',
      withTable(vscode.l10n.t('Open in the maker portal'), async (node, connection) => {
        const environmentId = await vscode.window.withProgress({ location: { viewId: 'dataverse.tables' } }, () => deps.environmentId(connection));
        if (!environmentId) {
          void vscode.window.showInformationMessage(
            vscode.l10n.t('The environment id of {0} could not be found (the Global Discovery Service lists only environments a signed-in person can reach). Open make.powerapps.com and choose the environment there.', connection.name),
          );
          return;
        }
        await vscode.env.openExternal(vscode.Uri.parse(makerPortalUrl(environmentId, node.table), true));
      }),
    ),
  ];
}

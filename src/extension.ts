import * as vscode from 'vscode';
import { ConnectionManager } from './auth/connectionManager';
import { ConnectionStore } from './auth/connectionStore';
import { connect } from './auth/glue/connectCommand';
import { DataverseAuthenticationProvider } from './auth/glue/dataverseAuthenticationProvider';
import { readAuthSettings } from './auth/glue/settings';
import { createRedactingLogger } from './core/logger';
import { pickConnection, registerConnectionCommands } from './views/connectionCommands';
import { ConnectionsView } from './views/connectionsView';
import { showError } from './views/errors';
import { ConnectionStatusBar } from './views/statusBar';
import { registerTokenCommands } from './views/tokenCommands';

/** Key written in SecretStorage whenever the connection list changes, so other windows re-read it. */
const CONNECTIONS_CHANGED_KEY = 'dataverse.connections.changed';

/** Composition root: build the objects, register them, hand every disposable to VS Code. */
export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel('Dataverse DevKit', { log: true });
  const log = createRedactingLogger(channel);
  const showLog = () => channel.show(true);
  context.subscriptions.push(channel);

  const manager = new ConnectionManager({
    store: new ConnectionStore(context.globalState),
    secrets: context.secrets,
    fetch: (input, init) => fetch(input, init),
    logger: log,
    globalDiscoveryUrl: () => readAuthSettings().cloud.globalDiscoveryUrl,
    ui: {
      openBrowser: async (url) => {
        const opened = await vscode.env.openExternal(vscode.Uri.parse(url, true));
        if (!opened) throw new vscode.CancellationError();
      },
      onDeviceCode: (prompt) => {
        const copyAndOpen = vscode.l10n.t('Copy Code and Open Page');
        void vscode.window
          .showInformationMessage(vscode.l10n.t('To sign in, enter the code {0} at {1}', prompt.userCode, prompt.verificationUri), copyAndOpen)
          .then(async (choice) => {
            if (choice !== copyAndOpen) return;
            await vscode.env.clipboard.writeText(prompt.userCode);
            await vscode.env.openExternal(vscode.Uri.parse(prompt.verificationUri, true));
          });
      },
    },
  });
  context.subscriptions.push(manager);
  void manager.removeOrphanedSecrets().catch((error: unknown) => log.warn(`Could not remove the secrets of unsaved sign-ins: ${error instanceof Error ? error.message : String(error)}`));

  // Keep windows in step: a change made here bumps a secret; a bump from elsewhere re-reads the list
  // (and, being no change made here, is not bumped back).
  let ownBump: string | undefined;
  context.subscriptions.push(
    new vscode.Disposable(
      manager.onDidChangeHere(() => {
        ownBump = String(Date.now());
        void context.secrets.store(CONNECTIONS_CHANGED_KEY, ownBump);
      }).dispose,
    ),
    context.secrets.onDidChange(async (e) => {
      if (e.key === CONNECTIONS_CHANGED_KEY && (await context.secrets.get(CONNECTIONS_CHANGED_KEY)) !== ownBump) manager.refresh();
    }),
  );
  // VS Code for the Web shares globalState between tabs but does not announce SecretStorage changes across them:
  // there, compare the saved list every few seconds (an in-memory read). Everywhere, when the window gets the focus back.
  if (vscode.env.uiKind === vscode.UIKind.Web) {
    const outsideChanges = setInterval(() => manager.refreshIfChangedElsewhere(), 3000);
    context.subscriptions.push({ dispose: () => clearInterval(outsideChanges) });
  }
  context.subscriptions.push(
    vscode.window.onDidChangeWindowState((state) => {
      if (state.focused) manager.refreshIfChangedElsewhere();
    }),
  );

  const provider = new DataverseAuthenticationProvider(manager, async (orgUrl) => (await connect(manager, log, orgUrl ? { orgUrl } : {}))?.connection, log);
  const connections = new ConnectionsView(manager);
  context.subscriptions.push(
    provider,
    vscode.authentication.registerAuthenticationProvider('dataverse', 'Dataverse', provider, { supportsMultipleAccounts: true }),
    connections,
    vscode.window.registerTreeDataProvider('dataverse.connections', connections),
    new ConnectionStatusBar(manager),
    vscode.commands.registerCommand('dataverse.log.show', showLog),
    vscode.commands.registerCommand('dataverse.connection.setActive', (node: { connection?: { id: string } }) => (node?.connection ? manager.setActive(node.connection.id) : undefined)),
    ...registerConnectionCommands(manager, log, showLog),
    ...registerTokenCommands(
      {
        manager,
        extensionUri: context.extensionUri,
        log,
        fetch: (input, init) => fetch(input, init),
        settings: readAuthSettings,
        reportError: (error, what) => showError(error, log, showLog, what),
      },
      (placeHolder) => pickConnection(manager, placeHolder, undefined),
    ),
  );

  for (const problem of readAuthSettings().cloud.problems) log.warn(problem);
  log.info(`Dataverse DevKit ${String(context.extension.packageJSON.version)} activated.`);
}

export function deactivate(): void {
  // Everything is released through context.subscriptions.
}

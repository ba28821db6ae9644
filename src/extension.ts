import * as vscode from 'vscode';
import { ConnectionManager } from './auth/connectionManager';
import { ConnectionStore } from './auth/connectionStore';
import { CrossWindowSync } from './auth/crossWindowSync';
import { connect, signInAgain } from './views/connections/connectCommand';
import { DataverseAuthenticationProvider } from './views/connections/dataverseAuthenticationProvider';
import { readAuthSettings } from './views/connections/settings';
import { createRedactingLogger } from './core/logger';
import { pickConnection, registerConnectionCommands } from './views/connections/connectionCommands';
import { ConnectionsView } from './views/connections/connectionsView';
import { showError } from './views/errors';
import { registerExplorer } from './views/explorer/explorer';
import { MetadataSessions } from './views/explorer/metadataSessions';
import { nodeMetadataFileSystem } from './dataverse/metadata/nodeFileSystem';
import { registerOdataLanguage } from './views/odata/lazyOdataLanguage';
import { explainError } from './auth/explainError';
import { registerDeviceCodeCommand } from './views/connections/signInProgress';
import { createSignInUi } from './views/connections/signInUi';
import { ConnectionStatusBar } from './views/connections/statusBar';
import { registerTokenCommands } from './views/connections/tokenCommands';

/** How often a VS Code for the Web tab compares the shared connection list, which other tabs change without telling it. */
const WEB_POLL_INTERVAL_MS = 3000;

/** Composition root: build the objects, register them, hand every disposable to VS Code. */
export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel('Dataverse DevKit', { log: true });
  const log = createRedactingLogger(channel);
  const showLog = () => channel.show(true);
  context.subscriptions.push(channel);

  // The one network entry point: every HTTP call goes through this (read at call time, so VS Code's proxy support applies).
  const web: typeof fetch = (input, init) => fetch(input, init);

  const manager = new ConnectionManager({
    store: new ConnectionStore(context.globalState),
    secrets: context.secrets,
    fetch: web,
    logger: log,
    globalDiscoveryUrl: () => readAuthSettings().cloud.globalDiscoveryUrl,
    ui: createSignInUi(),
  });
  context.subscriptions.push(manager);
  void manager.removeOrphanedSecrets().catch((error: unknown) => log.warn(`Could not remove the secrets of unsaved sign-ins: ${error instanceof Error ? error.message : String(error)}`));

  const focus = (listener: () => void) =>
    vscode.window.onDidChangeWindowState((state) => {
      if (state.focused) listener();
    });
  context.subscriptions.push(
    new CrossWindowSync({
      connections: manager,
      secrets: context.secrets,
      onDidFocus: focus,
      ...(vscode.env.uiKind === vscode.UIKind.Web ? { pollIntervalMs: WEB_POLL_INTERVAL_MS } : {}),
    }),
  );

  const provider = new DataverseAuthenticationProvider(manager, async (orgUrl) => (await connect(manager, log, orgUrl ? { orgUrl } : {}))?.connection, log, (c) => signInAgain(manager, log, c));
  const connections = new ConnectionsView(manager);
  const sessions = new MetadataSessions({ connections: manager, folder: context.globalStorageUri.fsPath, fs: nodeMetadataFileSystem, fetch: web, log });
  context.subscriptions.push(
    provider,
    vscode.authentication.registerAuthenticationProvider('dataverse', 'Dataverse', provider, { supportsMultipleAccounts: true }),
    connections,
    vscode.window.registerTreeDataProvider('dataverse.connections', connections),
    new ConnectionStatusBar(manager),
    vscode.commands.registerCommand('dataverse.log.show', showLog),
    registerDeviceCodeCommand(),
    sessions,
    ...registerExplorer({
      manager,
      sessions,
      fetch: web,
      log,
      explain: (error) => explainError(error),
      reportError: (error, what) => showError(error, log, showLog, what),
    }),
    registerOdataLanguage({ connections: manager, metadata: (connection) => sessions.open(connection), log }),
    ...registerConnectionCommands(manager, log, showLog),
    ...registerTokenCommands(
      {
        manager,
        extensionUri: context.extensionUri,
        log,
        fetch: web,
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

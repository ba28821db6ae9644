import * as vscode from 'vscode';
import { createRedactingLogger } from './core/logger';
import { ConnectionsView } from './views/connectionsView';

/** Composition root: build the objects, register them, hand every disposable to VS Code. */
export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel('Dataverse DevKit', { log: true });
  const log = createRedactingLogger(channel);
  context.subscriptions.push(channel);

  const connections = new ConnectionsView();
  context.subscriptions.push(
    connections,
    vscode.window.registerTreeDataProvider('dataverse.connections', connections),
    vscode.commands.registerCommand('dataverse.log.show', () => channel.show(true)),
  );

  log.info(`Dataverse DevKit ${String(context.extension.packageJSON.version)} activated.`);
}

export function deactivate(): void {
  // Everything is released through context.subscriptions.
}

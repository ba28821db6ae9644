import * as vscode from 'vscode';
import { connectionLabel, isProduction, type Connection } from '../../auth/connection';
import type { ConnectionManager, DiscoveredEnvironment } from '../../auth/connectionManager';
import { connect, explainUsernamePassword, signInAgain } from './connectCommand';
import type { Logger } from '../../core/logger';
import { showError } from '../errors';
import type { ConnectionNode } from './connectionsView';

interface ConnectionPick extends vscode.QuickPickItem {
  readonly connection: Connection;
}

/** The connection a command acts on: the tree node it was run on, or one the person picks (offering Connect when there is none). */
export async function pickConnection(manager: ConnectionManager, placeHolder: string, arg: unknown, extraItems: readonly vscode.QuickPickItem[] = []): Promise<Connection | undefined> {
  const fromTree = (arg as ConnectionNode | undefined)?.connection;
  if (fromTree) return fromTree;
  const connections = manager.list();
  if (connections.length === 0) {
    const connectNow = vscode.l10n.t('Connect to Environment...');
    if ((await vscode.window.showInformationMessage(vscode.l10n.t('There is no Dataverse connection yet.'), connectNow)) === connectNow) {
      await vscode.commands.executeCommand('dataverse.connection.connect');
    }
    return undefined;
  }
  const activeId = manager.active()?.id;
  const picks: ConnectionPick[] = connections.map((c) => ({
    label: `${c.id === activeId ? '$(check) ' : ''}${c.name}`,
    description: `${c.accountName ?? c.accountHint ?? ''}${isProduction(c) ? ` · ${vscode.l10n.t('production')}` : ''}`,
    detail: c.orgUrl,
    connection: c,
  }));
  const picked = await vscode.window.showQuickPick<vscode.QuickPickItem>([...picks, ...extraItems], { placeHolder });
  if (picked && extraItems.includes(picked)) {
    await vscode.commands.executeCommand((picked as vscode.QuickPickItem & { command: string }).command);
    return undefined;
  }
  return (picked as ConnectionPick | undefined)?.connection;
}

/** Registers the connection commands; returns their disposables. */
export function registerConnectionCommands(manager: ConnectionManager, log: Logger, showLog: () => void): vscode.Disposable[] {
  const run =
    (context: string, body: (...args: unknown[]) => Promise<unknown>) =>
    async (...args: unknown[]) => {
      try {
        await body(...args);
      } catch (error) {
        await showError(error, log, showLog, context);
      }
    };

  async function activeOrPick(arg: unknown): Promise<Connection | undefined> {
    const fromTree = (arg as ConnectionNode | undefined)?.connection;
    return fromTree ?? manager.active() ?? pickConnection(manager, vscode.l10n.t('Choose a connection'), undefined);
  }

  const doConnect = async (orgUrl?: string) => {
    const result = await connect(manager, log, typeof orgUrl === 'string' ? { orgUrl } : {});
    if (result) await offerOtherEnvironments(result.connection, result.environments);
  };

  async function offerOtherEnvironments(connection: Connection, environments: readonly DiscoveredEnvironment[]): Promise<void> {
    const known = new Set(manager.list().map((c) => c.orgUrl.toLowerCase()));
    const others = environments.filter((e) => !known.has(e.url.toLowerCase()));
    if (others.length === 0) return;
    const picks = others.map((e) => ({ label: e.friendlyName, description: e.environmentType, detail: e.url, environment: e }));
    const chosen = await vscode.window.showQuickPick(picks, {
      canPickMany: true,
      title: vscode.l10n.t('{0} can also reach these environments', connection.accountName ?? connection.accountHint ?? ''),
      placeHolder: vscode.l10n.t('Add connections to them with the same sign-in (Esc to skip)'),
    });
    for (const pick of chosen ?? []) await manager.addSibling(connection, pick.environment);
    if (chosen?.length) await manager.setActive(connection.id);
  }

  return [
    vscode.commands.registerCommand('dataverse.connection.connect', run(vscode.l10n.t('Connect'), (orgUrl) => doConnect(orgUrl as string | undefined))),
    vscode.commands.registerCommand(
      'dataverse.connection.switch',
      run(vscode.l10n.t('Switch'), async () => {
        const picked = await pickConnection(manager, vscode.l10n.t('Switch the active Dataverse connection'), undefined, [
          { label: '', kind: vscode.QuickPickItemKind.Separator },
          { label: `$(key) ${vscode.l10n.t('Inspect the Active Access Token')}`, command: 'dataverse.token.inspect' } as vscode.QuickPickItem,
        ]);
        if (picked) await manager.setActive(picked.id);
      }),
    ),
    vscode.commands.registerCommand(
      'dataverse.connection.setActive',
      run(vscode.l10n.t('Switch'), async (arg) => {
        const connection = (arg as ConnectionNode | undefined)?.connection;
        if (connection) await manager.setActive(connection.id);
      }),
    ),
    vscode.commands.registerCommand(
      'dataverse.connection.signIn',
      run(vscode.l10n.t('Sign in'), async (arg) => {
        // From the tree, from an error's Sign In button (the connection id), or from the palette.
        const byId = typeof arg === 'string' ? manager.get(arg) : undefined;
        const picked = byId ?? (await pickConnection(manager, vscode.l10n.t('Sign in to which connection?'), arg));
        if (picked) await signInAgain(manager, log, picked);
      }),
    ),
    vscode.commands.registerCommand(
      'dataverse.connection.signOut',
      run(vscode.l10n.t('Sign out'), async (arg) => {
        const picked = await pickConnection(manager, vscode.l10n.t('Sign out of which connection?'), arg);
        if (!picked) return;
        await manager.signOut(picked.id);
        void vscode.window.showInformationMessage(vscode.l10n.t('Signed out of {0}. Its tokens and secrets were removed; the connection stays in the list.', picked.name));
      }),
    ),
    vscode.commands.registerCommand(
      'dataverse.connection.remove',
      run(vscode.l10n.t('Remove connection'), async (arg) => {
        const picked = await pickConnection(manager, vscode.l10n.t('Remove which connection?'), arg);
        if (!picked) return;
        const remove = vscode.l10n.t('Remove');
        const answer = await vscode.window.showWarningMessage(vscode.l10n.t('Remove the connection {0}? Its tokens and secrets are deleted.', connectionLabel(picked)), { modal: true }, remove);
        if (answer === remove) await manager.remove(picked.id);
      }),
    ),
    vscode.commands.registerCommand(
      'dataverse.connection.test',
      run(vscode.l10n.t('Test connection'), async (arg) => {
        const connection = await activeOrPick(arg);
        if (!connection) return;
        const me = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Testing {0}...', connection.name), cancellable: true }, (_p, cancel) => {
          const abort = new AbortController();
          cancel.onCancellationRequested(() => abort.abort());
          return manager.testConnection(connection.id, abort.signal);
        });
        log.info(`Test Connection ${connection.name}: user ${me.userId}, business unit ${me.businessUnitName}, organization ${me.organizationName}.`);
        // The toast stays short (a long one is cut at "(adele.vance@cont..."); the whole answer is one click away, with Copy.
        const lines = [
          me.domainName ? vscode.l10n.t('User name: {0}', me.domainName) : undefined,
          me.applicationId ? vscode.l10n.t('Application (client) id: {0}', me.applicationId) : undefined,
          vscode.l10n.t('Business unit: {0}', me.businessUnitName),
          vscode.l10n.t('Organization: {0}', me.organizationName),
          vscode.l10n.t('User id: {0}', me.userId),
          vscode.l10n.t('Environment: {0}', connection.orgUrl),
        ].filter((line): line is string => line !== undefined);
        const summary = vscode.l10n.t('{0}: connected as {1}.', connection.name, me.fullName);
        const details = vscode.l10n.t('Details');
        void vscode.window.showInformationMessage(summary, details).then(async (choice) => {
          if (choice !== details) return;
          const copy = vscode.l10n.t('Copy');
          if ((await vscode.window.showInformationMessage(summary, { modal: true, detail: lines.join('\n') }, copy)) === copy) await vscode.env.clipboard.writeText(`${summary}\n${lines.join('\n')}`);
        });
      }),
    ),
    vscode.commands.registerCommand(
      'dataverse.connection.showRoles',
      run(vscode.l10n.t('Show my security roles'), async (arg) => {
        const connection = await activeOrPick(arg);
        if (!connection) return;
        const { identity, roles } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Reading security roles in {0}...', connection.name) }, () => manager.securityRoles(connection.id));
        // A modal, not a pick: there is nothing to choose, and Enter copies the list (for a ticket to an admin).
        const names = (list: readonly { name: string }[]) => list.map((r) => r.name).join(', ');
        const teams = [...new Set(roles.flatMap((r) => (r.team === undefined ? [] : [r.team])))];
        const direct = roles.filter((r) => r.team === undefined);
        const lines = [
          direct.length > 0 ? vscode.l10n.t('Assigned to you: {0}', names(direct)) : vscode.l10n.t('Assigned to you: none'),
          ...teams.map((team) => vscode.l10n.t('Through team {0}: {1}', team, names(roles.filter((r) => r.team === team)))),
          ...(roles.length === 0 ? [vscode.l10n.t('With no role, directly or through a team, Dataverse answers 403 to every request.')] : []),
        ];
        const title = vscode.l10n.t('Security roles of {0} in {1}', identity.fullName, connection.name);
        const copy = vscode.l10n.t('Copy');
        if ((await vscode.window.showInformationMessage(title, { modal: true, detail: lines.join('\n') }, copy)) === copy) {
          await vscode.env.clipboard.writeText(`${title}\n${lines.join('\n')}`);
        }
      }),
    ),
    vscode.commands.registerCommand(
      'dataverse.connection.copyToken',
      run(vscode.l10n.t('Copy access token'), async (arg) => {
        const connection = await activeOrPick(arg);
        if (!connection) return;
        const copy = vscode.l10n.t('Copy Token');
        const answer = await vscode.window.showWarningMessage(
          vscode.l10n.t('The access token is a credential: anyone who has it can act as {0} in {1} until it expires. Copy it to the clipboard?', connection.accountName ?? connection.accountHint ?? '', connection.name),
          { modal: true },
          copy,
        );
        if (answer !== copy) return;
        const token = await manager.getToken(connection.id);
        await vscode.env.clipboard.writeText(token.accessToken);
        log.info(`Copied an access token of ${connection.name} to the clipboard.`);
        void vscode.window.showInformationMessage(vscode.l10n.t('Access token of {0} copied. It expires at {1}.', connection.name, token.expiresOn.toLocaleTimeString()));
      }),
    ),
    vscode.commands.registerCommand('dataverse.connection.usernamePassword', run(vscode.l10n.t('Username and password'), () => explainUsernamePassword(() => void vscode.commands.executeCommand('dataverse.connection.connect')))),
  ];
}

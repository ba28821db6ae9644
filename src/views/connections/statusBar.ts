import * as vscode from 'vscode';
import { isProduction } from '../../auth/connection';
import type { ConnectionManager } from '../../auth/connectionManager';
import { Disposable } from '../../core/disposable';

/** "expires in 52 min" from a date, or undefined when unknown. */
export function timeToExpiry(expiresOn: Date | undefined, now = Date.now()): string | undefined {
  if (!expiresOn) return undefined;
  const seconds = Math.round((expiresOn.getTime() - now) / 1000);
  if (seconds <= 0) return vscode.l10n.t('token expired (renews on next use)');
  if (seconds < 90) return vscode.l10n.t('token expires in {0} s', seconds);
  return vscode.l10n.t('token expires in {0} min', Math.round(seconds / 60));
}

/** The active connection in the status bar: name, identity, time to token expiry; click to switch. */
export class ConnectionStatusBar extends Disposable {
  private readonly _item = this._register(vscode.window.createStatusBarItem('dataverse.connection', vscode.StatusBarAlignment.Left, 50));
  private readonly _timer: NodeJS.Timeout;

  constructor(private readonly manager: ConnectionManager) {
    super();
    this._item.name = vscode.l10n.t('Dataverse Connection');
    this._item.command = 'dataverse.connection.switch';
    this._register(new vscode.Disposable(manager.onDidChange(() => this.update()).dispose));
    this._register(new vscode.Disposable(manager.onDidIssueToken(() => this.update()).dispose));
    // The countdown moves while nothing else happens.
    this._timer = setInterval(() => this.update(), 30_000);
    this._register({ dispose: () => clearInterval(this._timer) });
    this.update();
  }

  update(): void {
    const connection = this.manager.active();
    if (!connection) {
      this._item.text = `$(database) ${vscode.l10n.t('Dataverse: not connected')}`;
      this._item.tooltip = vscode.l10n.t('Connect to a Dataverse environment');
      this._item.accessibilityInformation = { label: vscode.l10n.t('Dataverse: not connected. Activate to connect to an environment.'), role: 'button' };
      this._item.command = 'dataverse.connection.connect';
      this._item.backgroundColor = undefined;
      this._item.show();
      return;
    }
    const who = connection.accountName ?? connection.accountHint ?? '';
    const expiry = timeToExpiry(this.manager.tokenExpiresOn(connection.id));
    const production = isProduction(connection);
    this._item.text = `$(database) ${production ? '$(warning) ' : ''}${connection.name}${who ? ` · ${who}` : ''}${expiry ? ` · ${expiry.replace(/^token /, '')}` : ''}`;
    const name = `${connection.name}${production ? ` (${vscode.l10n.t('production')})` : ''}`;
    // Plain text: a MarkdownString's appendText turns spaces into &nbsp;, which a screen reader may read out.
    this._item.tooltip = `${name}\n${connection.orgUrl}\n${who}\n${expiry ?? vscode.l10n.t('no token issued yet in this window')}\n\n${vscode.l10n.t('Click to switch environment')}`;
    // Without this the item is announced from its text, icon ids ("database", "warning") included.
    this._item.accessibilityInformation = {
      label: vscode.l10n.t('Dataverse connection {0}{1}, {2}. Activate to switch environment.', name, who ? `, ${who}` : '', expiry ?? vscode.l10n.t('no token issued yet in this window')),
      role: 'button',
    };
    this._item.command = 'dataverse.connection.switch';
    this._item.backgroundColor = production ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this._item.show();
  }
}

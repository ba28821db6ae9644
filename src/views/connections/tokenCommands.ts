import * as vscode from 'vscode';
import type { Connection } from '../../auth/connection';
import type { ConnectionManager } from '../../auth/connectionManager';
import { decodeToken, looksLikeJwt, MAX_TOKEN_LENGTH } from '../../auth/token/decode';
import { TokenInspectorPanel, type TokenInspectorDeps } from '../../webviews/host/tokenInspectorPanel';
import type { ConnectionNode } from './connectionsView';

/**
 * True for text shaped like a compact JWS or JWE (dot-separated base64url,
 * no spaces): worth decoding, so a damaged token gets its precise message,
 * while an identifier, a password or prose is never taken for a token.
 */
function tokenShaped(text: string): boolean {
  const bare = text.trim().replace(/^bearer\s+/i, '');
  return looksLikeJwt(bare) || /^eyJ[A-Za-z0-9_-]*(\.[A-Za-z0-9_\-+/=]*){1,5}$/.test(bare);
}

/** The text a person selected, if it is shaped like a token. */
function selectedToken(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.selection.isEmpty) return undefined;
  const text = editor.document.getText(editor.selection);
  return tokenShaped(text) ? text : undefined;
}

/**
 * Asks for a token; an empty answer takes the clipboard. The clipboard is read
 * only then: in a browser, reading it may ask the person for permission.
 * Undefined when cancelled.
 */
async function askForToken(): Promise<{ raw: string; origin: 'clipboard' | 'input' } | undefined> {
  const answer = await vscode.window.showInputBox({
    title: vscode.l10n.t('Inspect Token'),
    prompt: vscode.l10n.t('Paste a token (JWT), or press Enter with the box empty to inspect the one on the clipboard. It is decoded on this machine and sent nowhere.'),
    placeHolder: vscode.l10n.t('Paste a token, or Enter for the clipboard'),
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => {
      if (!value.trim()) return undefined;
      const decoded = decodeToken(value);
      if (decoded.ok) return undefined;
      // Above the size cap nothing was decoded and nothing can be shown: refuse it outright. Other problems are shown in the panel too.
      const severity = value.length > MAX_TOKEN_LENGTH ? vscode.InputBoxValidationSeverity.Error : vscode.InputBoxValidationSeverity.Warning;
      return { message: decoded.message, severity };
    },
  });
  if (answer === undefined) return undefined;
  if (answer.trim()) return { raw: answer, origin: 'input' };
  const clipboard = (await Promise.resolve(vscode.env.clipboard.readText()).catch(() => '')).trim();
  if (tokenShaped(clipboard)) return { raw: clipboard, origin: 'clipboard' };
  void vscode.window.showInformationMessage(
    clipboard
      ? vscode.l10n.t('The clipboard does not hold a token (a JWT starts with eyJ and has parts separated by dots). Paste the token into the box instead.')
      : vscode.l10n.t('Nothing to inspect: the clipboard is empty (or the browser did not allow reading it). Paste the token into the box instead.'),
  );
  return undefined;
}

/** Registers the token inspector commands. */
export function registerTokenCommands(deps: TokenInspectorDeps, pickConnection: (placeHolder: string) => Promise<Connection | undefined>): vscode.Disposable[] {
  const manager: ConnectionManager = deps.manager;
  return [
    vscode.commands.registerCommand('dataverse.token.inspect', async (arg?: unknown) => {
      try {
        const connection = (arg as ConnectionNode | undefined)?.connection ?? manager.active() ?? (await pickConnection(vscode.l10n.t('Inspect the access token of which connection?')));
        if (!connection) return;
        await TokenInspectorPanel.show(deps, { kind: 'connection', connectionId: connection.id });
      } catch (error) {
        await deps.reportError(error, vscode.l10n.t('Inspect access token'));
      }
    }),
    vscode.commands.registerCommand('dataverse.token.inspectText', async () => {
      try {
        const selected = selectedToken();
        const input = selected ? { raw: selected, origin: 'selection' as const } : await askForToken();
        if (!input) return;
        await TokenInspectorPanel.show(deps, { kind: 'pasted', ...input });
      } catch (error) {
        await deps.reportError(error, vscode.l10n.t('Inspect token'));
      }
    }),
  ];
}

import * as vscode from 'vscode';
import type { Connection } from '../../auth/connection';
import type { ConnectionManager } from '../../auth/connectionManager';
import { decodeToken, looksLikeJwt } from '../../auth/token/decode';
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

/** Why the text cannot be inspected, or undefined when it decodes. */
function problemOf(text: string): string | undefined {
  const decoded = decodeToken(text);
  return decoded.ok ? undefined : decoded.message;
}

const refused = (message: string): vscode.InputBoxValidationMessage => ({ message, severity: vscode.InputBoxValidationSeverity.Error });

/**
 * Asks for a token; Enter with the box empty takes the clipboard. The box
 * stays open until it holds (or the clipboard holds) a token that decodes:
 * Enter is refused while the text is not one, and the reason stays under the
 * box. The clipboard is read only on that Enter: in a browser, reading it may
 * ask the person for permission. Undefined when the person closes the box.
 */
function askForToken(problem?: string): Promise<{ raw: string; origin: 'clipboard' | 'input' } | undefined> {
  const box = vscode.window.createInputBox();
  box.title = vscode.l10n.t('Inspect Token');
  box.prompt = vscode.l10n.t('Paste a token (JWT), or press Enter with the box empty to inspect the one on the clipboard. It is decoded on this machine and sent nowhere.');
  box.placeholder = vscode.l10n.t('Paste a token, or Enter for the clipboard');
  box.password = true;
  box.ignoreFocusOut = true;
  if (problem) box.validationMessage = refused(problem);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: { raw: string; origin: 'clipboard' | 'input' } | undefined) => {
      if (settled) return;
      settled = true;
      resolve(result);
      box.dispose();
    };
    box.onDidChangeValue((value) => {
      const reason = value.trim() ? problemOf(value) : undefined;
      box.validationMessage = reason ? refused(reason) : undefined;
    });
    box.onDidAccept(async () => {
      const value = box.value;
      if (value.trim()) {
        const reason = problemOf(value);
        if (reason) box.validationMessage = refused(reason);
        else finish({ raw: value, origin: 'input' });
        return;
      }
      box.busy = true;
      const clipboard = (await Promise.resolve(vscode.env.clipboard.readText()).catch(() => '')).trim();
      box.busy = false;
      if (settled) return;
      const reason = clipboard ? problemOf(clipboard) : undefined;
      if (clipboard && !reason) return finish({ raw: clipboard, origin: 'clipboard' });
      box.validationMessage = refused(
        !clipboard
          ? vscode.l10n.t('The clipboard is empty (or the browser did not allow reading it). Paste the token here.')
          : tokenShaped(clipboard)
            ? vscode.l10n.t('The token on the clipboard cannot be read: {0}', reason ?? '')
            : vscode.l10n.t('The clipboard does not hold a token (a JWT starts with eyJ and has parts separated by dots). Paste the token here.'),
      );
    });
    box.onDidHide(() => finish(undefined));
    box.show();
  });
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
        // A selection that decodes is inspected at once; a damaged one opens the box with the reason, so an open inspection is never replaced by an error.
        const selected = selectedToken();
        const selectionProblem = selected === undefined ? undefined : problemOf(selected);
        const input =
          selected !== undefined && !selectionProblem
            ? { raw: selected, origin: 'selection' as const }
            : await askForToken(selectionProblem && vscode.l10n.t('The selected text cannot be read as a token: {0}', selectionProblem));
        if (!input) return;
        await TokenInspectorPanel.show(deps, { kind: 'pasted', ...input });
      } catch (error) {
        await deps.reportError(error, vscode.l10n.t('Inspect token'));
      }
    }),
  ];
}

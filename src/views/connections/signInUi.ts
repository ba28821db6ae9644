import * as vscode from 'vscode';
import type { SignInUi } from '../../auth/connectionManager';

/**
 * What user sign-in flows show: the browser opened through VS Code (which
 * forwards it to the local machine in remote and web windows), and the device
 * code with a button that copies it and opens the page.
 */
export function createSignInUi(): SignInUi {
  return {
    openBrowser: async (url) => {
      const opened = await vscode.env.openExternal(vscode.Uri.parse(url, true));
      if (!opened) throw new vscode.CancellationError();
    },
    onDeviceCode: (prompt) => {
      const copyAndOpen = vscode.l10n.t('Copy Code and Open Page');
      void vscode.window.showInformationMessage(vscode.l10n.t('To sign in, enter the code {0} at {1}', prompt.userCode, prompt.verificationUri), copyAndOpen).then(async (choice) => {
        if (choice !== copyAndOpen) return;
        await vscode.env.clipboard.writeText(prompt.userCode);
        await vscode.env.openExternal(vscode.Uri.parse(prompt.verificationUri, true));
      });
    },
  };
}

import * as vscode from 'vscode';
import type { DeviceCodePrompt } from '../../auth/msal/msalTokenSource';

const COPY_DEVICE_CODE = 'dataverse.connection.copyDeviceCode';

/** The command behind the "Copy Code and Open Page" link of the sign-in progress; its arguments are the code and the page. */
export function registerDeviceCodeCommand(): vscode.Disposable {
  return vscode.commands.registerCommand(COPY_DEVICE_CODE, async (userCode: unknown, verificationUri: unknown) => {
    // Only an https page is opened: the link's arguments travel through the message text.
    if (typeof userCode !== 'string' || typeof verificationUri !== 'string' || !/^https:\/\//i.test(verificationUri)) return;
    await vscode.env.clipboard.writeText(userCode);
    await vscode.env.openExternal(vscode.Uri.parse(verificationUri, true));
  });
}

/**
 * Runs a sign-in under a progress notification with a working Cancel. For
 * the device code flow, the code and a "Copy Code and Open Page" link stay in
 * that notification until the sign-in finishes or is cancelled (a plain
 * notification fades after a few seconds and takes the code with it).
 */
export function withSignInProgress<T>(title: string, work: (signal: AbortSignal, onDeviceCode: (prompt: DeviceCodePrompt) => void) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, cancel) => {
    const abort = new AbortController();
    cancel.onCancellationRequested(() => abort.abort());
    return work(abort.signal, (prompt) => {
      const link = `command:${COPY_DEVICE_CODE}?${encodeURIComponent(JSON.stringify([prompt.userCode, prompt.verificationUri]))}`;
      progress.report({ message: vscode.l10n.t('enter the code {0} at {1} · [Copy Code and Open Page]({2})', prompt.userCode, prompt.verificationUri, link) });
    });
  });
}

import * as vscode from 'vscode';
import { SignInRequiredError } from '../auth/connectionManager';
import { explainError } from '../auth/explainError';
import type { Logger } from '../core/logger';

/**
 * Shows an error as a person can act on it: what happened, the fix and the
 * code, with "Show Details" opening the log, where cause and detail are
 * written (redacted). Cancellation is not an error and shows nothing.
 */
export async function showError(error: unknown, log: Logger, showLog: () => void, context?: string): Promise<void> {
  const explanation = explainError(error);
  if (explanation.category === 'cancelled') {
    log.info(`${context ? `${context}: ` : ''}cancelled.`);
    return;
  }
  log.error(
    `${context ? `${context}: ` : ''}${explanation.code}: ${explanation.title} Cause: ${explanation.cause} Fix: ${explanation.fix}${
      explanation.detail ? ` Detail: ${explanation.detail}` : ''
    }`,
  );
  const details = vscode.l10n.t('Show Details');
  const text = `${context ? `${context}: ` : ''}${explanation.title} ${explanation.fix} (${explanation.code})`;
  // A connection that needs the person is answered with the way out: Sign In, as in the Connections view.
  const signIn = error instanceof SignInRequiredError ? vscode.l10n.t('Sign In') : undefined;
  const choice = await vscode.window.showErrorMessage(text, ...(signIn ? [signIn] : []), details);
  if (choice === details) showLog();
  if (signIn && choice === signIn && error instanceof SignInRequiredError) await vscode.commands.executeCommand('dataverse.connection.signIn', error.connectionId);
}

/**
 * How errors reach the person in a real VS Code: a cancellation shows nothing,
 * and an error nobody anticipated shows its own message, not "The operation failed".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSandbox, type Sandbox } from '../../sandbox/index';
import { startSandboxSession, type E2eSession } from './support/session';

describe('errors as the person sees them', () => {
  let sandbox: Sandbox;
  let session: E2eSession;
  let dir: string;

  const toasts = () => session.workbench.page.locator('.notifications-toasts .notification-toast:visible');

  before(async () => {
    sandbox = await startSandbox({ deviceCodeIntervalSeconds: 1 });
    session = await startSandboxSession('error-explanations', sandbox);
    dir = mkdtempSync(join(tmpdir(), 'devkit-errors-'));
    // As a person would: open the Dataverse view first (the extension activates and its commands are listed).
    await session.workbench.openViewContainer('Dataverse');
    await session.workbench.waitForText('Connect to an Environment', 60_000);
  });

  after(async () => {
    await session?.close();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('Cancel on "Signing in..." shows nothing: no error, no "TokenError"', async () => {
    const { workbench } = session;
    const dev = sandbox.orgs.find((o) => o.uniqueName === 'contosodev')!;
    await workbench.runCommand('Dataverse: Connect to Environment...');
    await workbench.answer('Environment URL', dev.url);
    await workbench.answer('How do you want to sign in', 'Sign in with a code');
    // The code and its link stay in the "Signing in" progress notification until sign-in ends.
    await workbench.waitForNotification(/enter the code/);
    const progress = toasts().filter({ hasText: `Signing in to ${dev.url}` });
    await progress.waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.screenshot('errors-signing-in-before-cancel');

    await progress.getByRole('button', { name: 'Cancel' }).click();
    await progress.waitFor({ state: 'detached', timeout: 30_000 });
    // Give a late error notification the time to appear before asserting there is none.
    await workbench.page.waitForTimeout(3000);
    await workbench.screenshot('errors-signing-in-after-cancel');
    const texts = await toasts().allInnerTexts();
    assert.ok(!texts.some((t) => /failed|TokenError|cancell?ed|Canceled|error/i.test(t)), `cancelling showed: ${JSON.stringify(texts)}`);
    assert.doesNotMatch(await workbench.statusBarText(), /contosodev/, 'the cancelled sign-in was saved');
  });

  test('an unexpected error shows its own message as the title', async () => {
    const { workbench } = session;
    await workbench.runCommand('Notifications: Clear All Notifications');
    const dev = sandbox.orgs.find((o) => o.uniqueName === 'contosodev')!;
    // A file that holds neither a certificate nor a key: the Connect conversation throws a plain Error saying so.
    const notPem = join(dir, 'notes.txt');
    writeFileSync(notPem, 'this is not a certificate\n');
    await workbench.runCommand('Dataverse: Connect to Environment...');
    await workbench.answer('Environment URL', dev.url);
    await workbench.answer('How do you want to sign in', 'App registration with a certificate');
    await workbench.answer('Application (client) id', sandbox.apps.certificate.clientId);
    // The simple file dialog fills in its starting folder after it opens; type the path only after that.
    await workbench.page.locator('.quick-input-widget:visible .quick-input-list .monaco-list-row', { hasText: '..' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.answer('Choose the certificate and its private key', notPem);

    const text = (await workbench.waitForNotification(/Connect:/)).replace(/\s+/g, ' ');
    // The toast fades in; let it finish so the screenshot is readable.
    await workbench.page.waitForTimeout(500);
    await workbench.screenshot('errors-unknown-error-message');
    assert.match(text, /the files chosen must hold a CERTIFICATE block and a PRIVATE KEY block \(PEM\)\. Found no certificate and no private key/);
    assert.doesNotMatch(text, /The operation failed/);
    assert.match(text, /Show Details/);
  });
});

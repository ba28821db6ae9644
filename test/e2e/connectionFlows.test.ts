import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startSandbox, type Sandbox } from '../../sandbox/index';
import { packageFixture } from './support/fixtureExtensions';
import { startSandboxSession, type E2eSession } from './support/session';

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe('connection flows: device code, certificate, roles, token copy and sessions for other extensions', () => {
  let sandbox: Sandbox;
  let session: E2eSession;
  let pemDir: string;

  const org = (uniqueName: string) => sandbox.orgs.find((o) => o.uniqueName === uniqueName)!;

  /** The clipboard of the browser the workbench runs in (VS Code for the Web writes there). */
  async function clipboard(): Promise<string> {
    return session.workbench.page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
  }

  /** Rows of the open quick pick, as text. */
  async function quickPickRows(): Promise<string[]> {
    const rows = session.workbench.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: 30_000 });
    return (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  /** Waits for the quick input titled `title`, returns the whole widget's text. */
  async function quickInputText(title: string | RegExp): Promise<string> {
    const widget = session.workbench.page.locator('.quick-input-widget', { hasText: title });
    await widget.waitFor({ state: 'visible', timeout: 60_000 });
    return (await widget.innerText()).replace(/\u00a0/g, ' ');
  }

  /**
   * Runs the fixture extension's command for the org and answers VS Code's own consent steps the way a person would:
   * the first time, VS Code asks whether the extension may sign in using Dataverse (Allow); when the org has sessions,
   * it then lists them ("wants to access a Dataverse account") and the person picks `account`.
   * Returns the text of each step VS Code showed, in order.
   */
  async function consumerWhoAmI(orgUrl: string, account: string | undefined, screenshot: string): Promise<string[]> {
    const { workbench } = session;
    // Earlier answers must not be taken for this one's.
    await workbench.runCommand('Notifications: Clear All Notifications');
    await workbench.runCommand('Session Consumer: Who Am I in Dataverse');
    await workbench.answer('Dataverse org URL to call WhoAmI on', orgUrl);
    // `:visible`: the quick input widget stays in the page, hidden, with the text of its last use.
    const dialog = workbench.page.locator('.monaco-dialog-box:visible', { hasText: 'Session Consumer' });
    const picker = workbench.page.locator('.quick-input-widget:visible', { hasText: /Session Consumer.*wants to access a Dataverse account/ });
    const done = workbench.page
      .locator('.notifications-toasts .notification-toast:visible', { hasText: /Session for|Session Consumer failed/ })
      .or(workbench.page.locator('.quick-input-widget:visible', { hasText: 'Environment URL' }));
    const steps: string[] = [];
    for (let step = 0; step < 3; step++) {
      await dialog.or(picker).or(done).first().waitFor({ state: 'visible', timeout: 60_000 });
      if (await dialog.isVisible()) {
        steps.push(await dialog.innerText());
        await workbench.screenshot(`${screenshot}-${step + 1}`);
        await dialog.getByRole('button', { name: 'Allow', exact: true }).click();
        await dialog.waitFor({ state: 'detached' });
      } else if (await picker.isVisible()) {
        const text = `${await picker.innerText()}\n${(await quickPickRows()).join('\n')}`;
        steps.push(text);
        await workbench.screenshot(`${screenshot}-${step + 1}`);
        assert.ok(account, `VS Code offered accounts where none was expected: ${text}`);
        await picker.locator('.quick-input-list .monaco-list-row', { hasText: account }).first().click();
        await picker.waitFor({ state: 'detached' });
      } else {
        break;
      }
    }
    return steps;
  }

  before(async () => {
    sandbox = await startSandbox({ deviceCodeIntervalSeconds: 1 });
    const consumer = packageFixture('session-consumer');
    session = await startSandboxSession('connectionFlows', sandbox, { extensions: [consumer] });
    await session.workbench.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: session.codeServer.url });
    // Start where a person would: the Dataverse view, which also lets the workbench finish loading its extensions.
    await session.workbench.openViewContainer('Dataverse');
    await session.workbench.page.getByRole('button', { name: 'Connect to an Environment', exact: true }).first().waitFor({ state: 'visible', timeout: 60_000 });
    pemDir = mkdtempSync(join(tmpdir(), 'devkit-e2e-pem-'));
  });

  after(async () => {
    await session?.close();
    await sandbox?.close();
    if (pemDir) rmSync(pemDir, { recursive: true, force: true });
  });

  test('device code: the notification shows the code, the person enters it on the device page, the connection is saved', async () => {
    const { workbench } = session;
    const dev = org('contosodev');
    await workbench.runCommand('Dataverse: Connect to Environment...');
    await workbench.answer('Environment URL', dev.url);
    await workbench.answer('How do you want to sign in', 'Sign in with a code');

    // The code stays in the sign-in progress until the sign-in ends.
    const toast = await workbench.waitForNotification(/enter the code/);
    const [, userCode, verificationUri] = /enter the code (\S+) at (\S+)/.exec(toast.replace(/\s+/g, ' ')) ?? [];
    assert.ok(userCode && verificationUri, 'the notification names a code and a page');
    assert.equal(verificationUri, `${sandbox.entra.url}/common/oauth2/deviceauth`);
    await workbench.screenshot('flows-device-code-notification');

    // "Copy Code and Open Page": the code goes to the clipboard, the page opens after VS Code asks.
    const devicePage = new Promise<Page>((resolve) => workbench.context.once('page', resolve));
    await workbench.page.locator('.notifications-toasts .notification-toast', { hasText: userCode }).getByText('Copy Code and Open Page').click();
    await workbench.page.getByRole('button', { name: 'Open', exact: true }).click({ timeout: 60_000 });
    assert.equal(await clipboard(), userCode, 'the code was not copied');
    const page = await devicePage;
    await page.waitForLoadState();
    await page.getByLabel('Code').fill(userCode);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: /Alex Wilber/ }).click();
    await page.getByText('You have signed in').waitFor({ state: 'visible' });
    await page.close();

    await workbench.answer('Name this connection', 'Dev (Alex, code)');
    await workbench.answer('production environment', 'No');
    await workbench.waitForNotification(/Connected to Dev \(Alex, code\) as Alex Wilber/);
    assert.match(await workbench.statusBarText(), /Dev \(Alex, code\) · Alex Wilber · expires in \d+ min/);
    await workbench.screenshot('flows-device-code-connected');
  });

  test('Show My Security Roles lists the roles of the signed-in person, direct and through teams, and Enter copies them', async () => {
    const { workbench } = session;
    await workbench.runCommand('Dataverse: Show My Security Roles');
    const dialog = workbench.page.locator('.monaco-dialog-box:visible', { hasText: 'Security roles of Alex Wilber in Dev (Alex, code)' });
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await dialog.innerText();
    // The sandbox seeds Alex Wilber with Basic User, and Environment Maker through the Makers team.
    assert.match(text, /Assigned to you: Basic User/);
    assert.match(text, /Through team Makers: Environment Maker/);
    await workbench.screenshot('flows-security-roles');
    await workbench.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    // The copy lands just after the dialog closes.
    const copied = /Security roles of Alex Wilber[\s\S]*Assigned to you: Basic User\nThrough team Makers: Environment Maker/;
    for (let i = 0; i < 50 && !copied.test(await clipboard()); i++) await workbench.page.waitForTimeout(100);
    assert.match(await clipboard(), copied);
  });

  test('Copy Access Token warns first; Cancel copies nothing, Copy Token puts a token for the org on the clipboard', async () => {
    const { workbench } = session;
    const dev = org('contosodev');
    const before = await clipboard();
    const warning = workbench.page.locator('.monaco-dialog-box');

    await workbench.runCommand('Dataverse: Copy Access Token');
    await warning.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await warning.innerText(), /The access token is a credential: anyone who has it can act as Alex Wilber in Dev \(Alex, code\) until it expires/);
    await workbench.screenshot('flows-copy-token-warning');
    await warning.getByRole('button', { name: 'Cancel' }).click();
    await warning.waitFor({ state: 'hidden' });
    // assert.ok, not assert.equal: a failure must not print what the clipboard holds (it could be a token).
    assert.ok((await clipboard()) === before, 'Cancel changed the clipboard');

    await workbench.runCommand('Dataverse: Copy Access Token');
    await warning.getByRole('button', { name: 'Copy Token' }).click({ timeout: 30_000 });
    await workbench.waitForNotification(/Access token of Dev \(Alex, code\) copied\. It expires at/);
    const token = await clipboard();
    // Never print the token: assertion messages are fixed strings.
    assert.ok(sandbox.issuedTokens().includes(token), 'the clipboard does not hold a token the sandbox issued');
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: string; upn?: string };
    assert.equal(claims.aud, dev.url, 'the token is not for the org');
    assert.equal(claims.upn, 'alex.wilber@contoso.onmicrosoft.com', 'the token is not Alex Wilber\'s');
    await workbench.screenshot('flows-copy-token-copied');
  });

  test('another extension gets the existing connection as a session, without a sign-in', async () => {
    const { workbench } = session;
    const dev = org('contosodev');
    const issuedBefore = sandbox.issuedTokens().length;
    const consent = await consumerWhoAmI(dev.url, 'Dev (Alex, code) (Alex Wilber)', 'flows-consumer-existing-consent');
    // VS Code's own steps: may the extension sign in with Dataverse, then which account: the one connection for the org.
    assert.equal(consent.length, 2, `unexpected consent steps: ${consent.join(' | ')}`);
    assert.match(consent[0]!, /Session Consumer.*wants to sign in using Dataverse/s);
    assert.match(consent[1]!, /Dev \(Alex, code\) \(Alex Wilber\)\nSign in to another account$/);
    const text = await workbench.waitForNotification(/Session for|Session Consumer failed/);
    assert.match(text, new RegExp(`Session for Dev \\(Alex, code\\) \\(Alex Wilber\\): UserId ${GUID.source}`, 'i'));
    // No sign-in conversation was started for an org that already has a connection.
    assert.equal(await workbench.page.locator('.quick-input-widget', { hasText: 'Environment URL' }).isVisible(), false, 'Connect was started');
    assert.equal(sandbox.issuedTokens().length, issuedBefore, 'a new token was issued instead of the cached one');
    await workbench.screenshot('flows-consumer-existing');

    // Asked again, VS Code remembers the account chosen: the session comes back with no prompt at all.
    await workbench.runCommand('Notifications: Clear All Notifications');
    await workbench.runCommand('Session Consumer: Who Am I in Dataverse');
    await workbench.answer('Dataverse org URL to call WhoAmI on', dev.url);
    const again = await workbench.waitForNotification(/Session for|Session Consumer failed/, 30_000);
    assert.match(again, /Session for Dev \(Alex, code\) \(Alex Wilber\): UserId/);
  });

  test('another extension asking for an org with no connection starts Connect with that URL filled in', async () => {
    const { workbench } = session;
    const sales = org('contososales');
    const consent = await consumerWhoAmI(sales.url, undefined, 'flows-consumer-new-org-consent');
    // No account to offer for this org: VS Code asks once, then hands over to the DevKit's createSession.
    assert.equal(consent.length, 1, `unexpected consent steps: ${consent.join(' | ')}`);
    assert.match(consent[0]!, /Session Consumer.*wants to sign in using Dataverse/s);
    const urlInput = workbench.page.locator('.quick-input-widget', { hasText: 'Environment URL' }).locator('input').first();
    await urlInput.waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await urlInput.inputValue(), sales.url, 'the org URL was not filled in');
    await workbench.screenshot('flows-consumer-connect-prefilled');
    await urlInput.press('Enter');
    await workbench.answer('How do you want to sign in', 'App registration with a client secret');
    await workbench.answer('Application (client) id', sandbox.apps.secret.clientId);
    await workbench.answer('Client secret value', sandbox.apps.secret.secret);
    await workbench.answer('Name this connection', 'Sales (CI app)');
    await workbench.answer('production environment', 'Yes');
    const text = await workbench.waitForNotification(/Session for|Session Consumer failed/);
    assert.match(text, new RegExp(`Session for Sales \\(CI app\\) \\(# DevKit CI \\(secret\\)\\): UserId ${GUID.source}`, 'i'));
    assert.match(await workbench.statusBarText(), /Sales \(CI app\) · # DevKit CI \(secret\) · /);
    await workbench.screenshot('flows-consumer-new-org');
  });

  test('certificate: the certificate and its key are chosen in two open dialogs, the app signs in and has its own roles', async () => {
    const { workbench } = session;
    const dev = org('contosodev');
    const cert = sandbox.apps.certificate;
    // The certificate and its key in two files, as `openssl req -x509 -keyout ... -out ...` writes them.
    const certFile = join(pemDir, 'devkit-deploy.pem');
    const keyFile = join(pemDir, 'devkit-deploy.key');
    writeFileSync(certFile, cert.certificatePem, { mode: 0o600 });
    writeFileSync(keyFile, cert.privateKeyPem, { mode: 0o600 });

    await workbench.runCommand('Dataverse: Connect to Environment...');
    await workbench.answer('Environment URL', dev.url);
    await workbench.answer('How do you want to sign in', 'App registration with a certificate');
    await workbench.answer('Application (client) id', cert.clientId);
    // VS Code's simple file dialog (a quick input with a path) picks one file: the certificate first...
    await quickInputText('Choose the certificate and its private key');
    await workbench.screenshot('flows-certificate-dialog');
    await workbench.answer('Choose the certificate and its private key', certFile);
    // ...then the DevKit asks for the key, starting in the certificate's folder.
    await quickInputText('Now choose the private key of this certificate');
    const keyDialog = workbench.page.locator('.quick-input-widget:visible');
    await keyDialog.locator('.quick-input-list .monaco-list-row', { hasText: 'devkit-deploy.key' }).waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await keyDialog.locator('input').first().inputValue(), `${pemDir}/`, 'the key dialog does not start in the certificate\'s folder');
    await workbench.screenshot('flows-certificate-key-dialog');
    await workbench.answer('Now choose the private key of this certificate', keyFile);

    await workbench.answer('Name this connection', 'Dev (deploy cert)');
    await workbench.answer('production environment', 'No');
    await workbench.waitForNotification(/Connected to Dev \(deploy cert\) as # DevKit Deploy \(certificate\)/);
    assert.match(await workbench.statusBarText(), /Dev \(deploy cert\) · # DevKit Deploy \(certificate\) · expires in \d+ min/);
    await workbench.screenshot('flows-certificate-connected');

    // The application user has its own roles.
    await workbench.runCommand('Dataverse: Show My Security Roles');
    const roles = workbench.page.locator('.monaco-dialog-box:visible', { hasText: 'Security roles of # DevKit Deploy (certificate) in Dev (deploy cert)' });
    await roles.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await roles.innerText(), /Assigned to you: System Administrator/);
    assert.doesNotMatch(await roles.innerText(), /Through team/);
    await workbench.page.keyboard.press('Escape');
  });

  test('certificate from a PFX: a wrong password is said in the next prompt, the right one signs the existing connection in', async () => {
    const { workbench } = session;
    const dev = org('contosodev');
    const cert = sandbox.apps.certificate;
    const pfxFile = join(pemDir, 'devkit-deploy.pfx');
    const password = 'Pfx-export-password-1';
    // As Windows' certificate export or `openssl pkcs12 -export` makes it (AES-256 in OpenSSL 3).
    execFileSync('openssl', ['pkcs12', '-export', '-in', cert.certFile, '-inkey', cert.keyFile, '-passout', 'env:PFX_PASS', '-out', pfxFile], { env: { ...process.env, PFX_PASS: password } });

    const choosePfx = async () => {
      await workbench.runCommand('Dataverse: Connect to Environment...');
      await workbench.answer('Environment URL', dev.url);
      await workbench.answer('How do you want to sign in', 'App registration with a certificate');
      await workbench.answer('Application (client) id', cert.clientId);
      // The simple file dialog fills in its starting folder after it opens; type the path only after that.
      await workbench.page.locator('.quick-input-widget:visible .quick-input-list .monaco-list-row', { hasText: '..' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      await workbench.answer('Choose the certificate and its private key', pfxFile);
      await quickInputText('Password of devkit-deploy.pfx');
    };
    // Esc at the password ends the conversation quietly: no error.
    await choosePfx();
    await workbench.page.keyboard.press('Escape');
    await workbench.page.waitForTimeout(1000);
    assert.equal(await workbench.page.locator('.notifications-toasts .notification-toast', { hasText: /Canceled|failed|PFX/ }).count(), 0, 'cancelling showed an error');

    await choosePfx();
    // The password box is masked: VS Code shows a password input in place of the text one.
    const passwordInput = workbench.page.locator('.quick-input-widget input:visible');
    await passwordInput.fill('not-the-password');
    await passwordInput.press('Enter');
    await quickInputText(/PFX password is wrong/);
    await workbench.screenshot('flows-pfx-wrong-password');
    await passwordInput.fill(password);
    await passwordInput.press('Enter');

    // The same app in the same org as "Dev (deploy cert)": that connection is signed in with the PFX, not duplicated.
    await workbench.waitForNotification(/Dev \(deploy cert\) was already connected as # DevKit Deploy \(certificate\): it is signed in again and active/);
    assert.match(await workbench.statusBarText(), /Dev \(deploy cert\) · # DevKit Deploy \(certificate\)/);
    await workbench.screenshot('flows-pfx-connected');
  });
});

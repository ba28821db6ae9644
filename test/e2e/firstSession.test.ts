/**
 * A new user's first session, in code-server: a wrong URL explained in the
 * input box, cancelling at every step without an error, the browser's own
 * sign-in pages, connecting again without a duplicate, a signed-out
 * connection that offers Sign In (also to another extension), and a device
 * code that stays on screen until the sign-in ends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { startSandbox, type Sandbox } from '../../sandbox/index';
import { packageFixture } from './support/fixtureExtensions';
import { startSandboxSession, type E2eSession } from './support/session';

describe('first session: connections as a new user meets them', () => {
  let sandbox: Sandbox;
  let session: E2eSession;

  const org = (uniqueName: string) => sandbox.orgs.find((o) => o.uniqueName === uniqueName)!;
  const page = () => session.workbench.page;
  /** The quick input, while it is shown. */
  const quickInput = () => page().locator('.quick-input-widget:visible');
  /** Notifications of any kind that are on screen. */
  const toasts = () => page().locator('.notifications-toasts .notification-toast:visible');
  /** The rows of the Connections view. */
  const connectionRows = () => page().locator('.pane-body .monaco-list-row');

  async function clipboard(): Promise<string> {
    return page().evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
  }

  /** Waits a moment for anything the last step might still show, then returns the text of every notification on screen. */
  async function notificationsAfterAWhile(): Promise<string[]> {
    await page().waitForTimeout(2_000);
    return (await toasts().allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
  }

  async function clearNotifications(): Promise<void> {
    await session.workbench.runCommand('Notifications: Clear All Notifications');
    await toasts().first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
  }

  /** The text under the input box (validation or progress). */
  async function inputMessage(matching: RegExp): Promise<string> {
    const message = quickInput().locator('.quick-input-message');
    await page().waitForFunction(
      ([source, flags]) => {
        const doc = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document;
        return new RegExp(source, flags).test(doc.querySelector('.quick-input-widget .quick-input-message')?.textContent ?? '');
      },
      [matching.source, matching.flags],
      { timeout: 60_000 },
    );
    return (await message.innerText()).replace(/\s+/g, ' ');
  }

  /** Answers VS Code's "open the external website?" dialog with `button`; with Open, returns the page that opened. */
  async function answerOpenDialog(button: 'Open' | 'Cancel'): Promise<Page | undefined> {
    const opened = button === 'Open' ? new Promise<Page>((resolve) => session.workbench.context.once('page', resolve)) : undefined;
    await page().locator('.monaco-dialog-box').getByRole('button', { name: button, exact: true }).click({ timeout: 60_000 });
    if (!opened) return undefined;
    const signInPage = await opened;
    await signInPage.waitForLoadState();
    return signInPage;
  }

  /** Connect, up to the choice of flow, for `orgUrl`. */
  async function startConnect(orgUrl: string): Promise<void> {
    await session.workbench.runCommand('Dataverse: Connect to Environment...');
    await session.workbench.answer('Environment URL', orgUrl);
  }

  /** Picks the account on the sign-in page; returns the text of the page the loopback answered with. */
  async function pickAccount(signInPage: Page, user: RegExp): Promise<string> {
    await signInPage.getByRole('button', { name: user }).click();
    await signInPage.waitForLoadState();
    return signInPage.locator('body').innerText().catch(() => '');
  }

  function row(name: string): Locator {
    return connectionRows().filter({ hasText: name }).first();
  }

  before(async () => {
    sandbox = await startSandbox({ deviceCodeIntervalSeconds: 1 });
    session = await startSandboxSession('firstSession', sandbox, { extensions: [packageFixture('session-consumer')] });
    await session.workbench.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: session.codeServer.url });
    await session.workbench.openViewContainer('Dataverse');
    await page().getByRole('button', { name: 'Connect to an Environment', exact: true }).first().waitFor({ state: 'visible', timeout: 60_000 });
  });

  after(async () => {
    await session?.close();
    await sandbox?.close();
  });

  test('a wrong URL is explained under the input box, which stays open with what was typed', async () => {
    const { workbench } = session;
    // The sign-in host's own address: it answers, but not like a Dataverse environment.
    await startConnect(sandbox.entra.url);
    const notDataverse = await inputMessage(/does not answer like a Dataverse environment/);
    assert.match(notDataverse, /answered HTTP 404/);
    assert.match(notDataverse, /\*\.crm\.dynamics\.com, \*\.crm2\.dynamics\.com/, 'the host forms of the cloud are named');
    assert.doesNotMatch(notDataverse, /entity set|Dataverse said/);
    assert.equal(await quickInput().locator('input').first().inputValue(), sandbox.entra.url, 'what was typed is kept');
    await workbench.screenshot('first-session-url-not-dataverse');

    await quickInput().locator('input').first().fill('http://example.com');
    const http = await inputMessage(/only accepts https/);
    assert.doesNotMatch(http, /Use https:\/\/example\.com instead/, 'another host is offered back as if it would do');
    assert.match(http, /https:\/\/contoso\.crm\.dynamics\.com/);
    await quickInput().locator('input').first().press('Enter');
    assert.ok(await quickInput().isVisible(), 'Enter on an invalid URL closed the box');
    await workbench.screenshot('first-session-url-http');

    // Esc ends the conversation quietly.
    await page().keyboard.press('Escape');
    await quickInput().waitFor({ state: 'hidden' });
    assert.deepEqual(await notificationsAfterAWhile(), []);
  });

  test('Esc at the flow pick, Cancel on "open the external website?" and Esc at the production question end quietly', async () => {
    await startConnect(org('contososales').url);
    await quickInput().locator('input[placeholder*="How do you want to sign in"]').waitFor({ state: 'visible', timeout: 60_000 });
    await page().keyboard.press('Escape');
    assert.deepEqual(await notificationsAfterAWhile(), []);

    await startConnect(org('contososales').url);
    await session.workbench.answer('How do you want to sign in', 'Sign in with a browser');
    await answerOpenDialog('Cancel');
    assert.deepEqual(await notificationsAfterAWhile(), [], 'Cancel on the dialog showed something');
    await session.workbench.screenshot('first-session-cancel-open-dialog');

    // Signed in with an app registration, then Esc at the last question: nothing is kept, nothing is said.
    await startConnect(org('contosodev').url);
    await session.workbench.answer('How do you want to sign in', 'App registration with a client secret');
    await session.workbench.answer('Application (client) id', sandbox.apps.secret.clientId);
    await session.workbench.answer('Client secret value', sandbox.apps.secret.secret);
    // The org's friendly name is offered for an app connection too.
    await quickInput().locator('input').first().waitFor({ state: 'visible', timeout: 60_000 });
    await page().waitForFunction(() => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { value?: string } | null } }).document;
      return doc.querySelector('.quick-input-widget input')?.value === 'Contoso Dev';
    }, undefined, { timeout: 60_000 });
    await session.workbench.answer('Name this connection', 'Contoso Dev');
    await quickInput().locator('input[placeholder*="production environment"]').waitFor({ state: 'visible', timeout: 30_000 });
    await page().keyboard.press('Escape');
    assert.deepEqual(await notificationsAfterAWhile(), []);
    assert.equal(await connectionRows().count(), 0, 'Esc at the last question kept the connection');
  });

  test('Cancel on "Signing in..." ends quietly and stops the listener: a late pick on the page signs nobody in', async () => {
    await startConnect(org('contososales').url);
    await session.workbench.answer('How do you want to sign in', 'Sign in with a browser');
    const signInPage = (await answerOpenDialog('Open'))!;
    const progress = toasts().filter({ hasText: 'Signing in to' });
    await progress.waitFor({ state: 'visible', timeout: 30_000 });
    await session.workbench.screenshot('first-session-signing-in');
    await progress.getByRole('button', { name: 'Cancel' }).click();
    await progress.waitFor({ state: 'hidden', timeout: 30_000 });
    assert.deepEqual(await notificationsAfterAWhile(), []);

    // The person picks an account on the page that is still open: nothing answers any more.
    const late = await pickAccount(signInPage, /Adele Vance/);
    await signInPage.screenshot({ path: await session.workbench.screenshot('first-session-late-pick').then((p) => p.replace('.png', '-page.png')) });
    assert.doesNotMatch(late, /successfully acquired|You are signed in/);
    await signInPage.close();
    assert.equal(await connectionRows().count(), 0, 'a connection was saved after Cancel');
  });

  test('Cancel on the sign-in page ends quietly; the page says the sign-in did not finish, plainly', async () => {
    await startConnect(org('contososales').url);
    await session.workbench.answer('How do you want to sign in', 'Sign in with a browser');
    const signInPage = (await answerOpenDialog('Open'))!;
    await pickAccount(signInPage, /Diego Siciliani/);
    await signInPage.getByRole('heading', { name: 'Permissions requested' }).waitFor({ state: 'visible', timeout: 30_000 });
    await signInPage.getByRole('button', { name: 'Cancel', exact: true }).click();
    await signInPage.getByRole('heading', { name: 'Sign-in did not finish' }).waitFor({ state: 'visible', timeout: 30_000 });
    const text = await signInPage.locator('body').innerText();
    assert.match(text, /cancelled or refused/);
    assert.match(text, /return to VS Code/);
    assert.doesNotMatch(text, /Error occurred/);
    await signInPage.screenshot({ path: (await session.workbench.screenshot('first-session-page-cancelled')).replace('.png', '-page.png') });
    await signInPage.close();
    assert.deepEqual(await notificationsAfterAWhile(), [], 'Cancel on the page read as a failure');
  });

  test('a browser sign-in ends on a plain page naming the environment; connecting again signs the same connection in, without a twin', async () => {
    const { workbench } = session;
    const sales = org('contososales');
    await startConnect(sales.url);
    await workbench.answer('How do you want to sign in', 'Sign in with a browser');
    let signInPage = (await answerOpenDialog('Open'))!;
    const done = await pickAccount(signInPage, /Adele Vance/);
    assert.match(done, /You are signed in/);
    assert.match(done, new RegExp(`sign-in to ${new URL(sales.url).hostname.replace(/\./g, '\\.')}`));
    assert.match(done, /return to VS Code/);
    assert.doesNotMatch(done, /Auth code was successfully acquired/);
    await signInPage.screenshot({ path: (await workbench.screenshot('first-session-signed-in')).replace('.png', '-page.png') });
    await signInPage.close();
    await workbench.answer('Name this connection', 'Contoso Sales');
    await workbench.answer('production environment', 'No');
    await workbench.waitForNotification(/Connected to Contoso Sales as Adele Vance/);
    // Discovery offers the other environment: not now.
    await quickInput().filter({ hasText: 'can also reach' }).waitFor({ state: 'visible', timeout: 30_000 });
    await page().keyboard.press('Escape');
    await row('Contoso Sales').waitFor({ state: 'visible', timeout: 30_000 });

    await clearNotifications();
    await startConnect(sales.url);
    await workbench.answer('How do you want to sign in', 'Sign in with a browser');
    signInPage = (await answerOpenDialog('Open'))!;
    await pickAccount(signInPage, /Adele Vance/);
    await signInPage.close();
    const again = await workbench.waitForNotification(/already connected/);
    assert.match(again, /Contoso Sales was already connected as Adele Vance: it is signed in again and active/);
    assert.equal(await quickInput().filter({ hasText: 'Name this connection' }).count(), 0, 'the same connection was named again');
    await page().waitForTimeout(500);
    assert.deepEqual(
      (await connectionRows().allInnerTexts()).filter((t) => t.includes('Contoso Sales')).length,
      1,
      'connecting again made a duplicate',
    );
    await workbench.screenshot('first-session-connect-again');
  });

  test('a signed-out connection says so in the tree, offers Sign In, and its error has Sign In as the button', async () => {
    const { workbench } = session;
    await clearNotifications();
    await workbench.runCommand('Dataverse: Sign Out...');
    await workbench.answer('Sign out of which connection', 'Contoso Sales');
    await workbench.waitForNotification(/Signed out of Contoso Sales/);
    await page().waitForFunction(() => /signed out/.test((globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText), undefined, { timeout: 30_000 });
    assert.match(await row('Contoso Sales').innerText(), /signed out · Adele Vance/);
    assert.ok((await row('Contoso Sales').locator('.action-label[aria-label^="Sign In"]').count()) > 0, 'no inline Sign In on the row');
    await row('Contoso Sales').hover();
    await workbench.screenshot('first-session-signed-out-row');

    await clearNotifications();
    await workbench.runCommand('Dataverse: Test Connection');
    const error = toasts().filter({ hasText: 'is signed out' });
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    const text = (await error.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /"Contoso Sales" is signed out\. Select Sign In/);
    assert.doesNotMatch(text, /TokenError|report it|operation failed/);
    await workbench.screenshot('first-session-signed-out-error');
    await error.getByRole('button', { name: 'Sign In', exact: true }).click();
    const signInPage = (await answerOpenDialog('Open'))!;
    await pickAccount(signInPage, /Adele Vance/);
    await signInPage.close();
    await workbench.waitForNotification(/Signed in to Contoso Sales again/);
    await page().waitForTimeout(1_000);
    assert.doesNotMatch(await row('Contoso Sales').innerText(), /signed out/);
    await workbench.runCommand('Dataverse: Test Connection');
    await workbench.waitForNotification(/connected as Adele Vance/);
  });

  test('another extension asking for a signed-out connection gets the same Sign In, not an error', async () => {
    const { workbench } = session;
    const sales = org('contososales');
    await workbench.runCommand('Dataverse: Sign Out...');
    await workbench.answer('Sign out of which connection', 'Contoso Sales');
    await workbench.waitForNotification(/Signed out of Contoso Sales/);
    await clearNotifications();

    await workbench.runCommand('Session Consumer: Who Am I in Dataverse');
    await workbench.answer('Dataverse org URL to call WhoAmI on', sales.url);
    // VS Code asks whether the extension may sign in with Dataverse, then hands over to the DevKit.
    const allow = page().locator('.monaco-dialog-box:visible', { hasText: 'Session Consumer' });
    await allow.waitFor({ state: 'visible', timeout: 60_000 });
    await workbench.screenshot('first-session-consumer-allow');
    await allow.getByRole('button', { name: 'Allow', exact: true }).click();
    const signInPage = (await answerOpenDialog('Open'))!;
    await pickAccount(signInPage, /Adele Vance/);
    await signInPage.close();
    const text = await workbench.waitForNotification(/Session for|Session Consumer failed/);
    assert.match(text, /Session for Contoso Sales \(Adele Vance\): UserId/);
    assert.equal(await quickInput().filter({ hasText: 'Environment URL' }).count(), 0, 'a new connection was started instead of Sign In');
    assert.equal((await connectionRows().allInnerTexts()).filter((t) => t.includes('Contoso Sales')).length, 1);
    await workbench.screenshot('first-session-consumer-signed-in');
  });

  test('the device code stays in the sign-in progress, with Copy Code and Open Page, until the sign-in ends', async () => {
    const { workbench } = session;
    await clearNotifications();
    await startConnect(org('contosodev').url);
    await workbench.answer('How do you want to sign in', 'Sign in with a code');
    const progress = toasts().filter({ hasText: 'enter the code' });
    await progress.waitFor({ state: 'visible', timeout: 60_000 });
    const [, userCode] = /enter the code (\S+) at/.exec((await progress.innerText()).replace(/\s+/g, ' ')) ?? [];
    assert.ok(userCode, 'the progress names a code');
    // Longer than a plain notification stays on screen.
    await page().waitForTimeout(20_000);
    assert.ok(await progress.isVisible(), 'the code went away before the sign-in ended');
    assert.match(await progress.innerText(), new RegExp(userCode));
    await workbench.screenshot('first-session-device-code');

    await progress.getByText('Copy Code and Open Page').click();
    const devicePage = (await answerOpenDialog('Open'))!;
    assert.equal(await clipboard(), userCode, 'the code was not copied');
    await devicePage.getByLabel('Code').fill(userCode);
    await devicePage.getByRole('button', { name: 'Next' }).click();
    await devicePage.getByRole('button', { name: /Alex Wilber/ }).click();
    await devicePage.getByText('You have signed in').waitFor({ state: 'visible' });
    await devicePage.close();
    await workbench.answer('Name this connection', 'Contoso Dev');
    await progress.waitFor({ state: 'hidden', timeout: 30_000 });
    await workbench.answer('production environment', 'No');
    await workbench.waitForNotification(/Connected to Contoso Dev as Alex Wilber/);
  });
});

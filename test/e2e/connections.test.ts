import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSandbox, type Sandbox } from '../../sandbox/index';
import { filesUnder, startSandboxSession, type E2eSession } from './support/session';
import { type SignInPageSteps, signInWithBrowser } from './support/flows';

describe('connections: sign in from the palette in a real VS Code', () => {
  let sandbox: Sandbox;
  let session: E2eSession;

  /** Runs Connect from the palette for the dev org with a client secret, up to the secret. */
  async function connectDevWithSecret(secret: string, clientId = sandbox.apps.secret.clientId): Promise<void> {
    const { workbench } = session;
    const dev = sandbox.orgs.find((o) => o.uniqueName === 'contosodev')!;
    await workbench.runCommand('Dataverse: Connect to Environment...');
    await workbench.answer('Environment URL', dev.url);
    await workbench.answer('How do you want to sign in', 'App registration with a client secret');
    await workbench.answer('Application (client) id', clientId);
    await workbench.answer('Client secret value', secret);
  }

  before(async () => {
    sandbox = await startSandbox();
    session = await startSandboxSession('connections', sandbox);
  });

  after(async () => {
    await session?.close();
    await sandbox?.close();
  });

  test('interactive browser sign-in through the sign-in page, then discovery offers the other environment', async () => {
    const { workbench } = session;
    const sales = sandbox.orgs.find((o) => o.uniqueName === 'contososales')!;
    await workbench.openViewContainer('Dataverse');
    await workbench.page.getByRole('button', { name: 'Connect to an Environment', exact: true }).first().click();
    await workbench.answer('Environment URL', sales.url);
    await signInWithBrowser(workbench, /Adele Vance/, 'connections-signed-in-tab');

    await workbench.answer('Name this connection', 'Contoso Sales');
    await workbench.answer('production environment', 'No');
    await workbench.waitForNotification(/Connected to Contoso Sales as Adele Vance/);
    // The Global Discovery Service lists the other org Adele can reach.
    await workbench.check('Add connections to them', ['Contoso Dev']);
    await workbench.page.locator('.pane-body .monaco-list-row', { hasText: 'Contoso Dev' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const status = await workbench.statusBarText();
    assert.match(status, /Contoso Sales · Adele Vance · expires in \d+ min/);
    await workbench.screenshot('connections-status-bar');
    const tree = await workbench.page.locator('.pane-body').first().innerText();
    assert.match(tree, /Contoso Sales[\s\S]*Contoso Dev/, 'discovery did not add the other environment');
  });

  test('Test Connection shows who you are in the org', async () => {
    const { workbench } = session;
    await workbench.runCommand('Dataverse: Test Connection');
    const text = await workbench.waitForNotification(/connected as Adele Vance/);
    // Short enough not to be cut; the whole answer is under Details.
    assert.match(text, /Contoso Sales: connected as Adele Vance\./);
    await workbench.page.locator('.notifications-toasts .notification-toast', { hasText: 'connected as Adele Vance' }).getByRole('button', { name: 'Details' }).click();
    const details = workbench.page.locator('.monaco-dialog-box:visible', { hasText: 'connected as Adele Vance' });
    await details.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await details.innerText(), /User name: adele\.vance@contoso\.onmicrosoft\.com[\s\S]*Business unit: contososales[\s\S]*Organization: contososales/);
    await workbench.screenshot('connections-test-connection');
    await workbench.page.keyboard.press('Escape');
  });

  test('connect with a client secret, then switch back', async () => {
    const { workbench } = session;
    await connectDevWithSecret(sandbox.apps.secret.secret);
    await workbench.answer('Name this connection', 'Dev as CI app');
    await workbench.answer('production environment', 'Yes');
    await workbench.waitForNotification(/Connected to Dev as CI app/);
    assert.match(await workbench.statusBarText(), /Dev as CI app · /);
    await workbench.screenshot('connections-secret');

    await workbench.runCommand('Dataverse: Switch Environment...');
    await workbench.answer('Switch the active Dataverse connection', 'Contoso Sales');
    await workbench.page.waitForTimeout(500);
    assert.match(await workbench.statusBarText(), /Contoso Sales · Adele Vance/);
  });

  test('a wrong client secret is explained, with the AADSTS code and the fix', async () => {
    const { workbench } = session;
    await connectDevWithSecret('not-the-right-secret-value');
    const text = await workbench.waitForNotification(/AADSTS7000215/);
    assert.doesNotMatch(text, /undefined/);
    await workbench.screenshot('connections-wrong-secret');
  });

  test('an expired client secret is explained with AADSTS7000222 and how to make a new one', async () => {
    const { workbench } = session;
    await connectDevWithSecret(sandbox.apps.expiredSecret.secret, sandbox.apps.expiredSecret.clientId);
    const text = await workbench.waitForNotification(/AADSTS7000222/);
    assert.match(text, /expired/i);
    assert.doesNotMatch(text, /undefined/);
  });

  test('an app with no application user in the environment: the 403 is explained where to add one', async () => {
    const { workbench } = session;
    await connectDevWithSecret(sandbox.apps.noApplicationUser.secret, sandbox.apps.noApplicationUser.clientId);
    const text = await workbench.waitForNotification(/0x80072560/);
    assert.match(text, /Application users/);
    await workbench.screenshot('connections-no-application-user');
    // Nothing half-made is kept: the connection was not saved.
    const tree = await workbench.page.locator('.pane-body').first().innerText();
    assert.doesNotMatch(tree, /DevKit No App User|44444444-dddd-4eee-8fff-000000000004/);
  });

  /** Starts Connect for Contoso Sales and signs in with the browser as `user`, answering the page's steps. */
  async function connectSalesAs(user: RegExp, steps: SignInPageSteps): Promise<void> {
    const { workbench } = session;
    const sales = sandbox.orgs.find((o) => o.uniqueName === 'contososales')!;
    await workbench.runCommand('Dataverse: Connect to Environment...');
    await workbench.answer('Environment URL', sales.url);
    await signInWithBrowser(workbench, user, undefined, steps);
  }

  /** Names the new connection (not production) and checks it is connected and active, as `person`. */
  async function nameConnection(name: string, person: string): Promise<void> {
    const { workbench } = session;
    await workbench.answer('Name this connection', name);
    await workbench.answer('production environment', 'No');
    await workbench.waitForNotification(new RegExp(`Connected to ${name} as ${person}`));
    assert.match(await workbench.statusBarText(), new RegExp(`${name} · ${person}`));
  }

  test('a person who cancels on the sign-in page (AADSTS65004, as a declined consent) is not shown an error', async () => {
    const { workbench } = session;
    await workbench.runCommand('Notifications: Clear All Notifications');
    await connectSalesAs(/Diego Siciliani/, { consent: 'Cancel' });
    await workbench.page.waitForTimeout(2_000);
    const shown = await workbench.page.locator('.notifications-toasts .notification-toast:visible').allInnerTexts();
    assert.deepEqual(shown.filter((t) => /AADSTS65004|declined|failed/i.test(t)), []);
    await workbench.screenshot('connections-consent-declined');
  });

  test('a person who needs consent accepts it on the sign-in page and is connected', async () => {
    await connectSalesAs(/Diego Siciliani/, { consent: 'Accept', screenshot: 'connections-diego' });
    await nameConnection('Sales as Diego', 'Diego Siciliani');
  });

  test('a person who needs MFA approves the second factor on the sign-in page and is connected', async () => {
    await connectSalesAs(/Megan Bowen/, { mfa: 'Approve', screenshot: 'connections-megan' });
    await nameConnection('Sales as Megan', 'Megan Bowen');
    await session.workbench.screenshot('connections-megan-connected');
  });

  test('when the policy asks for MFA again, renewing the connection gives AADSTS50076 and what to do', async () => {
    const { workbench } = session;
    // Dataverse refuses the current token (as after a policy change), so the extension renews it; the refresh needs MFA again.
    sandbox.configure({ entra: { requireMfaAgain: true }, dataverse: { revokeTokensIssuedBefore: Math.floor(Date.now() / 1000) + 1 } });
    try {
      await workbench.runCommand('Dataverse: Test Connection');
      const text = await workbench.waitForNotification(/AADSTS50076/);
      assert.match(text, /multi-factor|MFA/i);
      assert.doesNotMatch(text, /undefined/);
      await workbench.screenshot('connections-mfa-again');
    } finally {
      sandbox.configure({ dataverse: { revokeTokensIssuedBefore: null } });
    }
  });

  test('sign out, and no secret or token is left anywhere on disk or in the log', async () => {
    const { workbench } = session;
    await workbench.runCommand('Dataverse: Sign Out...');
    await workbench.answer('Sign out of which connection', 'Dev as CI app');
    await workbench.waitForNotification(/Signed out of Dev as CI app/);
    await workbench.runCommand('Dataverse: Show Log');
    let logText = '';
    for (let i = 0; i < 100 && !logText.includes('Signed out of'); i++) {
      await workbench.page.waitForTimeout(100);
      logText = (await workbench.page.locator('.part.panel .view-lines').innerText()).replace(/\u00a0/g, ' ');
    }
    await workbench.screenshot('connections-log');
    // In VS Code for the Web, globalState and SecretStorage live in the browser (IndexedDB), so it is searched too.
    const browserStorage = JSON.stringify(await workbench.context.storageState({ indexedDB: true }));
    await session.close();

    const needles = [sandbox.apps.secret.secret, sandbox.apps.expiredSecret.secret, sandbox.apps.noApplicationUser.secret, ...sandbox.issuedTokens()];
    assert.ok(needles.length > 3, 'the run issued tokens');
    const files = filesUnder(session.profile.userDataDir);
    // The search reaches where the extension's state is: the saved connection list is found there.
    assert.ok(browserStorage.includes('Dev as CI app') || files.some((f) => f.text.includes('Dev as CI app')), 'the extension state was not among what was searched');
    assert.ok(logText.includes('Signed out of'), 'the output channel was not captured');
    assert.ok(files.some((f) => f.path.endsWith('Dataverse DevKit.log')), 'the log file of the output channel was not searched');
    for (const needle of needles) {
      const probe = needle.slice(-40);
      const hit = files.find((f) => f.text.includes(probe));
      assert.equal(hit?.path, undefined, 'a secret or token was found on disk');
      assert.ok(!browserStorage.includes(probe), 'a secret or token was found in the browser storage (state, secrets)');
      assert.ok(!logText.includes(probe), 'a secret or token was found in the output channel');
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfidentialClientApplication } from '@azure/msal-node';
import type { FrameLocator } from 'playwright-core';
import { startSandbox, type Sandbox } from '../../sandbox/index';
import { CONTOSO_TENANT } from '../../sandbox/seed';
import { filesUnder, startSandboxSession, type E2eSession } from './support/session';
import { signInWithBrowser } from './support/flows';

/** A JWT with the given claims and a signature no key made. */
function unsignedLookalike(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ typ: 'JWT', alg: 'RS256', kid: 'not-a-published-key' })}.${part(payload)}.${Buffer.from('not a signature').toString('base64url')}`;
}

describe('token inspector: what is in the token, checked against the connection, in a real VS Code', () => {
  let sandbox: Sandbox;
  let session: E2eSession;

  /** The inspector page inside VS Code's webview frames. */
  function inspector(): FrameLocator {
    return session.workbench.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }

  async function verdictOf(check: string): Promise<string> {
    const verdict = inspector().locator(`li[data-check="${check}"] .verdict`);
    await verdict.waitFor({ state: 'visible', timeout: 30_000 });
    return verdict.innerText();
  }

  /** Runs "Inspect Token..." and pastes the text into the (masked) input box. */
  async function inspectPasted(text: string): Promise<void> {
    const { workbench } = session;
    await workbench.runCommand('Dataverse: Inspect Token...');
    // The token box is masked: VS Code shows a password input in place of the text one.
    const input = workbench.page.locator('.quick-input-widget input:visible');
    await workbench.page.locator('.quick-input-widget', { hasText: 'Paste a token' }).waitFor({ state: 'visible' });
    await input.fill(text);
    await input.press('Enter');
  }

  before(async () => {
    // Under an hour, so the countdown shows seconds (it drops them for an hour or more).
    sandbox = await startSandbox({ tokenLifetimeSeconds: 1800 });
    session = await startSandboxSession('token-inspector', sandbox);
  });

  after(async () => {
    await session?.close();
    await sandbox?.close();
  });

  test('connect, inspect the access token: audience and scope pass, the signature verifies, the countdown runs', async () => {
    const { workbench } = session;
    const sales = sandbox.orgs.find((o) => o.uniqueName === 'contososales')!;
    await workbench.openViewContainer('Dataverse');
    await workbench.page.getByRole('button', { name: 'Connect to an Environment' }).click();
    await workbench.answer('Environment URL', sales.url);
    await signInWithBrowser(workbench, /Adele Vance/);
    await workbench.answer('Name this connection', 'Contoso Sales');
    await workbench.answer('production environment', 'No');
    await workbench.waitForNotification(/Connected to Contoso Sales as Adele Vance/);
    await workbench.page.keyboard.press('Escape'); // no other environments to add now

    await workbench.runCommand('Dataverse: Inspect Access Token');
    assert.match(await inspector().locator('h1').innerText(), /Access token of Contoso Sales/);
    assert.match(await verdictOf('audience'), /Pass/);
    assert.match(await verdictOf('tenant'), /Pass/);
    assert.match(await verdictOf('scope'), /Pass/);
    assert.match(await verdictOf('expiry'), /Pass/);
    assert.match(await verdictOf('signature'), /Pass/, 'the signature should verify against the sandbox Entra keys');
    assert.match(await inspector().locator('#version').innerText(), /v1\.0/);
    assert.match(await inspector().locator('#kind').innerText(), /User/);
    const aud = await inspector().locator('tr[data-claim="aud"] td.value').innerText();
    assert.equal(aud.trim(), sales.url);
    assert.match(await inspector().locator('tr[data-claim="scp"] td.explanation').innerText(), /user_impersonation/);

    const countdown = inspector().locator('#countdown');
    const first = await countdown.innerText();
    assert.match(first, /expires in \d+ min \d+ s/);
    await workbench.page.waitForTimeout(2100);
    assert.notEqual(await countdown.innerText(), first, 'the countdown did not move');
    // The raw token is hidden until asked for.
    assert.equal(await inspector().locator('pre.raw').count(), 0);
    await workbench.screenshot('inspector-connection-token');
  });

  test('showing the raw token asks first, and shows the token the org accepted', async () => {
    const { workbench } = session;
    await inspector().locator('#reveal').click();
    const dialog = workbench.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible' });
    assert.match(await dialog.innerText(), /credential/);
    await dialog.getByRole('button', { name: 'Show Token' }).click();
    const raw = (await inspector().locator('pre.raw').innerText()).trim();
    assert.ok(sandbox.issuedTokens().includes(raw), 'the revealed text is not the token the sandbox issued');
    await inspector().locator('#hide').click();
    assert.equal(await inspector().locator('pre.raw').count(), 0);
  });

  test('when the org refuses the token and the connection renews it, the panel shows the new token', async () => {
    const { workbench } = session;
    const before = sandbox.issuedTokens().length;
    // Revoke every token issued so far: the next call gets a 401, renews once and retries.
    const revokedBefore = Math.floor(Date.now() / 1000) + 1;
    sandbox.configure({ dataverse: { revokeTokensIssuedBefore: revokedBefore } });
    try {
      await workbench.page.waitForTimeout(1200); // tokens issued from now on have iat >= revokedBefore
      await workbench.runCommand('Dataverse: Test Connection');
      await workbench.waitForNotification(/connected as Adele Vance/);
      const renewed = inspector().locator('#renewed');
      await renewed.waitFor({ state: 'visible', timeout: 30_000 });
      assert.ok(sandbox.issuedTokens().length > before, 'no new token was issued');
      const iat = Number((await inspector().locator('tr[data-claim="iat"] td.value .line').first().innerText()).trim());
      assert.ok(iat >= revokedBefore, `the panel still shows the revoked token (iat ${iat})`);
      assert.match(await verdictOf('audience'), /Pass/);
    } finally {
      sandbox.configure({ dataverse: { revokeTokensIssuedBefore: null } });
    }
    await workbench.screenshot('inspector-renewed');
  });

  test('a pasted token for another org fails the audience check against the active connection', async () => {
    const dev = sandbox.orgs.find((o) => o.uniqueName === 'contosodev')!;
    const app = new ConfidentialClientApplication({
      auth: { clientId: sandbox.apps.secret.clientId, clientSecret: sandbox.apps.secret.secret, authority: sandbox.entra.authority(CONTOSO_TENANT.id), knownAuthorities: [new URL(sandbox.entra.url).host] },
    });
    const result = await app.acquireTokenByClientCredential({ scopes: [`${dev.url}/.default`] });
    assert.ok(result?.accessToken);

    await inspectPasted(result.accessToken);
    await inspector().locator('h1', { hasText: 'Token from the input box' }).waitFor();
    assert.match(await verdictOf('audience'), /Fail/);
    const audience = await inspector().locator('li[data-check="audience"]').innerText();
    assert.ok(audience.includes(dev.url), 'the failed check names the audience the token has');
    assert.match(audience, /401/, 'the failed check says what Dataverse would answer');
    assert.match(await inspector().locator('#kind').innerText(), /App-only/);
    assert.match(await verdictOf('signature'), /Pass/);
    assert.match(await inspector().locator('#target option:checked').innerText(), /Contoso Sales/);
    await session.workbench.screenshot('inspector-wrong-audience');
  });

  test('claims holding HTML are shown as text: no element is made, no script runs', async () => {
    const sales = sandbox.orgs.find((o) => o.uniqueName === 'contososales')!;
    const now = Math.floor(Date.now() / 1000);
    const hostile = '<img src=x onerror=alert(1)>';
    await inspectPasted(
      unsignedLookalike({ aud: sales.url, iss: `https://sts.windows.net/${CONTOSO_TENANT.id}/`, iat: now, nbf: now, exp: now + 3600, name: hostile, scp: 'user_impersonation', tid: CONTOSO_TENANT.id, ver: '1.0', '<script>alert(2)</script>': 'x' }),
    );
    const nameCell = inspector().locator('tr[data-claim="name"] td.value');
    await nameCell.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal((await nameCell.innerText()).trim(), hostile);
    assert.equal(await inspector().locator('img').count(), 0, 'an element was created from a claim');
    assert.equal(await inspector().locator('tbody script').count(), 0, 'a script element was created from a claim');
    assert.match(await inspector().locator('tr[data-claim="<script>alert(2)</script>"] td.explanation').innerText(), /Unknown claim/);
    assert.equal(await inspector().locator('[onerror]').count(), 0, 'an event handler attribute was created from a claim');
    // The signature was made by no published key: never called valid.
    assert.doesNotMatch(await verdictOf('signature'), /Pass/);
    await session.workbench.screenshot('inspector-hostile-claims');
  });

  test('malformed input names the part that is wrong, in the input box and in the panel', async () => {
    const { workbench } = session;
    await workbench.runCommand('Dataverse: Inspect Token...');
    await workbench.page.locator('.quick-input-widget', { hasText: 'Paste a token' }).waitFor({ state: 'visible' });
    const input = workbench.page.locator('.quick-input-widget input:visible');
    await input.fill('eyJhbGciOiJSUzI1NiJ9.not-json-at-all!.c2ln');
    const message = workbench.page.locator('.quick-input-message');
    await message.filter({ hasText: /payload/i }).waitFor({ state: 'visible', timeout: 10_000 });
    await input.press('Enter');
    const problem = inspector().locator('.problem');
    await problem.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await problem.innerText(), /payload/);

    await inspectPasted('a.b.c.d.e');
    await inspector().locator('.problem', { hasText: /encrypted/i }).waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.screenshot('inspector-malformed');
  });

  test('the inspector is also reached from the status bar item and from the connection in the tree', async () => {
    const { workbench } = session;
    await workbench.runCommand('View: Close All Editors');
    await inspector().locator('h1').waitFor({ state: 'detached', timeout: 10_000 });

    await workbench.page.locator('.part.statusbar .statusbar-item', { hasText: 'Contoso Sales' }).first().click();
    await workbench.answer('Switch the active Dataverse connection', 'Inspect the Active Access Token');
    await inspector().locator('h1', { hasText: 'Access token of Contoso Sales' }).waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.runCommand('View: Close All Editors');
    await inspector().locator('h1').waitFor({ state: 'detached', timeout: 10_000 });

    await workbench.page.locator('.pane-body .monaco-list-row', { hasText: 'Contoso Sales' }).first().click({ button: 'right' });
    const item = workbench.page.getByRole('menuitem', { name: 'Inspect Access Token' });
    await item.waitFor({ state: 'visible' });
    await workbench.page.waitForTimeout(300); // the menu fades in; a click during that can be lost
    await item.click();
    await inspector().locator('h1', { hasText: 'Access token of Contoso Sales' }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await verdictOf('audience'), /Pass/);
  });

  test('after the run, no token shown or pasted is left on disk or in the browser storage', async () => {
    const browserStorage = JSON.stringify(await session.workbench.context.storageState({ indexedDB: true }));
    await session.close();
    const needles = [...sandbox.issuedTokens()];
    assert.ok(needles.length >= 3, 'the run issued tokens');
    const files = filesUnder(session.profile.userDataDir);
    assert.ok(browserStorage.includes('Contoso Sales') || files.some((f) => f.text.includes('Contoso Sales')), 'the extension state was not among what was searched');
    for (const needle of needles) {
      const probe = needle.slice(-40);
      assert.equal(files.find((f) => f.text.includes(probe))?.path, undefined, 'a token was found on disk');
      assert.ok(!browserStorage.includes(probe), 'a token was found in the browser storage (state, secrets, webview state)');
    }
  });
});

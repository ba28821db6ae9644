import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfidentialClientApplication } from '@azure/msal-node';
import type { FrameLocator, Locator } from 'playwright-core';
import { startSandbox, type Sandbox } from '../../sandbox/index';
import { CONTOSO_TENANT } from '../../sandbox/seed';
import { filesUnder, startSandboxSession, type E2eSession } from './support/session';
import { renderedContrast, type RenderedColours } from './support/contrast';
import { signInWithBrowser } from './support/flows';

/** One element's colours, and the class of the check it belongs to. */
interface Measured extends RenderedColours {
  readonly check: string;
}

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

  /** The accessible name of an element: its own aria-label, or that of the first descendant with one. */
  async function ariaLabelOf(locator: Locator): Promise<string> {
    return locator.evaluate((node) => {
      const el = node as unknown as { getAttribute(n: string): string | null; querySelector(s: string): { getAttribute(n: string): string | null } | null };
      return el.getAttribute('aria-label') ?? el.querySelector('[aria-label]')?.getAttribute('aria-label') ?? '';
    });
  }

  /** Colours of what the inspector page shows for the checks, with the theme's editor background behind the page. */
  async function checkColours(): Promise<{ bodyClass: string; backdrop: string; labels: Measured[]; icons: Measured[]; texts: Measured[] }> {
    return inspector()
      .locator('body')
      .evaluate((body) => {
        interface Node {
          readonly textContent: string | null;
          readonly className: string;
          readonly parentElement: Node | null;
          closest(s: string): Node | null;
        }
        const doc = (body as unknown as { ownerDocument: { documentElement: Node; querySelectorAll(s: string): ArrayLike<Node>; defaultView: unknown } }).ownerDocument;
        const win = doc.defaultView as { getComputedStyle(n: Node): { color: string; backgroundColor: string; getPropertyValue(p: string): string } };
        // No named function expressions here: tsx would wrap them in a helper the page does not have.
        const groups: Measured[][] = ['.check .verdict-label', '.check .verdict-icon', '.check strong, .check p'].map((selector) =>
          Array.from(doc.querySelectorAll(selector)).map((el) => {
            const backgrounds: string[] = [];
            for (let n: Node | null = el; n; n = n.parentElement) backgrounds.push(win.getComputedStyle(n).backgroundColor);
            return { text: (el.textContent ?? '').trim(), color: win.getComputedStyle(el).color, backgrounds, check: el.closest('li')?.className ?? '' };
          }),
        );
        return {
          bodyClass: (body as unknown as Node).className,
          backdrop: win.getComputedStyle(doc.documentElement).getPropertyValue('--vscode-editor-background').trim(),
          labels: groups[0]!,
          icons: groups[1]!,
          texts: groups[2]!,
        };
      });
  }

  const pickColorTheme = (theme: string) => session.workbench.pickColorTheme(theme);

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
    await workbench.page.getByRole('button', { name: 'Connect to an Environment', exact: true }).first().click();
    await workbench.answer('Environment URL', sales.url);
    await signInWithBrowser(workbench, /Adele Vance/);
    await workbench.answer('Name this connection', 'Contoso Sales');
    await workbench.answer('production environment', 'No');
    await workbench.waitForNotification(/Connected to Contoso Sales as Adele Vance/);
    await workbench.page.keyboard.press('Escape'); // no other environments to add now

    // A screen reader hears the connection's name and state, not its tooltip, an icon id or markup.
    const row = workbench.page.locator('.pane-body .monaco-list-row', { hasText: 'Contoso Sales' }).first();
    assert.equal(await row.getAttribute('aria-label'), `Contoso Sales, Adele Vance, active connection, ${sales.url}`);
    assert.match(await row.innerText(), /active · Adele Vance/, 'the state comes first in the description, where it is not cut off');
    const status = await ariaLabelOf(workbench.page.locator('.part.statusbar .statusbar-item', { hasText: 'Contoso Sales' }).first());
    assert.match(status, /^Dataverse connection Contoso Sales, Adele Vance, token expires in \d+ min\. Activate to switch environment\.$/);
    assert.doesNotMatch(status, /database|&nbsp;|\$\(/);

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

  test('Inspect Token... refuses Enter on text that is not a token, keeps the box open, and leaves the open inspection alone', async () => {
    const { workbench } = session;
    const shown = await inspector().locator('h1').innerText();
    const claimsShown = await inspector().locator('tr[data-claim]').count();
    assert.ok(claimsShown > 0, 'no inspection was open to begin with');

    await workbench.runCommand('Dataverse: Inspect Token...');
    const box = workbench.page.locator('.quick-input-widget:visible', { hasText: 'Inspect Token' });
    await box.waitFor({ state: 'visible' });
    const input = box.locator('input:visible');
    const message = box.locator('.quick-input-message');

    await input.fill('hello world');
    await message.filter({ hasText: 'This is not a token' }).waitFor({ state: 'visible', timeout: 10_000 });
    assert.doesNotMatch(await message.innerText(), /opaque|refresh token/i, 'prose is called an opaque token');
    await input.press('Enter');
    await workbench.page.waitForTimeout(500);
    assert.ok(await box.isVisible(), 'Enter closed the box on text that is not a token');
    assert.match(await message.innerText(), /This is not a token: it contains spaces/);
    await workbench.screenshot('inspector-not-a-token');

    // A damaged token: the part that is wrong is named, and Enter is refused too.
    await input.fill('eyJhbGciOiJSUzI1NiJ9.not-json-at-all!.c2ln');
    await message.filter({ hasText: /payload/i }).waitFor({ state: 'visible', timeout: 10_000 });
    await input.press('Enter');
    await workbench.page.waitForTimeout(500);
    assert.ok(await box.isVisible(), 'Enter closed the box on a damaged token');

    // Enter on the empty box with an empty clipboard: the box is still open, so "paste it here" is true.
    // (The browser lets the page read the clipboard, as a person allows it; VS Code for the Web otherwise asks first.)
    await workbench.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await workbench.page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { writeText(t: string): Promise<void> } } }).navigator.clipboard.writeText('').catch(() => undefined));
    await input.fill('');
    await input.press('Enter');
    await message.filter({ hasText: /clipboard is empty.*Paste the token here/ }).waitFor({ state: 'visible', timeout: 10_000 });
    assert.ok(await box.isVisible(), 'the box closed on an empty clipboard');
    await workbench.screenshot('inspector-empty-clipboard');
    await workbench.page.keyboard.press('Escape');
    await box.waitFor({ state: 'hidden', timeout: 10_000 });

    // The inspection that was open is still there, whole, and no error replaced it.
    assert.equal(await inspector().locator('h1').innerText(), shown);
    assert.equal(await inspector().locator('.problem').count(), 0);
    assert.equal(await inspector().locator('tr[data-claim]').count(), claimsShown);
  });

  test('verdict words meet WCAG AA (4.5:1) and their icons 3:1, in the Light, Dark and High Contrast themes', async () => {
    const { workbench } = session;
    const sales = sandbox.orgs.find((o) => o.uniqueName === 'contososales')!;
    const now = Math.floor(Date.now() / 1000);
    // Audience right (pass), expiring in two minutes (warning), signed by no published key (not a pass).
    await inspectPasted(
      unsignedLookalike({ aud: sales.url, iss: `https://sts.windows.net/${CONTOSO_TENANT.id}/`, iat: now, nbf: now, exp: now + 120, name: 'Contrast Check', scp: 'user_impersonation', tid: CONTOSO_TENANT.id, ver: '1.0' }),
    );
    await inspector().locator('li.check.warning[data-check="expiry"]').waitFor({ state: 'visible', timeout: 30_000 });
    await inspector().locator('li.check.pending').waitFor({ state: 'detached', timeout: 30_000 });

    const themes = [
      { name: 'Dark Modern', kind: 'vscode-dark' },
      { name: 'Light Modern', kind: 'vscode-light' },
      { name: 'Dark High Contrast', kind: 'vscode-high-contrast' },
      { name: 'Light High Contrast', kind: 'vscode-high-contrast-light' },
    ];
    const report: string[] = [];
    const failures: string[] = [];
    for (const theme of themes) {
      await pickColorTheme(theme.name);
      // The page restyles when VS Code sends it the theme's colours; its body class names the theme kind.
      let colours = await checkColours();
      for (let i = 0; i < 50 && !colours.bodyClass.split(/\s+/).includes(theme.kind); i++) {
        await workbench.page.waitForTimeout(200);
        colours = await checkColours();
      }
      assert.ok(colours.bodyClass.split(/\s+/).includes(theme.kind), `${theme.name}: the page did not switch (body class "${colours.bodyClass}")`);
      const verdicts = new Set(colours.labels.map((l) => l.check.replace('check', '').trim()));
      assert.ok(['pass', 'warning'].every((v) => verdicts.has(v)), `${theme.name}: expected pass and warning verdicts, got ${[...verdicts].join(', ')}`);
      const measure = (items: Measured[], minimum: number, what: string) => {
        for (const item of items) {
          const ratio = renderedContrast(item, colours.backdrop);
          if (ratio < minimum) failures.push(`${theme.name}: ${what} "${item.text}" (${item.check}) is ${ratio.toFixed(2)}:1 (${item.color} on ${colours.backdrop}), needs ${minimum}:1`);
        }
        return Math.min(...items.map((item) => renderedContrast(item, colours.backdrop)));
      };
      const words = measure(colours.labels, 4.5, 'verdict');
      const icons = measure(colours.icons, 3, 'icon');
      const texts = measure(colours.texts, 4.5, 'check text');
      report.push(`${theme.name}: lowest verdict ${words.toFixed(2)}:1, icon ${icons.toFixed(2)}:1, check text ${texts.toFixed(2)}:1`);
      await workbench.screenshot(`inspector-contrast-${theme.kind}`);
    }
    console.log(`contrast on ${themes.length} themes:\n${report.join('\n')}`);
    assert.deepEqual(failures, []);
    await pickColorTheme('Light Modern');
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

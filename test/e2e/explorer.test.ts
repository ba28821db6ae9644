import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { createDataverseHandler, createDiscoveryHandler } from '../../sandbox/dataverse/server';
import { startSandbox, type Sandbox, type SandboxHandler } from '../../sandbox/index';
import { WebApiClient } from '../../src/dataverse/webApiClient';
import { sandboxTokens } from '../unit/dataverse/sandboxClient';
import { connectWithSecret as connectTo } from './support/flows';
import { EXTENSION_ID, filesUnder, startSandboxSession, type E2eSession } from './support/session';

const HOSTILE = '<img src=x onerror=alert(1)> Teams';

/** Every request the orgs received, in order, and a gate that holds them (to prove the tree needs none). */
class RequestLog {
  readonly entries: Array<{ org: string; method: string; url: string }> = [];
  private _held: Array<() => void> | undefined;

  /** Wraps the real Dataverse handlers: the sandbox itself is unchanged. */
  factories() {
    return {
      createDiscoveryHandler,
      createDataverseHandler: (input: Parameters<typeof createDataverseHandler>[0]): SandboxHandler => {
        const real = createDataverseHandler(input as Parameters<typeof createDataverseHandler>[0]);
        return {
          configure: (patch) => real.configure(patch),
          close: () => real.close?.(),
          handle: (req: http.IncomingMessage, res: http.ServerResponse) => {
            this.entries.push({ org: input.org.uniqueName, method: req.method ?? '', url: req.url ?? '' });
            if (this._held) this._held.push(() => real.handle(req, res));
            else real.handle(req, res);
          },
        };
      },
    };
  }

  /** Metadata requests (table list, details, change tracking) since `from`. */
  metadata(from = 0): string[] {
    return this.entries.slice(from).filter((e) => /EntityDefinitions|RetrieveMetadataChanges|GlobalOptionSetDefinitions/.test(e.url)).map((e) => `${e.org} ${e.method} ${e.url}`);
  }

  hold(): void {
    this._held = [];
  }

  release(): void {
    const held = this._held ?? [];
    this._held = undefined;
    for (const go of held) go();
  }
}

describe('Tables view: browse an org in a real VS Code', () => {
  let sandbox: Sandbox;
  let session: E2eSession;
  const log = new RequestLog();

  const page = () => session.workbench.page;
  /** The Tables pane. */
  const pane = (): Locator => page().locator('.pane', { has: page().locator('.pane-header', { hasText: /^Tables/ }) }).first();
  const row = (text: string | RegExp): Locator => pane().locator('.monaco-list-row', { hasText: text }).first();
  /** A row by the start of what a screen reader says of it. */
  const spoken = (start: string): Locator => pane().locator(`.monaco-list-row[aria-label^="${start}"]`).first();
  /** A button in the Tables pane's title bar. */
  const titleAction = (name: string): Locator => pane().locator(`.pane-header .actions [aria-label="${name}"]`);
  /** The title buttons that only make sense over a tree: none may show over a welcome. */
  const TREE_ACTIONS = ['Collapse All', 'Refresh Tables', 'Filter Tables...', 'Clear Table Filter'];
  async function assertNoTreeActions(): Promise<void> {
    await pane().locator('.pane-header').hover();
    for (const name of TREE_ACTIONS) assert.equal(await titleAction(name).count(), 0, `"${name}" shows over the welcome`);
  }

  const connectWithSecret = (orgUniqueName: string, name: string) => connectTo(session.workbench, sandbox, orgUniqueName, name);

  async function contextMenu(target: Locator, item: string): Promise<void> {
    await target.click({ button: 'right' });
    const entry = page().getByRole('menuitem', { name: item, exact: true });
    await entry.waitFor({ state: 'visible' });
    await page().waitForTimeout(300); // the menu fades in; a click during that can be lost
    await entry.click();
  }

  before(async () => {
    sandbox = await startSandbox({ handlers: log.factories() });
    // A display name a careless renderer would turn into markup, set through the Web API as a customizer would.
    const dev = sandbox.orgs.find((o) => o.uniqueName === 'contosodev')!;
    const client = new WebApiClient({ orgUrl: dev.url, tokens: sandboxTokens(sandbox, dev.url), fetch });
    await client.request("EntityDefinitions(LogicalName='team')", {
      method: 'PUT',
      headers: { 'MSCRM.MergeLabels': 'true' },
      body: { DisplayName: { LocalizedLabels: [{ Label: HOSTILE, LanguageCode: 1033 }] } },
    });
    session = await startSandboxSession('explorer', sandbox);
  });

  after(async () => {
    await session?.close();
    await sandbox?.close();
  });

  test('with no connection, the Tables view says what to do', async () => {
    await session.workbench.openViewContainer('Dataverse');
    await pane().getByText('Connect to an environment to browse its tables').waitFor({ state: 'visible', timeout: 30_000 });
    await assertNoTreeActions();
    await session.workbench.screenshot('explorer-welcome');
  });

  test('connect, and the Tables view lists the org\'s tables', async () => {
    await connectWithSecret('contososales', 'Sales');
    await row(/^Account\s*account$/).waitFor({ state: 'visible', timeout: 60_000 });
    const label = await row(/^Account\s*account$/).getAttribute('aria-label');
    assert.equal(label, 'Account, system table account');
    // Over a tree, the title bar offers what the welcome hid.
    await pane().locator('.pane-header').hover();
    await titleAction('Collapse All').waitFor({ state: 'visible', timeout: 15_000 });
    await titleAction('Refresh Tables').waitFor({ state: 'visible', timeout: 15_000 });
    await session.workbench.screenshot('explorer-tables');
  });

  test('filter to account, expand Columns and Relationships, copy a logical name, New Query', async () => {
    const { workbench } = session;
    await workbench.runCommand('Dataverse: Filter Tables...');
    await workbench.answer('Part of a logical or display name', 'account');
    // The filter stays visible in the view's title bar.
    await pane().locator('.pane-header', { hasText: '"account"' }).waitFor({ state: 'visible', timeout: 15_000 });
    await row(/^Contact\s*contact$/).waitFor({ state: 'detached', timeout: 15_000 });

    await row(/^Account\s*account$/).click();
    await row(/^Columns$/).click();
    await spoken('accountid, column').waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await spoken('accountid, column').innerText(), /Uniqueidentifier · required \(system\) · primary id/);
    assert.match(await spoken('name, column').innerText(), /String\(160\).*primary name/);
    await workbench.screenshot('explorer-columns');
    await row(/^Columns$/).click();

    await row(/^Relationships$/).click();
    await row(/primarycontactid\s*N:1 → contact/).waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.screenshot('explorer-relationships');
    await row(/^Relationships$/).click();

    await contextMenu(row(/^Account\s*account$/), 'Copy Logical Name');
    await workbench.waitForText('Copied the logical name account');

    await contextMenu(row(/^Account\s*account$/), 'New Query');
    const editor = page().locator('.monaco-editor .view-lines').first();
    await editor.getByText('GET accounts?$select=name&$top=10').waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.screenshot('explorer-new-query');
    await workbench.runCommand('View: Revert and Close Editor');
  });

  test('a throttled load is an explained item with Retry, and Retry loads it', async () => {
    const { workbench } = session;
    const toasts = page().locator('.notifications-toasts .notification-toast');
    const toastsBefore = await toasts.count();
    sandbox.configure({ dataverse: { throttle: { kind: 'requests', retryAfterSeconds: 1, path: 'Keys', count: 1 } } });
    await row(/^Keys$/).click();
    const error = pane().locator('.monaco-list-row[aria-label^="Error:"]').first();
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await error.getAttribute('aria-label')) ?? '', /Select to retry/);
    assert.equal(await toasts.count(), toastsBefore, 'a failed load must not pop up');
    await workbench.screenshot('explorer-throttled');
    await error.click();
    await error.waitFor({ state: 'detached', timeout: 30_000 }).catch(async (e: unknown) => {
      await workbench.screenshot('explorer-retry-failed');
      throw e;
    });
    await spoken('new_accountnumberkey, alternate key on accountnumber').waitFor({ state: 'visible', timeout: 10_000 });
    await workbench.screenshot('explorer-retried');
    sandbox.configure({ dataverse: { throttle: null } });
  });

  test('the 420-column table opens its columns', async () => {
    const { workbench } = session;
    await workbench.runCommand('Dataverse: Filter Tables...');
    await workbench.answer('Part of a logical or display name', 'msdyn_workorder');
    await row(/^Work Order\s*msdyn_workorder$/).click();
    await pane().locator('.monaco-list-row[aria-label="Columns of msdyn_workorder"]').click();
    await spoken('msdyn_workorderid, column').waitFor({ state: 'visible', timeout: 60_000 });
    // The list is virtual: scrolling to the end shows the last of the 420 columns.
    await pane().locator('.monaco-list').first().focus();
    await page().keyboard.press('End');
    await pane().locator('.monaco-list-row[aria-label^="msdyn_"]').last().waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.screenshot('explorer-wide-table');
  });

  test('limit to Contoso Core and see only its tables; Collapse All folds the tree', async () => {
    const { workbench } = session;
    await workbench.runCommand('Dataverse: Clear Table Filter');
    // Earlier tests left tables expanded and the list scrolled to the 420th column: Collapse All in the title bar folds them.
    await pane().locator('.pane-header').hover();
    await titleAction('Collapse All').click();
    await row(/^Columns$/).waitFor({ state: 'detached', timeout: 15_000 });
    await pane().locator('.monaco-list').first().focus();
    await page().keyboard.press('Home');
    await row(/^Account\s*account$/).waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.runCommand('Dataverse: Show Tables of a Solution...');
    // The choices are the org's visible solutions: the platform's hidden ones (Default Solution) are not offered.
    const choices = page().locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await choices.filter({ hasText: 'Contoso Core' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    // (The widget keeps rows of earlier quick picks in the page, hence membership rather than the exact list.)
    const offered = (await choices.locator('.label-name').allInnerTexts()).map((t) => t.trim());
    for (const name of ['Common Data Services Default Solution', 'Contoso Core', 'Field Service']) assert.ok(offered.includes(name), `${name} is not offered`);
    for (const name of ['Default Solution', 'System Solution', 'Active Solution']) assert.ok(!offered.includes(name), `the hidden ${name} is offered`);
    await workbench.screenshot('explorer-solution-pick');
    await workbench.answer('Choose a solution of Sales', 'Contoso Core');
    await pane().locator('.pane-header', { hasText: 'solution ContosoCore' }).waitFor({ state: 'visible', timeout: 30_000 });
    await row(/^Work Order\s*msdyn_workorder$/).waitFor({ state: 'detached', timeout: 15_000 });
    // The description changes before the tree has re-rendered: read the rows until the list settles.
    const expected = 'Account, system table account|Contact, system table contact|Project, custom table new_project|Project Task, custom table new_projecttask';
    const labels = () => pane().locator('.monaco-list-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label')));
    for (let i = 0; i < 60 && (await labels()).join('|') !== expected; i++) await page().waitForTimeout(500);
    const tables = await labels();
    assert.deepEqual(tables, [
      'Account, system table account', 'Contact, system table contact', 'Project, custom table new_project', 'Project Task, custom table new_projecttask',
    ]);
    await workbench.screenshot('explorer-solution');
    await workbench.runCommand('Dataverse: Show Tables of All Solutions');
    await pane().locator('.pane-header', { hasText: 'solution ContosoCore' }).waitFor({ state: 'detached', timeout: 15_000 });
  });

  test('switch connections and the tree changes; hostile display names stay text', async () => {
    const { workbench } = session;
    await workbench.runCommand('Dataverse: Clear Table Filter');
    await connectWithSecret('contosodev', 'Dev');
    const hostile = row('onerror');
    await hostile.waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await hostile.locator('.label-name').innerText(), HOSTILE);
    assert.equal(await pane().locator('img[src="x"]').count(), 0, 'a display name became markup');
    await workbench.screenshot('explorer-switched-hostile');

    // Browse Tables on the other connection makes it active and shows its tables.
    const connectionsPane = page().locator('.pane', { has: page().locator('.pane-header', { hasText: /^Connections/ }) }).first();
    // The Connections list re-renders while the new connection settles, and a right-click on a row
    // being replaced opens no menu: try again until Sales is the active connection (the status bar says so).
    const salesActive = async () => /Sales · /.test(await workbench.statusBarText());
    for (let attempt = 0; attempt < 3 && !(await salesActive()); attempt++) {
      await contextMenu(connectionsPane.locator('.monaco-list-row', { hasText: /^Sales/ }).first(), 'Browse Tables').catch(() => page().keyboard.press('Escape'));
      for (let i = 0; i < 20 && !(await salesActive()); i++) await page().waitForTimeout(500);
    }
    assert.ok(await salesActive(), 'Browse Tables did not make Sales active');
    await row('onerror').waitFor({ state: 'detached', timeout: 30_000 });
    // A table only the full-scale Sales org has.
    await workbench.runCommand('Dataverse: Filter Tables...');
    await workbench.answer('Part of a logical or display name', 'msdyn_workorder');
    await row(/^Work Order\s*msdyn_workorder$/).waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.runCommand('Dataverse: Clear Table Filter');
    await row(/^Account\s*account$/).waitFor({ state: 'visible', timeout: 30_000 });
  });

  test('after a reload the tree comes from the cache, before any metadata request is answered', async () => {
    const { workbench } = session;
    const from = log.entries.length;
    log.hold();
    try {
      await page().reload();
      await page().locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
      // The Dataverse container comes back open; clicking it again would close it.
      await page().locator('.pane-header', { hasText: /^Tables/ }).waitFor({ state: 'visible', timeout: 30_000 }).catch(() => workbench.openViewContainer('Dataverse'));
      await row(/^Account\s*account$/).waitFor({ state: 'visible', timeout: 60_000 });
      // Only a refresh (changes since the stored stamp) may have been asked; a full load (the list, with or without a stamp) may not.
      const answeredBefore = log.metadata(from).filter((r) => !/RetrieveMetadataChanges\(Query=@q,ClientVersionStamp=/.test(r));
      assert.deepEqual(answeredBefore, [], 'the table list was requested although the cache had it');
      await workbench.screenshot('explorer-from-cache');
    } finally {
      log.release();
    }
    // The background refresh asks only for what changed.
    await page().waitForTimeout(2_000);
    assert.ok(log.metadata(from).every((r) => /RetrieveMetadataChanges\(Query=@q,ClientVersionStamp=/.test(r)), log.metadata(from).join('\n'));
  });

  test('in the dark theme too', async () => {
    const { workbench } = session;
    await workbench.runCommand('Preferences: Toggle between Light/Dark Themes');
    await page().waitForTimeout(1_000);
    await row(/^Account\s*account$/).click();
    await workbench.screenshot('explorer-dark');
  });

  test('signing out shows the signed-out welcome and deletes the cache', async () => {
    const { workbench } = session;
    const caches = () => filesUnder(session.profile.userDataDir).filter((f) => f.path.includes(EXTENSION_ID) && /metadata-[0-9a-f]+\.json$/.test(f.path));
    assert.equal(caches().length, 2, 'one cache per connection');
    await workbench.runCommand('Dataverse: Sign Out...');
    await workbench.answer('Sign out of which connection', 'Sales');
    try {
      await pane().getByText('You are signed out of the active connection').waitFor({ state: 'visible', timeout: 30_000 });
    } catch (error) {
      await workbench.screenshot('explorer-signed-out-missing');
      throw error;
    }
    await assertNoTreeActions();
    await workbench.screenshot('explorer-signed-out');
    assert.equal(caches().length, 1, 'the signed-out connection\'s cache is still on disk');
    assert.ok(caches()[0]!.text.includes('onerror'), 'the cache left is not the other connection\'s');
  });
});

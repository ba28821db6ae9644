import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { EXTENSION_ID, startSession, type E2eSession } from './support/session';

const activated = (logs: string) => logs.includes(`ExtensionService#_doActivateExtension ${EXTENSION_ID}`);

describe('foundation: the Dataverse container in a real VS Code', () => {
  let session: E2eSession;

  before(async () => {
    session = await startSession('foundation');
  });

  after(async () => {
    await session?.close();
  });

  test('the extension stays inactive until the Dataverse view is opened', async () => {
    const { workbench } = session;
    // Let start-up settle: the Explorer is up and built-in extensions have activated.
    await workbench.page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ state: 'attached', timeout: 30_000 });
    await delay(3000);
    assert.equal(activated(session.logs()), false, 'the extension activated before anyone used it');

    await workbench.openViewContainer('Dataverse');
    await workbench.waitForText('Dataverse DevKit signs you in to Microsoft Dataverse environments');
    // Connect is the one button; the log is a link in a sentence, not a second button as prominent.
    await workbench.page.getByRole('button', { name: 'Connect to an Environment', exact: true }).first().waitFor({ state: 'visible' });
    await workbench.page.locator('.welcome-view-content a', { hasText: /^log$/ }).waitFor({ state: 'visible' });
    // The Connections view's own welcome (the Tables view below has its own, with its own Connect).
    const connectionsWelcome = workbench.page.locator('.pane', { has: workbench.page.locator('.pane-header', { hasText: /^Connections/ }) }).locator('.welcome-view-content');
    assert.equal(await connectionsWelcome.locator('.monaco-button').count(), 1, 'the welcome view has more than one button');
    await workbench.screenshot('foundation-welcome-view');

    for (let i = 0; i < 100 && !activated(session.logs()); i++) {
      await delay(100);
    }
    assert.equal(activated(session.logs()), true, 'opening the Dataverse view did not activate the extension');
  });

  test('Dataverse: Show Log opens the log channel with the activation line', async () => {
    const { workbench } = session;
    await workbench.runCommand('Dataverse: Show Log');
    const panel = workbench.page.locator('.part.panel');
    await panel.waitFor({ state: 'visible', timeout: 15_000 });
    // The channel picker selects our channel, and the editor shows its lines.
    const picker = panel.locator('select.monaco-select-box').first();
    await picker.waitFor({ state: 'visible' });
    const lines = panel.locator('.view-lines');
    let text = '';
    for (let i = 0; i < 100; i++) {
      text = (await lines.innerText()).replace(/\u00a0/g, ' ');
      if (/Dataverse DevKit \d+\.\d+\.\d+ activated\./.test(text)) break;
      await delay(100);
    }
    await workbench.screenshot('foundation-show-log');
    const selected = await picker.evaluate((el) => (el as unknown as { selectedOptions: { text: string }[] }).selectedOptions[0]?.text);
    assert.equal(selected, 'Dataverse DevKit');
    assert.match(text, /\[info\] Dataverse DevKit \d+\.\d+\.\d+ activated\./);
  });
});

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { startSandbox, type Sandbox } from '../../sandbox/index';
import { connectWithSecret } from './support/flows';
import { startSandboxSession, type E2eSession } from './support/session';

/** Line 5 holds the request the tests point into; columns below are 1-based, as in "Go to Line". */
const FILE = [
  '# Queries against the Sales org',
  '@top = 5',
  '',
  '### Accounts, second page the wrong way',
  'GET accounts?$select=name,primarycontactid&$top={{top}}&$skip=5',
  '',
].join('\n');
const LINE = 5;
const column = (text: string) => FILE.split('\n')[LINE - 1].indexOf(text) + 1;

describe('.odata files: a query language that knows Dataverse, in a real VS Code', () => {
  let sandbox: Sandbox;
  let session: E2eSession;
  const page = () => session.workbench.page;
  const editorLines = (): Locator => page().locator('.monaco-editor .view-lines').first();
  const suggestion = (label: string): Locator => page().locator('.suggest-widget .monaco-list-row', { hasText: label }).first();
  const hover = (): Locator => page().locator('.monaco-hover:not(.hidden)').first();
  const fileStatus = (label: string): Locator => page().locator(`.part.statusbar [aria-label^="${label}"]`).first();

  /** Puts the cursor at a line and column with "Go to Line", as a keyboard user would. */
  async function goTo(line: number, col: number): Promise<void> {
    await page().keyboard.press('Control+G');
    const input = page().locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    // Ctrl+G opens Quick Open with ':' typed; the line and column follow it.
    await input.fill(`:${line}:${col}`);
    await input.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 10_000 });
  }

  /** Shows the hover at the cursor (keyboard: "Show or Focus Hover") and returns its text. */
  async function hoverText(expected: RegExp): Promise<string> {
    // The check runs after a pause in typing, and the first metadata load can take a moment: ask again until it says what is expected.
    let text = '';
    for (let attempt = 0; attempt < 10; attempt++) {
      await session.workbench.runCommand('Show or Focus Hover');
      await hover().waitFor({ state: 'visible', timeout: 10_000 }).catch(() => undefined);
      text = (await hover().innerText().catch(() => '')) ?? '';
      if (expected.test(text)) return text;
      await page().keyboard.press('Escape');
      await page().waitForTimeout(1000);
    }
    assert.match(text, expected);
    return text;
  }

  before(async () => {
    sandbox = await startSandbox();
    session = await startSandboxSession('odata', sandbox);
    writeFileSync(join(session.workspace, 'queries.odata'), FILE);
    await page().keyboard.press('Control+P');
    const input = page().locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill('queries.odata');
    await page().locator('.quick-input-list .monaco-list-row', { hasText: 'queries.odata' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await input.press('Enter');
    await editorLines().getByText('### Accounts, second page the wrong way').waitFor({ state: 'visible', timeout: 30_000 });
  });

  after(async () => {
    await session?.close();
    await sandbox?.close();
  });

  test('without a connection the syntax is checked: a squiggle under $skip says what to do instead', async () => {
    await fileStatus('Query file has no connection').waitFor({ state: 'visible', timeout: 30_000 });
    // The language is odata (from the .odata extension), shown in the status bar.
    await page().locator('.part.statusbar').getByText('OData', { exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
    await page().locator('.monaco-editor .squiggly-warning').first().waitFor({ state: 'visible', timeout: 30_000 });
    await goTo(LINE, column('$skip') + 1);
    // The request is a symbol (Outline, breadcrumbs) named by its title, and it folds.
    await page().locator('.breadcrumbs-control').getByText('Accounts, second page the wrong way').waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await page().locator('.monaco-editor .margin-view-overlays .codicon-folding-expanded').count(), 1);
    const text = await hoverText(/does not support \$skip/);
    assert.match(text, /odata\.maxpagesize/);
    await session.workbench.screenshot('odata-skip-warning');
    await page().keyboard.press('Escape');
  });

  test('with a connection, a lookup named by its logical name gets a quick fix to its _value form', async () => {
    await connectWithSecret(session.workbench, sandbox, 'contososales', 'Sales');
    await fileStatus('Query file uses the active connection Sales').waitFor({ state: 'visible', timeout: 30_000 });
    await page().locator('.monaco-editor').first().click({ position: { x: 400, y: 200 } });
    await goTo(LINE, column('primarycontactid') + 2);
    // The metadata checks run after the first load of the org's tables: wait for the lookup's warning.
    await hoverText(/is a lookup: the Web API reads its value as '_primarycontactid_value'/);
    await page().keyboard.press('Escape');
    await page().keyboard.press('Control+.');
    const fix = page().locator('.action-widget .monaco-list-row', { hasText: '_primarycontactid_value' }).first();
    await fix.waitFor({ state: 'visible', timeout: 15_000 });
    await session.workbench.screenshot('odata-lookup-quick-fix');
    await fix.click();
    await editorLines().getByText('GET accounts?$select=name,_primarycontactid_value&$top={{top}}&$skip=5').waitFor({ state: 'visible', timeout: 15_000 });
  });

  test('typing GET acc offers accounts, and ?$select= offers the account columns', async () => {
    const { keyboard } = page();
    await keyboard.press('Control+End');
    // Escape before each Enter: Enter would accept a suggestion the widget offers meanwhile.
    for (const line of ['', '### Typed by hand']) {
      await keyboard.type(line, { delay: 30 });
      await keyboard.press('Escape');
      await keyboard.press('Enter');
    }
    await keyboard.type('GET acc', { delay: 30 });
    await keyboard.press('Control+Space');
    await suggestion('accounts').waitFor({ state: 'visible', timeout: 30_000 });
    await session.workbench.screenshot('odata-complete-entity-set');
    await page().locator('.suggest-widget .monaco-list-row.focused', { hasText: 'accounts' }).waitFor({ state: 'visible', timeout: 10_000 });
    await keyboard.press('Enter');
    await editorLines().getByText('GET accounts', { exact: true }).waitFor({ state: 'visible', timeout: 10_000 });

    await keyboard.type('?$select=', { delay: 30 });
    await keyboard.press('Control+Space');
    await page().locator('.suggest-widget .monaco-list-row').first().waitFor({ state: 'visible', timeout: 30_000 });
    await session.workbench.screenshot('odata-complete-columns');
    // The primary name comes first; typing narrows the list to the other columns.
    await page().locator('.suggest-widget .monaco-list-row.focused', { hasText: /^name/ }).waitFor({ state: 'visible', timeout: 30_000 });
    await keyboard.type('accountn', { delay: 30 });
    await suggestion('accountnumber').waitFor({ state: 'visible', timeout: 30_000 });
    await keyboard.press('Enter');
    await editorLines().getByText('GET accounts?$select=accountnumber', { exact: true }).waitFor({ state: 'visible', timeout: 10_000 });
    await keyboard.press('Escape');
  });

  test('hovering a column shows its type', async () => {
    await goTo(LINE, column('name') + 1);
    const text = await hoverText(/String/);
    assert.match(text, /name/);
    await session.workbench.screenshot('odata-hover-column');
    await page().keyboard.press('Escape');
  });

  test('binding the file to a connection writes # @connection and the status bar shows it', async () => {
    await session.workbench.runCommand('Dataverse: Bind Query File to Connection...');
    await session.workbench.answer('Bind this query file to a connection', 'Sales');
    await editorLines().getByText('# @connection Sales').waitFor({ state: 'visible', timeout: 15_000 });
    await fileStatus('Query file bound to connection Sales').waitFor({ state: 'visible', timeout: 15_000 });
    await session.workbench.screenshot('odata-bound');
  });

  test('highlighting: methods, entity sets, query options and variables each have their colour, in dark and light themes', async () => {
    // The test tsconfig has no DOM types, hence the narrow shape of getComputedStyle.
    const colourOf = (text: string) =>
      editorLines().getByText(text, { exact: true }).first().evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color);
    for (const theme of ['Dark Modern', 'Light Modern']) {
      await session.workbench.pickColorTheme(theme);
      await page().waitForTimeout(500);
      const colours = { method: await colourOf('GET'), entitySet: await colourOf('accounts'), option: await colourOf('$select'), variable: await colourOf('top') };
      assert.equal(new Set(Object.values(colours)).size, Object.keys(colours).length, `${theme}: ${JSON.stringify(colours)}`);
      await session.workbench.screenshot(`odata-${theme.toLowerCase().replace(' ', '-')}`);
    }
  });

  test('signed out, the status bar says only the syntax is checked', async () => {
    await session.workbench.runCommand('Dataverse: Sign Out...');
    await session.workbench.answer('Sign out of which connection', 'Sales');
    await fileStatus('Query file uses Sales, which is signed out').waitFor({ state: 'visible', timeout: 30_000 });
    await session.workbench.screenshot('odata-signed-out');
  });
});

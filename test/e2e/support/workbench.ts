/**
 * Drives VS Code (code-server) in Debian's Chromium as a person would:
 * the activity bar, the command palette, notifications and views.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const ARTIFACTS = join(process.cwd(), '.test-artifacts');
export const SCREENSHOTS = join(ARTIFACTS, 'screenshots');

/** Chromium flags for this closed network (docs/code-server.md, item 8). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

/** A workbench page with helpers. */
export class Workbench {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  /** Opens the URL and waits for the workbench to be ready. */
  static async open(browser: Browser, url: string): Promise<Workbench> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('.activitybar').waitFor({ state: 'visible', timeout: 60_000 });
    return new Workbench(context, page);
  }

  /** Opens the same workspace in another window (a second tab of the same browser, as a person would). */
  async openAnotherWindow(): Promise<Workbench> {
    const page = await this.context.newPage();
    await page.goto(this.page.url());
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('.activitybar').waitFor({ state: 'visible', timeout: 60_000 });
    return new Workbench(this.context, page);
  }

  /** Clicks a view container in the activity bar by its title. */
  async openViewContainer(title: string): Promise<void> {
    const item = this.page.locator(`.activitybar [aria-label^="${title}"]`).first();
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    await item.click();
  }

  /** Opens the command palette, types the command's full title and runs it. */
  async runCommand(title: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    // Right after a (re)load the workbench may not handle keys yet: press again until the palette opens.
    for (let attempt = 0; ; attempt++) {
      await this.page.keyboard.press('F1');
      try {
        await input.waitFor({ state: 'visible', timeout: 5_000 });
        break;
      } catch (error) {
        if (attempt >= 4) throw error;
      }
    }
    await input.fill(`>${title}`);
    // Enter runs the focused row: wait until filtering has put this command there (recently used ones come first).
    const row = this.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await input.press('Enter');
  }

  /** Waits for the quick input to ask `prompt` (a substring of its title, prompt or placeholder), types `value` and presses Enter. */
  async answer(prompt: string | RegExp, value: string): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    await widget.waitFor({ state: 'visible', timeout: 30_000 });
    await this.page.waitForFunction(
      ([source, flags]) => {
        // Runs in the page; the test tsconfig has no DOM types, hence the narrow shapes.
        const doc = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null; querySelector(s: string): { placeholder?: string; getAttribute(n: string): string | null } | null } | null } }).document;
        const el = doc.querySelector('.quick-input-widget');
        const input = el?.querySelector('input') ?? null;
        const text = `${el?.textContent ?? ''} ${input?.placeholder ?? ''} ${input?.getAttribute('aria-label') ?? ''}`;
        return new RegExp(source, flags).test(text);
      },
      typeof prompt === 'string' ? [prompt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), ''] : [prompt.source, prompt.flags],
      { timeout: 60_000 },
    );
    const input = widget.locator('input').first();
    await input.fill(value);
    // Let the quick pick filter (or the input box validate) before accepting.
    await this.page.waitForTimeout(300);
    await input.press('Enter');
  }

  /** In a multi-select quick pick asking `prompt`, ticks the rows with these labels and accepts. */
  async check(prompt: string, labels: string[]): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    await this.page.locator(`.quick-input-widget input[placeholder*="${prompt}"]`).waitFor({ state: 'visible', timeout: 60_000 });
    for (const label of labels) {
      const row = widget.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
      await row.waitFor({ state: 'visible', timeout: 30_000 });
      await row.locator('.quick-input-list-checkbox, input[type="checkbox"], .monaco-checkbox').first().click();
    }
    await widget.locator('input').first().press('Enter');
  }

  /** Picks a colour theme as a person does: the palette's Color Theme command, then the theme's name. */
  async pickColorTheme(theme: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    await this.page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('>Preferences: Color Theme');
    // "Browse Color Themes in Marketplace" ranks first: click the command itself.
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: /^Preferences: Color Theme/ }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.click();
    await this.answer(/Select Color Theme/i, theme);
  }

  /** Text of the status bar. */
  async statusBarText(): Promise<string> {
    return (await this.page.locator('.part.statusbar').innerText()).replace(/\u00a0/g, ' ');
  }

  /** Waits until a notification toast contains the text; returns the toast's text. */
  async waitForNotification(text: string | RegExp, timeout = 60_000): Promise<string> {
    const toast = this.page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
    await toast.waitFor({ state: 'visible', timeout });
    return toast.innerText();
  }

  /** Waits until the text is visible anywhere in the workbench. */
  async waitForText(text: string | RegExp, timeout = 30_000): Promise<void> {
    await this.page.getByText(text).first().waitFor({ state: 'visible', timeout });
  }

  /** Saves a screenshot of what the test checked, for a reviewer. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const path = join(SCREENSHOTS, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

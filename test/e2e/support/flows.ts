/** Steps of the sign-in conversations that several end-to-end tests take. */
import type { Page } from 'playwright-core';
import type { Workbench } from './workbench';

/**
 * Picks "Sign in with a browser" in the Connect conversation, lets VS Code
 * open the sign-in page (it asks first; the page opens in a new tab) and
 * signs in there as the user whose button matches `user`.
 */
export async function signInWithBrowser(workbench: Workbench, user: RegExp, screenshot?: string): Promise<void> {
  await workbench.answer('How do you want to sign in', 'Sign in with a browser');
  const signInPage = new Promise<Page>((resolve) => workbench.context.once('page', resolve));
  await workbench.page.getByRole('button', { name: 'Open', exact: true }).click({ timeout: 60_000 });
  const page = await signInPage;
  await page.waitForLoadState();
  await page.getByRole('button', { name: user }).click();
  await page.waitForLoadState();
  if (screenshot) await workbench.screenshot(screenshot);
  await page.close();
}

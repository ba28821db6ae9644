/** Steps of the sign-in conversations that several end-to-end tests take. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, type Workbench } from './workbench';

/** How the person answers the sign-in page's steps after the account pick (only the steps given are expected). */
export interface SignInPageSteps {
  /** The second-factor step (a user who needs MFA): the button to press. */
  readonly mfa?: 'Approve' | 'Deny';
  /** The consent step (a user who has not consented to the app): the button to press. */
  readonly consent?: 'Accept' | 'Cancel';
  /** Saves a screenshot of each step's page under this name prefix. */
  readonly screenshot?: string;
}

/** Waits for a step of the sign-in page, keeps a picture of it, and presses the person's answer. */
async function answerStep(page: Page, heading: string, button: string, screenshot: string | undefined): Promise<void> {
  await page.getByRole('heading', { name: heading }).waitFor({ state: 'visible', timeout: 30_000 });
  if (screenshot) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${screenshot}.png`) });
  }
  await page.getByRole('button', { name: button, exact: true }).click();
  await page.waitForLoadState();
}

/**
 * Picks "Sign in with a browser" in the Connect conversation, lets VS Code
 * open the sign-in page (it asks first; the page opens in a new tab) and
 * signs in there as the user whose button matches `user`, answering the MFA
 * and consent steps the page then shows as `steps` says.
 */
export async function signInWithBrowser(workbench: Workbench, user: RegExp, screenshot?: string, steps: SignInPageSteps = {}): Promise<void> {
  await workbench.answer('How do you want to sign in', 'Sign in with a browser');
  const signInPage = new Promise<Page>((resolve) => workbench.context.once('page', resolve));
  await workbench.page.getByRole('button', { name: 'Open', exact: true }).click({ timeout: 60_000 });
  const page = await signInPage;
  await page.waitForLoadState();
  await page.getByRole('button', { name: user }).click();
  await page.waitForLoadState();
  if (steps.mfa) await answerStep(page, 'Approve sign in request', steps.mfa, steps.screenshot && `${steps.screenshot}-mfa`);
  if (steps.consent) await answerStep(page, 'Permissions requested', steps.consent, steps.screenshot && `${steps.screenshot}-consent`);
  if (screenshot) await workbench.screenshot(screenshot);
  await page.close();
}

/** Connects to a sandbox org with the sandbox's client-secret app and names the connection `name` (not production). */
export async function connectWithSecret(
  workbench: Workbench,
  sandbox: { orgs: readonly { uniqueName: string; url: string }[]; apps: { secret: { clientId: string; secret: string } } },
  orgUniqueName: string,
  name: string,
): Promise<void> {
  const org = sandbox.orgs.find((o) => o.uniqueName === orgUniqueName);
  if (!org) throw new Error(`The sandbox has no org ${orgUniqueName}`);
  await workbench.runCommand('Dataverse: Connect to Environment...');
  await workbench.answer('Environment URL', org.url);
  await workbench.answer('How do you want to sign in', 'App registration with a client secret');
  await workbench.answer('Application (client) id', sandbox.apps.secret.clientId);
  await workbench.answer('Client secret value', sandbox.apps.secret.secret);
  await workbench.answer('Name this connection', name);
  await workbench.answer('production environment', 'No');
  await workbench.waitForNotification(new RegExp(`Connected to ${name}`));
}

/**
 * One end-to-end session: a fresh code-server profile with the packaged
 * extension installed, code-server running, and Chromium on the workbench.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { createProfile, ensureCodeServer, installExtension, startCodeServer, type Profile, type RunningCodeServer } from './codeServer';
import { ARTIFACTS, launchBrowser, Workbench } from './workbench';

export const VSIX = join(process.cwd(), 'dist', 'dataverse-devkit.vsix');
export const EXTENSION_ID = 'dataverse-devkit.dataverse-devkit';

export interface E2eSession {
  readonly profile: Profile;
  readonly workspace: string;
  readonly codeServer: RunningCodeServer;
  readonly browser: Browser;
  readonly workbench: Workbench;
  /** All log files code-server wrote for this profile, concatenated. */
  logs(): string;
  close(): Promise<void>;
}

function readTree(dir: string): string {
  let text = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    text += statSync(path).isDirectory() ? readTree(path) : `\n--- ${path}\n${readFileSync(path, 'utf8')}`;
  }
  return text;
}

/** Starts a session named `name`; its profile lives under .test-artifacts/profiles/<name>. */
export async function startSession(
  name: string,
  options: { settings?: Record<string, unknown>; env?: NodeJS.ProcessEnv; files?: Record<string, string> } = {},
): Promise<E2eSession> {
  const install = ensureCodeServer();
  const root = join(ARTIFACTS, 'profiles', name);
  rmSync(root, { recursive: true, force: true });
  const profile = createProfile(root, options.settings);
  const workspace = join(root, 'workspace');
  mkdirSync(workspace, { recursive: true });
  installExtension(install, profile, VSIX);
  const codeServer = await startCodeServer(install, profile, { env: options.env });
  const browser = await launchBrowser();
  try {
    const workbench = await Workbench.open(browser, codeServer.folderUrl(workspace));
    return {
      profile,
      workspace,
      codeServer,
      browser,
      workbench,
      logs: () => readTree(join(profile.userDataDir, 'logs')),
      close: async () => {
        await browser.close();
        await codeServer.stop();
      },
    };
  } catch (error) {
    await browser.close();
    await codeServer.stop();
    throw error;
  }
}

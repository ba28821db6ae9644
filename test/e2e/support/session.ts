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

/** Every file under a folder, as text (latin1, so bytes of binary files survive for substring searches); sockets skipped. */
export function filesUnder(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) out.push(...filesUnder(path));
    else if (stat.isFile()) out.push({ path, text: readFileSync(path).toString('latin1') });
  }
  return out;
}

/**
 * Starts a session named `name`; its profile lives under .test-artifacts/profiles/<name>.
 * `extensions`: more .vsix files installed next to the DevKit (an install needs code-server stopped).
 */
export async function startSession(
  name: string,
  options: { settings?: Record<string, unknown>; env?: NodeJS.ProcessEnv; files?: Record<string, string>; extensions?: readonly string[] } = {},
): Promise<E2eSession> {
  const install = await ensureCodeServer();
  const root = join(ARTIFACTS, 'profiles', name);
  rmSync(root, { recursive: true, force: true });
  const profile = createProfile(root, options.settings);
  const workspace = join(root, 'workspace');
  mkdirSync(workspace, { recursive: true });
  for (const vsix of [VSIX, ...(options.extensions ?? [])]) installExtension(install, profile, vsix);
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
      logs: () => filesUnder(join(profile.userDataDir, 'logs')).map((f) => `\n--- ${f.path}\n${f.text}`).join(''),
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

/**
 * A session wired to a running sandbox the way `npm start` wires it: the
 * sandbox CA trusted by the extension host, its sign-in host trusted, its
 * discovery service used.
 */
export function startSandboxSession(
  name: string,
  sandbox: { caBundleFile: string; entra: { url: string }; discoveryUrl: string },
  options: { extensions?: readonly string[]; settings?: Record<string, unknown> } = {},
): Promise<E2eSession> {
  return startSession(name, {
    env: { NODE_EXTRA_CA_CERTS: sandbox.caBundleFile },
    settings: {
      // VS Code's fetch honours NODE_EXTRA_CA_CERTS only with this off (docs/code-server.md, item 10).
      'http.fetchAdditionalSupport': false,
      'dataverse.trustedAuthorityHosts': [sandbox.entra.url],
      'dataverse.globalDiscoveryUrl': sandbox.discoveryUrl,
      ...options.settings,
    },
    ...(options.extensions ? { extensions: options.extensions } : {}),
  });
}

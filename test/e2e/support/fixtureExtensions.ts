/**
 * Fixture extensions for end-to-end tests: small extensions under
 * test/e2e/fixtures/ that use the DevKit the way another extension would.
 * They are packaged with the same vsce the project uses and installed into
 * the session's profile next to the DevKit.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createProfile, ensureCodeServer, installExtension, startCodeServer } from './codeServer';
import { filesUnder, VSIX, type E2eSession } from './session';
import { ARTIFACTS, launchBrowser, Workbench } from './workbench';

export const FIXTURES = join(process.cwd(), 'test', 'e2e', 'fixtures');

/** Packages test/e2e/fixtures/<name> into .test-artifacts/fixtures/<name>.vsix; returns its path. */
export function packageFixture(name: string): string {
  const out = join(ARTIFACTS, 'fixtures', `${name}.vsix`);
  mkdirSync(join(ARTIFACTS, 'fixtures'), { recursive: true });
  rmSync(out, { force: true });
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  const result = spawnSync(npx, ['vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', out], {
    cwd: join(FIXTURES, name),
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`Packaging the fixture ${name} failed:\n${result.stdout}\n${result.stderr}`);
  return out;
}

/**
 * Like startSession, with more extensions installed into the same profile
 * before code-server starts (an install needs code-server stopped).
 */
export async function startSessionWithExtensions(
  name: string,
  extensions: readonly string[],
  options: { settings?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {},
): Promise<E2eSession> {
  const install = ensureCodeServer();
  const root = join(ARTIFACTS, 'profiles', name);
  rmSync(root, { recursive: true, force: true });
  const profile = createProfile(root, options.settings);
  const workspace = join(root, 'workspace');
  mkdirSync(workspace, { recursive: true });
  for (const vsix of [VSIX, ...extensions]) installExtension(install, profile, vsix);
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

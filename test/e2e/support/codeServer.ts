/**
 * A real VS Code for end-to-end tests and `npm start`: code-server from the npm registry, run on
 * its own Node 24, both installed into a cache by scripts/setup/codeServerCache.ts (see
 * docs/code-server.md for how code-server is driven here and the pitfalls found).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { withNode24, type CodeServerInstall } from '../../../scripts/setup/codeServerCache';

export { CODE_SERVER_VERSION, ensureCodeServer, type CodeServerInstall } from '../../../scripts/setup/codeServerCache';

/** Returns a TCP port that was free a moment ago on the given address. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Folders of one code-server profile. */
export interface Profile {
  readonly userDataDir: string;
  readonly extensionsDir: string;
}

/** Settings that keep the UI predictable for a test or a demo (docs/code-server.md). */
export const QUIET_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'chat.disableAIFeatures': true,
  'workbench.tips.enabled': false,
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'telemetry.telemetryLevel': 'off',
  'git.openRepositoryInParentFolders': 'never',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** Creates a profile with user settings. */
export function createProfile(dir: string, settings: Record<string, unknown> = {}): Profile {
  const userDataDir = join(dir, 'user-data');
  const extensionsDir = join(dir, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
  return { userDataDir, extensionsDir };
}

function codeServerArgs(install: CodeServerInstall, profile: Profile): string[] {
  return [install.bin, '--user-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir, '--disable-telemetry', '--disable-update-check'];
}

/** Installs a .vsix into the profile; code-server must not be running on it (docs/code-server.md). */
export function installExtension(install: CodeServerInstall, profile: Profile, vsix: string): void {
  const node = join(install.nodeDir, 'bin', 'node');
  const result = spawnSync(node, [...codeServerArgs(install, profile), '--install-extension', vsix, '--force'], { encoding: 'utf8' });
  if (result.status !== 0 || !/successfully installed/i.test(result.stdout + result.stderr)) {
    throw new Error(`Installing ${vsix} into code-server failed:\n${result.stdout}\n${result.stderr}`);
  }
}

/** A running code-server. */
export interface RunningCodeServer {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  readonly url: string;
  /** URL that opens the given folder. */
  folderUrl(folder: string): string;
  readonly process: ChildProcess;
  /** Everything code-server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts code-server on a free port with no authentication, bound to 127.0.0.1 only. */
export async function startCodeServer(
  install: CodeServerInstall,
  profile: Profile,
  options: { env?: NodeJS.ProcessEnv; port?: number; host?: string } = {},
): Promise<RunningCodeServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const node = join(install.nodeDir, 'bin', 'node');
  const child = spawn(node, [...codeServerArgs(install, profile), '--auth', 'none', '--bind-addr', `${host}:${port}`], {
    env: { ...withNode24(install.nodeDir), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never leave a code-server behind when this process ends, however it ends.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let output = '';
  const append = (chunk: Buffer) => (output += chunk.toString());
  child.stdout.on('data', append);
  child.stderr.on('data', append);

  const url = `http://${host}:${port}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (/HTTP server listening/.test(output)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`code-server exited with ${code} before it listened:\n${output}`));
    });
  });

  return {
    url,
    folderUrl: (folder) => `${url}/?folder=${encodeURIComponent(folder)}`,
    process: child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

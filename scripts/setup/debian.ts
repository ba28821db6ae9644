/**
 * The Debian packages `npm start` and `npm test` need, checked before any long step starts.
 * A missing package is installed with apt-get when this process is root or has passwordless
 * sudo; otherwise the run stops at once with the single command that fixes it, instead of
 * starting a multi-minute build that is bound to fail.
 */
import { spawnSync } from 'node:child_process';

/** One package the project needs, and why (printed when it is installed or missing). */
export interface DebianNeed {
  readonly name: string;
  readonly why: string;
  /** When set, the need is met by this command on PATH, however it was installed (e.g. python3 from pyenv). */
  readonly command?: string;
}

const OPENSSL: DebianNeed = { name: 'openssl', why: "makes the sandbox's local CA and certificates" };
const CHROMIUM: DebianNeed = { name: 'chromium', why: 'the browser the end-to-end tests drive' };
/** What code-server's native modules (kerberos, native-keymap, keytar, argon2) build against; only needed until it is cached. */
const CODE_SERVER_BUILD: readonly DebianNeed[] = [
  { name: 'libkrb5-dev', why: "code-server's kerberos module builds against gssapi.h" },
  { name: 'libx11-dev', why: "code-server's native-keymap module builds against X11" },
  { name: 'libxkbfile-dev', why: "code-server's native-keymap module builds against xkbfile" },
  { name: 'libsecret-1-dev', why: "code-server's keytar module builds against libsecret" },
  { name: 'pkg-config', why: "finds those libraries for code-server's native build" },
  { name: 'g++', why: "compiles code-server's native modules", command: 'g++' },
  { name: 'make', why: "runs code-server's native builds", command: 'make' },
  { name: 'python3', why: 'node-gyp, which builds the native modules, runs on Python', command: 'python3' },
];

/** The packages a run needs: `forTests` adds Chromium; `buildCodeServer` the build headers (first run only). */
export function debianNeeds(options: { forTests: boolean; buildCodeServer: boolean }): DebianNeed[] {
  return [OPENSSL, ...(options.forTests ? [CHROMIUM] : []), ...(options.buildCodeServer ? CODE_SERVER_BUILD : [])];
}

/** What to do about missing packages. */
export type InstallPlan =
  | { readonly kind: 'nothing' }
  | { readonly kind: 'install'; readonly sudo: boolean; readonly packages: readonly DebianNeed[] }
  | { readonly kind: 'stop'; readonly command: string; readonly packages: readonly DebianNeed[] };

/** The one command a person without root runs to install `packages`. */
export function installCommand(packages: readonly DebianNeed[]): string {
  const names = packages.map((p) => p.name).join(' ');
  return `sudo apt-get update && sudo apt-get install -y ${names}`;
}

/** Decides, without side effects, how missing packages get installed. */
export function planInstall(missing: readonly DebianNeed[], who: { readonly isRoot: boolean; readonly canSudo: boolean }): InstallPlan {
  if (missing.length === 0) return { kind: 'nothing' };
  if (who.isRoot || who.canSudo) return { kind: 'install', sudo: !who.isRoot, packages: missing };
  return { kind: 'stop', command: installCommand(missing), packages: missing };
}

/** What the check needs from the machine; injected so that tests can be a user without root. */
export interface DebianSystem {
  /** Whether dpkg is there at all (not a Debian-family machine otherwise). */
  hasDpkg(): boolean;
  /** The names among `names` whose package is installed. */
  installedPackages(names: readonly string[]): Set<string>;
  hasCommand(command: string): boolean;
  isRoot(): boolean;
  canSudo(): boolean;
  /** Runs a command with its output shown; returns its exit code. */
  run(command: string, args: readonly string[]): number;
}

/** A set-up step that cannot go on; its message is the one thing the person needs to read. */
export class SetupError extends Error {
  override readonly name = 'SetupError';
}

/** Checks the packages and installs the missing ones when it can; throws SetupError when it cannot. */
export function ensureDebianPackages(needs: readonly DebianNeed[], system: DebianSystem, log: (line: string) => void): void {
  if (!system.hasDpkg()) {
    log(`Not a Debian-family machine (no dpkg-query): make sure these are installed: ${needs.map((n) => n.name).join(', ')}.`);
    return;
  }
  const installed = system.installedPackages(needs.filter((n) => !n.command).map((n) => n.name));
  const missing = needs.filter((n) => (n.command ? !system.hasCommand(n.command) : !installed.has(n.name)));
  const plan = planInstall(missing, { isRoot: system.isRoot(), canSudo: missing.length > 0 && !system.isRoot() && system.canSudo() });
  if (plan.kind === 'nothing') return;
  const list = plan.packages.map((p) => `${p.name} (${p.why})`).join('; ');
  if (plan.kind === 'stop') {
    throw new SetupError(`Missing Debian packages: ${list}. Run this, then try again: ${plan.command}`);
  }
  log(`Installing Debian packages${plan.sudo ? ' through sudo' : ''}: ${list}`);
  // Another run (or apt itself) may hold dpkg's lock: wait for it rather than fail.
  const apt = (args: string[]) => {
    const full = ['-o', 'DPkg::Lock::Timeout=600', ...args];
    return plan.sudo ? system.run('sudo', ['-n', 'apt-get', ...full]) : system.run('apt-get', full);
  };
  if (apt(['update', '-q']) !== 0) throw new SetupError(`apt-get update failed (see above). Fix it, then run: ${installCommand(plan.packages)}`);
  if (apt(['install', '-y', '-q', ...plan.packages.map((p) => p.name)]) !== 0) {
    throw new SetupError(`apt-get install failed (see above). Fix it, then run: ${installCommand(plan.packages)}`);
  }
}

/** The real machine. */
export const realDebianSystem: DebianSystem = {
  hasDpkg: () => spawnSync('dpkg-query', ['--version'], { stdio: 'ignore' }).status === 0,
  installedPackages(names) {
    if (names.length === 0) return new Set();
    // Unknown names go to stderr and make the exit code 1; the known ones are still listed.
    const result = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...names], { encoding: 'utf8' });
    const ok = (result.stdout ?? '')
      .split('\n')
      .filter((line) => line.endsWith(' install ok installed'))
      .map((line) => line.split(' ')[0]?.split(':')[0] ?? '');
    return new Set(ok);
  },
  hasCommand: (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0,
  isRoot: () => process.getuid?.() === 0,
  canSudo: () => spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0,
  run: (command, args) => spawnSync(command, [...args], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status ?? 1,
};

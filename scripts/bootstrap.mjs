// The first step of `npm start` and `npm test`. It runs under plain `node`, before any
// dependency is installed, so it uses Node's own modules only: it times each set-up stage
// and installs node_modules when they are missing or older than package-lock.json.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs one set-up stage, printing its name when it starts and the time it took when it ends,
 * so that a first run that takes minutes is visibly moving.
 */
export async function stage(label, work, log = console.log) {
  const started = Date.now();
  log(`▸ ${label}...`);
  try {
    const result = await work();
    log(`✓ ${label} (${seconds(started)})`);
    return result;
  } catch (error) {
    log(`✗ ${label} failed after ${seconds(started)}`);
    throw error;
  }
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** Why node_modules must be (re)installed, or undefined when they are current. */
export function nodeModulesState(root) {
  const installed = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installed)) return 'node_modules are not installed';
  if (statSync(installed).mtimeMs < statSync(join(root, 'package-lock.json')).mtimeMs) {
    return 'package-lock.json is newer than node_modules';
  }
  return undefined;
}

/** Runs `npm ci` when node_modules are absent or older than package-lock.json. */
export async function ensureNodeModules(root = process.cwd()) {
  const why = nodeModulesState(root);
  if (!why) return;
  await stage(`npm ci (${why})`, () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`npm ci failed (exit ${result.status ?? result.signal}); see its output above.`);
  });
}

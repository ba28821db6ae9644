/**
 * Fixture extensions for end-to-end tests: small extensions under
 * test/e2e/fixtures/ that use the DevKit the way another extension would.
 * They are packaged with the same vsce the project uses and installed into
 * the session's profile next to the DevKit.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS } from './workbench';

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

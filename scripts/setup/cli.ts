/**
 * Installs what a run needs before it starts: the Debian packages (checked first, in seconds),
 * then Node 24 and code-server into the cache. Called by `npm test` and `npm start`.
 *
 *   node --import tsx scripts/setup/cli.ts [--chromium] [--code-server]
 *
 * Exit 0: ready. Exit 2: a Debian package is missing and cannot be installed here (the message is the
 * command that fixes it). Exit 3: the code-server install failed; the last line says why.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stage } from '../bootstrap.mjs';
import { cacheRoot, codeServerIsCached, ensureCodeServer } from './codeServerCache';
import { debianNeeds, ensureDebianPackages, realDebianSystem } from './debian';
import { withLock } from './lock';

/** scripts/test.mjs looks for this prefix to tell the end-to-end files why there is no code-server. */
const INSTALL_FAILED_PREFIX = 'code-server install failed: ';

async function main(): Promise<number> {
  const chromium = process.argv.includes('--chromium');
  const codeServer = process.argv.includes('--code-server');
  const needs = debianNeeds({ forTests: chromium, buildCodeServer: codeServer && !codeServerIsCached() });
  try {
    // Two runs started together would both call apt-get, and the second would fail on apt's own
    // lock: the second waits here instead, then finds the packages installed.
    mkdirSync(cacheRoot(), { recursive: true });
    await stage(`Debian packages (${needs.map((n) => n.name).join(', ')})`, () =>
      withLock(
        join(cacheRoot(), '.apt.lock'),
        (pid) => console.log(`Another run (pid ${pid}) is installing Debian packages; waiting for it...`),
        async () => ensureDebianPackages(needs, realDebianSystem, console.log),
      ),
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (codeServer && !codeServerIsCached()) {
    try {
      await ensureCodeServer();
    } catch (error) {
      console.error(`${INSTALL_FAILED_PREFIX}${(error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ')}`);
      return 3;
    }
  }
  return 0;
}

void main().then((code) => {
  process.exitCode = code;
});

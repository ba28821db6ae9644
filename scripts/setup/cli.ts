/**
 * Installs what a run needs before it starts: the Debian packages (checked first, in seconds),
 * then Node 24 and code-server into the cache. Called by `npm test` and `npm start`.
 *
 *   node --import tsx scripts/setup/cli.ts [--chromium] [--code-server]
 *
 * Exit 0: ready. Exit 2: a Debian package is missing and cannot be installed here (the message is the
 * command that fixes it). Exit 3: the code-server install failed; the last line says why.
 */
import { stage } from '../bootstrap.mjs';
import { codeServerIsCached, ensureCodeServer } from './codeServerCache';
import { debianNeeds, ensureDebianPackages, realDebianSystem } from './debian';

/** scripts/test.mjs looks for this prefix to tell the end-to-end files why there is no code-server. */
const INSTALL_FAILED_PREFIX = 'code-server install failed: ';

async function main(): Promise<number> {
  const chromium = process.argv.includes('--chromium');
  const codeServer = process.argv.includes('--code-server');
  const needs = debianNeeds({ forTests: chromium, buildCodeServer: codeServer && !codeServerIsCached() });
  try {
    await stage(`Debian packages (${needs.map((n) => n.name).join(', ')})`, () => ensureDebianPackages(needs, realDebianSystem, console.log));
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

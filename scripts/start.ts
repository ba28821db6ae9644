/**
 * `npm start`: build and package the extension, install it into a code-server
 * profile kept in .devkit-profile/, start code-server, and print the address
 * to open. Ctrl+C stops everything.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { CODE_SERVER_VERSION, createProfile, ensureCodeServer, freePort, installExtension, startCodeServer } from '../test/e2e/support/codeServer';

function isFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

async function main(): Promise<void> {
  const pkg = spawnSync('npm', ['run', '--silent', 'package'], { stdio: 'inherit' });
  if (pkg.status !== 0) {
    throw new Error('Packaging the extension failed; see the output above.');
  }
  const install = ensureCodeServer();
  const profile = createProfile(resolve('.devkit-profile'));
  installExtension(install, profile, resolve('dist', 'dataverse-devkit.vsix'));

  // Prefer the usual port so a bookmark keeps working; fall back to any free one.
  const wanted = Number(process.env.PORT ?? 8765);
  const port = (await isFree(wanted)) ? wanted : await freePort();
  const codeServer = await startCodeServer(install, profile, { port });
  const workspace = resolve('samples');

  console.log('');
  console.log(`Dataverse DevKit is running in VS Code (code-server ${CODE_SERVER_VERSION}).`);
  console.log(`  Open: ${codeServer.folderUrl(workspace)}`);
  console.log(`  Profile: ${resolve('.devkit-profile')} (delete it to start from scratch)`);
  console.log('Press Ctrl+C to stop.');

  const stop = async () => {
    console.log('\nStopping code-server...');
    await codeServer.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  codeServer.process.once('exit', (code) => {
    console.error(`code-server exited (${code}).`);
    process.exit(code ?? 1);
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});

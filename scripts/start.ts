/**
 * `npm start`: build and package the extension, start the local sandbox
 * (Entra ID + Dataverse stand-ins), install the extension into a code-server
 * profile kept in .devkit-profile/, start code-server with the sandbox's CA
 * trusted, and print the address to open with the sandbox's sign-in details.
 * Ctrl+C stops everything.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { describeSandbox } from '../sandbox/describe';
import { startSandbox } from '../sandbox/index';
import { CODE_SERVER_VERSION, createProfile, ensureCodeServer, freePort, installExtension, startCodeServer } from '../test/e2e/support/codeServer';

function isFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, host, () => server.close(() => done(true)));
  });
}

async function main(): Promise<void> {
  const pkg = spawnSync('npm', ['run', '--silent', 'package'], { stdio: 'inherit' });
  if (pkg.status !== 0) {
    throw new Error('Packaging the extension failed; see the output above.');
  }

  // Fixed sandbox ports keep the org URLs stable across restarts, so saved connections keep working.
  const portBase = Number(process.env.SANDBOX_PORT_BASE ?? 9443);
  const sandbox = await startSandbox({ portBase });

  const install = await ensureCodeServer();
  // VS Code's own fetch ignores NODE_EXTRA_CA_CERTS unless its extra fetch support is off
  // (docs/code-server.md, item 10); with it off, the sandbox CA bundle is trusted.
  const profile = createProfile(resolve('.devkit-profile'), {
    'http.fetchAdditionalSupport': false,
    'dataverse.trustedAuthorityHosts': [sandbox.entra.url],
    'dataverse.globalDiscoveryUrl': sandbox.discoveryUrl,
  });
  installExtension(install, profile, resolve('dist', 'dataverse-devkit.vsix'));

  // Prefer the usual port so a bookmark keeps working; fall back to any free one.
  const wanted = Number(process.env.PORT ?? 8765);
  const port = (await isFree(wanted)) ? wanted : await freePort();
  const codeServer = await startCodeServer(install, profile, { port, env: { NODE_EXTRA_CA_CERTS: sandbox.caBundleFile } });
  const workspace = resolve('samples');

  console.log('');
  console.log(describeSandbox(sandbox).join('\n'));
  console.log('');
  console.log(`Dataverse DevKit is running in VS Code (code-server ${CODE_SERVER_VERSION}).`);
  console.log(`  Open:    ${codeServer.folderUrl(workspace)}`);
  console.log(`  Profile: ${resolve('.devkit-profile')} (delete it to start from scratch)`);
  console.log('  The sign-in page is served with the sandbox CA; your browser warns about it unless you trust');
  console.log(`  ${sandbox.caFile}.`);
  console.log('Press Ctrl+C to stop.');

  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping code-server and the sandbox...');
    await codeServer.stop();
    await sandbox.close();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  codeServer.process.once('exit', (code) => {
    if (!stopping) {
      console.error(`code-server exited (${code}).`);
      void stop(code ?? 1);
    }
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});

// `npm start`, under plain node so that it works on a fresh clone: install what is missing
// (node_modules, Debian packages, Node 24 and code-server; no Chromium, the person brings a browser),
// then run scripts/start.ts, which builds, starts the sandbox and code-server, and prints the address.
import { spawn } from 'node:child_process';
import { ensureNodeModules } from './bootstrap.mjs';

/** Runs node with tsx on a script, sharing this terminal; resolves with its exit code. */
function runTs(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: 'inherit' });
    // Ctrl+C reaches the child too (same process group): it stops code-server and the sandbox and
    // exits; this process only waits for it. A SIGTERM sent to this process alone is passed on.
    const ignore = () => {};
    const forward = () => child.kill('SIGTERM');
    process.on('SIGINT', ignore);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

try {
  await ensureNodeModules();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
const setup = await runTs(['scripts/setup/cli.ts', '--code-server']);
if (setup !== 0) process.exit(setup);
process.exit(await runTs(['scripts/start.ts']));

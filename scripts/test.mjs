// The project's test command: set-up, type check, lint, unit tests, end-to-end tests.
// Usage: node scripts/test.mjs [typecheck|lint|unit|e2e ...]   (default: all, in that order)
// It runs under plain node on a fresh clone: it first installs what is missing (node_modules,
// Debian packages, Node 24 and code-server), then prints each stage's output, then one closing
// line with the totals: "N passed, N failed".
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNodeModules } from './bootstrap.mjs';
import { sandboxCaBundle } from './sandboxCa.mjs';

const stages = process.argv.slice(2);
const wanted = (name) => stages.length === 0 || stages.includes(name);
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** Test files under a folder, recursively. */
function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Runs a command, echoing its output; resolves with exit code and output. */
function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const echo = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', echo(process.stdout));
    child.stderr.on('data', echo(process.stderr));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

/** Prints the closing totals line and sets the exit code. */
function finish() {
  console.log('');
  if (failures.length > 0) console.log(`failed stages: ${failures.join(', ')}`);
  console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
  process.exitCode = totals.failed > 0 ? 1 : 0;
}

// Set-up first, so that nothing long starts before what it needs is known to be there.
try {
  await ensureNodeModules();
} catch (error) {
  console.error(error.message);
  totals.failed++;
  failures.push('npm ci');
  finish();
  process.exit();
}
/** Why code-server could not be installed in this run, told to every end-to-end file. */
let setupError;
if (wanted('unit') || wanted('e2e')) {
  const args = wanted('e2e') ? ['--chromium', '--code-server'] : [];
  const { code, output } = await run(process.execPath, ['--import', 'tsx', 'scripts/setup/cli.ts', ...args]);
  if (code === 2) {
    // A Debian package is missing and cannot be installed here: the message above is the fix.
    totals.failed++;
    failures.push('setup');
    finish();
    process.exit();
  }
  if (code !== 0) setupError = /^code-server install failed: (.*)$/m.exec(output)?.[1] ?? `set-up exited with ${code}; see above`;
}

/** A check that is not a test runner counts as one test. */
async function check(name, command, args) {
  console.log(`\n=== ${name}`);
  const { code } = await run(command, args);
  if (code === 0) totals.passed++;
  else {
    totals.failed++;
    failures.push(name);
  }
}

/** Runs node's test runner over files and adds its counts. */
async function nodeTests(name, files, env = {}, extraArgs = []) {
  console.log(`\n=== ${name} (${files.length} files)`);
  const { code, output } = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...extraArgs, ...files], env);
  const count = (label) => Number(new RegExp(`^ℹ ${label} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
  const passed = count('pass');
  const failed = count('fail') + count('cancelled');
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += count('skipped') + count('todo');
  if (code !== 0 && failed === 0) {
    // The runner failed outside any test (a crash, a file that did not load).
    totals.failed++;
  }
  if (code !== 0) failures.push(name);
}

if (wanted('typecheck')) {
  await check('typecheck', npx, ['tsc', '-p', '.', '--noEmit']);
  // Webview pages run in a browser: their own settings, with the DOM library.
  await check('typecheck webview pages', npx, ['tsc', '-p', 'src/webviews/app', '--noEmit']);
}
if (wanted('lint')) await check('lint', npx, ['eslint', '.']);
// NODE_EXTRA_CA_CERTS is read once at process start, so it is set before the runner starts.
const bundle = wanted('unit') || wanted('e2e') ? sandboxCaBundle() : undefined;
if (wanted('unit')) {
  await nodeTests('unit tests', testFiles('test/unit'), { NODE_EXTRA_CA_CERTS: bundle });
}
if (wanted('e2e')) {
  console.log('\n=== package the extension for the end-to-end tests');
  const { code } = await run('npm', ['run', '--silent', 'package']);
  if (code !== 0) {
    totals.failed++;
    failures.push('package');
  } else {
    // One file at a time: each starts its own code-server and browser, and this machine has two cores.
    // The tests themselves call the sandbox (to mint tokens a person would paste), hence the CA here too.
    const env = { NODE_EXTRA_CA_CERTS: bundle, ...(setupError ? { DATAVERSE_DEVKIT_SETUP_ERROR: setupError } : {}) };
    await nodeTests('end-to-end tests', testFiles('test/e2e'), env, ['--test-concurrency=1']);
  }
}

finish();

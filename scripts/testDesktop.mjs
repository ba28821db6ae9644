// `npm run test:desktop`: the in-editor tests in desktop VS Code through @vscode/test-electron.
// It downloads a VS Code build; machines without internet access (like this project's CI)
// cannot, and this script says so instead of pretending the tests ran.
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';

await build({
  entryPoints: ['test/desktop/suite.ts'],
  outfile: 'out/desktop/suite.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  external: ['vscode'],
  logLevel: 'warning',
});

try {
  await runTests({
    extensionDevelopmentPath: resolve('.'),
    extensionTestsPath: resolve('out/desktop/suite.js'),
    launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  });
} catch (error) {
  const message = String(error?.message ?? error);
  if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo|fetch failed|Failed to get/i.test(message)) {
    console.error(
      'test:desktop did not run: @vscode/test-electron must download a desktop VS Code build, and this machine cannot reach the download server.\n' +
        'The same behaviour is covered in a real VS Code (code-server) by `npm test`.',
    );
  } else {
    console.error(`test:desktop failed: ${message}`);
  }
  process.exit(1);
}

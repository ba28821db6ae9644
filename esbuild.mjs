// Builds the extension host bundle and the browser bundles of webview pages.
// Usage: node esbuild.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  legalComments: production ? 'none' : 'inline',
  logLevel: 'warning',
};

/** @type {import('esbuild').BuildOptions} */
const extensionHost = {
  ...common,
  entryPoints: ['src/extension.ts'],
  outfile: 'dist/extension.js',
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
};

// One browser bundle per folder under src/webviews/app/<panel>/main.ts, written to dist/webviews/<panel>.js.
const appRoot = 'src/webviews/app';
const pages = existsSync(appRoot)
  ? readdirSync(appRoot, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(appRoot, entry.name, 'main.ts')))
      .map((entry) => entry.name)
  : [];

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  extensionHost,
  ...pages.map((page) => ({
    ...common,
    entryPoints: [join(appRoot, page, 'main.ts')],
    outfile: join('dist', 'webviews', `${page}.js`),
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  })),
];

if (watch) {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((context) => context.watch()));
  console.log(`watching ${builds.length} bundle(s)`);
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}

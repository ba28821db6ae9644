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

/**
 * The big libraries are bundled apart, in dist/vendor/, and required only
 * when first needed: msal-node for a token, jose for a signature check,
 * node-forge for a PFX file. Loading the extension (and showing cached
 * connections and tables) then parses and runs none of them. Each is
 * imported in src/ only lazily (`await import(...)` or a `require` inside a
 * function), so moving it out changes nothing else; bench `activation`
 * measures the effect.
 */
const VENDOR = {
  'msal-node': { match: /^@azure\/msal-node$/, source: "module.exports = require('@azure/msal-node');" },
  jose: { match: /^jose$/, source: "module.exports = require('jose');" },
  'node-forge': {
    match: /^node-forge(\/.*)?$/,
    source: "require('node-forge/lib/md.all');\nrequire('node-forge/lib/pkcs12');\nmodule.exports = require('node-forge/lib/forge');",
  },
};

/**
 * Our own features that only some sessions use are bundled apart in the same
 * way: the `.odata` language (parser, checks, completion) loads when the first
 * `.odata` document opens, so a session without one never parses it.
 */
const FEATURES = {
  odata: { match: /(^|\/)odataLanguage$/, entry: 'src/views/odata/odataLanguage.ts' },
};

/** @type {import('esbuild').Plugin} */
const vendorChunks = {
  name: 'vendor-chunks',
  setup(build) {
    for (const [name, { match }] of Object.entries(VENDOR)) {
      build.onResolve({ filter: match }, () => ({ path: `./vendor/${name}.js`, external: true }));
    }
    for (const [name, { match }] of Object.entries(FEATURES)) {
      // dist/<name>.js sits beside dist/extension.js; its own build keeps the vendor rule only.
      build.onResolve({ filter: match }, (args) => (args.kind === 'entry-point' ? undefined : { path: `./${name}.js`, external: true }));
    }
  },
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
  // `await import(x)` becomes a require() when it runs, so a vendor file loads only then.
  supported: { 'dynamic-import': false },
  plugins: [vendorChunks],
};

/** @type {import('esbuild').BuildOptions[]} */
const featureBuilds = Object.entries(FEATURES).map(([name, { entry }]) => ({
  ...extensionHost,
  entryPoints: [entry],
  outfile: `dist/${name}.js`,
}));

/** @type {import('esbuild').BuildOptions[]} */
const vendorBuilds = Object.entries(VENDOR).map(([name, { source }]) => ({
  ...common,
  stdin: { contents: source, resolveDir: process.cwd(), loader: 'js' },
  outfile: `dist/vendor/${name}.js`,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
}));

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
  ...featureBuilds,
  ...vendorBuilds,
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

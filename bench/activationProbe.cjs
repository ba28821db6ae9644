// Child process of the `activation` bench: times require() of the bundle and
// activate() against a stand-in `vscode` module, and prints them as JSON.
// Plain CommonJS so that nothing but Node itself runs before the timing.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: nothing but Node runs before the timing */
'use strict';
const Module = require('node:module');
const { performance } = require('node:perf_hooks');

/** A `vscode` that answers every property with a callable, constructible stand-in. */
function standIn(name) {
  const target = function () {};
  const own = new Map();
  return new Proxy(target, {
    set(_t, prop, value) {
      own.set(prop, value);
      return true;
    },
    defineProperty(_t, prop, descriptor) {
      own.set(prop, descriptor.value);
      return true;
    },
    get(_t, prop) {
      if (own.has(prop)) return own.get(prop);
      if (prop === Symbol.toPrimitive) return () => '';
      if (prop === 'then') return undefined;
      if (prop === 'prototype') return target.prototype;
      if (prop === 'event') return () => ({ dispose() {} });
      return standIn(`${name}.${String(prop)}`);
    },
    apply() {
      return standIn(`${name}()`);
    },
    construct() {
      return standIn(`new ${name}`);
    },
  });
}
// esbuild's CommonJS interop copies the module's own properties, so the names the extension uses are listed.
const NAMES = [
  'window', 'commands', 'workspace', 'env', 'l10n', 'authentication', 'languages', 'extensions', 'Uri', 'EventEmitter', 'TreeItem', 'ThemeIcon',
  'ThemeColor', 'TreeItemCollapsibleState', 'Disposable', 'UIKind', 'StatusBarAlignment', 'ProgressLocation', 'MarkdownString', 'QuickPickItemKind',
  'Selection', 'Range', 'Position', 'LogLevel', 'ViewColumn', 'CancellationTokenSource', 'CancellationError', 'ConfigurationTarget', 'FileType',
  'QuickInputButtons', 'TextEdit', 'WorkspaceEdit', 'CompletionItem', 'CompletionItemKind', 'Diagnostic', 'DiagnosticSeverity', 'Hover', 'CodeLens',
  'SemanticTokensLegend', 'SemanticTokensBuilder', 'DocumentSymbol', 'SymbolKind', 'CodeAction', 'CodeActionKind', 'CompletionList', 'FoldingRange', 'FoldingRangeKind', 'ExtensionMode', 'ColorThemeKind', 'FileSystemError', 'RelativePattern',
];
const vscode = Object.fromEntries(NAMES.map((name) => [name, standIn(name)]));
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? vscode : load.call(this, request, ...rest);
};

const memento = () => {
  const values = new Map();
  return { get: (k, d) => (values.has(k) ? values.get(k) : d), update: async (k, v) => void values.set(k, v), keys: () => [...values.keys()], setKeysForSync() {} };
};
const context = {
  subscriptions: [],
  globalState: memento(),
  workspaceState: memento(),
  secrets: { get: async () => undefined, store: async () => {}, delete: async () => {}, onDidChange: () => ({ dispose() {} }) },
  extensionUri: vscode.Uri,
  globalStorageUri: vscode.Uri,
  extension: { packageJSON: { version: '0.0.0' } },
};

(async () => {
  const bundle = process.argv[2];
  const t0 = performance.now();
  const extension = require(bundle);
  const t1 = performance.now();
  await extension.activate(context);
  const t2 = performance.now();
  // The vendor libraries and our features bundled apart (dist/odata.js): none may load at start.
  const vendorLoaded = Object.keys(require.cache).filter((file) => /[\\/]vendor[\\/]|[\\/]dist[\\/]odata\.js$/.test(file));
  // Optional: a bundle loaded apart (argv[3]) is then required under the same stand-in `vscode`, and its exports named.
  const apart = process.argv[3] ? Object.keys(require(process.argv[3])) : undefined;
  process.stdout.write(JSON.stringify({ loadMs: t1 - t0, activateMs: t2 - t1, vendorLoaded, apart }));
  // activate() may start timers (the web poll); the probe is done.
  process.exit(0);
})().catch((error) => {
  process.stderr.write(String(error && error.stack || error));
  process.exit(1);
});

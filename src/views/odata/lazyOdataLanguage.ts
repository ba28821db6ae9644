import * as vscode from 'vscode';
import type { OdataLanguage, OdataLanguageDeps } from './odataLanguage';

/**
 * Registers the `.odata` language without loading it: the parser, the checks
 * and the completion (bundled apart as dist/odata.js, see esbuild.mjs) load
 * when the first `.odata` document opens or one of the language's commands
 * runs. Sessions without query files never pay for them (bench `activation`).
 */
export function registerOdataLanguage(deps: OdataLanguageDeps): vscode.Disposable {
  let language: Promise<OdataLanguage> | undefined;
  let disposed = false;
  const load = (): Promise<OdataLanguage> =>
    (language ??= import('./odataLanguage').then(({ OdataLanguage: Language }) => {
      const created = new Language(deps);
      if (disposed) created.dispose();
      return created;
    }));
  // The language id as a literal: importing it from ./odataLanguage would load that bundle at start.
  const loadFor = (document: vscode.TextDocument) => {
    if (document.languageId === 'odata') void load().catch((e: unknown) => deps.log.error(`The .odata language did not load: ${String(e)}`));
  };
  const subscriptions = [
    vscode.workspace.onDidOpenTextDocument(loadFor),
    // Commands are declared in package.json, so they must exist before the language has loaded.
    vscode.commands.registerCommand('dataverse.odata.bindConnection', async (name?: unknown) => (await load()).bind(typeof name === 'string' ? name : undefined)),
    vscode.commands.registerCommand('dataverse.odata.joinUrls', async () => (await load()).joinUrls()),
  ];
  vscode.workspace.textDocuments.forEach(loadFor);
  return new vscode.Disposable(() => {
    disposed = true;
    for (const s of subscriptions) s.dispose();
    void language?.then((l) => l.dispose(), () => undefined);
  });
}

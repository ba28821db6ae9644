import * as vscode from 'vscode';
import type { Connection } from '../../auth/connection';
import type { Event } from '../../core/emitter';
import type { Logger } from '../../core/logger';
import type { MetadataLookup } from '../../dataverse/metadata/model';
import { bindingDiagnostics, bindingEdit, resolveBinding } from '../../odata/binding';
import { FileChecker } from '../../odata/checker';
import { completeAt, hoverAt, type CompletionKind } from '../../odata/complete';
import { parseODataFile, type Edit, type FileDiagnostic, type ODataFile } from '../../odata/file';
import { formatFile } from '../../odata/format';

const ODATA_LANGUAGE = 'odata';
const SELECTOR: vscode.DocumentSelector = { language: ODATA_LANGUAGE };
/** Quiet time after a keystroke before the file is checked again. */
const CHECK_DELAY_MS = 250;
/** How long the metadata checks may take before the syntax errors are shown without them. */
const SYNTAX_FIRST_MS = 100;

/** What the language needs of the connections and their metadata. */
export interface OdataLanguageDeps {
  readonly connections: {
    readonly onDidChange: Event<void>;
    list(): Connection[];
    active(): Connection | undefined;
    isSignedIn(id: string): Promise<boolean>;
  };
  /** The connection's metadata (from its cache when there is one). */
  metadata(connection: Connection): Promise<MetadataLookup & { readonly onDidChange: Event<unknown> }>;
  readonly log: Logger;
}

/** The parse of each open document, reused until it changes. */
class ParsedDocuments {
  private readonly _files = new Map<string, { version: number; file: ODataFile }>();

  get(document: vscode.TextDocument): ODataFile {
    const key = document.uri.toString();
    const known = this._files.get(key);
    if (known && known.version === document.version) return known.file;
    const file = parseODataFile(document.getText());
    this._files.set(key, { version: document.version, file });
    return file;
  }

  forget(document: vscode.TextDocument): void {
    this._files.delete(document.uri.toString());
  }
}

/** Which connection a file uses: its binding, else the active connection. */
interface FileConnection {
  connection?: Connection;
  /** 'bound': named by `# @connection`; 'active': the active connection; 'unknown': bound to a name no connection has. */
  how: 'bound' | 'active' | 'unknown' | 'none';
  bindingName?: string;
}

function connectionOf(file: ODataFile, connections: OdataLanguageDeps['connections']): FileConnection {
  const list = connections.list();
  if (file.connection) {
    const name = resolveBinding(file.connection.name, list.map((c) => c.name));
    const connection = name === undefined ? undefined : list.find((c) => c.name === name);
    return connection ? { connection, how: 'bound', bindingName: file.connection.name } : { how: 'unknown', bindingName: file.connection.name };
  }
  const active = connections.active();
  return active ? { connection: active, how: 'active' } : { how: 'none' };
}

function toRange(document: vscode.TextDocument, start: number, end: number): vscode.Range {
  return new vscode.Range(document.positionAt(start), document.positionAt(end));
}

function toTextEdits(document: vscode.TextDocument, edits: readonly Edit[]): vscode.TextEdit[] {
  return edits.map((e) => vscode.TextEdit.replace(toRange(document, e.start, e.end), e.newText));
}

const SEVERITY: Record<FileDiagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** Longest detail shown beside a completion label; longer ones are in the details pane. */
const SHORT_DETAIL = 32;

/** A documentation link at the end of a message, `(https://...)`. */
const DOC_LINK = /\s*\((https:\/\/[^\s)]+)\)/;

/**
 * The VS Code diagnostic of a finding. A Microsoft page cited in the message
 * becomes the link of the diagnostic's code, so the Problems panel shows the
 * sentence whole and the link stays one click away.
 */
function toDiagnostic(range: vscode.Range, d: FileDiagnostic): vscode.Diagnostic {
  const link = DOC_LINK.exec(d.message);
  const url = link?.[1];
  const message = link ? (d.message.slice(0, link.index) + d.message.slice(link.index + link[0].length)).trim() : d.message;
  const diagnostic = new vscode.Diagnostic(range, message, SEVERITY[d.severity]);
  diagnostic.source = 'Dataverse';
  if (url) diagnostic.code = { value: d.code ?? 'docs', target: vscode.Uri.parse(url, true) };
  else if (d.code) diagnostic.code = d.code;
  return diagnostic;
}

const COMPLETION_KIND: Record<CompletionKind, vscode.CompletionItemKind> = {
  method: vscode.CompletionItemKind.Keyword,
  entitySet: vscode.CompletionItemKind.Class,
  column: vscode.CompletionItemKind.Field,
  navigation: vscode.CompletionItemKind.Reference,
  option: vscode.CompletionItemKind.Property,
  operator: vscode.CompletionItemKind.Operator,
  function: vscode.CompletionItemKind.Function,
  keyword: vscode.CompletionItemKind.Keyword,
  choice: vscode.CompletionItemKind.EnumMember,
  header: vscode.CompletionItemKind.Property,
  headerValue: vscode.CompletionItemKind.Value,
  variable: vscode.CompletionItemKind.Variable,
  fetchEntity: vscode.CompletionItemKind.Class,
  fetchAttribute: vscode.CompletionItemKind.Field,
  value: vscode.CompletionItemKind.Value,
};

/**
 * The `odata` language's features: diagnostics as you type, completion,
 * hover, quick fixes, formatting, outline, folding, and the connection a
 * file uses (its `# @connection` binding, shown in the status bar).
 */
export class OdataLanguage implements vscode.Disposable {
  private readonly _disposables: vscode.Disposable[] = [];
  private readonly _parsed = new ParsedDocuments();
  private readonly _diagnostics = vscode.languages.createDiagnosticCollection('dataverse-odata');
  private readonly _checkers = new Map<string, { checker: FileChecker; timer?: NodeJS.Timeout; run?: AbortController }>();
  /** The fixes of the diagnostics shown, per document, to answer code action requests. */
  private readonly _fixes = new Map<string, { range: vscode.Range; diagnostic: FileDiagnostic }[]>();
  private readonly _status = vscode.window.createStatusBarItem('dataverse.odata.connection', vscode.StatusBarAlignment.Right, 100);
  private readonly _watched = new WeakSet<object>();
  /** Whether each connection is signed in, asked once until the connections change (not on every keystroke). */
  private readonly _signedIn = new Map<string, Promise<boolean>>();

  constructor(private readonly deps: OdataLanguageDeps) {
    this._status.name = vscode.l10n.t('Dataverse Query File Connection');
    this._disposables.push(
      this._diagnostics,
      this._status,
      vscode.workspace.onDidOpenTextDocument((d) => this._schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this._schedule(e.document, CHECK_DELAY_MS)),
      vscode.workspace.onDidCloseTextDocument((d) => this._close(d)),
      vscode.window.onDidChangeActiveTextEditor(() => this._updateStatus()),
      new vscode.Disposable(deps.connections.onDidChange(() => {
        this._signedIn.clear();
        this._recheckAll();
      }).dispose),
      vscode.languages.registerCompletionItemProvider(SELECTOR, this._completion(), '?', '&', '=', ',', '(', '/', '$', ' ', '{', '"', ':', '<'),
      vscode.languages.registerHoverProvider(SELECTOR, { provideHover: (d, p, t) => this._hover(d, p, t) }),
      vscode.languages.registerCodeActionsProvider(SELECTOR, { provideCodeActions: (d, r, c) => this._codeActions(d, r, c) }, {
        providedCodeActionKinds: [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.RefactorRewrite, vscode.CodeActionKind.Source],
      }),
      vscode.languages.registerDocumentFormattingEditProvider(SELECTOR, {
        provideDocumentFormattingEdits: (d, o) => toTextEdits(d, formatFile(this._parsed.get(d), { mode: 'split', indent: o.insertSpaces ? ' '.repeat(o.tabSize) : '\t' })),
      }),
      vscode.languages.registerDocumentSymbolProvider(SELECTOR, { provideDocumentSymbols: (d) => this._symbols(d) }, { label: vscode.l10n.t('Requests') }),
      vscode.languages.registerFoldingRangeProvider(SELECTOR, { provideFoldingRanges: (d) => this._folding(d) }),
    );
    for (const document of vscode.workspace.textDocuments) this._schedule(document, 0);
    this._updateStatus();
  }

  dispose(): void {
    for (const entry of this._checkers.values()) {
      clearTimeout(entry.timer);
      entry.run?.abort();
    }
    this._checkers.clear();
    for (const d of this._disposables.splice(0)) d.dispose();
  }

  private _isSignedIn(connection: Connection): Promise<boolean> {
    let signedIn = this._signedIn.get(connection.id);
    if (!signedIn) {
      signedIn = this.deps.connections.isSignedIn(connection.id).catch(() => false);
      this._signedIn.set(connection.id, signedIn);
    }
    return signedIn;
  }

  /** The metadata of the file's connection, when it is signed in. */
  private async _lookup(file: ODataFile): Promise<MetadataLookup | undefined> {
    const { connection } = connectionOf(file, this.deps.connections);
    if (!connection || !(await this._isSignedIn(connection))) return undefined;
    try {
      const lookup = await this.deps.metadata(connection);
      if (!this._watched.has(lookup)) {
        // A refresh of the metadata can make a name known or unknown: check again.
        this._watched.add(lookup);
        this._disposables.push(new vscode.Disposable(lookup.onDidChange(() => this._recheckAll(true)).dispose));
      }
      return lookup;
    } catch (error) {
      this.deps.log.warn(`Query file checks without metadata: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  private _recheckAll(clear = false): void {
    for (const document of vscode.workspace.textDocuments) {
      if (clear) this._checkers.get(document.uri.toString())?.checker.clear();
      this._schedule(document, 0);
    }
    this._updateStatus();
  }

  private _schedule(document: vscode.TextDocument, delay: number): void {
    if (document.languageId !== ODATA_LANGUAGE) return;
    const key = document.uri.toString();
    let entry = this._checkers.get(key);
    if (!entry) {
      entry = { checker: new FileChecker() };
      this._checkers.set(key, entry);
    }
    clearTimeout(entry.timer);
    entry.run?.abort();
    const current = entry;
    current.timer = setTimeout(() => {
      const run = new AbortController();
      current.run = run;
      void this._check(document, current.checker, run.signal);
    }, delay);
    if (document === vscode.window.activeTextEditor?.document) this._updateStatus();
  }

  private async _check(document: vscode.TextDocument, checker: FileChecker, signal: AbortSignal): Promise<void> {
    try {
      const file = this._parsed.get(document);
      const version = document.version;
      const names = this.deps.connections.list().map((c) => c.name);
      const current = () => !signal.aborted && !document.isClosed && document.version === version;
      const full = this._lookup(file).then((lookup) => (signal.aborted ? [] : checker.check(file, lookup, signal)));
      // Syntax errors must not wait for the network: when the metadata is slow, show them first.
      const quick = await Promise.race([full, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), SYNTAX_FIRST_MS))]);
      if (!quick && current()) this._show(document, [...file.diagnostics, ...bindingDiagnostics(file, names)]);
      const found = quick ?? (await full);
      if (!current()) return;
      this._show(document, [...found, ...bindingDiagnostics(file, names)]);
    } catch (error) {
      this.deps.log.warn(`Checking ${document.uri.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private _show(document: vscode.TextDocument, diagnostics: FileDiagnostic[]): void {
    const shown: { range: vscode.Range; diagnostic: FileDiagnostic }[] = [];
    const out: vscode.Diagnostic[] = [];
    for (const d of diagnostics) {
      const range = toRange(document, d.start, Math.max(d.end, d.start));
      out.push(toDiagnostic(range, d));
      shown.push({ range, diagnostic: d });
    }
    this._fixes.set(document.uri.toString(), shown);
    this._diagnostics.set(document.uri, out);
  }

  private _close(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    const entry = this._checkers.get(key);
    if (entry) {
      clearTimeout(entry.timer);
      entry.run?.abort();
      this._checkers.delete(key);
    }
    this._fixes.delete(key);
    this._parsed.forget(document);
    this._diagnostics.delete(document.uri);
  }

  private _completion(): vscode.CompletionItemProvider {
    return {
      provideCompletionItems: async (document, position, token) => {
        const result = await this._ask(document, position, token, completeAt);
        if (!result) return undefined;
        const range = toRange(document, result.replaceStart, result.replaceEnd);
        // The one thing offered is what is typed already: offering it would only make Enter accept it instead of starting a new line.
        const only = result.items.length === 1 ? result.items[0] : undefined;
        if (only && (only.insertText ?? only.label) === document.getText(range)) return undefined;
        return new vscode.CompletionList(result.items.map((item) => {
          // A short detail goes beside the label (a display name, a type); a long one only in the details pane, so labels are not cut off.
          const short = item.detail && item.detail.length <= SHORT_DETAIL ? item.detail : undefined;
          const completion = new vscode.CompletionItem(short ? { label: item.label, description: short } : item.label, COMPLETION_KIND[item.kind]);
          completion.range = range;
          if (item.placeholder !== undefined) completion.insertText = new vscode.SnippetString().appendText(item.insertText ?? item.label).appendPlaceholder(item.placeholder);
          else if (item.insertText !== undefined) completion.insertText = item.insertText;
          if (item.suggestNext) completion.command = { command: 'editor.action.triggerSuggest', title: vscode.l10n.t('Suggest values') };
          if (item.sortText !== undefined) completion.sortText = item.sortText;
          if (item.filterText !== undefined) completion.filterText = item.filterText;
          if (item.detail) completion.detail = item.detail;
          if (item.documentation) completion.documentation = new vscode.MarkdownString(item.documentation);
          return completion;
        }), false);
      },
    };
  }

  /**
   * Asks an engine function (completion, hover) about the cursor, with the
   * file's metadata; VS Code's cancellation aborts it, and a cancelled answer is dropped.
   */
  private async _ask<T>(
    document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken,
    engine: (file: ODataFile, offset: number, lookup: MetadataLookup | undefined, signal: AbortSignal) => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const file = this._parsed.get(document);
    const lookup = await this._lookup(file);
    const abort = new AbortController();
    const cancelled = token.onCancellationRequested(() => abort.abort());
    try {
      const answer = await engine(file, document.offsetAt(position), lookup, abort.signal);
      return token.isCancellationRequested ? undefined : answer;
    } finally {
      cancelled.dispose();
    }
  }

  private async _hover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const hover = await this._ask(document, position, token, hoverAt);
    if (!hover) return undefined;
    return new vscode.Hover(new vscode.MarkdownString(hover.markdown), toRange(document, hover.start, hover.end));
  }

  private _codeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    // Only the kinds asked for: VS Code drops (and logs) the others.
    const wanted = (kind: vscode.CodeActionKind) => !context.only || context.only.contains(kind);
    const actions: vscode.CodeAction[] = [];
    for (const shown of this._fixes.get(document.uri.toString()) ?? []) {
      const fix = shown.diagnostic.fix;
      if (!fix || !shown.range.intersection(range) || !wanted(vscode.CodeActionKind.QuickFix)) continue;
      const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      action.edit.set(document.uri, toTextEdits(document, fix.edits));
      action.diagnostics = [toDiagnostic(shown.range, shown.diagnostic)];
      action.isPreferred = true;
      actions.push(action);
    }
    // The saved connections, offered on the binding line, or as source actions when the file has none.
    const file = this._parsed.get(document);
    const names = this.deps.connections.list().map((c) => c.name);
    const binding = file.connection;
    const onBinding = binding && toRange(document, binding.start, binding.end).intersection(range);
    if (binding && !onBinding) return actions;
    const current = binding ? resolveBinding(binding.name, names) : undefined;
    for (const name of names) {
      if (name === current || actions.some((a) => a.title === vscode.l10n.t("Bind to '{0}'", name))) continue;
      const edit = bindingEdit(file, name);
      const kind = binding ? (onBinding && !current ? vscode.CodeActionKind.QuickFix : vscode.CodeActionKind.RefactorRewrite) : vscode.CodeActionKind.Source.append('bindConnection');
      if (!edit || !wanted(kind)) continue;
      const action = new vscode.CodeAction(binding ? vscode.l10n.t("Bind to '{0}'", name) : vscode.l10n.t("Bind this file to '{0}'", name), kind);
      action.edit = new vscode.WorkspaceEdit();
      action.edit.set(document.uri, toTextEdits(document, [edit]));
      actions.push(action);
    }
    return actions;
  }

  private _symbols(document: vscode.TextDocument): vscode.DocumentSymbol[] {
    const file = this._parsed.get(document);
    return file.requests.map((request, index) => {
      const path = request.parsed.tree.path;
      const target = request.url.slice(path.start, path.end) || request.url.split('?')[0];
      const name = request.title || `${request.method} ${target}`.trim() || vscode.l10n.t('Request {0}', index + 1);
      const lineStart = request.methodSpan?.start ?? request.pieces[0]?.docStart ?? request.start;
      const range = toRange(document, request.start, Math.max(request.start, request.end));
      const selection = request.titleSpan ? toRange(document, request.titleSpan.start, request.titleSpan.end) : toRange(document, lineStart, lineStart);
      return new vscode.DocumentSymbol(name, `${request.method} ${target}`, vscode.SymbolKind.Function, range, range.contains(selection) ? selection : range);
    });
  }

  private _folding(document: vscode.TextDocument): vscode.FoldingRange[] {
    const file = this._parsed.get(document);
    const ranges: vscode.FoldingRange[] = [];
    for (const request of file.requests) {
      const first = document.positionAt(request.start).line;
      let last = document.positionAt(request.end).line;
      while (last > first && document.lineAt(last).isEmptyOrWhitespace) last--;
      if (last > first) ranges.push(new vscode.FoldingRange(first, last, vscode.FoldingRangeKind.Region));
    }
    return ranges;
  }

  /** Puts each URL of the active `.odata` file on one line (the opposite of Format Document). */
  async joinUrls(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== ODATA_LANGUAGE) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Open a .odata file to put its URLs on one line each.'));
      return;
    }
    const edits = formatFile(this._parsed.get(editor.document), { mode: 'join', indent: '' });
    const workspaceEdit = new vscode.WorkspaceEdit();
    workspaceEdit.set(editor.document.uri, toTextEdits(editor.document, edits));
    await vscode.workspace.applyEdit(workspaceEdit);
  }

  /** Binds the active `.odata` file to a saved connection (asks which), or removes its binding. */
  async bind(name: string | undefined): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== ODATA_LANGUAGE) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Open a .odata file to bind it to a connection.'));
      return;
    }
    const document = editor.document;
    const file = this._parsed.get(document);
    let chosen: { name: string | undefined } | undefined = name === undefined ? undefined : { name };
    if (!chosen) {
      const connections = this.deps.connections.list();
      if (!connections.length) {
        const connect = vscode.l10n.t('Connect to an Environment');
        if ((await vscode.window.showInformationMessage(vscode.l10n.t('There are no saved connections to bind this file to.'), connect)) === connect) {
          await vscode.commands.executeCommand('dataverse.connection.connect');
        }
        return;
      }
      const current = connectionOf(file, this.deps.connections);
      type Item = vscode.QuickPickItem & { value: string | undefined };
      const items: Item[] = connections.map((c) => ({
        label: c.name,
        description: c.accountName ?? c.accountHint ?? '',
        detail: c.orgUrl,
        value: c.name,
        ...(current.how === 'bound' && current.connection?.id === c.id ? { picked: true, description: `${c.accountName ?? c.accountHint ?? ''} · ${vscode.l10n.t('bound now')}` } : {}),
      }));
      if (file.connection) items.push({ label: vscode.l10n.t('Use the active connection'), description: vscode.l10n.t('removes the # @connection line'), value: undefined });
      const now = current.how === 'unknown' ? vscode.l10n.t('Bound now to {0}, which is not a saved connection', current.bindingName ?? '') : current.how === 'bound' ? vscode.l10n.t('Bound now to {0}', current.connection?.name ?? '') : undefined;
      const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Bind this query file to a connection'), placeHolder: now ?? vscode.l10n.t('The requests in this file use the connection chosen here') });
      if (!pick) return; // cancelled: nothing changes
      chosen = { name: pick.value };
    }
    const edit = bindingEdit(file, chosen.name);
    if (!edit) return;
    const workspaceEdit = new vscode.WorkspaceEdit();
    workspaceEdit.set(document.uri, toTextEdits(document, [edit]));
    await vscode.workspace.applyEdit(workspaceEdit);
  }

  private _updateStatus(): void {
    const document = vscode.window.activeTextEditor?.document;
    if (!document || document.languageId !== ODATA_LANGUAGE) {
      this._status.hide();
      return;
    }
    const { connection, how, bindingName } = connectionOf(this._parsed.get(document), this.deps.connections);
    const name = connection?.name ?? bindingName ?? '';
    switch (how) {
      case 'bound':
        this._setStatus(`$(link) ${name}`,
          vscode.l10n.t('This file is bound to {0} ({1}) by its # @connection line. Click to change.', name, connection?.orgUrl ?? ''),
          vscode.l10n.t('Query file bound to connection {0}. Activate to change.', name));
        break;
      case 'active':
        this._setStatus(`$(database) ${name}`,
          vscode.l10n.t('This file uses the active connection, {0}. Click to bind it to a connection.', name),
          vscode.l10n.t('Query file uses the active connection {0}. Activate to bind it to a connection.', name));
        break;
      case 'unknown':
        this._setStatus(`$(warning) ${name}`,
          vscode.l10n.t('No saved connection is named {0}, so only the syntax is checked. Click to bind this file to a saved connection.', name),
          vscode.l10n.t('Query file bound to {0}, which is not a saved connection; only syntax is checked. Activate to choose one.', name),
          { warning: true });
        break;
      default:
        this._setStatus(`$(database) ${vscode.l10n.t('No connection')}`,
          vscode.l10n.t('Without a connection only the syntax is checked. Click to bind this file to a connection.'),
          vscode.l10n.t('Query file has no connection; only syntax is checked. Activate to bind it to a connection.'));
    }
    if (connection) {
      // Signed out: say that only the syntax is checked, and let the click sign in.
      void this._isSignedIn(connection).then((signedIn) => {
        if (signedIn || vscode.window.activeTextEditor?.document !== document) return;
        this._setStatus(`$(debug-disconnect) ${vscode.l10n.t('{0} (signed out)', name)}`,
          vscode.l10n.t('This file uses {0}, which is signed out: only the syntax is checked. Click to sign in.', name),
          vscode.l10n.t('Query file uses {0}, which is signed out; only syntax is checked. Activate to sign in.', name),
          { command: { command: 'dataverse.connection.signIn', title: vscode.l10n.t('Sign In'), arguments: [connection.id] } });
      });
    }
  }

  /** Shows the file's connection item; `label` is what a screen reader announces (without the icon ids of `text`). */
  private _setStatus(text: string, tooltip: string, label: string, options: { warning?: boolean; command?: vscode.Command } = {}): void {
    this._status.text = text;
    this._status.tooltip = tooltip;
    this._status.accessibilityInformation = { label, role: 'button' };
    this._status.backgroundColor = options.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this._status.command = options.command ?? 'dataverse.odata.bindConnection';
    this._status.show();
  }
}

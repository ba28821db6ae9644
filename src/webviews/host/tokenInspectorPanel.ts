import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { isTrustedAuthorityHost } from '../../auth/challenge';
import type { Connection } from '../../auth/connection';
import type { ConnectionManager } from '../../auth/connectionManager';
import type { AuthSettings } from '../../views/connections/settings';
import { createKeySetCache, signatureCheck, verifySignature, type SignatureResult } from '../../auth/token/signature';
import { checkTargetOf, inspectToken, nextTimeBoundary, type Inspection } from '../../auth/token/inspect';
import { Disposable } from '../../core/disposable';
import type { Logger } from '../../core/logger';
import { parsePageMessage, type HostMessage, type InspectorView, type PageMessage, type PageText, type TokenSource } from '../protocol/tokenInspector';

/** What to inspect: a connection's current token, or a token the person gave. */
export type InspectorInput =
  | { readonly kind: 'connection'; readonly connectionId: string }
  | { readonly kind: 'pasted'; readonly raw: string; readonly origin: 'selection' | 'clipboard' | 'input' };

export interface TokenInspectorDeps {
  readonly manager: ConnectionManager;
  readonly extensionUri: vscode.Uri;
  readonly log: Logger;
  readonly fetch: typeof fetch;
  readonly settings: () => AuthSettings;
  /** Shows an error the way every command does (explained, with Show Details). */
  readonly reportError: (error: unknown, context: string) => Promise<void>;
}

/** A token read and ready to show. */
interface Loaded {
  readonly source: TokenSource;
  readonly raw: string;
  readonly targetId: string | undefined;
  readonly title: string;
}

/** Published signing keys, shared by every render (fetched again after ten minutes, or when a key is not in the set). */
const KEY_SETS = createKeySetCache();

/** The page's own words, localized here ({0} is filled in by the page). */
function pageText(): PageText {
  const t = vscode.l10n.t;
  return {
    verdicts: { pass: t('Pass'), warning: t('Warning'), fail: t('Fail'), notVerified: t('Not verified'), info: t('Info') },
    connectionTitle: t('Access token of {0}', '{0}'),
    pastedTitle: { selection: t('Token from the selection'), clipboard: t('Token from the clipboard'), input: t('Token from the input box') },
    unreadable: t('This is not a token that can be read ({0}).', '{0}'),
    kindUser: t('User (delegated) token'),
    kindApp: t('App-only token'),
    kindUnknown: t('Kind unknown'),
    versionUnknown: t('version unknown'),
    compareWith: t('Compare with'),
    noConnection: t('No connection'),
    getCurrentToken: t('Get Current Token'),
    checkAgain: t('Check Again'),
    showRaw: t('Show Raw Token…'),
    copy: t('Copy Token…'),
    hide: t('Hide Token'),
    rawTitle: t('Raw token'),
    rawWarning: t('This is a credential. Do not paste it into chats, tickets or web pages.'),
    checks: t('Checks'),
    header: t('Header'),
    payload: t('Payload'),
    claim: t('Claim'),
    value: t('Value'),
    meaning: t('What it means'),
    checking: t('Checking'),
    signature: t('Signature'),
    fetchingKeys: t("Fetching the issuer's published keys..."),
    renewed: t("The connection's token was renewed at {0}; this is the new one.", '{0}'),
    expires: t('expires {0}', '{0}'),
    expired: t('expired {0}', '{0}'),
    noExpiry: t('no expiry (exp is missing)'),
    inFuture: t('in {0}', '{0}'),
    inPast: t('{0} ago', '{0}'),
  };
}

/** The longest delay setTimeout accepts. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The token inspector panel: one per window, reused. Holds the raw token in
 * memory only while open; the page receives claims and checks, and the raw
 * token only after the person confirms a warning. Nothing is put in webview
 * state (no serializer, no `retainContextWhenHidden`): a hidden panel is
 * rebuilt from the host when shown again.
 */
export class TokenInspectorPanel extends Disposable {
  private static _current: TokenInspectorPanel | undefined;

  private readonly _panel: vscode.WebviewPanel;
  private _source: TokenSource | undefined;
  private _raw = '';
  private _targetId: string | undefined;
  private _renewedAt: number | undefined;
  private _inspection: Inspection = { checks: [] };
  private _view: InspectorView | undefined;
  private _timer: NodeJS.Timeout | undefined;
  /** Bumped on every new render, so a late signature result for an older token is dropped. */
  private _generation = 0;
  private _abort: AbortController | undefined;
  private readonly _text = pageText();
  /** Bumped whenever the token shown changes, so the page drops a revealed older token. */
  private _tokenSerial = 0;

  /** Opens the panel (or reuses the open one) on a token. The token is read first: a failure opens nothing. */
  static async show(deps: TokenInspectorDeps, input: InspectorInput): Promise<void> {
    const loaded = await TokenInspectorPanel._read(deps, input);
    const panel = TokenInspectorPanel._current ?? new TokenInspectorPanel(deps);
    TokenInspectorPanel._current = panel;
    panel._apply(loaded);
    panel._panel.reveal();
  }

  private static async _read(deps: TokenInspectorDeps, input: InspectorInput): Promise<Loaded> {
    if (input.kind === 'pasted') return { source: { kind: 'pasted', origin: input.origin }, raw: input.raw, targetId: deps.manager.active()?.id, title: vscode.l10n.t('Token Inspector') };
    const connection = deps.manager.get(input.connectionId);
    if (!connection) throw new Error(vscode.l10n.t('The connection is no longer in the list; it may have been removed in another window.'));
    const token = await deps.manager.getToken(connection.id);
    return {
      source: { kind: 'connection', connectionId: connection.id, connectionName: connection.name },
      raw: token.accessToken,
      targetId: connection.id,
      title: vscode.l10n.t('Token: {0}', connection.name),
    };
  }

  private constructor(private readonly deps: TokenInspectorDeps) {
    super();
    const webviews = vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webviews');
    const media = vscode.Uri.joinPath(deps.extensionUri, 'media');
    this._panel = vscode.window.createWebviewPanel('dataverse.tokenInspector', vscode.l10n.t('Token Inspector'), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [webviews, media],
    });
    this._panel.webview.html = this._html(this._panel.webview, webviews, media);
    this._register(this._panel.webview.onDidReceiveMessage((message) => void this._onMessage(message)));
    this._register(this._panel.onDidDispose(() => this.dispose()));
    this._register(new vscode.Disposable(deps.manager.onDidIssueToken((e) => void this._onTokenIssued(e.connectionId)).dispose));
    this._register(new vscode.Disposable(deps.manager.onDidChange(() => void this._onConnectionsChanged()).dispose));
    this._register({
      dispose: () => {
        this._stopTimer();
        this._abort?.abort();
        this._raw = '';
        if (TokenInspectorPanel._current === this) TokenInspectorPanel._current = undefined;
      },
    });
  }

  private _apply(loaded: Loaded): void {
    if (this.isDisposed) return;
    this._source = loaded.source;
    this._setRaw(loaded.raw);
    this._targetId = loaded.targetId;
    this._renewedAt = undefined;
    this._panel.title = loaded.title;
    this._render();
  }

  private _setRaw(raw: string): void {
    if (raw !== this._raw) this._tokenSerial++;
    this._raw = raw;
  }

  /** The connection's token is gone (signed out, removed): forget it and say so. */
  private _forget(message: string): void {
    this._setRaw('');
    this._abort?.abort();
    this._stopTimer();
    this._generation++;
    this._inspection = { checks: [] };
    this._view = { ...this._makeView(Date.now(), false), gone: message };
    this._post();
  }

  /** Connections changed (here or in another window): follow removals and sign-outs, refresh the choices. */
  private async _onConnectionsChanged(): Promise<void> {
    const source = this._source;
    if (source?.kind === 'connection' && this._raw) {
      if (!this._connection(source.connectionId)) return this._forget(vscode.l10n.t('The connection {0} was removed; its token is no longer shown.', source.connectionName));
      if (!(await this.deps.manager.isSignedIn(source.connectionId))) return this._forget(vscode.l10n.t('You signed out of {0}; its token is no longer shown.', source.connectionName));
    }
    if (this._targetId && !this._connection(this._targetId)) {
      this._targetId = undefined;
      if (this._raw) return this._render();
    }
    this._post();
  }

  private _connection(id: string | undefined): Connection | undefined {
    return id ? this.deps.manager.get(id) : undefined;
  }

  /** Decodes and checks the token, shows it, then checks the signature in the background. */
  private _render(): void {
    const generation = ++this._generation;
    this._abort?.abort();
    const target = this._connection(this._targetId);
    const now = Date.now();
    const settings = this.deps.settings();
    const isTrustedHost = (origin: string) => isTrustedAuthorityHost(origin, settings.cloud, settings.trustedAuthorityHosts);
    this._inspection = inspectToken(this._raw, target ? checkTargetOf(target) : undefined, now / 1000, { isTrustedIssuerHost: isTrustedHost });
    const token = this._inspection.token;
    this._view = this._makeView(now, token !== undefined);
    this._post();
    this._schedule(now);
    if (!token) return;

    const abort = new AbortController();
    this._abort = abort;
    void verifySignature(token, {
      authorityHost: target?.authorityHost ?? settings.cloud.authorityHost,
      isTrustedHost,
      fetch: this.deps.fetch,
      signal: abort.signal,
      cache: KEY_SETS,
    })
      // An unexpected failure is one more way of not verifying: shown and logged like the others.
      .catch((error: unknown): SignatureResult => ({ status: 'notVerified', reason: `The signature check stopped unexpectedly: ${error instanceof Error ? error.message : String(error)}` }))
      .then((result) => {
        if (generation !== this._generation || this.isDisposed) return;
        if (result.status !== 'verified') this.deps.log.info(`Token inspector: signature ${result.status}: ${result.reason}`);
        this._inspection = { ...this._inspection, checks: [...this._inspection.checks, signatureCheck(result)] };
        this._view = this._makeView(Date.now(), false);
        this._post();
      });
  }

  private _makeView(now: number, signaturePending: boolean): InspectorView {
    const { problem, description, checks } = this._inspection;
    return {
      source: this._source ?? { kind: 'pasted', origin: 'input' },
      ...(problem ? { problem } : {}),
      ...(description ? { description } : {}),
      checks,
      signaturePending,
      ...(this._targetId && this._connection(this._targetId) ? { targetId: this._targetId } : {}),
      targets: this._targets(),
      now,
      tokenSerial: this._tokenSerial,
      ...(this._renewedAt ? { renewedAt: this._renewedAt } : {}),
    };
  }

  private _post(): void {
    if (!this._view || this.isDisposed) return;
    // Stamp the host clock now (the page counts down from it) and rebuild the choices; the checks stay.
    this._view = { ...this._view, now: Date.now(), targets: this._targets() };
    void this._send({ type: 'show', view: this._view, text: this._text });
  }

  /** The connections the token can be compared with. */
  private _targets(): InspectorView['targets'] {
    return this.deps.manager.list().map((c) => ({ id: c.id, label: `${c.name} (${c.orgUrl})` }));
  }

  private _send(message: HostMessage): Thenable<boolean> {
    return this._panel.webview.postMessage(message);
  }

  /** Re-checks when a time verdict changes (start, last five minutes, expiry). */
  private _schedule(now: number): void {
    this._stopTimer();
    const boundary = nextTimeBoundary(this._inspection.description, now / 1000);
    if (boundary === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, boundary * 1000 - now) + 1000);
    this._timer = setTimeout(() => this._render(), delay);
  }

  private _stopTimer(): void {
    if (this._timer) clearTimeout(this._timer);
    this._timer = undefined;
  }

  private async _onTokenIssued(connectionId: string): Promise<void> {
    if (this._source?.kind !== 'connection' || this._source.connectionId !== connectionId || this.isDisposed) return;
    try {
      const token = await this.deps.manager.getToken(connectionId);
      // The panel may have moved to another token while waiting.
      if (this.isDisposed || this._source?.kind !== 'connection' || this._source.connectionId !== connectionId || token.accessToken === this._raw) return;
      this._setRaw(token.accessToken);
      this._renewedAt = Date.now();
      this._render();
    } catch (error) {
      this.deps.log.warn(`Token inspector: could not read the renewed token: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async _onMessage(raw: unknown): Promise<void> {
    const message = parsePageMessage(raw);
    if (!message) {
      this.deps.log.warn('Token inspector: dropped a message from the page that is not part of its protocol.');
      return;
    }
    try {
      await this._handle(message);
    } catch (error) {
      await this.deps.reportError(error, vscode.l10n.t('Token inspector'));
    }
  }

  private async _handle(message: PageMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this._post();
        return;
      case 'refresh': {
        const source = this._source;
        if (source?.kind === 'connection') {
          const loaded = await TokenInspectorPanel._read(this.deps, { kind: 'connection', connectionId: source.connectionId });
          if (this._source === source) this._apply(loaded);
        } else if (this._raw) {
          this._render();
        }
        return;
      }
      case 'compareWith':
        this._targetId = message.targetId ?? undefined;
        if (this._raw) this._render();
        return;
      case 'reveal':
      case 'copy': {
        // Only a token that decoded is revealed or copied, and only the one the person confirmed.
        const raw = this._raw;
        const serial = this._tokenSerial;
        if (!raw || this._inspection.problem) return;
        const action = message.type === 'reveal' ? vscode.l10n.t('Show Token') : vscode.l10n.t('Copy Token');
        const answer = await vscode.window.showWarningMessage(
          vscode.l10n.t('This token is a credential: anyone who has it can call the service as its subject until it expires. {0}?', action),
          { modal: true },
          action,
        );
        if (answer !== action || this.isDisposed) return;
        if (serial !== this._tokenSerial) {
          void vscode.window.showInformationMessage(vscode.l10n.t('The token changed while you were asked (it was renewed or replaced). Choose again to use the new one.'));
          return;
        }
        if (message.type === 'copy') {
          await vscode.env.clipboard.writeText(raw);
          void vscode.window.showInformationMessage(vscode.l10n.t('Token copied to the clipboard.'));
        } else {
          await this._send({ type: 'reveal', raw, tokenSerial: serial });
        }
        return;
      }
    }
  }

  private _html(webview: vscode.Webview, webviews: vscode.Uri, media: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(webviews, 'tokenInspector.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'tokenInspector.css'));
    const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`, `img-src ${webview.cspSource}`, `font-src ${webview.cspSource}`].join('; ');
    return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>${vscode.l10n.t('Token Inspector')}</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="muted">${vscode.l10n.t('Reading the token...')}</p></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }
}

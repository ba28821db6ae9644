/**
 * The token inspector page. Renders what the host sends with DOM APIs and
 * `textContent` only: claim values are data, never markup. Keeps nothing in
 * webview state; the raw token, when revealed, lives in the DOM until hidden
 * or the page goes away.
 */
import type { TokenCheck, Verdict } from '../../../auth/token/checks';
import type { ClaimRow } from '../../../auth/token/claims';
import { parseHostMessage, type InspectorView, type PageMessage, type PageText } from '../../protocol/tokenInspector';

interface VsCodeApi {
  postMessage(message: PageMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;

let view: InspectorView | undefined;
/** Host clock minus page clock, so countdowns follow the host (code-server runs it elsewhere). */
let clockOffset = 0;
let ticker: number | undefined;
/** The raw token the person asked to see, kept across re-renders of the same token only. */
let revealed: { raw: string; serial: number } | undefined;

/** The page's words, from the host (localized there). */
let text: PageText | undefined;
const fill = (template: string, value: string) => template.replace('{0}', value);
const VERDICT_ICON: Record<Verdict, string> = { pass: '✓', warning: '!', fail: '✗', notVerified: '?', info: 'i' };

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string | undefined>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) if (child !== undefined) node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return node;
}

function words(): PageText {
  if (!text) throw new Error('The page text has not arrived yet.');
  return text;
}

function hostNow(): number {
  return Date.now() + clockOffset;
}

/** "in 58 min 12 s", "3 min 4 s ago". */
function relative(unixSeconds: number): string {
  const delta = Math.round(unixSeconds - hostNow() / 1000);
  const abs = Math.abs(delta);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  const span = h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
  return fill(delta >= 0 ? words().inFuture : words().inPast, span);
}

function localTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

function countdownText(expiresAt: number | undefined): string {
  if (expiresAt === undefined) return words().noExpiry;
  const left = expiresAt - hostNow() / 1000;
  return fill(left > 0 ? words().expires : words().expired, relative(expiresAt));
}

/** Updates every live time on the page once a second. */
function tick(): void {
  for (const node of Array.from(document.querySelectorAll<HTMLElement>('[data-relative]'))) {
    node.textContent = relative(Number(node.dataset.relative));
  }
  const countdown = document.getElementById('countdown');
  if (countdown && view?.description) {
    countdown.textContent = countdownText(view.description.expiresAt);
    const expired = view.description.expiresAt !== undefined && view.description.expiresAt <= hostNow() / 1000;
    countdown.classList.toggle('expired', expired);
  }
}

function claimsTable(caption: string, rows: readonly ClaimRow[]): HTMLElement {
  const body = el('tbody');
  for (const row of rows) {
    const value = el('td', { class: 'value' });
    if (row.time !== undefined) {
      value.append(el('span', { class: 'line' }, row.value), el('span', { class: 'line muted' }, localTime(row.time)), el('span', { class: 'line muted', 'data-relative': String(row.time) }, relative(row.time)));
    } else {
      value.append(row.value);
    }
    const explanation = el('td', { class: row.known ? 'explanation' : 'explanation unknown' }, row.explanation);
    body.append(el('tr', { 'data-claim': row.name }, el('th', { scope: 'row' }, el('code', {}, row.name)), value, explanation));
  }
  return el(
    'section',
    {},
    el('h2', {}, caption),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, words().claim), el('th', { scope: 'col' }, words().value), el('th', { scope: 'col' }, words().meaning))), body),
  );
}

function checkItem(check: TokenCheck): HTMLElement {
  const item = el(
    'li',
    { class: `check ${check.verdict}`, 'data-check': check.id },
    el('span', { class: 'verdict' }, el('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, VERDICT_ICON[check.verdict]), el('span', { class: 'verdict-label' }, words().verdicts[check.verdict])),
    el('div', {}, el('strong', {}, check.title), el('p', {}, check.detail), check.ifRefused ? el('p', { class: 'if-refused' }, check.ifRefused) : undefined),
  );
  return item;
}

function toolbar(current: InspectorView): HTMLElement {
  const select = el('select', { id: 'target', 'aria-label': words().compareWith });
  select.append(el('option', { value: '' }, words().noConnection));
  for (const target of current.targets) {
    const option = el('option', { value: target.id }, target.label);
    if (target.id === current.targetId) option.selected = true;
    select.append(option);
  }
  select.addEventListener('change', () => vscode.postMessage({ type: 'compareWith', targetId: select.value || null }));
  const button = (id: string, label: string, message: PageMessage) => {
    const b = el('button', { id, type: 'button' }, label);
    b.addEventListener('click', () => vscode.postMessage(message));
    return b;
  };
  return el(
    'div',
    { class: 'toolbar' },
    el('label', { for: 'target' }, words().compareWith),
    select,
    button('refresh', current.source.kind === 'connection' ? words().getCurrentToken : words().checkAgain, { type: 'refresh' }),
    current.problem ? undefined : button('reveal', words().showRaw, { type: 'reveal' }),
    current.problem ? undefined : button('copy', words().copy, { type: 'copy' }),
  );
}

function render(current: InspectorView): void {
  const title = current.source.kind === 'connection' ? fill(words().connectionTitle, current.source.connectionName) : words().pastedTitle[current.source.origin];
  const children: Node[] = [el('h1', {}, title)];

  if (current.gone) {
    children.push(el('div', { class: 'problem', role: 'status' }, el('p', {}, current.gone)));
    app.replaceChildren(...children);
    return;
  }
  if (current.problem) {
    children.push(
      el('div', { class: 'problem', role: 'alert' }, el('strong', {}, fill(words().unreadable, current.problem.part)), el('p', {}, current.problem.message)),
      toolbar(current),
    );
    app.replaceChildren(...children);
    return;
  }

  const description = current.description;
  if (description) {
    const kind = description.kind === 'user' ? words().kindUser : description.kind === 'app' ? words().kindApp : words().kindUnknown;
    const version = description.version === 'unknown' ? words().versionUnknown : `v${description.version}`;
    children.push(
      el(
        'p',
        { class: 'summary' },
        el('span', { class: 'badge', id: 'version' }, version),
        el('span', { class: 'badge', id: 'kind' }, kind),
        description.subjectLabel ? el('span', { id: 'subject' }, description.subjectLabel) : undefined,
        el('span', { id: 'countdown' }, countdownText(description.expiresAt)),
      ),
      el('p', { class: 'muted' }, description.kindReason),
    );
  }
  if (current.renewedAt) children.push(el('p', { class: 'muted', id: 'renewed' }, fill(words().renewed, new Date(current.renewedAt).toLocaleTimeString())));
  children.push(toolbar(current), rawSection());

  const checks = el('ul', { class: 'checks', id: 'checks' }, ...current.checks.map(checkItem));
  if (current.signaturePending) checks.append(el('li', { class: 'check pending', 'data-check': 'signature' }, el('span', { class: 'verdict' }, el('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, '…'), el('span', { class: 'verdict-label' }, words().checking)), el('div', {}, el('strong', {}, words().signature), el('p', {}, words().fetchingKeys))));
  children.push(el('section', {}, el('h2', {}, words().checks), checks));

  if (description) {
    children.push(claimsTable(words().header, description.header), claimsTable(words().payload, description.payload));
  }
  app.replaceChildren(...children);
}

/** The revealed raw token under the toolbar, or an empty hidden section. */
function rawSection(): HTMLElement {
  const section = el('section', { id: 'raw' });
  if (!revealed || revealed.serial !== view?.tokenSerial) {
    section.hidden = true;
    return section;
  }
  const hide = el('button', { type: 'button', id: 'hide' }, words().hide);
  hide.addEventListener('click', () => {
    revealed = undefined;
    section.replaceChildren();
    section.hidden = true;
  });
  section.append(el('h2', {}, words().rawTitle), el('p', { class: 'raw-warning' }, words().rawWarning), el('pre', { class: 'raw' }, revealed.raw), hide);
  return section;
}

function reveal(raw: string, serial: number): void {
  if (serial !== view?.tokenSerial) return; // the token changed meanwhile
  revealed = { raw, serial };
  const section = rawSection();
  document.getElementById('raw')?.replaceWith(section);
  section.scrollIntoView({ block: 'nearest' });
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseHostMessage(event.data);
  if (!message) return;
  if (message.type === 'reveal') {
    reveal(message.raw, message.tokenSerial);
    return;
  }
  view = message.view;
  text = message.text;
  if (revealed && revealed.serial !== view.tokenSerial) revealed = undefined;
  clockOffset = view.now - Date.now();
  render(view);
  if (ticker === undefined) ticker = window.setInterval(tick, 1000);
});

window.addEventListener('pagehide', () => {
  if (ticker !== undefined) window.clearInterval(ticker);
  ticker = undefined;
});

vscode.postMessage({ type: 'ready' });

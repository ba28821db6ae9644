/**
 * The pages msal-node's loopback listener shows in the browser at the end of
 * an interactive sign-in (its `successTemplate` and `errorTemplate` options,
 * https://learn.microsoft.com/javascript/api/@azure/msal-node/interactiverequest):
 * what happened, for which environment and identity, and where to go next.
 * The templates are fixed before the sign-in starts, so the identity is the
 * one asked for, when known. Every interpolated text is escaped.
 */

/** What the pages name. */
export interface SignInPageContext {
  /** The connection's name, e.g. "Contoso Sales" (the host name while it is being made). */
  readonly orgName: string;
  /** The environment URL. */
  readonly orgUrl: string;
  /** The account asked for (a re-sign-in), e.g. adele@contoso.onmicrosoft.com. */
  readonly account?: string;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** The page shown when the browser handed the sign-in back to VS Code. */
export function signInSuccessPage(context: SignInPageContext): string {
  const who = context.account ? ` as <strong>${escapeHtml(context.account)}</strong>` : ' with the account you chose';
  return page('Signed in to Dataverse', 'You are signed in', [
    `VS Code is finishing the sign-in to <strong>${escapeHtml(context.orgName)}</strong> (${escapeHtml(context.orgUrl)})${who}.`,
    'You can close this tab and return to VS Code.',
  ]);
}

/** The page shown when the sign-in came back cancelled or refused. */
export function signInErrorPage(context: SignInPageContext): string {
  const who = context.account ? ` as <strong>${escapeHtml(context.account)}</strong>` : '';
  return page('Sign-in did not finish', 'Sign-in did not finish', [
    `The sign-in to <strong>${escapeHtml(context.orgName)}</strong> (${escapeHtml(context.orgUrl)})${who} was cancelled or refused, so VS Code is not signed in.`,
    'If you cancelled, there is nothing else to do. Otherwise VS Code shows what went wrong and how to fix it.',
    'You can close this tab and return to VS Code.',
  ]);
}

function page(title: string, heading: string, paragraphs: readonly string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)} - Dataverse DevKit</title>`,
    '<style>body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#1f1f1f;background:#fff}h1{font-size:1.5rem;font-weight:600}@media (prefers-color-scheme: dark){body{color:#e6e6e6;background:#1f1f1f}}</style>',
    '</head><body>',
    `<h1>${escapeHtml(heading)}</h1>`,
    ...paragraphs.map((p) => `<p>${p}</p>`),
    '<p><small>Dataverse DevKit</small></p>',
    '</body></html>',
  ].join('\n');
}

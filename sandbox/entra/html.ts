/**
 * The sandbox's HTML pages: sign-in (pick a seeded user), form_post delivery,
 * device-code approval, errors. Every value is escaped; scripts and styles
 * run only with a per-response nonce under a strict CSP (STYLE.md 6).
 */
import { randomBytes } from 'node:crypto';
import type { SeedTenant, SeedUser } from '../seed';

/** Escapes text for HTML element content and quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A rendered page with the headers that must go with it. */
export interface Page {
  readonly html: string;
  readonly headers: Record<string, string>;
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;color:#1b1b1b}
h1{font-size:1.4rem}button{display:block;width:100%;margin:.4rem 0;padding:.6rem;text-align:left;font-size:1rem;cursor:pointer}
.muted{color:#666;font-size:.9rem}.error{color:#a80000;white-space:pre-wrap}input[type=text]{font-size:1.2rem;padding:.4rem;width:100%}`;

/** Wraps a body in the page shell. `formAction` lists extra origins forms may post to. */
export function page(title: string, body: string, options: { formAction?: string[]; script?: string } = {}): Page {
  const nonce = randomBytes(16).toString('base64');
  const formAction = ["'self'", ...(options.formAction ?? [])].join(' ');
  const csp = `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`;
  const script = options.script ? `<script nonce="${nonce}">${options.script}</script>` : '';
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style nonce="${nonce}">${STYLE}</style></head><body>${body}${script}</body></html>`;
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': csp,
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    },
  };
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

function hiddenFields(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => hidden(k, v))
    .join('');
}

function userButtons(users: readonly SeedUser[], tenants: readonly SeedTenant[]): string {
  return users
    .map((u) => {
      const tenant = tenants.find((t) => t.id === u.tenantId)?.displayName ?? u.tenantId;
      return `<button type="submit" name="upn" value="${escapeHtml(u.upn)}">${escapeHtml(u.name)} <span class="muted">${escapeHtml(u.upn)} (${escapeHtml(tenant)})</span></button>`;
    })
    .join('');
}

/** The sign-in page of the authorize endpoint: one button per seeded user. */
export function signInPage(input: { action: string; requestId: string; appName: string; users: readonly SeedUser[]; tenants: readonly SeedTenant[] }): Page {
  return page(
    'Sign in to your account',
    `<h1>Pick an account</h1><p class="muted">to continue to ${escapeHtml(input.appName)} (Dataverse DevKit sandbox)</p>
<form method="post" action="${escapeHtml(input.action)}">${hidden('request', input.requestId)}${userButtons(input.users, input.tenants)}
<button type="submit" name="cancel" value="1">Cancel</button></form>`,
  );
}

/**
 * The second-factor step, shown after a user who needs MFA picks their account
 * (https://learn.microsoft.com/entra/identity/authentication/concept-mfa-howitworks).
 * Approve stands for answering the Authenticator prompt; Deny for refusing it.
 */
export function mfaPage(input: { action: string; fields: Record<string, string>; user: SeedUser }): Page {
  return page(
    'Approve sign in request',
    `<h1>Approve sign in request</h1><p>${escapeHtml(input.user.upn)}</p>
<p class="muted">Your organization requires more information to keep your account secure: open your Authenticator app and approve the request to sign in (Dataverse DevKit sandbox).</p>
<form method="post" action="${escapeHtml(input.action)}">${hiddenFields(input.fields)}${hidden('step', 'mfa')}
<button type="submit" name="mfa" value="approve">Approve</button>
<button type="submit" name="mfa" value="deny">Deny</button></form>`,
  );
}

/**
 * The consent step, shown when the user has not yet consented to the app
 * (https://learn.microsoft.com/entra/identity-platform/application-consent-experience).
 */
export function consentPage(input: { action: string; fields: Record<string, string>; user: SeedUser; appName: string; permission: string }): Page {
  return page(
    'Permissions requested',
    `<h1>Permissions requested</h1><p>${escapeHtml(input.appName)}</p><p class="muted">${escapeHtml(input.user.upn)}</p>
<p>This app would like to:</p><ul><li>${escapeHtml(input.permission)}</li><li>Maintain access to data you have given it access to</li><li>View your basic profile</li></ul>
<p class="muted">Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement.</p>
<form method="post" action="${escapeHtml(input.action)}">${hiddenFields(input.fields)}${hidden('step', 'consent')}
<button type="submit" name="consent" value="accept">Accept</button>
<button type="submit" name="consent" value="decline">Cancel</button></form>`,
  );
}

/** Delivers the authorization response by `response_mode=form_post`: an auto-submitting form, as msal-node 7 asks for it (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow). */
export function formPostPage(redirectUri: string, fields: Record<string, string>): Page {
  return page(
    'Working...',
    `<form method="post" action="${escapeHtml(redirectUri)}">${hiddenFields(fields)}<noscript><p>Script is disabled. Click Submit to continue.</p><button type="submit">Submit</button></noscript></form>`,
    { formAction: [new URL(redirectUri).origin], script: 'document.forms[0].submit();' },
  );
}

/** An Entra error shown in the browser (no redirect possible: unknown app, bad redirect URI…). */
export function errorPage(description: string): Page {
  return page('Sign in error', `<h1>Sorry, but we're having trouble signing you in.</h1><p class="error">${escapeHtml(description)}</p>`);
}

/** Step 1 of the device-code page: enter the code. */
export function deviceCodeEntryPage(action: string, error?: string): Page {
  const err = error ? `<p class="error">${escapeHtml(error)}</p>` : '';
  return page(
    'Enter code',
    `<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>${err}
<form method="post" action="${escapeHtml(action)}"><input type="text" name="otc" autocomplete="off" aria-label="Code" autofocus>
<button type="submit">Next</button></form>`,
  );
}

/** Step 2: pick the user who approves, or decline. */
export function deviceCodeUserPage(input: { action: string; userCode: string; appName: string; users: readonly SeedUser[]; tenants: readonly SeedTenant[] }): Page {
  return page(
    'Pick an account',
    `<h1>Pick an account</h1><p class="muted">Are you trying to sign in to ${escapeHtml(input.appName)}? Only continue if you started this from a device or app you trust.</p>
<form method="post" action="${escapeHtml(input.action)}">${hidden('otc', input.userCode)}${userButtons(input.users, input.tenants)}
<button type="submit" name="decline" value="1">Cancel (decline)</button></form>`,
  );
}

/** Final page of the device-code flow. */
export function deviceCodeDonePage(approved: boolean, appName: string): Page {
  return page(
    approved ? 'Signed in' : 'Declined',
    approved
      ? `<h1>${escapeHtml(appName)}</h1><p>You have signed in to the ${escapeHtml(appName)} application on your device. You may now close this window.</p>`
      : `<h1>Sign-in declined</h1><p>You declined to sign in to ${escapeHtml(appName)} on your device.</p>`,
  );
}

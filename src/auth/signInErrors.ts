/**
 * Sign-in failures explained: AADSTS codes, OAuth error names and msal-node's
 * client error codes, each with what happened, why, and what to do.
 */
import { appendDetail, cleanDescription, detailOf, firstString, fromEntry, unknownError, type ErrorExplanation, type ExplanationEntry } from '../core/errorExplanation';
import { explainNetworkError } from '../core/networkErrors';

const SIGN_IN_AGAIN = 'Sign in to this connection again.';
const APP_REG = 'In the Azure portal, open Microsoft Entra ID > App registrations > your app';

// AADSTS codes, from "Microsoft Entra authentication and authorization error codes",
// https://learn.microsoft.com/entra/identity-platform/reference-error-codes (see docs/protocol.md).
const AADSTS: Readonly<Record<string, ExplanationEntry>> = {
  '50011': {
    title: 'The sign-in reply address is not registered on the app.',
    cause: 'The redirect URI the extension uses (http://localhost) is not listed on the app registration.',
    fix: `${APP_REG} > Authentication, add the platform "Mobile and desktop applications" with the redirect URI http://localhost.`,
  },
  '50012': {
    title: 'Microsoft Entra ID rejected the app\'s credentials.',
    cause: 'The certificate or its thumbprint is not the one registered on the app, or the signed assertion is invalid.',
    fix: `${APP_REG} > Certificates & secrets, and check the certificate there is the one this connection uses.`,
  },
  '50020': {
    title: 'Your account is not part of the directory that owns this environment.',
    cause: 'You signed in with an account from another tenant or a personal Microsoft account, and it has not been invited as a guest.',
    fix: 'Sign in with an account of the environment\'s tenant, or ask an admin to invite your account as a guest and give it access to the environment.',
  },
  '50034': {
    title: 'That account does not exist in this directory.',
    cause: 'The user name is misspelt, or the account lives in another tenant.',
    fix: 'Check the user name, or sign in with an account of the environment\'s tenant.',
  },
  '50049': {
    title: 'The sign-in address is not a known Microsoft Entra instance.',
    cause: 'The authority host is not a Microsoft sign-in host for the chosen cloud.',
    fix: 'Check the connection\'s cloud setting; for a private stand-in, add its host to the trusted authority hosts setting.',
  },
  '50053': {
    title: 'The account is locked.',
    cause: 'Too many wrong sign-in attempts, or sign-ins from an IP address Microsoft flags as malicious.',
    fix: 'Wait a while and try again, or ask your admin to unlock the account.',
  },
  '50057': {
    title: 'The account is disabled.',
    cause: 'An admin disabled this user or service principal in Microsoft Entra ID.',
    fix: 'Ask your admin to enable the account, or use another one.',
  },
  '50058': {
    title: 'A silent sign-in needs you to sign in again.',
    cause: 'There is no browser session Microsoft Entra ID can reuse, so it cannot sign you in without asking.',
    fix: SIGN_IN_AGAIN,
  },
  '50059': {
    title: 'Microsoft Entra ID could not tell which tenant to sign in to.',
    cause: 'The request used a generic authority (common or organizations) where a specific tenant is needed, as app sign-ins always do.',
    fix: 'Set the tenant ID (or verified domain) on the connection; it is shown on the app registration\'s Overview page.',
  },
  '50076': {
    title: 'Multi-factor authentication is required.',
    cause: 'A policy requires MFA for this sign-in (new location, new device, or admin policy), and it cannot be done silently.',
    fix: 'Sign in again with the browser or a code and complete the MFA prompt.',
  },
  '50079': {
    title: 'You need to register for multi-factor authentication.',
    cause: 'Your organisation requires MFA and your account has no method registered yet.',
    fix: 'Sign in with the browser and follow the MFA registration steps, or visit https://aka.ms/mfasetup first.',
  },
  '50105': {
    title: 'Your account is not assigned to this app.',
    cause: 'The app registration requires user assignment and your account (or its group) is not assigned.',
    fix: 'Ask an admin to assign you to the enterprise application, or to turn off "Assignment required".',
  },
  '50126': {
    title: 'The user name or password is wrong.',
    cause: 'A password sign-in was attempted with wrong credentials.',
    fix: 'Use the browser or code sign-in; this extension never asks for your password.',
  },
  '53003': {
    title: 'Conditional Access blocked this sign-in.',
    cause: 'An admin policy blocks this combination of app, location, device or sign-in flow (device code sign-in is often blocked).',
    fix: 'Sign in with the browser on a compliant device; if it still fails, give your admin the code and the correlation ID from the details.',
  },
  '530003': {
    title: 'Your device must be managed to reach this resource.',
    cause: 'Conditional Access requires a managed or compliant device, and this sign-in did not come from one.',
    fix: 'Sign in with the browser on a device enrolled in your organisation\'s management (Intune), using a browser that passes the device identity (Edge, or Chrome with the Microsoft extension).',
  },
  '54005': {
    title: 'The sign-in code was already used.',
    cause: 'The authorization code from the browser was redeemed twice, usually after a retry or a double submit.',
    fix: 'Start the sign-in again.',
  },
  '65001': {
    title: 'The app does not have consent to use Dataverse.',
    cause: 'Neither you nor an admin has consented to the app\'s Dynamics CRM user_impersonation permission.',
    fix: `${APP_REG} > API permissions, add Dynamics CRM > user_impersonation and select "Grant admin consent", or sign in interactively and accept the consent prompt.`,
  },
  // https://learn.microsoft.com/entra/identity-platform/reference-error-codes (UserDeclinedConsent).
  '65004': {
    title: 'The permissions the app asked for were declined.',
    cause: 'On the sign-in page, the consent prompt for this app was cancelled, so it may not use Dataverse as you.',
    fix: 'Connect again and select Accept on the permissions page, or ask an admin to grant consent for the organisation.',
  },
  '70000': {
    title: 'Your saved sign-in is no longer valid.',
    cause: 'The refresh token was revoked or is invalid (password change, admin sign-out, or policy change).',
    fix: SIGN_IN_AGAIN,
  },
  '70008': {
    title: 'Your saved sign-in has expired or was revoked.',
    cause: 'The refresh token expired (unused for too long) or an admin revoked your sessions.',
    fix: SIGN_IN_AGAIN,
  },
  '70011': {
    title: 'The scope requested for Dataverse is not valid.',
    cause: 'The scope must be the environment URL followed by /.default or /user_impersonation, with https:// and exactly one slash; .default cannot be mixed with other scopes.',
    fix: 'Use a scope like https://contoso.crm.dynamics.com/.default (app) or https://contoso.crm.dynamics.com/user_impersonation (user).',
  },
  '70016': {
    title: 'Waiting for you to enter the code.',
    cause: 'The code sign-in has not been completed in the browser yet.',
    fix: 'Open the sign-in page, enter the code and finish signing in.',
  },
  '70018': {
    title: 'The sign-in code was not recognised.',
    cause: 'The code was mistyped, or belongs to another sign-in attempt.',
    fix: 'Start the code sign-in again and enter the new code exactly.',
  },
  '70019': {
    title: 'The sign-in code expired.',
    cause: 'The code was not entered within its lifetime (about 15 minutes).',
    fix: 'Start the code sign-in again and enter the new code promptly.',
  },
  '90002': {
    title: 'The tenant was not found.',
    cause: 'The tenant ID or domain is misspelt, or the tenant lives in another cloud (for example a GCC High tenant asked on the public sign-in host).',
    fix: 'Check the tenant ID on the connection and the connection\'s cloud setting.',
  },
  '90014': {
    title: 'A required field is missing from the sign-in request.',
    cause: 'The request or the client credential lacks a field Microsoft Entra ID needs, usually from an incomplete connection.',
    fix: 'Check the connection\'s client ID, tenant and credential, then sign in again.',
  },
  '90055': {
    title: 'Microsoft Entra ID is throttling sign-ins for this tenant.',
    cause: 'Too many sign-in requests in a short time.',
    fix: 'Wait a minute and try again.',
    category: 'throttled',
  },
  '500011': {
    title: 'The environment was not found in the tenant you signed in to.',
    cause: 'The environment URL is misspelt, belongs to another tenant, or belongs to another cloud.',
    fix: 'Check the environment URL (copy it from Power Platform admin center) and sign in to the tenant that owns it.',
  },
  '501481': {
    title: 'The sign-in could not be verified.',
    cause: 'The PKCE code verifier did not match the challenge, usually because two sign-ins overlapped or something altered the redirect.',
    fix: 'Close other sign-in tabs and start the sign-in again.',
  },
  '700016': {
    title: 'The app registration was not found in this tenant.',
    cause: 'The client ID is wrong, the app was deleted, or it lives in another tenant and has not been consented to in this one.',
    fix: 'Check the client ID and tenant on the connection; for an app from another tenant, an admin of this tenant must consent to it first.',
  },
  '700022': {
    title: 'The sign-in asked for more than one resource.',
    cause: 'One token can be for one resource only, and the scopes named several.',
    fix: 'Ask for one environment at a time.',
  },
  '700024': {
    title: 'The certificate assertion is outside its valid time.',
    cause: 'This computer\'s clock is wrong, so the signed assertion looks expired or not yet valid.',
    fix: 'Synchronise the system clock and try again.',
  },
  '700025': {
    title: 'A public client sent a secret.',
    cause: 'The app registration is a public client, which must not send a client secret or certificate.',
    fix: 'Use a browser or code sign-in for this app, or use a confidential (web) app registration for secret or certificate sign-in.',
  },
  '700027': {
    title: 'The certificate was not accepted.',
    cause: 'The certificate is not uploaded to the app registration, a different certificate was used, or the private key does not match it.',
    fix: `${APP_REG} > Certificates & secrets, upload the public certificate (.cer/.pem) of the key this connection uses, and check the thumbprint matches.`,
  },
  '700082': {
    title: 'Your saved sign-in expired after a period of inactivity.',
    cause: 'The refresh token was not used for too long (90 days by default).',
    fix: SIGN_IN_AGAIN,
  },
  '900144': {
    title: 'The sign-in request is missing a parameter.',
    cause: 'The token request lacked a required parameter.',
    fix: 'Check the connection settings and try again; report it if it persists.',
  },
  '7000215': {
    title: 'The client secret is wrong.',
    cause: 'Most often the secret\'s ID was copied instead of its Value, or the secret was replaced.',
    fix: `${APP_REG} > Certificates & secrets, create a new secret and copy its Value (shown once), then update the connection.`,
  },
  '7000218': {
    title: 'The app needs a secret or certificate, or must allow public client flows.',
    cause: 'The app registration is confidential, so a browser or code sign-in without a credential is refused.',
    fix: `${APP_REG} > Authentication, set "Allow public client flows" to Yes; or sign in with a client secret or certificate.`,
  },
  '7000222': {
    title: 'The client secret has expired.',
    cause: 'Client secrets have an end date, and this one has passed.',
    fix: `${APP_REG} > Certificates & secrets, create a new secret and update the connection with its Value.`,
  },
  '9002313': {
    title: 'Microsoft Entra ID could not read the sign-in request.',
    cause: 'The request was malformed: often a wrong client ID, scope or redirect URI.',
    fix: 'Check the connection\'s client ID and environment URL, then sign in again.',
  },
  '1002012': {
    title: 'App sign-in needs a scope ending in /.default.',
    cause: 'Client-credential sign-ins (secret or certificate) can only ask for the resource\'s /.default scope.',
    fix: 'Use https://<environment>/.default for app connections.',
  },
};

// OAuth 2.0 `error` values with no AADSTS number, mostly from the device code flow (RFC 8628).
const OAUTH_ERRORS: Readonly<Record<string, ExplanationEntry & { aadsts?: string }>> = {
  authorization_pending: { ...AADSTS['70016'], aadsts: '70016' },
  authorization_declined: {
    title: 'The sign-in was declined.',
    cause: 'Someone chose not to approve the code sign-in in the browser.',
    fix: 'Start the sign-in again and approve it.',
    category: 'cancelled',
  },
  expired_token: { ...AADSTS['70019'], aadsts: '70019' },
  bad_verification_code: { ...AADSTS['70018'], aadsts: '70018' },
  invalid_grant: AADSTS['70000'],
  invalid_scope: AADSTS['70011'],
  unauthorized_client: AADSTS['700016'],
  invalid_client: {
    title: 'Microsoft Entra ID rejected the app\'s credentials.',
    cause: 'The client ID, secret or certificate is wrong or expired.',
    fix: 'Check the app registration\'s client ID and credential, then update the connection.',
  },
};

// msal-node and msal-common client-side error codes.
const MSAL: Readonly<Record<string, ExplanationEntry>> = {
  user_canceled: {
    title: 'Sign-in was cancelled.',
    cause: 'The sign-in was closed or cancelled before it finished.',
    fix: 'Start the sign-in again when you are ready.',
    category: 'cancelled',
  },
  device_code_polling_cancelled: {
    title: 'Sign-in was cancelled.',
    cause: 'The code sign-in was cancelled before it finished.',
    fix: 'Start the sign-in again when you are ready.',
    category: 'cancelled',
  },
  device_code_expired: AADSTS['70019'],
  user_timeout_reached: {
    title: 'The sign-in timed out.',
    cause: 'The sign-in was not finished in the browser in time.',
    fix: 'Start the sign-in again and finish it in the browser.',
  },
  loopback_server_timeout: {
    title: 'The browser sign-in did not come back to VS Code.',
    cause: 'The browser could not reach VS Code\'s local sign-in listener, or the sign-in was not finished in time; common over SSH, WSL and containers.',
    fix: 'Sign in with a code instead, or finish the browser sign-in within a few minutes.',
  },
  endpoints_resolution_error: {
    title: 'The Microsoft sign-in service could not be reached.',
    cause: 'The sign-in metadata could not be downloaded: no network, a proxy in the way, or a wrong tenant or cloud.',
    fix: 'Check your network and proxy settings (http.proxy), the tenant ID and the connection\'s cloud.',
    category: 'network',
  },
  openid_config_error: {
    title: 'The sign-in configuration could not be loaded.',
    cause: 'The authority did not return a valid OpenID configuration, often because of a wrong tenant or a proxy answering instead.',
    fix: 'Check the tenant ID and cloud on the connection, and your proxy settings.',
    category: 'network',
  },
  untrusted_authority: {
    title: 'The sign-in address is not trusted.',
    cause: 'The authority is not a known Microsoft sign-in host for this cloud.',
    fix: 'Check the connection\'s cloud; for a private stand-in (such as the sandbox) add its host to the trusted authority hosts setting.',
  },
  authority_uri_insecure: {
    title: 'The sign-in address must use https.',
    cause: 'An http:// authority was configured, and sign-in never happens over plain http.',
    fix: 'Use an https:// authority.',
  },
  issuer_validation_failed: {
    title: 'The sign-in service identified itself as someone else.',
    cause: 'The issuer in the authority\'s configuration does not match its address, so its tokens cannot be trusted.',
    fix: 'Check the authority host; if you use a stand-in, make its issuer match its own origin.',
  },
  network_error: {
    title: 'The network request failed.',
    cause: 'No connection, a proxy in the way, or the host is unreachable.',
    fix: 'Check your network connection and proxy settings (http.proxy), then try again.',
    category: 'network',
  },
  no_network_connectivity: {
    title: 'There is no network connection.',
    cause: 'The computer is offline.',
    fix: 'Reconnect and try again.',
    category: 'network',
  },
  interaction_required: {
    title: 'You need to sign in again.',
    cause: 'Microsoft Entra ID needs you to interact (MFA, consent, or a changed policy) before it issues a token.',
    fix: SIGN_IN_AGAIN,
  },
  consent_required: AADSTS['65001'],
  login_required: AADSTS['50058'],
  refresh_token_expired: AADSTS['700082'],
  no_tokens_found: {
    title: 'There is no saved sign-in for this connection.',
    cause: 'The token cache is empty, for example after signing out or on a new machine.',
    fix: SIGN_IN_AGAIN,
  },
  no_account_in_silent_request: {
    title: 'There is no saved sign-in for this connection.',
    cause: 'No account is cached for this connection.',
    fix: SIGN_IN_AGAIN,
  },
  state_mismatch: {
    title: 'The browser sign-in could not be matched to this request.',
    cause: 'The answer from the browser belonged to another sign-in attempt.',
    fix: 'Close other sign-in tabs and start the sign-in again.',
  },
};

/** Explains an AADSTS code (`7000215` or `AADSTS7000215`), falling back to the server's own description for codes not listed. */
export function explainAadsts(code: string | number, description?: string): ErrorExplanation {
  const digits = String(code).replace(/^AADSTS/i, '');
  const entry = AADSTS[digits];
  const label = `AADSTS${digits}`;
  if (entry) {
    return fromEntry(label, { category: 'signIn', ...entry }, description);
  }
  const said = cleanDescription(description);
  return {
    code: label,
    title: `Sign-in failed with ${label}.`,
    cause: said ? `Microsoft Entra ID said: ${said}` : `Microsoft Entra ID returned ${label} without a description.`,
    fix: `Look the code up at https://login.microsoftonline.com/error?code=${digits}; if it names your admin, send them the code and the correlation ID from the details.`,
    category: 'signIn',
    ...detailOf(description),
  };
}

export function explainMsalError(e: Record<string, unknown>): ErrorExplanation {
  const errorCode = String(e.errorCode);
  const message = firstString(e.errorMessage, e.message);
  const subError = typeof e.subError === 'string' && e.subError ? e.subError : undefined;
  const withSub = (x: ErrorExplanation): ErrorExplanation => (subError ? appendDetail(x, x.detail !== undefined ? `[subError: ${subError}]` : `subError: ${subError}`) : x);

  const aadsts = (typeof e.errorNo === 'string' && /^\d+$/.test(e.errorNo) ? e.errorNo : undefined) ?? findAadsts(message);
  if (aadsts) {
    return withSub(explainAadsts(aadsts, message));
  }
  if (OAUTH_ERRORS[errorCode]) {
    return withSub(explainOAuthError(errorCode, message));
  }
  const normalized = errorCode === 'user_cancelled' ? 'user_canceled' : errorCode;
  if (['network_error', 'endpoints_resolution_error', 'openid_config_error', 'post_request_failed'].includes(normalized)) {
    const network = explainNetworkError(e, (code) => `${code} (${normalized})`);
    if (network) {
      return withSub(network);
    }
  }
  const entry = MSAL[normalized];
  if (entry) {
    return withSub(fromEntry(normalized, { category: 'signIn', ...entry }, message));
  }
  return withSub(unknownError(errorCode, message));
}

export function explainOAuthError(error: string, description?: string): ErrorExplanation {
  const entry = OAUTH_ERRORS[error];
  if (!entry) {
    const aadsts = findAadsts(description);
    return aadsts ? explainAadsts(aadsts, description) : unknownError(error, description);
  }
  const { aadsts, ...rest } = entry;
  return fromEntry(aadsts ? `AADSTS${aadsts} (${error})` : error, { category: 'signIn', ...rest }, description);
}

/** The AADSTS number in a text, e.g. "AADSTS50076: ..." gives `50076`. */
export function findAadsts(text: string | undefined): string | undefined {
  return text ? /\bAADSTS(\d{5,8})\b/.exec(text)?.[1] : undefined;
}

/** An Entra ID token endpoint error body: `{ error, error_description, error_codes }`. */
export function explainEntraBody(body: { readonly error: string; readonly error_description?: unknown; readonly error_codes?: unknown }): ErrorExplanation {
  const codes = Array.isArray(body.error_codes) ? body.error_codes : [];
  const description = typeof body.error_description === 'string' ? body.error_description : undefined;
  const aadsts = codes.length ? String(codes[0]) : findAadsts(description);
  return aadsts ? explainAadsts(aadsts, description) : explainOAuthError(body.error, description);
}

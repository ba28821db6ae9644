import { redact } from '../core/logger';
import { parseDataverseChallenge } from './challenge';

/** An error told the way a person can act on it. */
export interface ErrorExplanation {
  /** The code to search for or quote to support, e.g. `AADSTS7000215`, `HTTP 403 0x80072560`, `ENOTFOUND`. Never empty, never "undefined". */
  readonly code: string;
  /** One plain sentence saying what happened. */
  readonly title: string;
  /** Why it usually happens. */
  readonly cause: string;
  /** What to do about it. */
  readonly fix: string;
  /** Broad kind, so the UI can treat a cancel or a throttle differently from a failure. */
  readonly category: 'signIn' | 'network' | 'dataverse' | 'throttled' | 'cancelled' | 'unknown';
  /** The original message, credentials removed and shortened; for "Show details" and the log. */
  readonly detail?: string;
  /** Seconds to wait before retrying, from Retry-After, when the server said. */
  readonly retryAfterSeconds?: number;
}

/** A Dataverse HTTP response that failed, in the shape any fetch wrapper can provide. */
export interface DataverseErrorResponse {
  /** HTTP status code. */
  readonly status: number;
  /** The parsed JSON body, or its text. */
  readonly body?: unknown;
  /** Response headers: a `Headers` object or a plain record. */
  readonly headers?: HeaderSource;
}

/** Anything headers can be read from. */
export type HeaderSource = { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | undefined>>;

interface Entry {
  readonly title: string;
  readonly cause: string;
  readonly fix: string;
  readonly category?: ErrorExplanation['category'];
}

const SIGN_IN_AGAIN = 'Sign in to this connection again.';
const APP_REG = 'In the Azure portal, open Microsoft Entra ID > App registrations > your app';

// AADSTS codes, from https://learn.microsoft.com/entra/identity-platform/reference-error-codes
// and the cases developers report most (notes A.10, what-users-ask.md).
const AADSTS: Readonly<Record<string, Entry>> = {
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
const OAUTH_ERRORS: Readonly<Record<string, Entry & { aadsts?: string }>> = {
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
const MSAL: Readonly<Record<string, Entry>> = {
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

const CERT_FIX =
  'If your network inspects TLS (a corporate proxy), install its root certificate in the system store and keep http.systemCertificates on, or point NODE_EXTRA_CA_CERTS at it. Do not turn off certificate checks.';

// Node.js system and TLS error codes, found on the error or on its `cause` chain.
const NODE: Readonly<Record<string, Entry>> = {
  ECONNREFUSED: {
    title: 'The connection was refused.',
    cause: 'Nothing is listening at that address, or a firewall rejected the connection.',
    fix: 'Check the URL and port, and your proxy settings (http.proxy).',
    category: 'network',
  },
  ENOTFOUND: {
    title: 'The host name could not be found.',
    cause: 'The host name is misspelt, the environment was deleted or renamed, or DNS is unreachable.',
    fix: 'Check the environment URL and your network connection.',
    category: 'network',
  },
  EAI_AGAIN: {
    title: 'The host name could not be looked up right now.',
    cause: 'DNS did not answer in time, often while offline or on a VPN that is connecting.',
    fix: 'Check your network connection and try again.',
    category: 'network',
  },
  ETIMEDOUT: {
    title: 'The connection timed out.',
    cause: 'The server did not answer in time: a slow network, a proxy or a firewall.',
    fix: 'Check your network and proxy settings, then try again.',
    category: 'network',
  },
  ECONNRESET: {
    title: 'The connection was closed unexpectedly.',
    cause: 'A proxy, firewall or the server closed the connection mid-request.',
    fix: 'Try again; if it repeats, check your proxy settings.',
    category: 'network',
  },
  SELF_SIGNED_CERT_IN_CHAIN: {
    title: 'The server\'s certificate is not trusted.',
    cause: 'A self-signed certificate is in the chain, usually because a corporate proxy re-signs HTTPS traffic.',
    fix: CERT_FIX,
    category: 'network',
  },
  DEPTH_ZERO_SELF_SIGNED_CERT: {
    title: 'The server\'s certificate is self-signed.',
    cause: 'The server presented a self-signed certificate.',
    fix: CERT_FIX,
    category: 'network',
  },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
    title: 'The server\'s certificate could not be verified.',
    cause: 'Its issuing certificate is missing from the trusted store, often because of a TLS-inspecting proxy.',
    fix: CERT_FIX,
    category: 'network',
  },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: {
    title: 'The server\'s certificate could not be verified.',
    cause: 'The issuer of its certificate is not in the trusted store, often because of a TLS-inspecting proxy.',
    fix: CERT_FIX,
    category: 'network',
  },
  CERT_HAS_EXPIRED: {
    title: 'The server\'s certificate has expired.',
    cause: 'The certificate presented by the server (or a proxy) is past its end date, or this computer\'s clock is wrong.',
    fix: 'Check the system clock; if it is right, report the certificate to whoever runs the proxy or server.',
    category: 'network',
  },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    title: 'The server\'s certificate is for a different host.',
    cause: 'The certificate does not name the host that was called, often a proxy or a wrong URL.',
    fix: 'Check the URL; if it is right, check your proxy settings.',
    category: 'network',
  },
};

const MAX_DETAIL = 600;

/**
 * Explains any error thrown while signing in or calling Dataverse: MSAL
 * errors (`errorCode`, `errorMessage` "AADSTS7000215: ...", `subError`,
 * `errorNo`), Entra ID error bodies, Dataverse responses, Node network and
 * TLS errors, or plain strings. Everything returned is redacted, and there
 * is always a code and a description, even for errors nobody anticipated.
 */
export function explainError(error: unknown, now: number = Date.now()): ErrorExplanation {
  if (error === null || error === undefined) {
    return unknown('unknown', undefined);
  }
  if (typeof error === 'string') {
    return explainText(error);
  }
  if (typeof error !== 'object') {
    return explainText(String(error));
  }
  const e = error as Record<string, unknown>;

  // MSAL errors carry `errorCode`; checked first because ServerError also has a numeric `status`.
  if (typeof e.errorCode === 'string' && e.errorCode) {
    return explainMsal(e);
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status <= 599) {
    // A raw response carries its body and headers; a DataverseHttpError carries the code, message and Retry-After it read from them.
    const body = e.body ?? (typeof e.code === 'string' || typeof e.message === 'string' ? { error: { code: e.code, message: e.message } } : undefined);
    const headers = (e.headers as HeaderSource | undefined) ?? (typeof e.retryAfterSeconds === 'number' ? { 'retry-after': String(e.retryAfterSeconds) } : undefined);
    return explainDataverseResponse({ status: e.status, body, headers }, now);
  }
  // An Entra ID token endpoint body: { error, error_description, error_codes }.
  if (typeof e.error === 'string') {
    const codes = Array.isArray(e.error_codes) ? e.error_codes : [];
    const description = typeof e.error_description === 'string' ? e.error_description : undefined;
    const aadsts = codes.length ? String(codes[0]) : findAadsts(description);
    if (aadsts) {
      return explainAadsts(aadsts, description);
    }
    return explainOAuthError(e.error, description);
  }
  // A Dataverse body on its own: { error: { code, message } }.
  if (e.error && typeof e.error === 'object') {
    return explainDataverseResponse({ status: 0, body: e }, now);
  }

  const message = messageOf(error);
  const node = findNodeCode(error) ?? findNodeCodeInText(message);
  if (node) {
    return fromEntry(node, NODE[node], message);
  }
  const aadsts = findAadsts(message);
  if (aadsts) {
    return explainAadsts(aadsts, message);
  }
  const code = firstString(e.code, e.name !== 'Error' ? e.name : undefined) ?? 'unknown';
  if (code === 'MissingSecretError') {
    const name = typeof e.connectionName === 'string' && e.connectionName ? `"${e.connectionName}"` : 'the connection';
    return fromEntry(
      'MissingSecretError',
      {
        title: `This window cannot read the secret of ${name}.`,
        cause: 'The connection was signed out; or, in VS Code for the Web, it was added in another browser tab, and a tab sees secrets stored by other tabs only after it reloads.',
        fix: 'Run Dataverse: Connect to Environment... to enter it again; in VS Code for the Web, reload this tab first (Developer: Reload Window) if another tab added it.',
        category: 'signIn',
      },
      message,
    );
  }
  // AbortController aborts, and VS Code's CancellationError (named 'Canceled').
  if (code === 'AbortError' || code === 'Canceled') {
    return fromEntry('cancelled', { title: 'The operation was cancelled.', cause: 'It was cancelled before it finished.', fix: 'Run it again when you are ready.', category: 'cancelled' }, message);
  }
  return unknown(code, message);
}

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

/**
 * Explains a failed Dataverse Web API response from its status, the
 * `{"error":{"code","message"}}` body (whose hex code has nothing to do with
 * the status and is often empty), the challenge header and Retry-After.
 */
export function explainDataverseResponse(response: DataverseErrorResponse, now: number = Date.now()): ErrorExplanation {
  const { status } = response;
  const { code: hex, message } = readDataverseBody(response.body);
  const hexCode = hex && hex !== '0x0' ? hex.toLowerCase() : undefined;
  const label = `HTTP ${status || '?'}${hexCode ? ` ${hexCode}` : ''}`;
  const said = message ? ` Dataverse said: ${cleanDescription(message)}` : '';
  const base = { code: label, category: 'dataverse' as const, ...detailOf(message) };

  if (status === 429 || ['0x80072322', '0x80072321', '0x80072326'].includes(hexCode ?? '')) {
    const retryAfterSeconds = parseRetryAfter(readHeader(response.headers, 'retry-after'), now);
    const wait = retryAfterSeconds !== undefined ? `Dataverse asked to wait ${retryAfterSeconds} seconds; requests resume after that.` : 'Wait a few seconds; requests resume after that.';
    const causes: Record<string, string> = {
      '0x80072322': 'More than 6,000 requests were sent by this user within 5 minutes.',
      '0x80072321': 'The requests of this user took more than 20 minutes of combined execution time within 5 minutes.',
      '0x80072326': 'Too many requests of this user ran at the same time (more than 52).',
    };
    return {
      ...base,
      title: 'Dataverse paused requests under its service protection limits.',
      cause: causes[hexCode ?? ''] ?? 'Too many requests were sent by this user in a short time.',
      fix: `${wait} Send fewer requests at once, or fetch fewer pages.`,
      category: 'throttled',
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    };
  }

  if (status === 401) {
    const challenge = parseDataverseChallenge(readHeader(response.headers, 'www-authenticate'));
    if (challenge.ok) {
      return {
        ...base,
        title: 'The environment did not accept the sign-in.',
        cause: `The token is missing, expired, or for another environment or tenant; the environment expects a token from tenant ${challenge.challenge.tenantId}${challenge.challenge.resourceId ? ` for ${challenge.challenge.resourceId}` : ''}.${said}`,
        fix: 'Sign in again; if it repeats, check the connection\'s tenant matches the one above and that the environment URL is right.',
      };
    }
    return {
      ...base,
      title: 'The server refused the request as unauthenticated.',
      cause: `It sent no usable sign-in challenge, so it may not be a Dataverse environment (or a proxy answered instead).${said}`,
      fix: 'Check the environment URL, then sign in again.',
    };
  }

  if (status === 403 || hexCode === '0x80072560' || hexCode === '0x80040220' || hexCode === '0x80095ffc') {
    if (hexCode === '0x80072560') {
      return {
        ...base,
        title: 'The signed-in identity is not a user of this environment.',
        cause: 'For an app registration there is no application user for it in this environment; for a person, the account is not in the environment (or its security group), or the token is from another tenant.',
        fix: 'In Power Platform admin center open the environment > Settings > Users + permissions > Application users, add the app and give it a security role; for a person, ask an admin to add you to the environment.',
      };
    }
    if (hexCode === '0x80040220') {
      return {
        ...base,
        title: 'You lack a privilege this request needs.',
        cause: `Your security roles do not grant the privilege (Dataverse names it in the message, e.g. prvReadaccount).${said}`,
        fix: 'Ask an environment admin for a security role that includes that privilege.',
      };
    }
    if (hexCode === '0x80095ffc') {
      return {
        ...base,
        title: 'An environment policy blocks this app from the Dataverse API.',
        cause: `The environment restricts API access to approved application IDs, and this app is not one.${said}`,
        fix: 'Ask an environment admin to allow the app, or use an app registration that is allowed.',
      };
    }
    return {
      ...base,
      title: 'Dataverse refused the request.',
      cause: `The signed-in identity is not allowed to do this.${said}`,
      fix: 'Check your security roles in this environment, or ask an admin.',
    };
  }

  if (status === 404) {
    if (hexCode === '0x80040217') {
      return { ...base, title: 'The record does not exist.', cause: `It was deleted, or the ID is wrong.${said}`, fix: 'Check the record ID.' };
    }
    return {
      ...base,
      title: 'Dataverse found nothing at that address.',
      cause: `Table (entity set), function and property names are case sensitive and entity sets are plural (accounts, not Account); a function called with the wrong method also gives 404.${said}`,
      fix: 'Check the spelling and case of the entity set name and the API version in the URL.',
    };
  }

  if (status >= 500) {
    return {
      ...base,
      title: `Dataverse had a problem answering (HTTP ${status}).`,
      cause: `The service failed or is briefly unavailable; this is not caused by your request.${said}`,
      fix: 'Try again in a minute; if it persists, check the Power Platform admin center service health.',
    };
  }

  if (status === 400) {
    return {
      ...base,
      title: 'Dataverse could not process the request.',
      cause: message ? `Dataverse said: ${cleanDescription(message)}` : 'The request is malformed: a query option, property name or body is wrong.',
      fix: 'Fix the part of the request the message names; property and table names are case sensitive.',
    };
  }

  return {
    ...base,
    title: `Dataverse answered HTTP ${status || 'with an error'}.`,
    cause: message ? `Dataverse said: ${cleanDescription(message)}` : 'Dataverse gave no description.',
    fix: 'Check the request and try again; the details show the full answer.',
  };
}

/**
 * Seconds to wait from a Retry-After value (seconds, or an HTTP date), or
 * undefined when absent or unreadable. Never negative.
 */
export function parseRetryAfter(value: string | number | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value === '') {
    return undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? Math.max(0, Math.ceil(value)) : undefined;
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    return Math.max(0, Math.ceil(Number(text)));
  }
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** One line for a notification: title, fix and code. */
export function formatExplanation(explanation: ErrorExplanation): string {
  return `${explanation.title} ${explanation.fix} (${explanation.code})`;
}

function explainMsal(e: Record<string, unknown>): ErrorExplanation {
  const errorCode = String(e.errorCode);
  const message = firstString(e.errorMessage, e.message);
  const subError = typeof e.subError === 'string' && e.subError ? e.subError : undefined;
  const withSub = (x: ErrorExplanation): ErrorExplanation =>
    subError && x.detail !== undefined ? { ...x, detail: clip(redact(`${x.detail} [subError: ${subError}]`)) } : subError ? { ...x, detail: `subError: ${subError}` } : x;

  const aadsts = (typeof e.errorNo === 'string' && /^\d+$/.test(e.errorNo) ? e.errorNo : undefined) ?? findAadsts(message);
  if (aadsts) {
    return withSub(explainAadsts(aadsts, message));
  }
  if (OAUTH_ERRORS[errorCode]) {
    return withSub(explainOAuthError(errorCode, message));
  }
  const normalized = errorCode === 'user_cancelled' ? 'user_canceled' : errorCode;
  if (['network_error', 'endpoints_resolution_error', 'openid_config_error', 'post_request_failed'].includes(normalized)) {
    const node = findNodeCode(e) ?? findNodeCodeInText(message);
    if (node) {
      const entry = NODE[node];
      return withSub(fromEntry(`${node} (${normalized})`, entry, message));
    }
  }
  const entry = MSAL[normalized];
  if (entry) {
    return withSub(fromEntry(normalized, { category: 'signIn', ...entry }, message));
  }
  return withSub(unknown(errorCode, message));
}

function explainOAuthError(error: string, description?: string): ErrorExplanation {
  const entry = OAUTH_ERRORS[error];
  if (!entry) {
    const aadsts = findAadsts(description);
    return aadsts ? explainAadsts(aadsts, description) : unknown(error, description);
  }
  const { aadsts, ...rest } = entry;
  return fromEntry(aadsts ? `AADSTS${aadsts} (${error})` : error, { category: 'signIn', ...rest }, description);
}

function explainText(text: string): ErrorExplanation {
  const aadsts = findAadsts(text);
  if (aadsts) {
    return explainAadsts(aadsts, text);
  }
  const node = findNodeCodeInText(text);
  if (node) {
    return fromEntry(node, NODE[node], text);
  }
  return unknown('unknown', text);
}

function unknown(code: string, description: string | undefined): ErrorExplanation {
  const said = cleanDescription(description);
  return {
    code: redact(code),
    title: code === 'unknown' ? 'The operation failed.' : `The operation failed with ${redact(code)}.`,
    cause: said || 'No description was given.',
    fix: 'See Dataverse: Show Log for details; if it keeps happening, report it with the code and the details.',
    category: 'unknown',
    ...detailOf(description),
  };
}

function fromEntry(code: string, entry: Entry, description: string | undefined): ErrorExplanation {
  return {
    code,
    title: entry.title,
    cause: entry.cause,
    fix: entry.fix,
    category: entry.category ?? 'signIn',
    ...detailOf(description),
  };
}

function detailOf(description: string | undefined): { detail?: string } {
  const text = description?.trim();
  return text ? { detail: clip(redact(text)) } : {};
}

/** The first line of a server description, redacted, without the AADSTS prefix repeated. */
function cleanDescription(description: string | undefined): string {
  if (!description) {
    return '';
  }
  const firstLine = description.trim().split(/\r?\n/)[0].replace(/^AADSTS\d+:\s*/, '');
  return clip(redact(firstLine), 300);
}

function clip(text: string, max = MAX_DETAIL): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function findAadsts(text: string | undefined): string | undefined {
  return text ? /\bAADSTS(\d{5,8})\b/.exec(text)?.[1] : undefined;
}

function findNodeCodeInText(text: string | undefined): string | undefined {
  if (!text) {
    return undefined;
  }
  return Object.keys(NODE).find((code) => new RegExp(`\\b${code}\\b`).test(text));
}

/** A known Node code on the error, its `cause` chain, or an AggregateError's members. */
function findNodeCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 5) {
    return undefined;
  }
  const e = error as Record<string, unknown>;
  if (typeof e.code === 'string' && NODE[e.code]) {
    return e.code;
  }
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const found = findNodeCode(inner, depth + 1);
      if (found) {
        return found;
      }
    }
  }
  return findNodeCode(e.cause, depth + 1);
}

function messageOf(error: unknown): string | undefined {
  if (error && typeof error === 'object') {
    const e = error as Record<string, unknown>;
    const own = firstString(e.message);
    const cause = e.cause && typeof e.cause === 'object' ? firstString((e.cause as Record<string, unknown>).message) : undefined;
    return own && cause && !own.includes(cause) ? `${own}: ${cause}` : own ?? cause;
  }
  return undefined;
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) {
    if (typeof value === 'string' && value.trim()) {
      return value;
    }
  }
  return undefined;
}

function readDataverseBody(body: unknown): { code?: string; message?: string } {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body } : {};
    }
  }
  if (value && typeof value === 'object') {
    const error = (value as Record<string, unknown>).error;
    if (error && typeof error === 'object') {
      const e = error as Record<string, unknown>;
      return { code: firstString(e.code), message: firstString(e.message) };
    }
    const message = firstString((value as Record<string, unknown>).message, (value as Record<string, unknown>).Message);
    return message ? { message } : {};
  }
  return {};
}

function readHeader(headers: HeaderSource | undefined, name: string): string | undefined {
  if (!headers) {
    return undefined;
  }
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value.join(', ') : (value as string | undefined);
}

/**
 * Entra ID error bodies, in the exact JSON shape of
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes: error, error_description
 * "AADSTSnnnn: text\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: yyyy-MM-dd HH:mm:ssZ",
 * error_codes, timestamp, trace_id, correlation_id, error_uri (+ suberror).
 * Pure: time and ids are passed in.
 */

/** The AADSTS codes the sandbox emits, with the OAuth `error` and HTTP status Entra pairs them with (https://learn.microsoft.com/entra/identity-platform/reference-error-codes). */
export const AADSTS = {
  50011: { error: 'invalid_request', status: 400 },
  50048: { error: 'invalid_client', status: 401 },
  50059: { error: 'invalid_request', status: 400 },
  50058: { error: 'login_required', status: 400 },
  50076: { error: 'invalid_grant', status: 400 },
  50173: { error: 'invalid_grant', status: 400 },
  54005: { error: 'invalid_grant', status: 400 },
  65001: { error: 'invalid_grant', status: 400 },
  70000: { error: 'invalid_grant', status: 400 },
  70008: { error: 'invalid_grant', status: 400 },
  70011: { error: 'invalid_scope', status: 400 },
  70016: { error: 'authorization_pending', status: 400 },
  70018: { error: 'bad_verification_code', status: 400 },
  70019: { error: 'expired_token', status: 400 },
  90002: { error: 'invalid_request', status: 400 },
  90033: { error: 'temporarily_unavailable', status: 503 },
  90055: { error: 'temporarily_unavailable', status: 429 },
  900144: { error: 'invalid_request', status: 400 },
  9002313: { error: 'invalid_request', status: 400 },
  70003: { error: 'unsupported_grant_type', status: 400 },
  65004: { error: 'access_denied', status: 400 },
  500011: { error: 'invalid_resource', status: 400 },
  500121: { error: 'access_denied', status: 400 },
  501481: { error: 'invalid_grant', status: 400 },
  700016: { error: 'unauthorized_client', status: 400 },
  700022: { error: 'invalid_scope', status: 400 },
  700082: { error: 'invalid_grant', status: 400 },
  700024: { error: 'invalid_client', status: 401 },
  700025: { error: 'invalid_client', status: 401 },
  700027: { error: 'invalid_client', status: 401 },
  7000215: { error: 'invalid_client', status: 401 },
  7000218: { error: 'invalid_client', status: 401 },
  7000222: { error: 'invalid_client', status: 401 },
  1002012: { error: 'invalid_scope', status: 400 },
  // Device flow: no AADSTS number for a declined request (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code).
  0: { error: 'authorization_declined', status: 400 },
} as const satisfies Record<number, { error: string; status: number }>;

/** One of the codes above. */
export type AadstsCode = keyof typeof AADSTS;

/** A failure of an Entra endpoint, before it is shaped into a body. */
export interface EntraFailure {
  readonly code: AadstsCode;
  /** Text after "AADSTSnnnn: ". */
  readonly text: string;
  /** MSAL treats `consent_required`, `basic_action`, `bad_token`… as interaction required (msal-node's InteractionRequiredAuthError). */
  readonly suberror?: string;
  /** Overrides the `error` member (e.g. the authorize leg's `consent_required`). */
  readonly error?: string;
}

/** The JSON body of an Entra error. */
export interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri?: string;
  suberror?: string;
}

/** `yyyy-MM-dd HH:mm:ssZ` (space, not `T`). */
export function entraTimestamp(now: Date): string {
  return `${now.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** Builds a failure value. */
export function failure(code: AadstsCode, text: string, extra: Partial<Pick<EntraFailure, 'suberror' | 'error'>> = {}): EntraFailure {
  return { code, text, ...extra };
}

/** Shapes a failure into Entra's HTTP status and body. */
export function entraErrorResponse(
  f: EntraFailure,
  ids: { traceId: string; correlationId: string; now: Date; authorityOrigin: string },
): { status: number; body: EntraErrorBody } {
  const entry = AADSTS[f.code];
  const timestamp = entraTimestamp(ids.now);
  const prefix = f.code === 0 ? '' : `AADSTS${f.code}: `;
  const body: EntraErrorBody = {
    error: f.error ?? entry.error,
    error_description: `${prefix}${f.text}\r\nTrace ID: ${ids.traceId}\r\nCorrelation ID: ${ids.correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: f.code === 0 ? [] : [f.code],
    timestamp,
    trace_id: ids.traceId,
    correlation_id: ids.correlationId,
  };
  // The real value points at login.microsoftonline.com/error; the sandbox keeps it on its own origin (offline).
  if (f.code !== 0) body.error_uri = `${ids.authorityOrigin}/error?code=${f.code}`;
  if (f.suberror) body.suberror = f.suberror;
  return { status: entry.status, body };
}

/** Texts of the documented messages (https://learn.microsoft.com/entra/identity-platform/reference-error-codes). */
export const messages = {
  unknownTenant: (tenant: string) =>
    failure(90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`),
  unknownApp: (clientId: string, tenant: string) =>
    failure(700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`),
  wrongSecret: (clientId: string) =>
    failure(7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`),
  expiredSecret: (clientId: string) =>
    failure(7000222, `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`),
  missingCredential: () => failure(7000218, `The request body must contain the following parameter: 'client_assertion' or 'client_secret'.`),
  publicClientCredential: () => failure(700025, 'Client is public so neither \'client_assertion\' nor \'client_secret\' should be presented.'),
  badAssertion: (reason: string) => failure(700027, `Client assertion failed signature validation. (Reason - ${reason})`),
  assertionTime: () => failure(700024, 'Client assertion is not within its valid time range.'),
  subjectMismatch: () => failure(50048, 'Subject mismatches Issuer claim in the client assertion.'),
  badScope: (scope: string) =>
    failure(70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`),
  unknownResource: (resource: string, tenant: string) =>
    failure(500011, `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`),
  multipleResources: () => failure(700022, 'The provided value for the input parameter scope is not valid because it contains more than one resource. Scope is not valid.'),
  defaultScopeRequired: (scope: string) =>
    failure(1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`),
  noTenant: () => failure(50059, 'No tenant-identifying information found in either the request or implied by any provided credentials.'),
  missingParameter: (name: string) => failure(900144, `The request body must contain the following parameter: '${name}'.`),
  malformed: (text: string) => failure(9002313, `Invalid request. Request is malformed or invalid. ${text}`),
  unsupportedGrant: (grant: string) => failure(70003, `The app requested an unsupported grant type '${grant}'.`),
  userCancelled: () => failure(65004, 'User declined to consent to access the app.'),
  pkceMismatch: () => failure(501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'),
  codeRedeemed: () => failure(54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'),
  codeExpired: () => failure(70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'),
  invalidGrant: (what: string) => failure(70000, `The provided value for the '${what}' is not valid.`, { suberror: what === 'refresh_token' ? 'bad_token' : undefined }),
  // Revoked by a password reset or "revoke sessions" (https://learn.microsoft.com/entra/identity-platform/reference-error-codes, FreshTokenNeeded).
  revokedRefreshToken: () =>
    failure(50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on a date before the revocation.', { suberror: 'bad_token' }),
  refreshTokenExpired: () =>
    failure(700082, 'The refresh token has expired due to inactivity. The token was issued and was inactive for the configured lifetime.', { suberror: 'bad_token' }),
  // prompt=none without a session (https://learn.microsoft.com/entra/identity-platform/reference-error-codes, 50058).
  noSession: () =>
    failure(50058, 'A silent sign-in request was sent but no user is signed in. The cookies used to represent the user\'s session were not sent in the request to Microsoft Entra ID.'),
  mfaDenied: () => failure(500121, 'Authentication failed during strong authentication request.'),
  // Faults (https://learn.microsoft.com/entra/identity-platform/reference-error-codes: TenantThrottlingError, MsodsServiceUnavailable).
  throttled: () => failure(90055, 'There are too many incoming requests. Please try again later.'),
  unavailable: () => failure(90033, 'A transient error has occurred. The service is temporarily unavailable. Please try again.'),
  redirectMismatch: (redirectUri: string, clientId: string) =>
    failure(50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`),
  consentRequired: (clientId: string, appName: string) =>
    failure(65001, `The user or administrator has not consented to use the application with ID '${clientId}' named '${appName}'. Send an interactive authorization request for this user and resource.`, { suberror: 'consent_required' }),
  mfaRequired: (resource: string) =>
    failure(50076, `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resource}'.`, { suberror: 'basic_action' }),
  pending: () => failure(70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.'),
  badDeviceCode: () => failure(70018, 'Invalid verification code entered.'),
  deviceCodeExpired: () => failure(70019, 'Verification code expired.'),
  declined: () => failure(0, 'The end user denied the authorization request.'),
};

/**
 * Explains any error the extension shows. The project's own error classes
 * are read first, from their types; only errors from elsewhere (msal-node,
 * Node, raw responses, strings) are recognised by their fields. Cancellation
 * of any kind comes back as `cancelled`, which the UI shows as nothing.
 */
import { cancelled, cleanDescription, firstString, fromEntry, messageOf, SEE_LOG, unknownError, type ErrorExplanation } from '../core/errorExplanation';
import { explainNetworkError, unreachable } from '../core/networkErrors';
import { explainDataverseError, explainDataverseResponse, type HeaderSource } from '../dataverse/dataverseErrors';
import { MissingSecretError, SignInRequiredError } from './connectionManager';
import { PfxPasswordError } from './msal/certificateCredential';
import { AuthorityDiscoveryError, DataverseHttpError, DataverseNetworkError } from '../dataverse/http';
import { TokenError } from './msal/tokenError';
import { explainAadsts, explainEntraBody, explainMsalError, findAadsts } from './signInErrors';

const CONNECT_AGAIN = 'Fix it in the connection\'s settings or credential, then run Dataverse: Connect to Environment... again.';
const CHECK_URL = 'Check the environment URL: copy it from make.powerapps.com (Settings > Session details) or the Power Platform admin center, e.g. https://contoso.crm.dynamics.com.';

/**
 * Explains any error thrown while signing in or calling Dataverse. Everything
 * returned is redacted, and there is always a code and a description, even
 * for errors nobody anticipated (whose own message becomes the title).
 */
export function explainError(error: unknown, now: number = Date.now()): ErrorExplanation {
  if (isCancellation(error)) return cancelled(messageOf(error));
  if (error instanceof PfxPasswordError) {
    return fromEntry(
      error.reason === 'wrongPassword' ? 'pfx_wrong_password' : 'pfx_password_needed',
      { title: error.message, cause: 'The PFX/P12 file is protected by the password set when it was exported.', fix: 'Choose the file again and enter that password.' },
      undefined,
    );
  }
  if (error instanceof TokenError) return explainTokenError(error);
  if (error instanceof DataverseHttpError) return explainDataverseError(error, now);
  if (error instanceof DataverseNetworkError) return explainNetworkError(error) ?? unreachable('Dataverse', error.message);
  if (error instanceof AuthorityDiscoveryError) return explainDiscoveryError(error);
  if (error instanceof SignInRequiredError) return explainSignInRequired(error, now);
  if (error instanceof MissingSecretError) {
    return fromEntry(
      'MissingSecretError',
      {
        title: `This window cannot read the secret of ${error.connectionName ? `"${error.connectionName}"` : 'the connection'}.`,
        cause: 'The connection was signed out; or, in VS Code for the Web, it was added in another browser tab, and a tab sees secrets stored by other tabs only after it reloads.',
        fix: 'Run Dataverse: Connect to Environment... to enter it again; in VS Code for the Web, reload this tab first (Developer: Reload Window) if another tab added it.',
      },
      error.message,
    );
  }
  return explainForeignError(error, now);
}

/**
 * True for every way an operation is cancelled: VS Code's CancellationError
 * (named `Canceled`), an AbortController abort (`AbortError`, `ABORT_ERR`),
 * a TokenError of kind `cancelled`, msal-node's own cancel codes, and any
 * error whose cause is one of these.
 */
export function isCancellation(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  if (error instanceof TokenError && error.kind === 'cancelled') return true;
  const e = error as Record<string, unknown>;
  if (e.name === 'Canceled' || e.name === 'AbortError' || e.code === 'ABORT_ERR') return true;
  if (typeof e.errorCode === 'string' && ['user_cancelled', 'user_canceled', 'device_code_polling_cancelled'].includes(e.errorCode)) return true;
  return isCancellation(e.cause, depth + 1);
}

/** A signed-out connection, or one whose saved sign-in needs the person: the fix is Sign In (offered as the button), with the reason Entra gave kept. */
function explainSignInRequired(error: SignInRequiredError, now: number): ErrorExplanation {
  const inner = error.reason === 'expired' ? explainError(error.cause, now) : undefined;
  return fromEntry(
    inner && inner.category !== 'unknown' ? inner.code : error.reason === 'signedOut' ? 'signed_out' : 'interaction_required',
    {
      // What Entra said (MFA again, a revoked sign-in...) is the title when it is known; the way out is Sign In either way.
      title: inner && inner.category !== 'unknown' ? `${error.connectionName}: ${inner.title}` : error.message,
      cause:
        error.reason !== 'signedOut'
          ? (inner?.cause ?? 'The saved sign-in cannot be renewed without you.')
          : error.cause instanceof MissingSecretError
            ? 'This window cannot read its secret: it was signed out, or, in VS Code for the Web, another browser tab added it, and a tab sees secrets stored by other tabs only after it reloads.'
            : 'It was signed out, so its tokens were removed; the connection stays in the list.',
      fix:
        error.cause instanceof MissingSecretError
          ? `Select Sign In to enter it again; in VS Code for the Web, if another tab added "${error.connectionName}", reload this tab instead (Developer: Reload Window).`
          : `Select Sign In to sign in to "${error.connectionName}" again.`,
    },
    messageOf(error.cause),
  );
}

function explainTokenError(error: TokenError): ErrorExplanation {
  // An error from Entra or msal-node keeps its code: the tables know it best.
  if (error.aadsts !== undefined || error.errorCode) {
    const explained = error.aadsts !== undefined ? explainAadsts(error.aadsts, error.message) : explainMsalError({ errorCode: error.errorCode, message: error.message, cause: error.cause });
    if (explained.category !== 'unknown') return explained;
  }
  switch (error.kind) {
    case 'cancelled':
      return cancelled(error.message);
    case 'timedOut':
      return explainMsalError({ errorCode: 'user_timeout_reached', message: error.message });
    case 'interactionRequired':
      return fromEntry(
        'interaction_required',
        { title: 'You need to sign in again.', cause: cleanDescription(error.message) || 'The saved sign-in cannot be renewed without you.', fix: 'Sign in to this connection again.' },
        undefined,
      );
    case 'network':
      return explainNetworkError(error) ?? unreachable('The Microsoft sign-in service', error.message);
    case 'configuration':
      return fromEntry(error.errorCode ?? 'configuration', { title: error.message, cause: 'The connection cannot be used as it is set up.', fix: CONNECT_AGAIN }, undefined);
    case 'rejected':
      return fromEntry(error.errorCode ?? 'rejected', { title: error.message, cause: 'Microsoft Entra ID or msal-node refused the sign-in without an error code.', fix: `Sign in to this connection again. ${SEE_LOG}` }, undefined);
  }
}

function explainDiscoveryError(error: AuthorityDiscoveryError): ErrorExplanation {
  switch (error.reason) {
    case 'invalidUrl':
      return fromEntry('invalid_url', { title: error.message, cause: 'The environment URL must be an https:// address.', fix: CHECK_URL }, undefined);
    case 'network':
      return explainNetworkError(error) ?? unreachable('The environment', error.message);
    case 'unexpectedStatus':
    case 'missingChallenge':
      return fromEntry(
        `HTTP ${error.status ?? '?'}`,
        {
          title: 'This address does not answer like a Dataverse environment.',
          cause: `${error.message} A Dataverse environment answers an anonymous call with 401 and a challenge naming its tenant.`,
          fix: CHECK_URL,
        },
        error.message,
      );
  }
}

/** Errors from outside the project: msal-node, Entra and Dataverse bodies, Node network errors, strings. */
function explainForeignError(error: unknown, now: number): ErrorExplanation {
  if (error === null || error === undefined) return unknownError('unknown', undefined);
  if (typeof error !== 'object') {
    const text = String(error);
    const aadsts = findAadsts(text);
    return aadsts ? explainAadsts(aadsts, text) : (explainNetworkError(text) ?? unknownError('unknown', text));
  }
  const e = error as Record<string, unknown>;
  // MSAL errors carry `errorCode`; checked first because ServerError also has a numeric `status`.
  if (typeof e.errorCode === 'string' && e.errorCode) return explainMsalError(e);
  // A raw Dataverse response: { status, body, headers }.
  if (typeof e.status === 'number' && e.status >= 400 && e.status <= 599) {
    return explainDataverseResponse({ status: e.status, body: e.body, headers: e.headers as HeaderSource | undefined }, now);
  }
  if (typeof e.error === 'string') return explainEntraBody(e as { error: string });
  // A Dataverse body on its own: { error: { code, message } }.
  if (e.error && typeof e.error === 'object') return explainDataverseResponse({ status: 0, body: e }, now);

  const message = messageOf(error);
  const network = explainNetworkError(error);
  if (network) return network;
  const aadsts = findAadsts(message);
  if (aadsts) return explainAadsts(aadsts, message);
  return unknownError(firstString(e.code, e.name !== 'Error' ? e.name : undefined) ?? 'unknown', message);
}

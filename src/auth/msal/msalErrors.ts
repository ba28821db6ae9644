/**
 * Maps what msal-node throws to a TokenError. Kept apart from TokenError so
 * that code which only recognises TokenErrors (explainError) does not load
 * msal-node, which is loaded when the first token is needed.
 */
import { AuthError, ClientConfigurationError, InteractionRequiredAuthError } from '@azure/msal-node';
import { TokenError } from './tokenError';

const CANCELLED = new Set(['device_code_polling_cancelled', 'user_cancelled']);
const TIMED_OUT = new Set(['user_timeout_reached', 'device_code_expired']);
const NO_ACCOUNT = new Set(['no_account_in_silent_request', 'no_tokens_found', 'refresh_token_expired', 'native_account_unavailable']);
const NETWORK = new Set(['network_error', 'endpoints_resolution_error', 'openid_config_error']);

/** The AADSTS description alone: msal wraps it in "Error(s): … - Description: …\r\nTrace ID: …". */
function describe(error: AuthError): { text: string; aadsts?: number } {
  const raw = error.errorMessage || error.message;
  const aadsts = /AADSTS(\d+)/.exec(raw)?.[1];
  const description = /(AADSTS\d+:[^\r\n]*)/.exec(raw)?.[1]?.replace(/\s+Trace ID:.*$/, '').trim();
  return { text: description ?? (raw || error.errorCode), aadsts: aadsts ? Number(aadsts) : undefined };
}

/**
 * Maps whatever MSAL threw to a TokenError. `during` matters: an
 * "interaction required" answer to a silent call means "ask the person",
 * but the same answer during an interactive sign-in is a refusal to explain
 * (prompting again would loop).
 */
export function toTokenError(error: unknown, during: 'silent' | 'interactive'): TokenError {
  if (error instanceof TokenError) return error;
  if (!(error instanceof AuthError)) {
    const message = error instanceof Error ? error.message : String(error);
    return new TokenError('rejected', `Getting a token failed: ${message}`, { cause: error });
  }
  const { text, aadsts } = describe(error);
  const details = { aadsts, errorCode: error.errorCode, correlationId: error.correlationId || undefined, cause: error };
  const code = error.errorCode;
  if (CANCELLED.has(code)) return new TokenError('cancelled', 'Sign-in was cancelled.', details);
  // Cancel on the sign-in page and a declined consent prompt both come back as access_denied with
  // AADSTS65004 (https://learn.microsoft.com/entra/identity-platform/reference-error-codes), with nothing
  // on the wire that tells them apart; either way the person chose not to go on, so it ends quietly.
  if (during === 'interactive' && code === 'access_denied' && aadsts === 65004) {
    return new TokenError('cancelled', 'Sign-in was cancelled on the sign-in page (AADSTS65004: Cancel, or the permissions prompt declined).', details);
  }
  if (TIMED_OUT.has(code)) return new TokenError('timedOut', 'Sign-in was not completed in time.', details);
  if (NETWORK.has(code)) return new TokenError('network', `The sign-in service could not be reached: ${text}`, details);
  if (error instanceof ClientConfigurationError) return new TokenError('configuration', text, details);
  if (during === 'silent' && (error instanceof InteractionRequiredAuthError || NO_ACCOUNT.has(code))) {
    return new TokenError('interactionRequired', text, details);
  }
  return new TokenError('rejected', text, details);
}

import { AuthError, ClientConfigurationError, InteractionRequiredAuthError } from '@azure/msal-node';
import { redact } from '../../core/logger';

/** Why a token could not be had; the glue decides what to show or do from this. */
export type TokenErrorKind =
  /** Silent renewal needs the person: no account yet, refresh token expired or revoked, new consent or MFA. Prompt to sign in. */
  | 'interactionRequired'
  /** Entra refused the request; `aadsts` tells why (wrong secret, unknown app, MFA on the page...). */
  | 'rejected'
  /** The person or the caller cancelled. */
  | 'cancelled'
  /** Nobody finished signing in in time. */
  | 'timedOut'
  /** The sign-in service could not be reached. */
  | 'network'
  /** What the connection was set up with is wrong (authority, certificate...). */
  | 'configuration';

/** Details of a TokenError, none of them secret. */
export interface TokenErrorDetails {
  /** Entra's AADSTS error number, e.g. 7000215. */
  readonly aadsts?: number;
  /** MSAL's error code, e.g. `invalid_client`, `consent_required`. */
  readonly errorCode?: string;
  /** Correlation id to quote to Microsoft support. */
  readonly correlationId?: string;
  readonly cause?: unknown;
}

/** A failure to get a token, typed so the glue can prompt, explain or retry. Never carries a token or secret. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly aadsts: number | undefined;
  readonly errorCode: string | undefined;
  readonly correlationId: string | undefined;

  constructor(
    readonly kind: TokenErrorKind,
    message: string,
    details: TokenErrorDetails = {},
  ) {
    super(redact(message), details.cause === undefined ? undefined : { cause: details.cause });
    this.aadsts = details.aadsts;
    this.errorCode = details.errorCode;
    this.correlationId = details.correlationId;
  }
}

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

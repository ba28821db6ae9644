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

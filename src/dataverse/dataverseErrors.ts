/**
 * Failed Dataverse Web API responses explained: the status, the
 * `{"error":{"code","message"}}` body, the sign-in challenge and Retry-After.
 * Pure, so the Web API client and the query runner share it. The codes are
 * from "Web API error codes" and "Service protection API limits"; see docs/protocol.md.
 */
import { parseDataverseChallenge } from '../auth/challenge';
import { cleanDescription, detailOf, firstString, type ErrorExplanation } from '../core/errorExplanation';

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

/** What a `DataverseHttpError` carries (status, Dataverse's code and message, Retry-After), explained like the response it came from. */
export function explainDataverseError(error: { readonly status: number; readonly code?: string | undefined; readonly message?: string; readonly retryAfterSeconds?: number | undefined }, now: number = Date.now()): ErrorExplanation {
  return explainDataverseResponse(
    {
      status: error.status,
      body: { error: { code: error.code, message: error.message } },
      ...(error.retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(error.retryAfterSeconds) } } : {}),
    },
    now,
  );
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

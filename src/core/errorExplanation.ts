/**
 * The shape every error explanation takes, and the helpers the domain
 * explainers share (sign-in in src/auth, Dataverse in src/dataverse,
 * network here in src/core). Everything that reaches a field is redacted.
 */
import { redact } from './logger';

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

/** A known error's words, before the code and detail are added. */
export interface ExplanationEntry {
  readonly title: string;
  readonly cause: string;
  readonly fix: string;
  readonly category?: ErrorExplanation['category'];
}

const MAX_DETAIL = 600;
const MAX_LINE = 300;

/** What every explanation of the unexpected ends with. */
export const SEE_LOG = 'See Dataverse: Show Log for details; if it keeps happening, report it with the code and the details.';

/** An explanation from a table entry; `category` defaults to sign-in, as most entries are. */
export function fromEntry(code: string, entry: ExplanationEntry, description: string | undefined): ErrorExplanation {
  return {
    code,
    title: entry.title,
    cause: entry.cause,
    fix: entry.fix,
    category: entry.category ?? 'signIn',
    ...detailOf(description),
  };
}

/** The operation was cancelled: the UI shows nothing. */
export function cancelled(description?: string): ErrorExplanation {
  return fromEntry('cancelled', { title: 'The operation was cancelled.', cause: 'It was cancelled before it finished.', fix: 'Run it again when you are ready.', category: 'cancelled' }, description);
}

/**
 * An error nobody anticipated: its own message (first line, redacted) is the
 * title, so the person reads what went wrong rather than "it failed".
 */
export function unknownError(code: string, description: string | undefined): ErrorExplanation {
  const said = cleanDescription(description);
  const label = redact(code);
  return {
    code: label,
    title: said ? endSentence(said) : code === 'unknown' ? 'Something went wrong, and no description was given.' : `An error ${label} occurred without a description.`,
    cause: said ? `No further explanation is known for this error${code === 'unknown' ? '' : ` (${label})`}.` : 'No description was given.',
    fix: SEE_LOG,
    category: 'unknown',
    ...detailOf(description),
  };
}

/** The whole description, redacted and shortened, as `detail`; nothing when there is none. */
export function detailOf(description: string | undefined): { detail?: string } {
  const text = description?.trim();
  return text ? { detail: clip(redact(text), MAX_DETAIL) } : {};
}

/** The first line of a server description, redacted and shortened, without an AADSTS prefix repeated. */
export function cleanDescription(description: string | undefined): string {
  if (!description) return '';
  const firstLine = description.trim().split(/\r?\n/)[0]!.replace(/^AADSTS\d+:\s*/, '');
  return clip(redact(firstLine), MAX_LINE);
}

/** The error's message, with its cause's message when that adds something ("fetch failed: certificate..."). */
export function messageOf(error: unknown): string | undefined {
  if (error && typeof error === 'object') {
    const e = error as Record<string, unknown>;
    const own = firstString(e.message);
    const cause = e.cause && typeof e.cause === 'object' ? firstString((e.cause as Record<string, unknown>).message) : undefined;
    return own && cause && !own.includes(cause) ? `${own}: ${cause}` : (own ?? cause);
  }
  return undefined;
}

/** The first non-blank string among `values`. */
export function firstString(...values: unknown[]): string | undefined {
  for (const value of values) {
    if (typeof value === 'string' && value.trim()) return value;
  }
  return undefined;
}

/** Appends `text` to a detail, redacted and shortened. */
export function appendDetail(explanation: ErrorExplanation, text: string): ErrorExplanation {
  return { ...explanation, detail: explanation.detail !== undefined ? clip(redact(`${explanation.detail} ${text}`), MAX_DETAIL) : text };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function endSentence(text: string): string {
  return /[.!?…:)"']$/.test(text) ? text : `${text}.`;
}

/** One line for a notification: title, fix and code. */
export function formatExplanation(explanation: ErrorExplanation): string {
  return `${explanation.title} ${explanation.fix} (${explanation.code})`;
}

/**
 * Messages between the token inspector's host (extension) and its page
 * (webview). Pure: shared by both sides, validated on arrival.
 *
 * The raw token crosses to the page only in a `reveal` reply, after the
 * person confirmed a warning, and the page never stores it.
 */
import type { TokenCheck } from '../../auth/token/checks';
import type { TokenDescription } from '../../auth/token/claims';
import type { TokenPart } from '../../auth/token/decode';

/** Where the token shown came from. */
export type TokenSource =
  | { readonly kind: 'connection'; readonly connectionId: string; readonly connectionName: string }
  | { readonly kind: 'pasted'; readonly origin: 'selection' | 'clipboard' | 'input' };

/** A connection the token can be compared with. */
export interface TargetChoice {
  readonly id: string;
  readonly label: string;
}

/** Everything the page shows; carries claims, never the raw token. */
export interface InspectorView {
  readonly source: TokenSource;
  /** Set when the input is not a readable JWT: which part is wrong and why. */
  readonly problem?: { readonly part: TokenPart; readonly message: string };
  /** Set when the connection's token is no longer shown (signed out, removed), with the reason. */
  readonly gone?: string;
  readonly description?: TokenDescription;
  readonly checks: readonly TokenCheck[];
  /** True while the signature is being checked against the issuer's keys. */
  readonly signaturePending: boolean;
  /** The connection compared with, if any. */
  readonly targetId?: string;
  readonly targets: readonly TargetChoice[];
  /** Host clock (ms since epoch) when the view was sent; the page counts down from it. */
  readonly now: number;
  /** Changes whenever the token shown changes; a revealed token with another serial is dropped. */
  readonly tokenSerial: number;
  /** Set when the view replaces an earlier one because the connection's token was renewed. */
  readonly renewedAt?: number;
}

/**
 * Every word the page shows of its own, localized by the host (the page has
 * no l10n of its own). `{0}` is filled in by the page.
 */
export interface PageText {
  readonly verdicts: Readonly<Record<'pass' | 'warning' | 'fail' | 'notVerified' | 'info', string>>;
  /** "Access token of {0}" */
  readonly connectionTitle: string;
  readonly pastedTitle: Readonly<Record<'selection' | 'clipboard' | 'input', string>>;
  /** "This is not a token that can be read ({0})." where {0} names the part. */
  readonly unreadable: string;
  readonly kindUser: string;
  readonly kindApp: string;
  readonly kindUnknown: string;
  readonly versionUnknown: string;
  readonly compareWith: string;
  readonly noConnection: string;
  readonly getCurrentToken: string;
  readonly checkAgain: string;
  readonly showRaw: string;
  readonly copy: string;
  readonly hide: string;
  readonly rawTitle: string;
  readonly rawWarning: string;
  readonly checks: string;
  readonly header: string;
  readonly payload: string;
  readonly claim: string;
  readonly value: string;
  readonly meaning: string;
  readonly checking: string;
  readonly signature: string;
  readonly fetchingKeys: string;
  /** "The connection's token was renewed at {0}; this is the new one." */
  readonly renewed: string;
  /** "expires {0}" / "expired {0}" where {0} is a relative time. */
  readonly expires: string;
  readonly expired: string;
  readonly noExpiry: string;
  /** "in {0}" / "{0} ago" */
  readonly inFuture: string;
  readonly inPast: string;
}

export type HostMessage =
  | { readonly type: 'show'; readonly view: InspectorView; readonly text: PageText }
  | { readonly type: 'reveal'; readonly raw: string; readonly tokenSerial: number };

export type PageMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'reveal' }
  | { readonly type: 'copy' }
  | { readonly type: 'compareWith'; readonly targetId: string | null }
  | { readonly type: 'refresh' };

/** Validates a message from the page; anything else is dropped. */
export function parsePageMessage(value: unknown): PageMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as { type?: unknown; targetId?: unknown };
  switch (message.type) {
    case 'ready':
    case 'reveal':
    case 'copy':
    case 'refresh':
      return { type: message.type };
    case 'compareWith':
      if (message.targetId === null) return { type: 'compareWith', targetId: null };
      if (typeof message.targetId === 'string' && message.targetId.length > 0 && message.targetId.length <= 200) return { type: 'compareWith', targetId: message.targetId };
      return undefined;
    default:
      return undefined;
  }
}

/** Validates a message from the host (the page trusts nothing it did not check). */
export function parseHostMessage(value: unknown): HostMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as { type?: unknown; view?: unknown; raw?: unknown; text?: unknown };
  if (message.type === 'reveal' && typeof message.raw === 'string' && typeof (message as { tokenSerial?: unknown }).tokenSerial === 'number') {
    return { type: 'reveal', raw: message.raw, tokenSerial: (message as { tokenSerial: number }).tokenSerial };
  }
  if (message.type === 'show' && typeof message.view === 'object' && message.view !== null) {
    const view = message.view as Partial<InspectorView>;
    const text = message.text as Partial<PageText> | undefined;
    const textOk = typeof text === 'object' && text !== null && typeof text.verdicts === 'object' && typeof text.connectionTitle === 'string' && typeof text.pastedTitle === 'object';
    if (textOk && typeof view.now === 'number' && typeof view.tokenSerial === 'number' && Array.isArray(view.checks) && Array.isArray(view.targets) && typeof view.source === 'object') {
      return { type: 'show', view: view as InspectorView, text: text as PageText };
    }
  }
  return undefined;
}

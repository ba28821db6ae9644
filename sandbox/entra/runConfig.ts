/**
 * Faults of the sign-in service, switchable per run: the token endpoint
 * throttles, is unavailable, answers slowly, or drops the connection. They are
 * kept apart from the Dataverse faults (sandbox/dataverse/runConfig.ts) so a
 * test can take sign-in down while Dataverse stays up, and the other way round.
 * Pure: decides what happens to a token request; server.ts carries it out.
 */

/** The grants of the token endpoint (msal-node sends the short `device_code`). */
export const ENTRA_GRANTS = ['authorization_code', 'refresh_token', 'client_credentials', 'device_code'] as const;

/** One of ENTRA_GRANTS. */
export type EntraGrant = (typeof ENTRA_GRANTS)[number];

/** Which token requests a fault applies to. With neither `everyNth` nor `count`, every matching request. */
export interface EntraFaultSelector {
  /** Only requests of this grant; every grant when absent. */
  readonly grant?: EntraGrant;
  /** Fire on the Nth, 2Nth, 3Nth... matching request. */
  readonly everyNth?: number;
  /** Fire on the next `count` matching requests, then stop. */
  readonly count?: number;
}

/** A fault of the token endpoint. */
export type EntraFaultConfig = EntraFaultSelector &
  (
    /** 429 with `Retry-After` and an Entra error body (`temporarily_unavailable`, AADSTS90055). */
    | { readonly kind: 'throttle'; readonly retryAfterSeconds: number }
    /** 503 with an Entra error body (`temporarily_unavailable`, AADSTS90033), and `Retry-After` when given. */
    | { readonly kind: 'status'; readonly status: 503; readonly retryAfterSeconds?: number }
    /** Answer normally after `delayMs`. */
    | { readonly kind: 'slow'; readonly delayMs: number }
    /** The connection is closed before any byte of the answer: no status, no body. */
    | { readonly kind: 'drop' }
  );

const KINDS = ['throttle', 'status', 'slow', 'drop'];

function positive(value: unknown, name: string, { allowZero = false } = {}): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, not ${JSON.stringify(value)}.`);
  }
}

/** Checks one fault from a config patch; throws an error naming the field and what it accepts. */
export function validateEntraFault(value: unknown, index: number): EntraFaultConfig {
  const at = `entra.faults[${index}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${at} must be an object such as {"kind":"status","status":503}.`);
  const f = value as Record<string, unknown>;
  if (!KINDS.includes(f.kind as string)) throw new Error(`${at}.kind must be one of ${KINDS.join(', ')}, not ${JSON.stringify(f.kind)}.`);
  if (f.grant !== undefined && !(ENTRA_GRANTS as readonly unknown[]).includes(f.grant)) {
    throw new Error(`${at}.grant must be one of ${ENTRA_GRANTS.join(', ')}, not ${JSON.stringify(f.grant)}.`);
  }
  if (f.everyNth !== undefined) positive(f.everyNth, `${at}.everyNth`);
  if (f.count !== undefined) positive(f.count, `${at}.count`);
  if (f.kind === 'throttle') positive(f.retryAfterSeconds, `${at}.retryAfterSeconds`);
  if (f.kind === 'status') {
    if (f.status !== 503) throw new Error(`${at}.status must be 503 (use kind "throttle" for 429), not ${JSON.stringify(f.status)}.`);
    if (f.retryAfterSeconds !== undefined) positive(f.retryAfterSeconds, `${at}.retryAfterSeconds`);
  }
  if (f.kind === 'slow') positive(f.delayMs, `${at}.delayMs`, { allowZero: true });
  return f as unknown as EntraFaultConfig;
}

/** Holds the Entra faults of a run and counts the requests each one matched. */
export class EntraFaults {
  private faults: EntraFaultConfig[] = [];
  private matched: number[] = [];
  private fired: number[] = [];

  /** Replaces the faults (an empty list clears them); counters start again. */
  set(value: unknown): void {
    if (!Array.isArray(value)) throw new Error(`entra.faults must be a list of faults, such as [{"kind":"drop","count":1}], not ${JSON.stringify(value)}.`);
    this.faults = value.map(validateEntraFault);
    this.matched = this.faults.map(() => 0);
    this.fired = this.faults.map(() => 0);
  }

  current(): EntraFaultConfig[] {
    return [...this.faults];
  }

  /** The first fault that fires for a token request of `grant`, if any. */
  decide(grant: string): EntraFaultConfig | undefined {
    const normalised = grant === 'urn:ietf:params:oauth:grant-type:device_code' ? 'device_code' : grant;
    for (const [i, f] of this.faults.entries()) {
      if (f.grant !== undefined && f.grant !== normalised) continue;
      this.matched[i]!++;
      if (f.count !== undefined && this.fired[i]! >= f.count) continue;
      if (f.everyNth !== undefined && this.matched[i]! % f.everyNth !== 0) continue;
      this.fired[i]!++;
      return f;
    }
    return undefined;
  }
}

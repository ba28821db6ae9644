/**
 * Per-run switches for service protection limits and fault injection. Both
 * are off by default; `configure()` patches them while the sandbox runs.
 * Pure: decides what happens to a request; server.ts carries it out.
 */
import { SERVICE_PROTECTION } from './errors';

/** Which requests a rule applies to. With neither `everyNth` nor `count`, every matching request. */
export interface RequestSelector {
  /** Regular expression (source text or RegExp) tested against the path and query, e.g. `/accounts`. */
  readonly path?: string | RegExp;
  /** Fire on the Nth, 2Nth, 3Nth... matching request. */
  readonly everyNth?: number;
  /** Fire on the next `count` matching requests, then stop. */
  readonly count?: number;
}

/** Service protection: answer 429 with Retry-After and one of the three documented codes (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits). */
export interface ThrottleConfig extends RequestSelector {
  /** requests: 0x80072322, executionTime: 0x80072321, concurrency: 0x80072326. */
  readonly kind: 'requests' | 'executionTime' | 'concurrency';
  readonly retryAfterSeconds: number;
}

/** A fault to inject. */
export type FaultConfig = RequestSelector & (
  /** 500/502/503/504 with a Dataverse JSON error body (`body: 'dataverse'`) or a gateway's JSON body (`body: 'gateway'`). */
  | { readonly kind: 'status'; readonly status: 500 | 502 | 503 | 504; readonly body?: 'dataverse' | 'gateway' }
  /** Socket destroyed after the headers and part of the body. */
  | { readonly kind: 'drop' }
  /** Answer normally after `delayMs`. */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** A text/html error page (default 502), as a proxy in front of the service sends. */
  | { readonly kind: 'html'; readonly status?: number }
  /** The real answer, with the body cut in the middle (JSON that does not parse). */
  | { readonly kind: 'truncate' }
);

/** The run configuration of one Dataverse stand-in. */
export interface DataverseRunConfig {
  /** null (default): no service protection errors. */
  throttle: ThrottleConfig | null;
  /** Faults tried in order; the first that fires wins. Empty by default. */
  faults: FaultConfig[];
  /**
   * Unix seconds: access tokens issued (`iat`) before this answer 401 with
   * the challenge, as Dataverse does for a token it no longer accepts.
   * Access tokens only: renewal (refresh token, client credentials) still
   * succeeds and its new token is accepted. null (default): no revocation.
   */
  revokeTokensIssuedBefore: number | null;
}

export function defaultRunConfig(): DataverseRunConfig {
  return { throttle: null, faults: [], revokeTokensIssuedBefore: null };
}

/** Counts matches of one rule. */
class RuleState {
  matched = 0;
  fired = 0;
  constructor(readonly selector: RequestSelector) {}

  /** True when this request triggers the rule. */
  hit(pathAndQuery: string): boolean {
    const { path, everyNth, count } = this.selector;
    if (path !== undefined) {
      const re = typeof path === 'string' ? new RegExp(path) : path;
      if (!re.test(pathAndQuery)) return false;
    }
    this.matched++;
    if (count !== undefined && this.fired >= count) return false;
    if (everyNth !== undefined && everyNth > 0 && this.matched % everyNth !== 0) return false;
    this.fired++;
    return true;
  }
}

/** What the server must do with a request. */
export type Decision =
  | { readonly kind: 'pass' }
  | { readonly kind: 'throttle'; readonly code: string; readonly message: string; readonly retryAfterSeconds: number }
  | { readonly kind: 'fault'; readonly fault: FaultConfig };

/** Holds the run config and the counters of its rules. */
export class RunControl {
  private config: DataverseRunConfig = defaultRunConfig();
  private throttleState: RuleState | null = null;
  private faultStates: RuleState[] = [];
  /** Requests seen in the last 300 s (for the x-ms-ratelimit headers). */
  private readonly window: number[] = [];

  configure(patch: Partial<DataverseRunConfig>): void {
    if ('throttle' in patch) {
      this.config.throttle = patch.throttle ?? null;
      this.throttleState = this.config.throttle ? new RuleState(this.config.throttle) : null;
    }
    if ('faults' in patch) {
      this.config.faults = [...(patch.faults ?? [])];
      this.faultStates = this.config.faults.map((f) => new RuleState(f));
    }
    if ('revokeTokensIssuedBefore' in patch) {
      const value: unknown = patch.revokeTokensIssuedBefore;
      if (value !== null && value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
        throw new Error(`revokeTokensIssuedBefore must be unix seconds (a number) or null, not ${JSON.stringify(value)}.`);
      }
      this.config.revokeTokensIssuedBefore = value ?? null;
    }
  }

  /** True when a token issued at `iat` (unix seconds) has been revoked. */
  isRevoked(iat: number): boolean {
    return this.config.revokeTokensIssuedBefore !== null && iat < this.config.revokeTokensIssuedBefore;
  }

  current(): DataverseRunConfig {
    return { throttle: this.config.throttle, faults: [...this.config.faults], revokeTokensIssuedBefore: this.config.revokeTokensIssuedBefore };
  }

  decide(pathAndQuery: string, now: number): Decision {
    this.window.push(now);
    while (this.window.length && this.window[0]! < now - 300_000) this.window.shift();
    if (this.throttleState?.hit(pathAndQuery)) {
      const t = this.config.throttle!;
      const { code, message } = SERVICE_PROTECTION[t.kind];
      return { kind: 'throttle', code, message, retryAfterSeconds: t.retryAfterSeconds };
    }
    for (let i = 0; i < this.faultStates.length; i++) {
      if (this.faultStates[i]!.hit(pathAndQuery)) return { kind: 'fault', fault: this.config.faults[i]! };
    }
    return { kind: 'pass' };
  }

  /** Values for `x-ms-ratelimit-burst-remaining-xrm-requests` / `-time-remaining-` (api-limits; "do not depend on these values"). */
  rateLimitHeaders(throttled: boolean): Record<string, string> {
    const remaining = throttled ? 0 : Math.max(0, 6000 - this.window.length);
    return {
      'x-ms-ratelimit-burst-remaining-xrm-requests': String(remaining),
      'x-ms-ratelimit-time-remaining-xrm-requests': throttled ? '0.00' : `${(1_200_000 - this.window.length * 20).toFixed(2)}`,
    };
  }
}

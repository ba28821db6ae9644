import {
  ConfidentialClientApplication,
  LogLevel,
  PublicClientApplication,
  type AccountInfo,
  type AuthenticationResult,
  type Configuration,
  type DeviceCodeRequest,
} from '@azure/msal-node';
import type { IDisposable } from '../../core/disposable';
import { registerToken, type Logger } from '../../core/logger';
import { Sequencer } from '../../core/sequencer';
import { SingleFlight } from '../../core/singleFlight';
import { allMicrosoftLoginHosts } from '../clouds';
import { OIDC_SCOPES } from '../scopes';
import type { CertificateCredential } from './certificateCredential';
import type { SecretStore } from './secretStore';
import { cancelLoopback } from './loopbackCancel';
import { SecretStorageCachePlugin } from './secretStorageCachePlugin';
import { toTokenError } from './msalErrors';
import { TokenError } from './tokenError';

/** What the device-code flow shows the person (the device code itself stays inside MSAL). */
export interface DeviceCodePrompt {
  /** The code to type on the verification page. */
  readonly userCode: string;
  /** The page to open, e.g. https://microsoft.com/devicelogin. */
  readonly verificationUri: string;
  /** Entra's own sentence combining both. */
  readonly message: string;
  /** After this the code no longer works. */
  readonly expiresOn: Date;
}

/** How a connection authenticates, with what each flow needs from the glue. */
export type TokenFlow =
  | {
      readonly kind: 'interactive';
      readonly clientId: string;
      /** Opens the sign-in page (the glue wraps `vscode.env.openExternal`); rejects, ideally with TokenError `cancelled`, when the person declines. */
      readonly openBrowser: (url: string) => Promise<void>;
      /** Pre-fills the account on the sign-in page. */
      readonly loginHint?: string;
      /** HTML shown by the loopback page after sign-in. */
      readonly successTemplate?: string;
      /** HTML shown by the loopback page when sign-in failed. */
      readonly errorTemplate?: string;
    }
  | {
      readonly kind: 'deviceCode';
      readonly clientId: string;
      /** Shows the code (the glue copies it and opens the page). */
      readonly onDeviceCode: (prompt: DeviceCodePrompt) => void;
    }
  | { readonly kind: 'clientSecret'; readonly clientId: string; readonly clientSecret: string }
  | { readonly kind: 'certificate'; readonly clientId: string; readonly certificate: CertificateCredential };

/** Everything a token source is built from. */
export interface TokenSourceOptions {
  /** Dataverse environment URL, e.g. https://contoso.crm.dynamics.com. */
  readonly orgUrl: string;
  /** Host (and port) of the sign-in service, e.g. login.microsoftonline.com. */
  readonly authorityHost: string;
  /** Tenant GUID, verified domain, or `organizations`. */
  readonly tenantId: string;
  readonly flow: TokenFlow;
  /** Where the MSAL token cache is kept (`context.secrets`). */
  readonly secrets: SecretStore;
  /** SecretStore key of this connection's token cache. */
  readonly cacheKey: string;
  /** Account remembered from the last sign-in (user flows), so silent calls pick it after a restart. */
  readonly homeAccountId?: string;
  /** Replaces the scope derived from `orgUrl` (`/user_impersonation` for people, `/.default` for apps). */
  readonly scopes?: readonly string[];
  readonly logger?: Logger;
  /** How long an interactive sign-in may wait for the browser; default 5 minutes. */
  readonly interactiveTimeoutMs?: number;
}

/** The signed-in person, as MSAL knows them. */
export interface TokenAccount {
  readonly username: string;
  readonly name: string | undefined;
  readonly homeAccountId: string;
  readonly tenantId: string;
  readonly localAccountId: string;
}

/** An access token for Dataverse. */
export interface AccessToken {
  readonly accessToken: string;
  readonly expiresOn: Date;
  /** The person (user flows only). */
  readonly account?: TokenAccount;
  /** The scopes the token was issued for, as the sign-in service answered them. */
  readonly scopes?: readonly string[];
}

/** Options of `getToken`. */
export interface GetTokenOptions {
  /** Skip the cache, e.g. after Dataverse refused the token with 401. */
  readonly forceRefresh?: boolean;
  /** Stops this caller waiting; the shared request carries on for the others. */
  readonly signal?: AbortSignal;
  /**
   * Scopes for this call instead of the source's own, e.g. what another extension asked for. App flows can
   * only ask for `{resource}/.default` (client credentials grant), so their resource scopes are asked that way.
   */
  readonly scopes?: readonly string[];
}

/** Options of `signIn`. */
export interface SignInOptions {
  /** Cancels the sign-in (device code stops polling; interactive stops waiting). */
  readonly signal?: AbortSignal;
  /** Shows the device code for this sign-in instead of the flow's own `onDeviceCode` (e.g. in the progress that waits for it). */
  readonly onDeviceCode?: (prompt: DeviceCodePrompt) => void;
}

const DEFAULT_INTERACTIVE_TIMEOUT_MS = 5 * 60 * 1000;

function authorityOf(authorityHost: string, tenantId: string): { authority: string; knownAuthorities: string[] } {
  const host = authorityHost
    .replace(/^https:\/\//i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
  if (!host || host.includes('/')) throw new TokenError('configuration', `"${authorityHost}" is not a sign-in host name.`);
  if (!tenantId.trim()) throw new TokenError('configuration', 'The tenant is missing.');
  // MSAL knows Microsoft's hosts; any other (a proxy, the local sandbox) must be listed in
  // knownAuthorities or MSAL asks login.microsoftonline.com whether to trust it
  // (https://learn.microsoft.com/entra/identity-platform/msal-client-application-configuration, docs/protocol.md#tenant-discovery).
  const microsoft = allMicrosoftLoginHosts().includes(host.replace(/:443$/, ''));
  return {
    authority: `https://${host}/${encodeURIComponent(tenantId.trim())}`,
    knownAuthorities: microsoft ? [] : [host],
  };
}

function isUserFlow(flow: TokenFlow): flow is Extract<TokenFlow, { kind: 'interactive' | 'deviceCode' }> {
  return flow.kind === 'interactive' || flow.kind === 'deviceCode';
}

function defaultScopes(orgUrl: string, flow: TokenFlow): string[] {
  const resource = orgUrl.replace(/\/+$/, '');
  return [isUserFlow(flow) ? `${resource}/user_impersonation` : `${resource}/.default`];
}

function toAccount(account: AccountInfo): TokenAccount {
  return {
    username: account.username,
    name: account.name,
    homeAccountId: account.homeAccountId,
    tenantId: account.tenantId,
    localAccountId: account.localAccountId,
  };
}

function toAccessToken(result: AuthenticationResult | null): AccessToken {
  if (!result?.accessToken) throw new TokenError('rejected', 'The sign-in service answered without an access token.');
  // Tokens received are masked in every later log line, in any form (see core/logger.ts).
  registerToken(result.accessToken);
  registerToken(result.idToken);
  return {
    accessToken: result.accessToken,
    // A missing expiry is treated as "expires now", so the token is not trusted for long.
    expiresOn: result.expiresOn ?? new Date(),
    ...(result.account ? { account: toAccount(result.account) } : {}),
    ...(result.scopes?.length ? { scopes: [...result.scopes] } : {}),
  };
}

/** Rejects as soon as `signal` aborts or `timeoutMs` passes, whichever comes first; `work` is left to finish on its own. */
function raceAbort<T>(what: 'Sign-in' | 'The token request', work: Promise<T>, signal: AbortSignal | undefined, timeoutMs?: number): Promise<T> {
  if (!signal && timeoutMs === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => finish(() => reject(new TokenError('cancelled', `${what} was cancelled.`)));
    const finish = (settle: () => void) => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => finish(() => reject(new TokenError('timedOut', `${what} was not completed in time.`))), timeoutMs);
    }
    work.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/**
 * Dataverse access tokens for one connection, through msal-node. MSAL owns
 * the protocol (PKCE, the loopback listener, device-code polling, client
 * assertions, renewal 5 minutes before expiry); this class adds what an
 * editor needs around it: the cache in SecretStorage, one MSAL call at a
 * time, one token request however many callers wait, and typed errors.
 */
export class MsalTokenSource implements IDisposable {
  private readonly _sequencer = new Sequencer();
  /** Keyed by what is asked: 'signIn', or the kind of token request and its scopes. */
  private readonly _inFlight = new SingleFlight<string, AccessToken>();
  private _account: AccountInfo | undefined;

  private constructor(
    private readonly _app: PublicClientApplication | ConfidentialClientApplication,
    private readonly _cache: SecretStorageCachePlugin,
    private readonly _flow: TokenFlow,
    private readonly _scopes: string[],
    private readonly _orgUrl: string,
    private readonly _homeAccountId: string | undefined,
    private readonly _interactiveTimeoutMs: number,
    private readonly _logger: Logger | undefined,
  ) {}

  /** Builds the MSAL application and, for user flows, finds the cached account. */
  static async create(options: TokenSourceOptions): Promise<MsalTokenSource> {
    const { flow, logger } = options;
    if (!flow.clientId.trim()) throw new TokenError('configuration', 'The application (client) id is missing.');
    const authority = authorityOf(options.authorityHost, options.tenantId);
    const cache = new SecretStorageCachePlugin(options.secrets, options.cacheKey, logger);
    const config: Configuration = {
      auth: { clientId: flow.clientId, ...authority },
      cache: { cachePlugin: cache },
      system: {
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          loggerCallback: (level, message) => {
            if (level === LogLevel.Error) logger?.error(`MSAL: ${message}`);
            else logger?.debug(`MSAL: ${message}`);
          },
        },
      },
    };
    let app: PublicClientApplication | ConfidentialClientApplication;
    try {
      if (flow.kind === 'clientSecret') {
        if (!flow.clientSecret) throw new TokenError('configuration', 'The client secret is missing.');
        app = new ConfidentialClientApplication({ ...config, auth: { ...config.auth, clientSecret: flow.clientSecret } });
      } else if (flow.kind === 'certificate') {
        const { thumbprintSha256, privateKey, x5c } = flow.certificate;
        app = new ConfidentialClientApplication({ ...config, auth: { ...config.auth, clientCertificate: { thumbprintSha256, privateKey, x5c } } });
      } else {
        app = new PublicClientApplication(config);
      }
    } catch (e) {
      cache.dispose();
      throw e instanceof TokenError ? e : toTokenError(e, 'silent');
    }
    const source = new MsalTokenSource(
      app,
      cache,
      flow,
      [...(options.scopes ?? defaultScopes(options.orgUrl, flow))],
      options.orgUrl,
      options.homeAccountId,
      options.interactiveTimeoutMs ?? DEFAULT_INTERACTIVE_TIMEOUT_MS,
      logger,
    );
    if (isUserFlow(flow)) await source._sequencer.queue(() => source._findAccount());
    return source;
  }

  /** The signed-in person (user flows), if any. */
  get account(): TokenAccount | undefined {
    return this._account && toAccount(this._account);
  }

  /**
   * A valid access token without prompting: from the cache, else renewed
   * (refresh token for people, client credential for apps). Concurrent
   * callers share one request. Throws TokenError `interactionRequired`
   * when only `signIn` can help.
   */
  getToken(options: GetTokenOptions = {}): Promise<AccessToken> {
    const forceRefresh = options.forceRefresh === true;
    const scopes = this._scopesFor(options.scopes);
    // A forced refresh (after a 401) must not join a plain request that may return the refused token,
    // nor a request for other scopes one for these.
    const request = this._inFlight.run(`${forceRefresh ? 'refresh' : 'token'} ${scopes.join(' ')}`, () =>
      this._sequencer.queue(() => (isUserFlow(this._flow) ? this._silent(forceRefresh, scopes) : this._clientCredential(forceRefresh, scopes))),
    );
    return raceAbort('The token request', request, options.signal);
  }

  /**
   * Asks the person to sign in (interactive or device code) and remembers
   * the account. For app flows it fetches a token, which proves the
   * credential works.
   */
  signIn(options: SignInOptions = {}): Promise<AccessToken> {
    if (!isUserFlow(this._flow)) return this.getToken({ signal: options.signal });
    const flow = this._flow;
    return this._inFlight.run('signIn', () =>
      this._sequencer.queue(async () => {
        if (options.signal?.aborted) throw new TokenError('cancelled', 'Sign-in was cancelled.');
        this._logger?.info(`Signing in to ${this._orgUrl} (${flow.kind === 'interactive' ? 'browser' : 'device code'}).`);
        try {
          const result =
            flow.kind === 'interactive'
              ? await this._interactive(flow, options.signal)
              : await this._deviceCode(options.onDeviceCode ? { ...flow, onDeviceCode: options.onDeviceCode } : flow, options.signal);
          this._account = result.account ?? undefined;
          return toAccessToken(result);
        } catch (e) {
          throw toTokenError(e, 'interactive');
        }
      }),
    );
  }

  /** Forgets the account and deletes the stored token cache; the next getToken needs a sign-in (user flows). */
  async signOut(): Promise<void> {
    await this._sequencer.queue(async () => {
      if (this._app instanceof PublicClientApplication) {
        for (const account of await this._app.getAllAccounts()) await this._app.signOut({ account });
      }
      // App tokens have no account to remove: drop the in-memory cache as a whole.
      this._app.clearCache();
      this._account = undefined;
      await this._cache.clear();
    });
    this._logger?.info(`Signed out of ${this._orgUrl}.`);
  }

  dispose(): void {
    this._cache.dispose();
  }

  private async _findAccount(): Promise<AccountInfo | undefined> {
    if (!(this._app instanceof PublicClientApplication)) return undefined;
    const accounts = await this._app.getAllAccounts();
    const hint = this._flow.kind === 'interactive' ? this._flow.loginHint?.toLowerCase() : undefined;
    // The cache belongs to this connection alone, so a single account is the one; otherwise match what was remembered.
    this._account =
      accounts.find((a) => a.homeAccountId === this._homeAccountId) ??
      (hint ? accounts.find((a) => a.username.toLowerCase() === hint) : undefined) ??
      (accounts.length === 1 ? accounts[0] : undefined);
    return this._account;
  }

  /** The scopes of one token request: the source's own, or those asked for (as `/.default` for app flows). */
  private _scopesFor(requested: readonly string[] | undefined): string[] {
    if (!requested || requested.length === 0) return this._scopes;
    if (isUserFlow(this._flow)) {
      // Dataverse publishes one delegated permission, user_impersonation, so for a person
      // `{org}/.default` names the same token as the connection's own `{org}/user_impersonation`
      // (docs/protocol.md#scopes-and-flows). Asking for it in the connection's own words keeps MSAL's cached
      // token, instead of a token request on every getSession of another extension.
      const own = new Set(this._scopes);
      const asked = requested
        .filter((s) => !OIDC_SCOPES.includes(s))
        .map((s) => (s.endsWith('/.default') && own.has(`${s.slice(0, -'/.default'.length)}/user_impersonation`) ? `${s.slice(0, -'/.default'.length)}/user_impersonation` : s));
      return asked.length > 0 && asked.every((s) => own.has(s)) ? this._scopes : [...requested];
    }
    // The client credentials grant takes only {resource}/.default:
    // https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
    const resources = requested.filter((s) => s.includes('/')).map((s) => `${s.slice(0, s.lastIndexOf('/'))}/.default`);
    return resources.length > 0 ? [...new Set(resources)] : this._scopes;
  }

  private async _silent(forceRefresh: boolean, scopes: string[]): Promise<AccessToken> {
    const app = this._app as PublicClientApplication;
    // Another window may have signed in or out since; the cache plugin reloads the entry on this call.
    const account = this._account ?? (await this._findAccount());
    if (!account) throw new TokenError('interactionRequired', `Sign in to ${this._orgUrl} to continue.`);
    try {
      const result = await app.acquireTokenSilent({ account, scopes, forceRefresh });
      if (result.account) this._account = result.account;
      return toAccessToken(result);
    } catch (e) {
      const error = toTokenError(e, 'silent');
      this._logger?.warn(`Silent token renewal for ${this._orgUrl} failed: ${error.message}`);
      throw error;
    }
  }

  private async _clientCredential(forceRefresh: boolean, scopes: string[]): Promise<AccessToken> {
    const app = this._app as ConfidentialClientApplication;
    try {
      // MSAL answers from its cache unless the token is within 5 minutes of expiry; skipCache forces a new one.
      return toAccessToken(await app.acquireTokenByClientCredential({ scopes, skipCache: forceRefresh }));
    } catch (e) {
      const error = toTokenError(e, 'interactive');
      this._logger?.warn(`Token request for ${this._orgUrl} failed: ${error.message}`);
      throw error;
    }
  }

  private _interactive(flow: Extract<TokenFlow, { kind: 'interactive' }>, signal: AbortSignal | undefined): Promise<AuthenticationResult> {
    const app = this._app as PublicClientApplication;
    const loginHint = this._account?.username ?? flow.loginHint;
    let authCodeUrl: string | undefined;
    let settled = false;
    const work = app.acquireTokenInteractive({
      scopes: this._scopes,
      openBrowser: (url) => {
        authCodeUrl = url;
        return flow.openBrowser(url);
      },
      prompt: 'select_account',
      ...(loginHint ? { loginHint } : {}),
      ...(flow.successTemplate ? { successTemplate: flow.successTemplate } : {}),
      ...(flow.errorTemplate ? { errorTemplate: flow.errorTemplate } : {}),
    });
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    // msal-node has no cancel for an interactive request: the race answers the person at once, and the
    // loopback listener msal-node still holds is then told the sign-in was cancelled, so it closes and a
    // late pick on the page cannot complete a sign-in nobody waits for.
    return raceAbort('Sign-in', work, signal, this._interactiveTimeoutMs).catch(async (error: unknown) => {
      if (!settled && authCodeUrl) await cancelLoopback(authCodeUrl);
      throw error;
    });
  }

  private async _deviceCode(flow: Extract<TokenFlow, { kind: 'deviceCode' }>, signal: AbortSignal | undefined): Promise<AuthenticationResult> {
    const app = this._app as PublicClientApplication;
    const request: DeviceCodeRequest = {
      scopes: this._scopes,
      deviceCodeCallback: (r) =>
        flow.onDeviceCode({
          userCode: r.userCode,
          verificationUri: r.verificationUri,
          message: r.message,
          expiresOn: new Date(Date.now() + r.expiresIn * 1000),
        }),
      cancel: false,
    };
    // MSAL checks this flag between polls and stops with device_code_polling_cancelled; the race
    // answers the person at once instead of after the next polling interval.
    const onAbort = () => void (request.cancel = true);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await raceAbort('Sign-in', app.acquireTokenByDeviceCode(request), signal);
      if (!result) throw new TokenError('rejected', 'Device code sign-in ended without a token.');
      return result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

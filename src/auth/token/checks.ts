/**
 * Compares a decoded access token with the connection it is meant for and
 * says, check by check, whether Dataverse would accept it and what a 401/403
 * would mean. Pure: the clock is passed in; the signature is checked elsewhere
 * (signature.ts), because it needs the network.
 */
import { DATAVERSE_RESOURCE_APP_ID, tokenKind } from './claims';
import type { DecodedToken } from './decode';
import { GUID } from '../../core/guid';
import { parseIssuer } from './issuer';

/** The outcome of one check; `notVerified` when it could not be decided, never a silent pass. */
export type Verdict = 'pass' | 'warning' | 'fail' | 'notVerified' | 'info';

/** One line of the token's check list. */
export interface TokenCheck {
  readonly id: 'audience' | 'tenant' | 'issuer' | 'expiry' | 'notBefore' | 'kind' | 'scope' | 'client' | 'signature' | 'algorithm';
  /** Short title, e.g. "Audience matches the org". */
  readonly title: string;
  readonly verdict: Verdict;
  /** What was compared with what. */
  readonly detail: string;
  /** For fail/warning: what a 401/403 from Dataverse would mean and what to do. */
  readonly ifRefused?: string;
}

/** The connection the token is compared with. */
export interface CheckTarget {
  readonly name: string;
  /** Normalised https://host[:port], no trailing slash. */
  readonly orgUrl: string;
  readonly tenantId: string;
  readonly clientId?: string;
  /** True for interactive/device-code connections, false for secret/certificate ones, undefined when unknown. */
  readonly expectsUser?: boolean;
}

/** Options of `checkToken`. */
export interface CheckOptions {
  /** Allowed clock skew for nbf/iat, in seconds. Default 300. */
  readonly clockSkewSeconds?: number;
  /**
   * Whether the origin (https://host[:port]) of a v2 issuer (https://host/{tenant}/v2.0) is a
   * Microsoft Entra ID sign-in host, e.g. the cloud's authority and its aliases plus
   * dataverse.trustedAuthorityHosts. Default: the well-known Microsoft login hosts
   * (`MICROSOFT_V2_ISSUER_HOSTS`). v1 issuers are always checked against `MICROSOFT_V1_ISSUER_HOSTS`.
   */
  readonly isTrustedIssuerHost?: (origin: string) => boolean;
}

/** Hosts of v1 issuers (https://host/{tenant}/): the public and US Government clouds use sts.windows.net, China sts.chinacloudapi.cn. */
export const MICROSOFT_V1_ISSUER_HOSTS: readonly string[] = ['sts.windows.net', 'sts.chinacloudapi.cn'];

/** Hosts of v2 issuers (https://host/{tenant}/v2.0) trusted when `isTrustedIssuerHost` is not given. */
export const MICROSOFT_V2_ISSUER_HOSTS: readonly string[] = [
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.windows.net',
  'sts.windows.net',
];

/** Default allowed clock skew for nbf/iat, in seconds. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 300;
/** The expiry check warns this many seconds before exp. */
export const EXPIRY_WARNING_SECONDS = 300;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** "45 s", "12 min", "3 h 5 min", "2 days". */
export function formatDuration(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
  return `${Math.floor(h / 24)} days`;
}

function audiences(payload: Readonly<Record<string, unknown>>): string[] {
  const aud = payload.aud;
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

/** origin + path of a URL-shaped audience, lower-case host, without a trailing slash; undefined when not a URL. */
function audienceUrl(aud: string): { origin: string; host: string; port: string; path: string } | undefined {
  try {
    const url = new URL(aud);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    // An org URL has no user info, query or fragment: https://evil@org.crm.dynamics.com/?x#y is not the org.
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || /[?#]/.test(aud)) return undefined;
    return { origin: url.origin.toLowerCase(), host: url.hostname.toLowerCase(), port: url.port, path: url.pathname.replace(/\/+$/, '') };
  } catch {
    return undefined;
  }
}

/** org.api.crm.dynamics.com and org.crm.dynamics.com name the same environment. */
function withoutApi(host: string): string {
  return host.replace(/^([^.]+)\.api\./, '$1.');
}

function audienceCheck(payload: Readonly<Record<string, unknown>>, target: CheckTarget | undefined): TokenCheck {
  const auds = audiences(payload);
  const shown = auds.join(', ');
  if (auds.length === 0) {
    return {
      id: 'audience',
      title: 'Audience is missing',
      verdict: 'fail',
      detail: 'The token has no aud claim, so it names no resource.',
      ifRefused: `Dataverse answers 401 Unauthorized. Get a token for scope ${target ? `${target.orgUrl}/.default` : 'https://<org>.crm.dynamics.com/.default'}.`,
    };
  }
  if (!target) {
    const forDataverse = auds.some((a) => a.toLowerCase() === DATAVERSE_RESOURCE_APP_ID);
    return {
      id: 'audience',
      title: 'Audience',
      verdict: 'info',
      detail: `The token is for ${shown}${forDataverse ? ' (the application id of Dataverse itself)' : ''}. There is no connection to compare it with.`,
    };
  }
  const fix = `Get a token for scope ${target.orgUrl}/.default (or ${target.orgUrl}/user_impersonation for a user).`;
  const expected = audienceUrl(target.orgUrl);
  const compared = `aud is ${shown}; the org of connection "${target.name}" is ${target.orgUrl}.`;
  for (const aud of auds) {
    const url = audienceUrl(aud);
    if (expected && url && url.path === '' && url.origin === expected.origin) {
      return { id: 'audience', title: 'Audience matches the org', verdict: 'pass', detail: compared };
    }
  }
  for (const aud of auds) {
    const url = audienceUrl(aud);
    if (expected && url && url.path === '' && url.port === expected.port && url.host !== expected.host && withoutApi(url.host) === withoutApi(expected.host)) {
      return {
        id: 'audience',
        title: 'Audience is the other host name of the org',
        verdict: 'warning',
        detail: `${compared} One has the api. host name, the other not: both name the same environment.`,
        ifRefused: `If Dataverse answers 401, it did not accept this host name for the environment. ${fix}`,
      };
    }
  }
  if (auds.some((a) => a.toLowerCase() === DATAVERSE_RESOURCE_APP_ID)) {
    return {
      id: 'audience',
      title: 'Audience is Dataverse, not the org',
      verdict: 'warning',
      detail: `${compared} ${DATAVERSE_RESOURCE_APP_ID} is the application id of Dataverse (Dynamics CRM) itself: the token names no environment.`,
      ifRefused: `If Dataverse answers 401, it wants a token issued for the environment URL. ${fix}`,
    };
  }
  return {
    id: 'audience',
    title: 'Audience is not the org',
    verdict: 'fail',
    detail: compared,
    ifRefused: `Dataverse answers 401 Unauthorized: the token was issued for another resource. ${fix}`,
  };
}

function tenantCheck(payload: Readonly<Record<string, unknown>>, target: CheckTarget | undefined): TokenCheck {
  const tid = str(payload.tid);
  if (!target) {
    return { id: 'tenant', title: 'Tenant', verdict: 'info', detail: tid ? `The token was issued by tenant ${tid}. There is no connection to compare it with.` : 'The token has no tid claim. There is no connection to compare it with.' };
  }
  if (!tid) {
    return {
      id: 'tenant',
      title: 'Tenant is missing',
      verdict: 'warning',
      detail: `The token has no tid claim; connection "${target.name}" is for tenant ${target.tenantId}.`,
      ifRefused: `If Dataverse answers 401, sign in to tenant ${target.tenantId} again.`,
    };
  }
  if (!GUID.test(target.tenantId)) {
    return { id: 'tenant', title: 'Tenant', verdict: 'info', detail: `tid is ${tid}; connection "${target.name}" names its tenant as ${target.tenantId}, not as an id, so they cannot be compared.` };
  }
  const detail = `tid is ${tid}; connection "${target.name}" is for tenant ${target.tenantId}.`;
  if (tid.toLowerCase() === target.tenantId.toLowerCase()) {
    return { id: 'tenant', title: 'Tenant matches the connection', verdict: 'pass', detail };
  }
  return {
    id: 'tenant',
    title: 'Token is from another tenant',
    verdict: 'fail',
    detail,
    ifRefused: `Dataverse answers 403 with error 0x80072560 ("The user is not a member of the organization."): an environment only accepts callers from its own tenant. Sign in with an account of tenant ${target.tenantId} (authority .../${target.tenantId}), or pick the connection of the other tenant.`,
  };
}

function issuerCheck(payload: Readonly<Record<string, unknown>>, isTrustedIssuerHost: ((origin: string) => boolean) | undefined): TokenCheck {
  const iss = str(payload.iss);
  const tid = str(payload.tid);
  if (!iss) {
    return { id: 'issuer', title: 'Issuer is missing', verdict: 'fail', detail: 'The token has no iss claim.', ifRefused: 'Dataverse answers 401 Unauthorized: it only accepts tokens issued by Entra ID. Get a new token from Entra ID.' };
  }
  const trustedV2 = (origin: string, host: string) => (isTrustedIssuerHost ? isTrustedIssuerHost(origin) : MICROSOFT_V2_ISSUER_HOSTS.includes(host));
  const isV1Host = (host: string) => MICROSOFT_V1_ISSUER_HOSTS.includes(host);
  const shapes = 'Entra issuers are https://sts.windows.net/{tenant}/ (v1; https://sts.chinacloudapi.cn/{tenant}/ in China) or https://login.microsoftonline.com/{tenant}/v2.0 (v2, or the sign-in host of a national cloud).';
  const notEntra = (host: string): TokenCheck => ({
    id: 'issuer',
    title: 'Issuer is not Microsoft Entra ID',
    verdict: 'fail',
    detail: `iss is ${iss}: ${host || 'its host'} is not a Microsoft Entra ID issuer, so the token was likely forged or is for another identity provider. ${shapes}`,
    ifRefused: 'Dataverse answers 401 Unauthorized: it only accepts tokens issued by Microsoft Entra ID. Do not use this token; get a new one from Entra ID.',
  });
  const parsed = parseIssuer(iss);
  if (!parsed) {
    // Entra writes only the two shapes above; a tenant name, user info, a backslash, a query or a fragment means someone else wrote it.
    return {
      id: 'issuer',
      title: 'Issuer is not an Entra ID issuer',
      verdict: 'fail',
      detail: `iss is ${iss}: it is not a Microsoft Entra ID issuer (not exactly one of its two shapes), so the token was likely forged or is for another identity provider. ${shapes}`,
      ifRefused: 'Dataverse answers 401 Unauthorized: it only accepts tokens issued by Microsoft Entra ID. Do not use this token; get a new one from Entra ID.',
    };
  }
  const at = { origin: parsed.origin, host: parsed.host };
  const issTenant = parsed.tenantId;
  const shape = parsed.version;
  if (shape === 'v1' ? !isV1Host(at.host) : !trustedV2(at.origin, at.host)) {
    if (shape === 'v1' && trustedV2(at.origin, at.host)) {
      return {
        id: 'issuer',
        title: 'Issuer has an unexpected shape',
        verdict: 'warning',
        detail: `iss is ${iss}: a v1-shaped issuer on ${at.host}; ${shapes}`,
        ifRefused: 'If Dataverse answers 401, the token was not issued by Entra ID for this environment. Get a new token from Entra ID.',
      };
    }
    return notEntra(at.host);
  }
  if (!tid) {
    return { id: 'issuer', title: 'Issuer', verdict: 'warning', detail: `iss is ${iss} (${shape}) but the token has no tid claim to compare its tenant with.` };
  }
  const detail = `iss is ${iss} (${shape} issuer); its tenant ${issTenant} ${issTenant.toLowerCase() === tid.toLowerCase() ? 'equals' : 'differs from'} tid ${tid}.`;
  if (issTenant.toLowerCase() === tid.toLowerCase()) return { id: 'issuer', title: 'Issuer matches the tenant', verdict: 'pass', detail };
  return {
    id: 'issuer',
    title: 'Issuer and tenant disagree',
    verdict: 'fail',
    detail,
    ifRefused: 'Dataverse answers 401 Unauthorized: Entra never issues such a token, so it was altered or forged. Get a new token from Entra ID.',
  };
}

function expiryCheck(payload: Readonly<Record<string, unknown>>, now: number): TokenCheck {
  const exp = num(payload.exp);
  const renew = 'Get a new token: sign in again, or let the client renew it with its refresh token.';
  if (exp === undefined) {
    return { id: 'expiry', title: 'Expiry is missing', verdict: 'fail', detail: 'The token has no exp claim.', ifRefused: `Dataverse answers 401 Unauthorized. ${renew}` };
  }
  const left = exp - now;
  if (left <= 0) {
    return {
      id: 'expiry',
      title: 'Token has expired',
      verdict: 'fail',
      detail: `exp was ${formatDuration(left)} ago (exp ${exp}, now ${now}).`,
      ifRefused: `Dataverse answers 401 Unauthorized (invalid_token, the token is expired). ${renew}`,
    };
  }
  if (left < EXPIRY_WARNING_SECONDS) {
    return {
      id: 'expiry',
      title: 'Token expires soon',
      verdict: 'warning',
      detail: `The token expires in ${formatDuration(left)} (exp ${exp}, now ${now}).`,
      ifRefused: `A request made after expiry gets 401 Unauthorized. ${renew}`,
    };
  }
  return { id: 'expiry', title: 'Token has not expired', verdict: 'pass', detail: `The token expires in ${formatDuration(left)}.` };
}

function notBeforeCheck(payload: Readonly<Record<string, unknown>>, now: number, skew: number): TokenCheck {
  const candidates = (['nbf', 'iat'] as const)
    .map((claim) => ({ claim, at: num(payload[claim]) }))
    .filter((c): c is { claim: 'nbf' | 'iat'; at: number } => c.at !== undefined);
  if (candidates.length === 0) {
    return { id: 'notBefore', title: 'Start of validity unknown', verdict: 'info', detail: 'The token has neither nbf nor iat.' };
  }
  const latest = candidates.reduce((a, b) => (b.at > a.at ? b : a));
  const ahead = latest.at - now;
  const skewText = `the allowed clock skew is ${skew} s`;
  if (ahead > skew) {
    return {
      id: 'notBefore',
      title: 'Token is not valid yet',
      verdict: 'fail',
      detail: `${latest.claim} is ${formatDuration(ahead)} ahead of this machine's clock; ${skewText}. This machine's clock or the issuer's is off by about ${Math.round(ahead)} s.`,
      ifRefused: "Dataverse answers 401 Unauthorized until the token becomes valid. Set this machine's clock right (sync with a time server) and get a new token.",
    };
  }
  if (ahead > 0) {
    return {
      id: 'notBefore',
      title: 'Token is valid, within the clock skew',
      verdict: 'warning',
      detail: `${latest.claim} is ${Math.round(ahead)} s ahead of this machine's clock; ${skewText}, so this is accepted, but one of the clocks is off.`,
      ifRefused: "If Dataverse answers 401 just after sign-in, set this machine's clock right (sync with a time server).",
    };
  }
  return { id: 'notBefore', title: `Start time reached (${latest.claim})`, verdict: 'pass', detail: `${latest.claim} was ${formatDuration(ahead)} ago; ${skewText}.` };
}

function kindChecks(payload: Readonly<Record<string, unknown>>, target: CheckTarget | undefined): TokenCheck[] {
  const { kind, reason } = tokenKind(payload);
  const appId = str(payload.appid) ?? str(payload.azp);
  const checks: TokenCheck[] = [];
  if (kind === 'app') {
    const appUser = `Dataverse authorises app tokens through an application user whose Application ID is ${appId ?? '(no appid in the token)'}, and its security roles.`;
    const refused = `A 403 with error 0x80072560 ("not a member of the organization") means the environment has no application user for app ${appId ?? '(unknown)'}: add one (Power Platform admin center > environment > Settings > Users + permissions > Application users). Any other 403 means that application user lacks a security role or privilege: give it one there.`;
    if (target?.expectsUser === true) {
      checks.push({
        id: 'kind',
        title: 'App token, but the connection signs in a user',
        verdict: 'warning',
        detail: `This is an app-only token (${reason}); connection "${target.name}" signs in a person. ${appUser}`,
        ifRefused: refused,
      });
    } else {
      checks.push({ id: 'kind', title: 'App-only token', verdict: str(payload.idtyp) === 'app' ? 'pass' : 'info', detail: `This is an app-only token (${reason}). ${appUser}`, ifRefused: refused });
    }
  } else if (kind === 'user') {
    const who = str(payload.upn) ?? str(payload.unique_name) ?? str(payload.preferred_username) ?? str(payload.name) ?? 'a user';
    if (target?.expectsUser === false) {
      checks.push({
        id: 'kind',
        title: 'User token, but the connection is an app',
        verdict: 'warning',
        detail: `This is a delegated token for ${who} (${reason}); connection "${target.name}" signs in as an app.`,
        ifRefused: `Dataverse answers as ${who}: a 403 means that user lacks a security role. Use the token of the connection's app instead.`,
      });
    } else {
      checks.push({ id: 'kind', title: 'Delegated (user) token', verdict: 'pass', detail: `This token acts for ${who} (${reason}). Dataverse applies that user's security roles.` });
    }
    const scopes = typeof payload.scp === 'string' ? payload.scp.split(/\s+/).filter((s) => s !== '') : [];
    const org = target?.orgUrl ?? 'https://<org>.crm.dynamics.com';
    checks.push(
      scopes.includes('user_impersonation')
        ? { id: 'scope', title: 'Scope includes user_impersonation', verdict: 'pass', detail: `scp is "${scopes.join(' ')}"; Dataverse needs user_impersonation.` }
        : {
            id: 'scope',
            title: 'Scope lacks user_impersonation',
            verdict: 'fail',
            detail: `scp is "${scopes.join(' ')}"; Dataverse needs user_impersonation.`,
            ifRefused: `Dataverse answers 401 or 403: the app may not act for the user in Dataverse. Request scope ${org}/user_impersonation (or ${org}/.default) with the Dynamics CRM delegated permission user_impersonation added to the app registration and consented.`,
          },
    );
  } else {
    checks.push({
      id: 'kind',
      title: 'Cannot tell user from app token',
      verdict: 'warning',
      detail: `The token does not say whether a person signed in (${reason}).`,
      ifRefused: 'If Dataverse answers 401 or 403, check that this is an access token for Dataverse, not an ID token or a token for another API.',
    });
  }
  return checks;
}

function clientCheck(payload: Readonly<Record<string, unknown>>, target: CheckTarget | undefined): TokenCheck {
  const claim = str(payload.appid) !== undefined ? 'appid' : 'azp';
  const appId = str(payload[claim]);
  if (!appId) return { id: 'client', title: 'Client app unknown', verdict: 'info', detail: 'The token has neither appid nor azp.' };
  if (!target?.clientId) return { id: 'client', title: 'Client app', verdict: 'info', detail: `${claim} is ${appId}${target ? `; connection "${target.name}" names no client id` : ''}.` };
  const detail = `${claim} is ${appId}; connection "${target.name}" uses client id ${target.clientId}.`;
  if (appId.toLowerCase() === target.clientId.toLowerCase()) return { id: 'client', title: 'Client app matches the connection', verdict: 'pass', detail };
  return {
    id: 'client',
    title: 'Token was requested by another app',
    verdict: 'warning',
    detail,
    ifRefused: 'Dataverse does not mind which app asked for a user token, but for an app token it looks up the application user of this other app. Check that you copied the token of this connection.',
  };
}

function algorithmCheck(token: DecodedToken): TokenCheck {
  const alg = str(token.header.alg);
  const signature = token.raw.split('.')[2] ?? '';
  if (!alg || alg.toLowerCase() === 'none' || signature === '') {
    return {
      id: 'algorithm',
      title: 'Token is not signed',
      verdict: 'fail',
      detail: `alg is ${alg ?? '(missing)'}${signature === '' ? ' and the signature part is empty' : ''}: anyone could have written this token.`,
      ifRefused: 'Dataverse answers 401 Unauthorized: it only accepts tokens signed by Entra ID. Get a real token from Entra ID.',
    };
  }
  if (alg === 'RS256') return { id: 'algorithm', title: 'Signed with RS256', verdict: 'pass', detail: 'alg is RS256, as Entra signs access tokens.' };
  // Entra signs every access token with RS256 (https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-tokens);
  // any other alg, HS256 above all, means someone else signed it, and Dataverse refuses it.
  return {
    id: 'algorithm',
    title: 'Not signed the way Entra signs',
    verdict: 'fail',
    detail: `alg is ${alg}; Entra signs access tokens with RS256 only, so this token was not issued by Entra ID.`,
    ifRefused: 'Dataverse answers 401 Unauthorized: it only accepts tokens signed by Entra ID with RS256. Do not use this token; get a new one from Entra ID.',
  };
}

/**
 * Checks a token against the connection it is for (or describes it alone when
 * `target` is undefined). The signature check comes from `signatureCheck` in signature.ts.
 */
export function checkToken(token: DecodedToken, target: CheckTarget | undefined, nowSeconds: number, options?: CheckOptions): TokenCheck[] {
  const { payload } = token;
  const skew = options?.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  return [
    audienceCheck(payload, target),
    tenantCheck(payload, target),
    issuerCheck(payload, options?.isTrustedIssuerHost),
    expiryCheck(payload, nowSeconds),
    notBeforeCheck(payload, nowSeconds, skew),
    ...kindChecks(payload, target),
    clientCheck(payload, target),
    algorithmCheck(token),
  ];
}

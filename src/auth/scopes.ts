import { cloudForOrgHost } from './clouds';
import { normalizeOrgUrl, orgScope, type OrgScopeKind } from './orgUrl';
import { GUID } from '../core/guid';

/** OpenID Connect scopes: they shape the sign-in, not the Dataverse token, so they are kept apart. */
export const OIDC_SCOPES: readonly string[] = ['openid', 'profile', 'email', 'offline_access'];

/** Prefix of our internal scope that pins one saved connection: `connection:<id>`. */
export const CONNECTION_SCOPE_PREFIX = 'connection:';

/** The outcome of reading a scopes array. */
export type ScopeParseResult = { readonly ok: true; readonly value: ScopeData } | { readonly ok: false; readonly reason: string };

/** Thrown by `ScopeData.fromScopes` when the scopes cannot name a Dataverse token. */
export class InvalidScopesError extends Error {
  override readonly name = 'InvalidScopesError';
}

const CONNECTION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const EXAMPLE_SCOPE = 'https://contoso.crm.dynamics.com/.default';

/**
 * The scopes another extension passed to
 * `vscode.authentication.getSession('dataverse', scopes)`, read once into
 * the values the provider works with. Never re-read the original array:
 * everything downstream compares `key`.
 */
export class ScopeData {
  /** What to request from Entra ID: `https://host/.default` or `https://host/user_impersonation`. */
  readonly resourceScope: string;
  /** The scopes to hand to MSAL: the resource scope plus any OIDC scopes (MSAL adds its own too). */
  readonly scopesToSend: readonly string[];
  /**
   * The scopes in one canonical spelling and order, to report on a session
   * so that every caller asking for the same thing sees the same list.
   */
  readonly canonicalScopes: readonly string[];
  /**
   * Equal for any two requests that one token satisfies: same environment,
   * same permission, same pinned connection. OIDC scopes are left out
   * because MSAL always requests them anyway.
   */
  readonly key: string;

  private constructor(
    /** The scopes as they were passed, for logs. */
    readonly originalScopes: readonly string[],
    /** The environment, normalised: `https://host[:port]`. */
    readonly orgUrl: string,
    /** Which Dataverse permission was asked for. */
    readonly kind: OrgScopeKind,
    /** The pinned saved connection, from `connection:<id>`. */
    readonly connectionId: string | undefined,
    /** OpenID Connect scopes that were asked for, sorted. */
    readonly oidcScopes: readonly string[],
  ) {
    this.resourceScope = orgScope(orgUrl, kind);
    this.scopesToSend = [this.resourceScope, ...oidcScopes];
    const pin = connectionId === undefined ? [] : [`${CONNECTION_SCOPE_PREFIX}${connectionId}`];
    this.canonicalScopes = [this.resourceScope, ...pin, ...oidcScopes];
    this.key = [this.resourceScope, ...pin].join(' ');
  }

  /** Reads `scopes`; a failure says which scope is wrong and what to write instead. */
  static parse(scopes: readonly string[]): ScopeParseResult {
    const parts = readScopes(scopes);
    if (!parts.ok) {
      return parts;
    }
    const { orgUrl, kind, connectionId, oidcScopes } = parts.value;
    return { ok: true, value: new ScopeData([...scopes], orgUrl, kind, connectionId, oidcScopes) };
  }

  /** Like `parse`, but throws `InvalidScopesError`, as `AuthenticationProvider.getSessions` may. */
  static fromScopes(scopes: readonly string[]): ScopeData {
    const result = ScopeData.parse(scopes);
    if (!result.ok) {
      throw new InvalidScopesError(result.reason);
    }
    return result.value;
  }
}

/** Reads a scopes array into `ScopeData`, or explains what is wrong. */
export function parseScopes(scopes: readonly string[]): ScopeParseResult {
  return ScopeData.parse(scopes);
}

interface ScopeParts {
  orgUrl: string;
  kind: OrgScopeKind;
  connectionId: string | undefined;
  oidcScopes: string[];
}

function readScopes(scopes: readonly string[]): { ok: true; value: ScopeParts } | { ok: false; reason: string } {
  if (!Array.isArray(scopes)) {
    return fail(`Scopes must be an array of strings, like ['${EXAMPLE_SCOPE}'].`);
  }
  const oidc = new Set<string>();
  const connectionIds = new Set<string>();
  const resources: Array<{ raw: string; orgUrl: string; kind: OrgScopeKind }> = [];

  for (const item of scopes) {
    if (typeof item !== 'string') {
      return fail(`Every scope must be a string; got ${typeof item}. Ask for ['${EXAMPLE_SCOPE}'].`);
    }
    const scope = item.trim();
    if (!scope) {
      continue;
    }
    const lower = scope.toLowerCase();
    if (OIDC_SCOPES.includes(lower)) {
      oidc.add(lower);
      continue;
    }
    if (lower.startsWith(CONNECTION_SCOPE_PREFIX)) {
      const id = scope.slice(CONNECTION_SCOPE_PREFIX.length);
      if (!CONNECTION_ID.test(id)) {
        return fail(`"${scope}" does not name a saved connection. Write connection:<id> with the id of a saved connection (letters, digits, '.', '_' or '-').`);
      }
      connectionIds.add(id);
      continue;
    }
    const resource = parseResourceScope(scope);
    if (!resource.ok) {
      return resource;
    }
    resources.push({ raw: scope, ...resource.value });
  }

  if (connectionIds.size > 1) {
    return fail(`The scopes pin ${connectionIds.size} connections (${[...connectionIds].join(', ')}); a session belongs to one. Keep one connection:<id> scope.`);
  }
  if (resources.length === 0) {
    return fail(
      `No Dataverse environment was asked for${scopes.length ? ` in [${scopes.join(', ')}]` : ''}. Add the environment scope, like '${EXAMPLE_SCOPE}' or 'https://contoso.crm.dynamics.com/user_impersonation'.`,
    );
  }
  const orgs = new Set(resources.map((r) => r.orgUrl));
  if (orgs.size > 1) {
    return fail(
      `The scopes name ${orgs.size} environments (${[...orgs].join(', ')}); one token is for one resource (Entra ID refuses the mix with AADSTS700022). Ask for one session per environment.`,
    );
  }
  const kinds = new Set(resources.map((r) => r.kind));
  if (kinds.size > 1) {
    return fail(
      `The scopes ask for both /.default and /user_impersonation of ${resources[0].orgUrl}; Entra ID refuses .default mixed with other scopes of the same resource (AADSTS70011). Keep one of them.`,
    );
  }
  const [connectionId] = connectionIds;
  return { ok: true, value: { orgUrl: resources[0].orgUrl, kind: resources[0].kind, connectionId, oidcScopes: [...oidc].sort() } };
}

/**
 * Reads one resource scope. Accepts the spellings people actually write
 * (missing https://, a doubled slash before the permission, the bare
 * environment URL) and refuses the ones Entra ID would reject later with a
 * harder message.
 */
function parseResourceScope(scope: string): { ok: true; value: { orgUrl: string; kind: OrgScopeKind } } | { ok: false; reason: string } {
  const head = scope.split('/')[0];
  if (GUID.test(head) || scope.toLowerCase().startsWith('api://')) {
    return fail(`"${scope}" names the Dataverse app rather than one environment, so the token would not say which environment it is for. Use the environment URL: '${EXAMPLE_SCOPE}'.`);
  }
  if (!scope.includes('/') && !scope.includes('.') && !scope.includes(':')) {
    return fail(`"${scope}" is not a Dataverse scope; this provider issues Dataverse tokens only. Ask for '${EXAMPLE_SCOPE}' (use a Microsoft account provider for other APIs).`);
  }

  // Split off the permission: the text after the last slash, when it is not part of the host.
  const schemeLess = scope.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const hasScheme = schemeLess.length !== scope.length;
  const firstSlash = schemeLess.indexOf('/');
  const pathPart = firstSlash === -1 ? '' : schemeLess.slice(firstSlash);
  const segments = pathPart.split('/').filter((s) => s.length > 0);
  const base = scope.slice(0, scope.length - pathPart.length);

  const org = normalizeOrgUrl(base);
  if (!org.ok) {
    return fail(`Scope "${scope}" does not start with a valid environment URL: ${org.reason}`);
  }
  if (segments.length === 0 && !hasScheme && !cloudForOrgHost(org.host)) {
    // A dotted word such as User.Read would otherwise pass for a custom host.
    return fail(`"${scope}" is not a Dataverse scope; this provider issues Dataverse tokens only. Ask for '${EXAMPLE_SCOPE}'.`);
  }
  if (segments.length === 0) {
    // The bare resource means its default permissions, which for Dataverse is user_impersonation.
    return { ok: true, value: { orgUrl: org.url, kind: 'default' } };
  }
  const permission = segments[segments.length - 1].toLowerCase();
  if (segments.length > 1) {
    const extra = `/${segments.slice(0, -1).join('/')}`;
    return fail(`Scope "${scope}" has a path (${extra}) between the environment and the permission. Remove it: '${org.url}/${segments[segments.length - 1]}'.`);
  }
  if (permission === '.default') {
    return { ok: true, value: { orgUrl: org.url, kind: 'default' } };
  }
  if (permission === 'user_impersonation') {
    return { ok: true, value: { orgUrl: org.url, kind: 'user_impersonation' } };
  }
  return fail(
    `Scope "${scope}" asks for the permission "${segments[0]}", but Dataverse has only user_impersonation. Use '${org.url}/.default' or '${org.url}/user_impersonation'.`,
  );
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

/**
 * Scope parsing for the token, device-code and authorize endpoints. Pure.
 *
 * Rules (https://learn.microsoft.com/power-apps/developer/data-platform/authenticate-oauth): Dataverse is a v1 resource; Entra derives the
 * audience "by taking everything before the last slash" of the scope
 * (https://learn.microsoft.com/entra/identity-platform/scenario-daemon-acquire-token), so `https://org/.default` -> `https://org`
 * and `https://org//.default` -> `https://org/`. Client credentials need
 * exactly one `<resource>/.default` (else AADSTS1002012 / 700022).
 */
import { type EntraFailure, messages } from './errors';

/** OIDC scopes msal-node adds to user flows. */
export const OIDC_SCOPES = ['openid', 'profile', 'offline_access', 'email'] as const;

/** The result of parsing a scope parameter. */
export interface ParsedScopes {
  /** The resource as requested: the token's `aud` (v1). Undefined when only OIDC scopes were asked. */
  readonly audience?: string;
  /** The permission after the last slash: `user_impersonation`, `.default`. */
  readonly permission?: string;
  /** The resource scopes as they will be echoed in the response's `scope`. */
  readonly resourceScopes: readonly string[];
  readonly openid: boolean;
  readonly offlineAccess: boolean;
}

/** Normalises a resource for comparison: lower-case, no trailing slash. */
export function resourceKey(resource: string): string {
  return resource.toLowerCase().replace(/\/+$/, '');
}

function splitScope(scope: string): { resource: string; permission: string } | undefined {
  const slash = scope.lastIndexOf('/');
  if (slash <= 0 || slash === scope.length - 1) return undefined;
  return { resource: scope.slice(0, slash), permission: scope.slice(slash + 1) };
}

function isHttpsUrl(resource: string): boolean {
  try {
    return new URL(resource).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Parses `scope` for a grant. `knownResources` are the sandbox's org URLs and
 * discovery URL; `tenantName` is used in the 500011 text.
 */
export function parseScopes(
  scopeParam: string | undefined,
  context: { grant: 'user' | 'client_credentials'; knownResources: readonly string[]; tenantName: string },
): ParsedScopes | EntraFailure {
  const scopes = (scopeParam ?? '').split(/\s+/).filter(Boolean);
  if (scopes.length === 0) return messages.missingParameter('scope');
  const oidc = new Set<string>(OIDC_SCOPES);
  const resourceScopes = scopes.filter((s) => !oidc.has(s.toLowerCase()));
  const base = {
    resourceScopes,
    openid: scopes.some((s) => s.toLowerCase() === 'openid'),
    offlineAccess: scopes.some((s) => s.toLowerCase() === 'offline_access'),
  };
  if (resourceScopes.length === 0) {
    return context.grant === 'client_credentials' ? messages.defaultScopeRequired(scopes.join(' ')) : base;
  }
  const parts = resourceScopes.map((s) => ({ scope: s, split: splitScope(s) }));
  // A scope without https:// is a common mistake (our observation); Entra answers AADSTS70011 (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
  const malformed = parts.find((p) => !p.split || !isHttpsUrl(p.split.resource));
  if (malformed) return messages.badScope(malformed.scope);
  const resources = new Set(parts.map((p) => resourceKey(p.split!.resource)));
  if (resources.size > 1) return messages.multipleResources();
  const { resource, permission } = parts[0]!.split!;
  if (context.grant === 'client_credentials' && (parts.length > 1 || permission !== '.default')) {
    return messages.defaultScopeRequired(resourceScopes.join(' '));
  }
  if (!context.knownResources.some((r) => resourceKey(r) === resourceKey(resource))) {
    return messages.unknownResource(resource, context.tenantName);
  }
  // Dataverse (Dynamics CRM) exposes one delegated permission (https://learn.microsoft.com/power-apps/developer/data-platform/authenticate-oauth).
  const badPermission = parts.find((p) => !['user_impersonation', '.default'].includes(p.split!.permission.toLowerCase()));
  if (badPermission) return messages.badScope(badPermission.scope);
  return { ...base, audience: resource, permission };
}

/** Type guard separating a failure from parsed scopes. */
export function isFailure(value: object): value is EntraFailure {
  return 'code' in value && 'text' in value;
}

/**
 * Who the caller is in an org: WhoAmI, the user's name, business unit,
 * organization and security roles. Pure: the Web API client is injected, and
 * it carries authentication and the renewal on 401.
 */
import { GUID } from '../core/guid';
import type { WebApiClient } from './webApiClient';

/** What these reads need of the Web API client: authenticated GETs of paths under /api/data/v9.2/. */
export type WebApiReader = Pick<WebApiClient, 'get'>;

/** The `WhoAmI` function's response. */
export interface WhoAmI {
  readonly UserId: string;
  readonly BusinessUnitId: string;
  readonly OrganizationId: string;
}

/** What Test Connection shows. */
export interface CallerIdentity {
  readonly userId: string;
  /** systemuser.fullname ("# DevKit CI" for application users). */
  readonly fullName: string;
  /** systemuser.domainname: the UPN for people, empty for application users. */
  readonly domainName: string;
  /** Set for application users: the app registration's client id. */
  readonly applicationId?: string;
  readonly businessUnitId: string;
  readonly businessUnitName: string;
  readonly organizationId: string;
  readonly organizationName: string;
}

/** A security role held by the caller. */
export interface SecurityRole {
  readonly roleId: string;
  readonly name: string;
  /** The team the role is held through; absent for a role assigned to the user directly. */
  readonly team?: string;
}


function guid(value: unknown, what: string): string {
  if (typeof value !== 'string' || !GUID.test(value)) {
    throw new Error(`The org answered ${what} with something that is not an id (${JSON.stringify(value)?.slice(0, 60)}).`);
  }
  return value;
}

/** The WhoAmI function: the caller's user, business unit and organization ids. */
export async function whoAmI(api: WebApiReader, signal?: AbortSignal): Promise<WhoAmI> {
  const body = await api.get<Partial<WhoAmI>>('WhoAmI', signal ? { signal } : {});
  return {
    UserId: guid(body.UserId, 'WhoAmI.UserId'),
    BusinessUnitId: guid(body.BusinessUnitId, 'WhoAmI.BusinessUnitId'),
    OrganizationId: guid(body.OrganizationId, 'WhoAmI.OrganizationId'),
  };
}

/** WhoAmI plus the names behind its ids, in three small reads. */
export async function callerIdentity(api: WebApiReader, signal?: AbortSignal): Promise<CallerIdentity> {
  const me = await whoAmI(api, signal);
  const options = signal ? { signal } : {};
  const [user, unit, org] = await Promise.all([
    api.get<{ fullname?: string; domainname?: string; applicationid?: string | null }>(
      `systemusers(${me.UserId})?$select=fullname,domainname,applicationid`,
      options,
    ),
    api.get<{ name?: string }>(`businessunits(${me.BusinessUnitId})?$select=name`, options),
    api.get<{ name?: string }>(`organizations(${me.OrganizationId})?$select=name`, options),
  ]);
  return {
    userId: me.UserId,
    fullName: user.fullname ?? '',
    domainName: user.domainname ?? '',
    ...(user.applicationid ? { applicationId: user.applicationid } : {}),
    businessUnitId: me.BusinessUnitId,
    businessUnitName: unit.name ?? '',
    organizationId: me.OrganizationId,
    organizationName: org.name ?? '',
  };
}

/** The names of the org the caller is in. */
export interface OrganizationNames {
  /** e.g. "Contoso Sales": what people call the environment. */
  readonly friendlyName: string;
  /** e.g. "contososales". */
  readonly uniqueName: string;
}

/**
 * The org's friendly and unique names from RetrieveCurrentOrganization, which
 * answers any caller, application users too (Global Discovery answers only
 * people): https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrievecurrentorganization
 */
export async function currentOrganization(api: WebApiReader, signal?: AbortSignal): Promise<OrganizationNames> {
  const body = await api.get<{ Detail?: { FriendlyName?: unknown; UniqueName?: unknown } }>(
    "RetrieveCurrentOrganization(AccessType=@p)?@p=Microsoft.Dynamics.CRM.EndpointAccessType'Default'",
    signal ? { signal } : {},
  );
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  return { friendlyName: text(body.Detail?.FriendlyName), uniqueName: text(body.Detail?.UniqueName) };
}

interface RoleRow {
  roleid?: string;
  name?: string;
}

function validRoles(rows: readonly RoleRow[] | undefined): Array<{ roleId: string; name: string }> {
  return (rows ?? []).filter((r): r is { roleid: string; name: string } => typeof r.roleid === 'string' && typeof r.name === 'string').map((r) => ({ roleId: r.roleid, name: r.name }));
}

/**
 * The caller's roles: those assigned directly, sorted by name, then those held
 * through each team the caller is a member of, sorted by team and name. A user
 * has the privileges of both, so a 403 is explained only by the two together:
 * https://learn.microsoft.com/power-platform/admin/security-roles-privileges
 */
export async function securityRoles(api: WebApiReader, userId: string, signal?: AbortSignal): Promise<SecurityRole[]> {
  const id = guid(userId, 'the user id');
  const options = signal ? { signal } : {};
  const [direct, teams] = await Promise.all([
    api.get<{ value?: RoleRow[] }>(`systemusers(${id})/systemuserroles_association?$select=name,roleid`, options),
    api.get<{ teammembership_association?: Array<{ name?: string; teamroles_association?: RoleRow[] }> }>(
      `systemusers(${id})?$select=systemuserid&$expand=teammembership_association($select=name;$expand=teamroles_association($select=name,roleid))`,
      options,
    ),
  ]);
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  const throughTeams = (teams.teammembership_association ?? [])
    .filter((t): t is { name: string; teamroles_association?: RoleRow[] } => typeof t.name === 'string')
    .sort(byName)
    .flatMap((t) => validRoles(t.teamroles_association).sort(byName).map((r) => ({ ...r, team: t.name })));
  return [...validRoles(direct.value).sort(byName), ...throughTeams];
}

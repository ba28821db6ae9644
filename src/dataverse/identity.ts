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

/** The roles assigned directly to the caller, sorted by name. */
export async function securityRoles(api: WebApiReader, userId: string, signal?: AbortSignal): Promise<SecurityRole[]> {
  const body = await api.get<{ value?: Array<{ roleid?: string; name?: string }> }>(
    `systemusers(${guid(userId, 'the user id')})/systemuserroles_association?$select=name,roleid`,
    signal ? { signal } : {},
  );
  return (body.value ?? [])
    .filter((r): r is { roleid: string; name: string } => typeof r.roleid === 'string' && typeof r.name === 'string')
    .map((r) => ({ roleId: r.roleid, name: r.name }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

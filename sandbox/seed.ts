/**
 * The fixed cast of the sandbox: tenants, users, app registrations and orgs.
 * Shared by the Entra ID stand-in (sandbox/entra) and the Dataverse stand-in
 * (sandbox/dataverse). Identifiers are fixed so that data is deterministic;
 * secrets, keys and certificates are NOT here: they are generated on first
 * start and kept outside the repository (see sandbox/tls.ts and sandbox/credentials.ts).
 */

/** A directory (tenant) of the sandbox's Entra ID. */
export interface SeedTenant {
  /** Tenant id (GUID), the `tid` claim. */
  readonly id: string;
  /** Verified domain, accepted in place of the GUID in authority URLs. */
  readonly domain: string;
  readonly displayName: string;
}

/** A person who can sign in on the sandbox's sign-in page. */
export interface SeedUser {
  /** Object id (GUID), the `oid` claim and systemuser.azureactivedirectoryobjectid. */
  readonly oid: string;
  readonly tenantId: string;
  readonly upn: string;
  readonly name: string;
  readonly givenName: string;
  readonly familyName: string;
  /** The sign-in page asks this user for a second factor; grants without the page answer AADSTS50076 until it is done. */
  readonly mfaRequired?: boolean;
  /** The sign-in page asks this user for consent to each app; grants without the page answer AADSTS65001 until it is given. */
  readonly consentRequired?: boolean;
  /** Unique names of the orgs where this user is a systemuser. */
  readonly orgs: readonly string[];
}

/** The kind of credential an app registration authenticates with. */
export type SeedAppKind = 'public' | 'secret' | 'expiredSecret' | 'certificate';

/** An app registration (client). */
export interface SeedApp {
  /** Application (client) id, the `appid` / `azp` claim. */
  readonly clientId: string;
  readonly tenantId: string;
  readonly displayName: string;
  readonly kind: SeedAppKind;
  /** Object id of the app's service principal, the `oid` of its app-only tokens. */
  readonly servicePrincipalOid: string;
  /** Unique names of the orgs where this app has an application user. Empty: Dataverse answers 403 0x80072560. */
  readonly applicationUserIn: readonly string[];
}

/** A Dataverse environment (org) served by the sandbox. */
export interface SeedOrg {
  /** Organization id (GUID), WhoAmI's OrganizationId. */
  readonly id: string;
  /** Unique name, e.g. `contososales`. */
  readonly uniqueName: string;
  /** Friendly name, e.g. "Contoso Sales". */
  readonly friendlyName: string;
  /** Environment id of the Power Platform environment (GUID). */
  readonly environmentId: string;
  readonly tenantId: string;
  /** The loopback address the org listens on (never 127.0.0.1: code-server rewrites it). */
  readonly host: string;
  /** `Production`, `Sandbox`, `Developer`..., the discovery service's `Purpose`/`EnvironmentType`. */
  readonly environmentType: 'Production' | 'Sandbox' | 'Developer';
  /** `full`: about 1,000 tables and 100,000 accounts; `core`: the hand-made tables with a few hundred rows. */
  readonly scale: 'full' | 'core';
  /** Business unit id (GUID) of the root business unit. */
  readonly rootBusinessUnitId: string;
}

export const CONTOSO_TENANT: SeedTenant = {
  id: '8f0c9a3e-5b2d-4c1e-9a7f-3d6e2b1c4a50',
  domain: 'contoso.onmicrosoft.com',
  displayName: 'Contoso',
};

/** A second directory, so that "token from another tenant" is a real case. */
export const FABRIKAM_TENANT: SeedTenant = {
  id: '2c4e6a8b-0d1f-4a3c-8e5b-7f9a1b3c5d70',
  domain: 'fabrikam.onmicrosoft.com',
  displayName: 'Fabrikam',
};

export const TENANTS: readonly SeedTenant[] = [CONTOSO_TENANT, FABRIKAM_TENANT];

/** Where Entra ID listens. */
export const ENTRA_HOST = '127.0.0.2';
/** Where the Global Discovery Service listens. */
export const DISCOVERY_HOST = '127.0.0.10';

export const ORGS: readonly SeedOrg[] = [
  {
    id: 'a1b2c3d4-1111-4e5f-8a9b-0c1d2e3f4a51',
    uniqueName: 'contososales',
    friendlyName: 'Contoso Sales',
    environmentId: 'e1a2b3c4-2222-4d5e-9f0a-1b2c3d4e5f61',
    tenantId: CONTOSO_TENANT.id,
    host: '127.0.0.3',
    environmentType: 'Production',
    scale: 'full',
    rootBusinessUnitId: 'b0b1b2b3-3333-4c4d-8e8f-909192939495',
  },
  {
    id: 'a1b2c3d4-4444-4e5f-8a9b-0c1d2e3f4a52',
    uniqueName: 'contosodev',
    friendlyName: 'Contoso Dev',
    environmentId: 'e1a2b3c4-5555-4d5e-9f0a-1b2c3d4e5f62',
    tenantId: CONTOSO_TENANT.id,
    host: '127.0.0.4',
    environmentType: 'Developer',
    scale: 'core',
    rootBusinessUnitId: 'b0b1b2b3-6666-4c4d-8e8f-909192939496',
  },
];

export const USERS: readonly SeedUser[] = [
  {
    oid: '11111111-aaaa-4bbb-8ccc-000000000001',
    tenantId: CONTOSO_TENANT.id,
    upn: 'adele.vance@contoso.onmicrosoft.com',
    name: 'Adele Vance',
    givenName: 'Adele',
    familyName: 'Vance',
    orgs: ['contososales', 'contosodev'],
  },
  {
    oid: '11111111-aaaa-4bbb-8ccc-000000000002',
    tenantId: CONTOSO_TENANT.id,
    upn: 'alex.wilber@contoso.onmicrosoft.com',
    name: 'Alex Wilber',
    givenName: 'Alex',
    familyName: 'Wilber',
    orgs: ['contosodev'],
  },
  {
    oid: '11111111-aaaa-4bbb-8ccc-000000000003',
    tenantId: CONTOSO_TENANT.id,
    upn: 'megan.bowen@contoso.onmicrosoft.com',
    name: 'Megan Bowen',
    givenName: 'Megan',
    familyName: 'Bowen',
    mfaRequired: true,
    orgs: ['contososales'],
  },
  {
    oid: '11111111-aaaa-4bbb-8ccc-000000000004',
    tenantId: CONTOSO_TENANT.id,
    upn: 'diego.siciliani@contoso.onmicrosoft.com',
    name: 'Diego Siciliani',
    givenName: 'Diego',
    familyName: 'Siciliani',
    consentRequired: true,
    orgs: ['contososales'],
  },
  {
    oid: '22222222-bbbb-4ccc-8ddd-000000000001',
    tenantId: FABRIKAM_TENANT.id,
    upn: 'pat.kim@fabrikam.onmicrosoft.com',
    name: 'Pat Kim',
    givenName: 'Pat',
    familyName: 'Kim',
    orgs: [],
  },
];

/** The well-known first-party client id that Microsoft's own Dataverse samples use for public clients. */
export const DATAVERSE_PUBLIC_CLIENT_ID = '51f81489-12ee-4a9e-aaae-a2591f45987d';

export const APPS: readonly SeedApp[] = [
  {
    clientId: DATAVERSE_PUBLIC_CLIENT_ID,
    tenantId: CONTOSO_TENANT.id,
    displayName: 'Dataverse sample public client',
    kind: 'public',
    servicePrincipalOid: '33333333-cccc-4ddd-8eee-000000000001',
    applicationUserIn: [],
  },
  {
    clientId: '44444444-dddd-4eee-8fff-000000000001',
    tenantId: CONTOSO_TENANT.id,
    displayName: 'DevKit CI (secret)',
    kind: 'secret',
    servicePrincipalOid: '33333333-cccc-4ddd-8eee-000000000002',
    applicationUserIn: ['contososales', 'contosodev'],
  },
  {
    clientId: '44444444-dddd-4eee-8fff-000000000002',
    tenantId: CONTOSO_TENANT.id,
    displayName: 'DevKit Deploy (certificate)',
    kind: 'certificate',
    servicePrincipalOid: '33333333-cccc-4ddd-8eee-000000000003',
    applicationUserIn: ['contososales', 'contosodev'],
  },
  {
    clientId: '44444444-dddd-4eee-8fff-000000000003',
    tenantId: CONTOSO_TENANT.id,
    displayName: 'Legacy Integration (expired secret)',
    kind: 'expiredSecret',
    servicePrincipalOid: '33333333-cccc-4ddd-8eee-000000000004',
    applicationUserIn: ['contososales'],
  },
  {
    clientId: '44444444-dddd-4eee-8fff-000000000004',
    tenantId: CONTOSO_TENANT.id,
    displayName: 'Reporting App (no application user)',
    kind: 'secret',
    servicePrincipalOid: '33333333-cccc-4ddd-8eee-000000000005',
    applicationUserIn: [],
  },
  {
    clientId: '44444444-dddd-4eee-8fff-000000000005',
    tenantId: CONTOSO_TENANT.id,
    displayName: 'Contoso custom public client',
    kind: 'public',
    servicePrincipalOid: '33333333-cccc-4ddd-8eee-000000000006',
    applicationUserIn: [],
  },
];

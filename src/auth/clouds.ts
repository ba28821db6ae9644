/**
 * The Microsoft clouds a Dataverse environment can live in, and the hosts
 * each one uses for sign-in, discovery and environments.
 *
 * Sources (checked against the Microsoft Learn sources in MicrosoftDocs):
 * - Global Discovery Service per cloud: "Discover user organizations",
 *   https://learn.microsoft.com/power-apps/developer/data-platform/discovery-service
 *   (Commercial globaldisco.crm.dynamics.com, GCC globaldisco.crm9.dynamics.com,
 *   USG/GCC High globaldisco.crm.microsoftdynamics.us, DOD
 *   globaldisco.crm.appsplatform.us, China globaldisco.crm.dynamics.cn).
 * - Region host suffixes: "Datacenter regions",
 *   https://learn.microsoft.com/power-platform/admin/new-datacenter-regions
 * - GCC uses the public Entra ID, GCC High and DoD use Azure AD Government
 *   (login.microsoftonline.us, *.crm.microsoftdynamics.us allow-list):
 *   "Power Apps US Government",
 *   https://learn.microsoft.com/power-platform/admin/powerapps-us-government
 * - China: "Power Platform and Dynamics 365 apps - operated by 21Vianet in China",
 *   https://learn.microsoft.com/power-platform/admin/about-microsoft-cloud-china
 *   (its 2020 revision said the Global Discovery Service was not available
 *   there; the discovery page above now lists it, so it is kept).
 * - Authority aliases: MSAL's built-in instance discovery metadata
 *   (msal-common `AuthorityMetadata.ts`); "National clouds",
 *   https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud.
 * Summarised in docs/protocol.md#clouds-and-environment-urls.
 *
 * These are defaults. Only the Global Discovery Service can be replaced by a
 * setting (see `resolveCloud`); a sign-in host outside the cloud's own is
 * trusted through `dataverse.trustedAuthorityHosts` instead.
 */

/** Identifies a Microsoft cloud. */
export type CloudId = 'public' | 'usGov' | 'usGovHigh' | 'usGovDoD' | 'china';

/** Every cloud id, in the order a picker shows them. */
export const CLOUD_IDS: readonly CloudId[] = ['public', 'usGov', 'usGovHigh', 'usGovDoD', 'china'];

/** Where one cloud signs people in and serves environments. */
export interface CloudEndpoints {
  /** Which cloud this is. */
  readonly id: CloudId;
  /** Name shown to people, e.g. "US Government GCC High". */
  readonly displayName: string;
  /** Origin of the Entra ID authority, e.g. `https://login.microsoftonline.com`. */
  readonly authorityHost: string;
  /** Other host names (host[:port]) the same authority answers on; trusted like `authorityHost`. */
  readonly authorityAliases: readonly string[];
  /** Origin of the Global Discovery Service, which lists the environments a user can reach. */
  readonly globalDiscoveryUrl: string;
  /** Domain suffixes (with a leading dot) of environment hosts in this cloud. */
  readonly orgHostSuffixes: readonly string[];
  /** The suffix used to suggest a URL when someone types only an environment name. */
  readonly defaultOrgHostSuffix: string;
}

/** A public-cloud regional domain: `crm4` serves `org.crm4.dynamics.com`. */
export interface DataverseRegion {
  /** First label of the regional domain, e.g. `crm4`. */
  readonly prefix: string;
  /** Region code as Microsoft lists it, e.g. `EUR`. */
  readonly region: string;
}

// Codes up to crm17 are from the "Datacenter regions" page (see above); crm19
// to crm21 were not re-checked against its current revision, and any
// crmN.dynamics.com resolves to the public cloud anyway (`cloudForOrgHost`).
// crm9 is GCC and belongs to `usGov`, not to the public cloud.
/** The documented regional domains of the commercial cloud and GCC. */
export const DATAVERSE_REGIONS: readonly DataverseRegion[] = [
  { prefix: 'crm', region: 'NAM' },
  { prefix: 'crm2', region: 'SAM' },
  { prefix: 'crm3', region: 'CAN' },
  { prefix: 'crm4', region: 'EUR' },
  { prefix: 'crm5', region: 'APJ' },
  { prefix: 'crm6', region: 'OCE' },
  { prefix: 'crm7', region: 'JPN' },
  { prefix: 'crm8', region: 'IND' },
  { prefix: 'crm9', region: 'GCC' },
  { prefix: 'crm11', region: 'GBR' },
  { prefix: 'crm12', region: 'FRA' },
  { prefix: 'crm14', region: 'ZAF' },
  { prefix: 'crm15', region: 'UAE' },
  { prefix: 'crm16', region: 'GER' },
  { prefix: 'crm17', region: 'CHE' },
  { prefix: 'crm19', region: 'NOR' },
  { prefix: 'crm20', region: 'SGP' },
  { prefix: 'crm21', region: 'KOR' },
];

const PUBLIC_LOGIN_ALIASES = ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'];
const US_GOV_LOGIN_ALIASES = ['login.microsoftonline.us', 'login.usgovcloudapi.net'];

const DEFAULTS: Readonly<Record<CloudId, CloudEndpoints>> = {
  public: {
    id: 'public',
    displayName: 'Public (commercial)',
    authorityHost: 'https://login.microsoftonline.com',
    authorityAliases: PUBLIC_LOGIN_ALIASES,
    globalDiscoveryUrl: 'https://globaldisco.crm.dynamics.com',
    orgHostSuffixes: DATAVERSE_REGIONS.filter((r) => r.prefix !== 'crm9').map((r) => `.${r.prefix}.dynamics.com`),
    defaultOrgHostSuffix: '.crm.dynamics.com',
  },
  usGov: {
    // GCC: environments in their own region, people in the public Entra ID.
    id: 'usGov',
    displayName: 'US Government (GCC)',
    authorityHost: 'https://login.microsoftonline.com',
    authorityAliases: PUBLIC_LOGIN_ALIASES,
    globalDiscoveryUrl: 'https://globaldisco.crm9.dynamics.com',
    orgHostSuffixes: ['.crm9.dynamics.com'],
    defaultOrgHostSuffix: '.crm9.dynamics.com',
  },
  usGovHigh: {
    id: 'usGovHigh',
    displayName: 'US Government GCC High',
    authorityHost: 'https://login.microsoftonline.us',
    authorityAliases: US_GOV_LOGIN_ALIASES,
    globalDiscoveryUrl: 'https://globaldisco.crm.microsoftdynamics.us',
    orgHostSuffixes: ['.crm.microsoftdynamics.us'],
    defaultOrgHostSuffix: '.crm.microsoftdynamics.us',
  },
  usGovDoD: {
    id: 'usGovDoD',
    displayName: 'US Government DoD',
    authorityHost: 'https://login.microsoftonline.us',
    authorityAliases: US_GOV_LOGIN_ALIASES,
    globalDiscoveryUrl: 'https://globaldisco.crm.appsplatform.us',
    orgHostSuffixes: ['.crm.appsplatform.us'],
    defaultOrgHostSuffix: '.crm.appsplatform.us',
  },
  china: {
    // MSAL's metadata names login.partner.microsoftonline.cn as the preferred
    // network host; both answer for the same authority.
    id: 'china',
    displayName: 'China (operated by 21Vianet)',
    authorityHost: 'https://login.chinacloudapi.cn',
    authorityAliases: ['login.chinacloudapi.cn', 'login.partner.microsoftonline.cn'],
    globalDiscoveryUrl: 'https://globaldisco.crm.dynamics.cn',
    orgHostSuffixes: ['.crm.dynamics.cn'],
    defaultOrgHostSuffix: '.crm.dynamics.cn',
  },
};

/** Settings that replace a cloud's defaults. */
export interface CloudOverrides {
  /** Global Discovery Service origin, https only (the `dataverse.globalDiscoveryUrl` setting; the sandbox points it at itself). */
  readonly globalDiscoveryUrl?: string;
}

/** A cloud with overrides applied, and what was ignored and why. */
export interface ResolvedCloud extends CloudEndpoints {
  /** One sentence per override that was ignored; empty when all applied. Log these. */
  readonly problems: readonly string[];
}

/** True when `value` (e.g. a setting) names a known cloud. */
export function isCloudId(value: unknown): value is CloudId {
  return typeof value === 'string' && (CLOUD_IDS as readonly string[]).includes(value);
}

/** The built-in endpoints of a cloud. */
export function cloudDefaults(id: CloudId): CloudEndpoints {
  return DEFAULTS[id];
}

/**
 * The endpoints of `id` with `overrides` applied. An override that is not a
 * valid https origin is ignored and reported in `problems`: falling back to
 * Microsoft's own host can fail, but can never send a credential somewhere
 * the person did not mean.
 */
export function resolveCloud(id: CloudId, overrides?: CloudOverrides): ResolvedCloud {
  const base = DEFAULTS[id] ?? DEFAULTS.public;
  const problems: string[] = [];
  if (!DEFAULTS[id]) {
    problems.push(`Unknown cloud "${String(id)}"; using the public cloud. Choose one of: ${CLOUD_IDS.join(', ')}.`);
  }
  let globalDiscoveryUrl = base.globalDiscoveryUrl;
  if (overrides?.globalDiscoveryUrl !== undefined) {
    const origin = httpsOrigin(overrides.globalDiscoveryUrl);
    if (origin) {
      globalDiscoveryUrl = origin;
    } else {
      problems.push(`Ignored discovery URL "${overrides.globalDiscoveryUrl}": it must be an https origin such as https://globaldisco.crm.dynamics.com.`);
    }
  }
  return { ...base, globalDiscoveryUrl, problems };
}

/**
 * The cloud whose environment domains contain `host`, or undefined for a
 * custom host (on-premises, a proxy, the sandbox). Any `crmN.dynamics.com`
 * counts as public, so a region added after this list still resolves.
 */
export function cloudForOrgHost(host: string): CloudId | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  for (const id of CLOUD_IDS) {
    if (DEFAULTS[id].orgHostSuffixes.some((s) => h.endsWith(s))) {
      return id;
    }
  }
  if (/\.crm\d+\.dynamics\.com$/.test(h)) {
    return 'public';
  }
  return undefined;
}

/** Every host name Microsoft uses for sign-in in any cloud, lowercase. */
export function allMicrosoftLoginHosts(): readonly string[] {
  return [...new Set(CLOUD_IDS.flatMap((id) => DEFAULTS[id].authorityAliases))];
}

/** `https://host[:port]` of `value`, or undefined when it is not an https URL. */
function httpsOrigin(value: string): string | undefined {
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' && url.hostname ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The first contact with an environment URL the person typed: the anonymous
 * Web API call whose 401 challenge names the tenant, read into either the
 * sign-in authority or one message to show under the input box. Pure: the
 * probe itself is injected.
 */
import { explainError, isCancellation } from './explainError';
import { isTrustedAuthorityHost, parseDataverseChallenge } from './challenge';
import { cloudDefaults, type CloudEndpoints, type CloudId } from './clouds';
import { AuthorityDiscoveryError } from '../dataverse/http';
import { expectedHostForms } from './orgUrl';

/** What the probe found: where to sign in, or why the URL cannot be used (a message for the input box). */
export type OrgProbeResult =
  | { readonly ok: true; readonly authorityHost: string; readonly tenantId: string }
  | { readonly ok: false; readonly message: string }
  | { readonly ok: false; readonly cancelled: true };

/** What the probe needs to know about the settings. */
export interface OrgProbeSettings {
  readonly cloudId: CloudId;
  readonly cloud: CloudEndpoints;
  readonly trustedAuthorityHosts: readonly string[];
}

/**
 * Asks `orgUrl` for its sign-in challenge (through `challengeOf`) and reads
 * the answer. A host that does not answer like Dataverse is said to be so,
 * with the host forms of the chosen cloud; an authority outside the cloud's
 * sign-in hosts is refused before anything is sent to it
 * (https://learn.microsoft.com/power-apps/developer/data-platform/authenticate-oauth#simple-connection).
 */
export async function probeOrg(orgUrl: string, settings: OrgProbeSettings, challengeOf: (orgUrl: string) => Promise<string>): Promise<OrgProbeResult> {
  let header: string;
  try {
    header = await challengeOf(orgUrl);
  } catch (error) {
    if (isCancellation(error)) return { ok: false, cancelled: true };
    return { ok: false, message: probeFailure(error, settings.cloudId) };
  }
  const parsed = parseDataverseChallenge(header);
  if (!parsed.ok) return { ok: false, message: `${notDataverse(orgUrl, 'answered 401 without a usable sign-in challenge', settings.cloudId)} (${parsed.reason})` };
  const { authorityHost, tenantId } = parsed.challenge;
  if (!isTrustedAuthorityHost(authorityHost, settings.cloud, settings.trustedAuthorityHosts)) {
    return {
      ok: false,
      message: `${orgUrl} sends sign-ins to ${authorityHost}, which is not a Microsoft sign-in host of the ${settings.cloud.displayName} cloud. Nothing was sent there. If you trust it, add it to the setting "dataverse.trustedAuthorityHosts", or choose the right cloud in "dataverse.cloud".`,
    };
  }
  return { ok: true, authorityHost, tenantId };
}

/** The sentence for a probe that failed: our own words, never labelled as the server's. */
export function probeFailure(error: unknown, cloudId: CloudId): string {
  if (error instanceof AuthorityDiscoveryError && (error.reason === 'unexpectedStatus' || error.reason === 'missingChallenge')) {
    const origin = /^(https:\/\/[^\s/]+)/.exec(error.message)?.[1] ?? 'This address';
    const answered = error.reason === 'missingChallenge' ? 'answered 401 without a sign-in challenge' : `answered HTTP ${error.status ?? '?'}`;
    return notDataverse(origin, answered, cloudId);
  }
  const explained = explainError(error);
  return `${explained.title} ${explained.fix}`.trim();
}

function notDataverse(origin: string, answered: string, cloudId: CloudId): string {
  const cloud = cloudDefaults(cloudId);
  return `${origin} does not answer like a Dataverse environment: it ${answered}, where an environment answers 401 with a sign-in challenge. Environments of the ${cloud.displayName} cloud are at https://<name>${cloud.defaultOrgHostSuffix} (${expectedHostForms(cloudId)}); copy yours from make.powerapps.com (Settings > Session details).`;
}

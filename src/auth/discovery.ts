/**
 * Reads the Global Discovery Service's list of environments
 * (GET /api/discovery/v2.0/Instances, see
 * https://learn.microsoft.com/power-apps/developer/data-platform/discovery-service).
 * Each listed URL becomes a connection that receives bearer tokens, so it is
 * held to the same rules as a URL a person types: `normalizeOrgUrl`, https only.
 */
import { GUID } from '../core/guid';
import type { Logger } from '../core/logger';
import { normalizeOrgUrl } from './orgUrl';

/** An environment the signed-in person can reach, from the Global Discovery Service. */
export interface DiscoveredEnvironment {
  /** Normalised https://host[:port]. */
  readonly url: string;
  readonly friendlyName: string;
  readonly uniqueName: string;
  readonly environmentType?: string;
  /** The Power Platform environment id (maker portal links use it). */
  readonly environmentId?: string;
}

/** The environments in a discovery answer whose URL is a valid https environment URL; the others are dropped with a log line. */
export function readDiscoveredEnvironments(body: unknown, logger: Logger): DiscoveredEnvironment[] {
  const value = (body as { value?: unknown } | null)?.value;
  if (!Array.isArray(value)) return [];
  const environments: DiscoveredEnvironment[] = [];
  const seen = new Set<string>();
  for (const item of value as unknown[]) {
    const i = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof i.Url !== 'string') continue;
    const org = normalizeOrgUrl(i.Url);
    if (!org.ok) {
      logger.warn(`Global Discovery listed an environment that is left out: ${org.reason}`);
      continue;
    }
    if (seen.has(org.url)) continue;
    seen.add(org.url);
    environments.push({
      url: org.url,
      friendlyName: typeof i.FriendlyName === 'string' && i.FriendlyName.trim() ? i.FriendlyName : org.url,
      uniqueName: typeof i.UniqueName === 'string' ? i.UniqueName : '',
      ...(typeof i.EnvironmentType === 'string' ? { environmentType: i.EnvironmentType } : {}),
      ...(typeof i.EnvironmentId === 'string' && GUID.test(i.EnvironmentId) ? { environmentId: i.EnvironmentId } : {}),
    });
  }
  return environments;
}

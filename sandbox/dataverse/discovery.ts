/**
 * The Global Discovery Service stand-in: `GET /api/discovery/v2.0/Instances`
 * lists the orgs where the signed-in user is a systemuser
 * (https://learn.microsoft.com/power-apps/developer/data-platform/discovery-service).
 */
import type http from 'node:http';
import type { JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import type { SeedOrg, SeedUser } from '../seed';
import { challengeHeader, TokenValidator } from './auth';
import { DataverseError, resourceNotFound } from './errors';
import { evaluate, type FilterAccess } from './filterEval';
import { parseQueryOptions, parseQueryString } from './odataParser';
import type { DataverseRunConfig } from './runConfig';
import { RunControl } from './runConfig';
import { applyFault, Responder, type SandboxHandler } from './respond';

/** Options of the discovery stand-in. */
export interface DiscoveryHandlerOptions {
  /** e.g. `https://127.0.0.10:41000` (no trailing slash); also the token audience. */
  readonly discoveryUrl: string;
  readonly authorityUrl: string;
  readonly jwks: { keys: JWK[] };
  readonly orgs: ReadonlyArray<SeedOrg & { url: string }>;
  readonly users: readonly SeedUser[];
  readonly now?: () => number;
}

/** Version reported for every instance. */
const VERSION = '9.2.25063.00190';

function instanceJson(org: SeedOrg & { url: string }): Record<string, unknown> {
  const url = org.url.replace(/\/+$/, '');
  return {
    Id: org.id,
    UniqueName: org.uniqueName,
    UrlName: org.uniqueName,
    FriendlyName: org.friendlyName,
    State: 0,
    Version: VERSION,
    Url: url,
    ApiUrl: url,
    LastUpdated: '2025-06-30T08:00:00Z',
    SchemaType: 'Standard',
    EnvironmentId: org.environmentId,
    DatacenterId: '00000000-0000-0000-0000-000000000000',
    DatacenterName: null,
    Region: 'NA',
    Purpose: org.environmentType === 'Production' ? '' : org.environmentType,
    TenantId: org.tenantId,
    OrganizationType: org.environmentType === 'Developer' ? 6 : org.environmentType === 'Sandbox' ? 5 : 0,
    IsUserSysAdmin: false,
    TrialExpirationDate: null,
  };
}

const jsonAccess: FilterAccess<Record<string, unknown>> = { now: 0, get: (item, path) => item[path[0]!] ?? null };

/** Creates the Global Discovery Service stand-in. */
export function createDiscoveryHandler(options: DiscoveryHandlerOptions): SandboxHandler {
  const now = options.now ?? Date.now;
  const base = options.discoveryUrl.replace(/\/+$/, '');
  const validator = new TokenValidator(options.jwks, base, now);
  const control = new RunControl();
  const timers = new Set<NodeJS.Timeout>();
  const root = `${base}/api/discovery/v2.0/`;

  async function handleAsync(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const ids = { REQ_ID: requestId, 'x-ms-service-request-id': requestId };
    let responder = new Responder(req, res, ids);
    try {
      const url = new URL(req.url ?? '/', base);
      const m = /^\/api\/discovery\/v2\.0\/?(.*)$/.exec(url.pathname);
      if (!m) throw resourceNotFound(url.pathname.split('/').filter(Boolean)[0] ?? '/');
      const token = await validator.validate(req.headers['authorization']);
      if (!token.ok) return responder.send(401, undefined, { 'WWW-Authenticate': challengeHeader(options.authorityUrl, 'common', base) });
      const decision = control.decide(url.pathname + url.search, now());
      responder = new Responder(req, res, ids, decision.kind === 'fault' ? decision.fault : undefined);
      if (decision.kind === 'throttle') return responder.send(429, { error: { code: decision.code, message: decision.message } }, { 'Retry-After': String(decision.retryAfterSeconds) });
      if (decision.kind === 'fault' && (await applyFault(decision.fault, responder, timers))) return;
      if (req.method !== 'GET') throw new DataverseError(405, '', 'The requested resource does not support http method.');
      const user = options.users.find((u) => u.oid.toLowerCase() === token.claims.oid);
      // Only the orgs of the caller's tenant where the user is a systemuser.
      const orgs = options.orgs.filter((o) => user && o.tenantId.toLowerCase() === token.claims.tid && user.orgs.includes(o.uniqueName));
      const path = decodeURIComponent(m[1] ?? '');
      const query = parseQueryOptions(parseQueryString(url.search));
      if (path === '') return responder.send(200, { '@odata.context': `${root}$metadata`, value: [{ name: 'Instances', kind: 'EntitySet', url: 'Instances' }] });
      const im = /^Instances(?:\((.*)\))?$/.exec(path);
      if (!im) throw resourceNotFound(path.split('/')[0]!);
      let items = orgs.map(instanceJson);
      if (im[1] !== undefined) {
        const key = im[1];
        const byName = /^UniqueName='(.*)'$/.exec(key);
        const item = items.find((i) => (byName ? i['UniqueName'] === byName[1] : String(i['Id']).toLowerCase() === key.toLowerCase()));
        if (!item) throw new DataverseError(404, '', 'Instance not found.');
        return responder.send(200, { '@odata.context': `${root}$metadata#Instances/$entity`, ...item });
      }
      if (query.filter) items = items.filter((i) => evaluate(query.filter!, i, jsonAccess));
      const value = query.select ? items.map((i) => Object.fromEntries(query.select!.map((s) => [s, i[s] ?? null]))) : items;
      return responder.send(200, { '@odata.context': `${root}$metadata#Instances${query.select ? `(${query.select.join(',')})` : ''}`, value });
    } catch (e) {
      responder.error(e instanceof DataverseError ? e : new DataverseError(500, '', (e as Error).message));
    }
  }

  return {
    handle(req, res) { void handleAsync(req, res); },
    configure(patch: Partial<DataverseRunConfig>) { control.configure(patch); },
    close() { for (const t of timers) clearTimeout(t); timers.clear(); },
  };
}

/**
 * The http adapter of the Dataverse Web API v9.2 stand-in (one per org) and,
 * re-exported from ./discovery, the Global Discovery Service. Everything
 * protocol-shaped lives in pure modules; this file only routes, authenticates
 * and writes responses.
 */
import type http from 'node:http';
import type { JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import type { SeedApp, SeedOrg, SeedUser } from '../seed';
import { aggregateCollection } from './aggregate';
import { parsePrefer, type Preferences } from './annotations';
import { challengeHeader, TokenValidator } from './auth';
import { buildCsdl } from './csdl';
import { DataverseError, noHttpResource, notMemberOfOrganization, querySyntax, recordNotFound, resourceNotFound } from './errors';
import {
  attributeCast, attributeOptionSet, getEntityDefinition, optionSetJson, queryAttributes, queryEntityDefinitions, queryGlobalOptionSets,
  queryRelationships, relatedQuery, keyJson, relationshipJson, resolveAttributeKey, resolveEntityKey, retrieveMetadataChanges,
} from './metadata';
import { parseQueryOptions, parseQueryString, splitTopLevel, type QueryOptions } from './odataParser';
import {
  contextUrl, countCollection, createRecord, deleteRecord, etagOf, findByAlternateKey, navigation, queryCollection, relatedRows, retrieveRecord,
  shapeRecord, updateRecord, type RecordContext,
} from './records';
import { AnnotationFilter } from './annotations';
import { FetchXmlService } from './fetchXmlQuery';
import { RunControl } from './runConfig';
import { applyFault, Responder, type SandboxHandler } from './respond';
import { Schema } from './schema';
import { DataStore } from './store';
import type { AttributeTypeCode } from './model';

export { createDiscoveryHandler, type DiscoveryHandlerOptions } from './discovery';
export type { DataverseRunConfig, ThrottleConfig, FaultConfig, RequestSelector } from './runConfig';
export type { SandboxHandler } from './respond';

/** Options of one org's Web API stand-in. */
export interface DataverseHandlerOptions {
  readonly org: SeedOrg;
  /** e.g. `https://127.0.0.3:41234` (no trailing slash). */
  readonly orgUrl: string;
  /** Entra origin, e.g. `https://127.0.0.2:40000`, advertised in the 401 challenge. */
  readonly authorityUrl: string;
  /** Public keys that sign access tokens (RS256, with kid). */
  readonly jwks: { keys: JWK[] };
  readonly users: readonly SeedUser[];
  readonly apps: readonly SeedApp[];
  readonly now?: () => number;
  /** Seed of the generated data; defaults to the org id (same seed, same data). */
  readonly seed?: string;
}

const API_PREFIX = /^\/api\/data\/v9\.[0-2]\/?/;
async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new DataverseError(400, '0x80048d19', 'Error identified in Payload provided by the user: the request body is not valid JSON.');
  }
}

/** `Name(k=v,...)` segment parameters. */
function segmentParams(inner: string, aliases: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of splitTopLevel(inner, ',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('@')) value = aliases[value] ?? '';
    out[name] = value;
  }
  return out;
}

/** A request header as one string (undefined when absent or empty). */
function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value.join(',') : value;
  return text?.trim() ? text.trim() : undefined;
}

/** Whether an If-Match / If-None-Match list (`W/"1", W/"2"` or `*`) names this ETag. */
function etagMatches(list: string, etag: string): boolean {
  return list.split(',').some((t) => t.trim() === '*' || t.trim() === etag);
}

function unquote(text: string): string {
  return /^'.*'$/s.test(text) ? text.slice(1, -1).replace(/''/g, "'") : text;
}

const ATTRIBUTE_TYPES: Record<string, AttributeTypeCode> = {
  StringAttributeMetadata: 'String', MemoAttributeMetadata: 'Memo', IntegerAttributeMetadata: 'Integer', DecimalAttributeMetadata: 'Decimal',
  DoubleAttributeMetadata: 'Double', MoneyAttributeMetadata: 'Money', BooleanAttributeMetadata: 'Boolean', DateTimeAttributeMetadata: 'DateTime',
  PicklistAttributeMetadata: 'Picklist', BigIntAttributeMetadata: 'BigInt',
};

/** Creates the Web API stand-in of one org. */
export function createDataverseHandler(options: DataverseHandlerOptions): SandboxHandler {
  const { org, users, apps } = options;
  const now = options.now ?? Date.now;
  const seed = options.seed ?? org.id;
  const orgUrl = options.orgUrl.replace(/\/+$/, '');
  const serviceRoot = `${orgUrl}/api/data/v9.2/`;
  const schema = new Schema(seed, org.scale);
  const store = new DataStore(schema, org, users, apps, seed);
  const validator = new TokenValidator(options.jwks, orgUrl, now);
  const control = new RunControl();
  const fetchXml = new FetchXmlService();
  const timers = new Set<NodeJS.Timeout>();
  let csdl: { version: number; text: string } | undefined;

  async function route(req: http.IncomingMessage, responder: Responder, url: URL, ctx: RecordContext, prefs: Preferences): Promise<void> {
    const method = req.method ?? 'GET';
    const raw = parseQueryString(url.search);
    const rest = decodeURIComponent(url.pathname.replace(API_PREFIX, ''));
    const segments = rest.split('/').filter(Boolean);
    const options: QueryOptions = parseQueryOptions(raw);
    const applied = (extra: string[] = []): Record<string, string> => (extra.length ? { 'Preference-Applied': extra.join(',') } : {});

    if (segments.length === 0) {
      // Service document (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-service-documents).
      const value = schema.entities.map((e) => ({ name: e.entitySetName, kind: 'EntitySet', url: e.entitySetName }));
      value.push({ name: 'EntityDefinitions', kind: 'EntitySet', url: 'EntityDefinitions' }, { name: 'GlobalOptionSetDefinitions', kind: 'EntitySet', url: 'GlobalOptionSetDefinitions' }, { name: 'RelationshipDefinitions', kind: 'EntitySet', url: 'RelationshipDefinitions' });
      return responder.send(200, { '@odata.context': `${serviceRoot}$metadata`, value });
    }
    const [first, ...more] = segments as [string, ...string[]];
    const m = /^([A-Za-z_$][A-Za-z0-9_.]*)(?:\((.*)\))?$/s.exec(first);
    if (!m) throw resourceNotFound(first);
    const name = m[1]!;
    const key = m[2];

    if (name === '$metadata') {
      // CSDL is XML only; asking for JSON gives 415 (seen in public reports, not on Microsoft's pages).
      const accept = String(req.headers['accept'] ?? '');
      if (/application\/json/i.test(accept) && !/xml|\*\/\*/i.test(accept)) {
        throw new DataverseError(415, '0x80060888', 'A supported MIME type could not be found that matches the acceptable MIME types for the request. The supported type(s) \'application/xml\' do not match any of the acceptable MIME types \'application/json\'.');
      }
      if (!csdl || csdl.version !== schema.version) csdl = { version: schema.version, text: buildCsdl(schema) };
      return responder.send(200, csdl.text, { 'Content-Type': 'application/xml' });
    }

    if (name === 'WhoAmI') {
      // Unbound function; POST answers 404 "No HTTP resource..." (https://learn.microsoft.com/troubleshoot/power-platform/dataverse/dataverse-web-api-and-sdk/web-api-client-errors).
      if (method !== 'GET' || more.length) throw noHttpResource(`${serviceRoot}WhoAmI`);
      return responder.send(200, {
        '@odata.context': `${serviceRoot}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
        BusinessUnitId: org.rootBusinessUnitId, UserId: ctx.userId, OrganizationId: org.id,
      });
    }

    if (name === 'RetrieveCurrentOrganization') {
      // Unbound function with AccessType (EndpointAccessType); answers OrganizationDetail for any caller, application users too
      // (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrievecurrentorganization).
      if (method !== 'GET' || more.length) throw noHttpResource(`${serviceRoot}RetrieveCurrentOrganization`);
      const accessType = segmentParams(key ?? '', options.aliases)['AccessType'];
      if (!accessType) throw new DataverseError(400, '0x80060888', "The parameter 'AccessType' of the function 'RetrieveCurrentOrganization' is missing.");
            return responder.send(200, {
        '@odata.context': `${serviceRoot}$metadata#Microsoft.Dynamics.CRM.RetrieveCurrentOrganizationResponse`,
        Detail: {
          OrganizationId: org.id, FriendlyName: org.friendlyName, OrganizationVersion: '9.2.25063.00190', EnvironmentId: org.environmentId,
          DatacenterId: '00000000-0000-0000-0000-000000000000', Geo: 'NA', TenantId: org.tenantId, UrlName: org.uniqueName, UniqueName: org.uniqueName,
          Endpoints: { Count: 1, IsReadOnly: false, Keys: ['WebApplication'], Values: [`${orgUrl}/`] },
          State: 'Enabled', OrganizationType: 'Customer',
        },
      });
    }

    if (name === 'RetrieveMetadataChanges') {
      if (method !== 'GET') throw noHttpResource(`${serviceRoot}RetrieveMetadataChanges`);
      const p = segmentParams(key ?? '', options.aliases);
      return responder.send(200, retrieveMetadataChanges(schema, {
        query: p['Query'], clientVersionStamp: p['ClientVersionStamp'] ? unquote(p['ClientVersionStamp']) : undefined,
        deletedMetadataFilters: p['DeletedMetadataFilters'],
      }, serviceRoot, now()));
    }

    if (name === 'EntityDefinitions') return metadataRoute(req, responder, method, key, more, options);

    if (name === 'GlobalOptionSetDefinitions') {
      if (method !== 'GET') throw noHttpResource(`${serviceRoot}${first}`);
      if (key === undefined) return responder.send(200, queryGlobalOptionSets(schema, options, serviceRoot));
      const k = /^Name='(.*)'$/.exec(key)?.[1] ?? key;
      const set = schema.globalOptionSet(k);
      if (!set) throw new DataverseError(404, '0x80040217', `Could not find optionset with name or id '${k}'.`);
      const json = optionSetJson(set);
      return responder.send(200, { '@odata.context': `${serviceRoot}$metadata#GlobalOptionSetDefinitions/$entity`, ...(options.select ? Object.fromEntries(['@odata.type', 'MetadataId', ...options.select].map((p) => [p, json[p]])) : json) });
    }

    if (name === 'RelationshipDefinitions') {
      if (method !== 'GET') throw noHttpResource(`${serviceRoot}${first}`);
      return responder.send(200, queryRelationships(schema, options, serviceRoot, more[0]));
    }

    const entity = schema.entityBySet(name);
    if (!entity || !store.hasTable(entity.logicalName)) throw resourceNotFound(name);

    if (key === undefined) {
      if (more[0] === '$count' && method === 'GET') return responder.send(200, String(countCollection(ctx, entity)), { 'Content-Type': 'text/plain' });
      if (more.length) throw resourceNotFound(more[0]!);
      if (method === 'GET') {
        if (options.fetchXml !== undefined) {
          const result = fetchXml.run(ctx, entity, options.fetchXml, prefs);
          return responder.send(200, result.body, applied(result.preferenceApplied));
        }
        const result = options.apply ? aggregateCollection(ctx, entity, options, prefs) : queryCollection(ctx, entity, options, prefs, url);
        return responder.send(200, result.body, applied(result.preferenceApplied));
      }
      if (method === 'POST') {
        const id = createRecord(ctx, entity, await readBody(req));
        const entityId = `${serviceRoot}${entity.entitySetName}(${id})`;
        // 204 + OData-EntityId, or 201 with the record when Prefer: return=representation (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api).
        if (prefs.returnRepresentation) {
          const body = retrieveRecord(ctx, entity, id, options, prefs);
          return responder.send(201, body, { 'OData-EntityId': entityId, Location: entityId, 'Preference-Applied': 'return=representation' });
        }
        return responder.send(204, undefined, { 'OData-EntityId': entityId, Location: entityId });
      }
      throw noHttpResource(`${serviceRoot}${first}`);
    }

    // Record key: GUID or alternate key values.
    let id: string;
    if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(key)) id = key.toLowerCase();
    else {
      const values = Object.fromEntries(Object.entries(segmentParams(key, options.aliases)).map(([k, v]) => [k, unquote(v)]));
      if (Object.keys(values).length === 0) throw querySyntax(`Bad Request - Error in query syntax: '${first}' is not a valid key.`);
      const row = findByAlternateKey(ctx, entity, values);
      if (!row) throw new DataverseError(404, '0x80040217', `A record with the specified key values does not exist in ${entity.logicalName} entity`);
      id = String(row[entity.primaryIdAttribute]);
    }

    if (more.length) {
      const nav = navigation(schema, entity, more[0]!);
      if (!nav || method !== 'GET') throw resourceNotFound(more[0]!);
      const row = store.get(entity.logicalName, id);
      if (!row) throw new DataverseError(404, '0x80040217', `${entity.logicalName} With Id = ${id} Does Not Exist`);
      const annotations = new AnnotationFilter(prefs.includeAnnotations);
      if (nav.kind === 'single') {
        const ref = row[nav.attribute.logicalName];
        if (!ref || typeof ref !== 'object') return responder.send(204, undefined);
        const target = schema.entity(ref.type)!;
        return responder.send(200, retrieveRecord(ctx, target, ref.id, options, prefs));
      }
      const related = relatedRows(ctx, entity, row, nav);
      return responder.send(200, {
        '@odata.context': contextUrl(serviceRoot, related.entity.entitySetName, options, false),
        value: related.rows.map((r) => shapeRecord(ctx, related.entity, r, options.select, options.expand, annotations)),
      });
    }

    switch (method) {
      case 'GET': {
        const record = retrieveRecord(ctx, entity, id, options, prefs);
        // Conditional retrieval: 304 when If-None-Match names the current ETag, but never with $expand or
        // annotations, whose values can change without the record changing
        // (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api#conditional-retrievals).
        const ifNoneMatch = header(req, 'if-none-match');
        if (ifNoneMatch && !options.expand?.length && !prefs.includeAnnotations && etagMatches(ifNoneMatch, String(record['@odata.etag']))) return responder.send(304, undefined);
        return responder.send(200, record, applied(prefs.includeAnnotations ? [`odata.include-annotations="${prefs.includeAnnotations}"`] : []));
      }
      case 'PATCH': {
        const body = await readBody(req);
        // If-Match: * updates only (404 when missing); If-Match: <etag> updates only that version (412 otherwise);
        // If-None-Match: * creates only (412 when the record exists)
        // (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api#limit-upsert-operations).
        const existing = store.get(entity.logicalName, id);
        const ifMatch = header(req, 'if-match');
        if (ifMatch && ifMatch !== '*') checkVersion(entity.logicalName, id, ifMatch);
        if (header(req, 'if-none-match') === '*' && existing) throw new DataverseError(412, '0x80040237', 'A record with matching key values already exists.');
        updateRecord(ctx, entity, id, body, ifMatch !== undefined);
        const entityId = `${serviceRoot}${entity.entitySetName}(${id})`;
        if (prefs.returnRepresentation) return responder.send(200, retrieveRecord(ctx, entity, id, options, prefs), { 'OData-EntityId': entityId, 'Preference-Applied': 'return=representation' });
        return responder.send(204, undefined, { 'OData-EntityId': entityId });
      }
      case 'DELETE': {
        const ifMatch = header(req, 'if-match');
        if (ifMatch && ifMatch !== '*') checkVersion(entity.logicalName, id, ifMatch);
        deleteRecord(ctx, entity, id);
        return responder.send(204, undefined);
      }
      default: throw noHttpResource(`${serviceRoot}${first}`);
    }
  }

  /**
   * Optimistic concurrency: a PATCH or DELETE whose If-Match names another version answers 412 and changes nothing
   * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api#apply-optimistic-concurrency).
   */
  function checkVersion(table: string, id: string, ifMatch: string): void {
    const row = store.get(table, id);
    if (!row) throw recordNotFound(table, id);
    if (!etagMatches(ifMatch, etagOf(row))) {
      // ConcurrencyVersionMismatch (https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes).
      throw new DataverseError(412, '0x80060882', 'The version of the existing record doesn\'t match the RowVersion property provided.');
    }
  }

  async function metadataRoute(req: http.IncomingMessage, responder: Responder, method: string, key: string | undefined, more: string[], options: QueryOptions): Promise<void> {
    if (key === undefined) {
      if (method !== 'GET' || more.length) throw noHttpResource(`${serviceRoot}EntityDefinitions`);
      return responder.send(200, queryEntityDefinitions(schema, options, serviceRoot));
    }
    const entity = resolveEntityKey(schema, key);
    const root = `${serviceRoot}$metadata#EntityDefinitions(${/^LogicalName=/.test(key) ? `'${entity.logicalName}'` : entity.metadataId})`;
    if (more.length === 0) {
      if (method === 'GET') return responder.send(200, getEntityDefinition(schema, entity, options, serviceRoot));
      if (method === 'DELETE') {
        if (!entity.isCustom) throw new DataverseError(400, '0x80048405', `The entity '${entity.logicalName}' cannot be deleted because it is not a custom entity.`);
        schema.deleteEntity(entity);
        return responder.send(204, undefined);
      }
      if (method === 'PUT' || method === 'PATCH') {
        const body = (await readBody(req)) as Record<string, { LocalizedLabels?: Array<{ Label?: string }> } | undefined>;
        const label = (k: string): string | undefined => body[k]?.LocalizedLabels?.[0]?.Label;
        schema.touchEntity(entity, {
          ...(label('DisplayName') !== undefined ? { displayName: label('DisplayName')! } : {}),
          ...(label('Description') !== undefined ? { description: label('Description')! } : {}),
          ...(label('DisplayCollectionName') !== undefined ? { displayCollectionName: label('DisplayCollectionName')! } : {}),
        });
        return responder.send(204, undefined);
      }
      throw noHttpResource(`${serviceRoot}EntityDefinitions`);
    }
    const [sub, ...tail] = more as [string, ...string[]];
    const sm = /^([A-Za-z]+)(?:\((.*)\))?$/.exec(sub);
    if (!sm) throw resourceNotFound(sub);
    const subName = sm[1]!;
    const subKey = sm[2];
    if (subName === 'Attributes') {
      if (subKey === undefined) {
        if (method === 'POST' && tail.length === 0) {
          const body = (await readBody(req)) as Record<string, unknown>;
          const type = String(body['@odata.type'] ?? '').replace(/^#?Microsoft\.Dynamics\.CRM\./, '');
          const attributeType = ATTRIBUTE_TYPES[type];
          const schemaName = typeof body['SchemaName'] === 'string' ? body['SchemaName'] : '';
          if (!attributeType || !schemaName) throw new DataverseError(400, '0x80048d19', 'Error identified in Payload provided by the user: an attribute needs a supported @odata.type and a SchemaName.');
          const logicalName = schemaName.toLowerCase();
          if (schema.attribute(entity.logicalName, logicalName)) throw new DataverseError(400, '0x80044363', `An attribute with the specified name ${logicalName} already exists.`);
          const label = (body['DisplayName'] as { LocalizedLabels?: Array<{ Label?: string }> } | undefined)?.LocalizedLabels?.[0]?.Label ?? schemaName;
          const attribute = schema.addAttribute(entity, [logicalName, attributeType, label, {
            custom: true,
            maxLength: typeof body['MaxLength'] === 'number' ? body['MaxLength'] : undefined,
            options: attributeType === 'Picklist' ? [{ value: 100000000, label: 'Option A' }, { value: 100000001, label: 'Option B' }] : undefined,
          }]);
          const entityId = `${serviceRoot}EntityDefinitions(${entity.metadataId})/Attributes(${attribute.metadataId})`;
          return responder.send(204, undefined, { 'OData-EntityId': entityId });
        }
        if (method !== 'GET') throw noHttpResource(`${serviceRoot}EntityDefinitions`);
        const cast = tail[0] ? attributeCast(tail[0]) : undefined;
        const value = queryAttributes(schema, entity, options, cast);
        const sel = [...(options.select ?? []), ...(options.expand ?? []).map((e) => e.name)];
        return responder.send(200, { '@odata.context': `${root}/Attributes${cast ? `/Microsoft.Dynamics.CRM.${cast}` : ''}${sel.length ? `(${sel.join(',')})` : ''}`, value });
      }
      const attribute = resolveAttributeKey(entity, subKey);
      if (method === 'DELETE' && tail.length === 0) {
        if (!attribute.isCustom) throw new DataverseError(400, '0x80048405', `The attribute '${attribute.logicalName}' cannot be deleted because it is not a custom attribute.`);
        schema.deleteAttribute(entity, attribute);
        return responder.send(204, undefined);
      }
      if (method !== 'GET') throw noHttpResource(`${serviceRoot}EntityDefinitions`);
      const cast = tail[0] ? attributeCast(tail[0]) : undefined;
      if (cast && tail[1] !== undefined) {
        if (tail.length > 2) throw resourceNotFound(tail[2]!);
        const set = attributeOptionSet(attribute, cast, tail[1], options);
        if (!set) return responder.send(204, undefined);
        const sel = options.select?.length ? `(${options.select.join(',')})` : '';
        return responder.send(200, { '@odata.context': `${root}/Attributes(${attribute.metadataId})/Microsoft.Dynamics.CRM.${cast}/${tail[1]}${sel}/$entity`, ...set });
      }
      const items = queryAttributes(schema, { ...entity, attributes: [attribute] }, options, cast);
      if (items.length === 0) throw resourceNotFound(tail[0] ?? subKey);
      const sel = [...(options.select ?? []), ...(options.expand ?? []).map((e) => e.name)];
      return responder.send(200, { '@odata.context': `${root}/Attributes(${attribute.metadataId})${cast ? `/Microsoft.Dynamics.CRM.${cast}` : ''}${sel.length ? `(${sel.join(',')})` : ''}/$entity`, ...items[0] });
    }
    if (method !== 'GET') throw noHttpResource(`${serviceRoot}EntityDefinitions`);
    const lists: Record<string, [Array<Record<string, unknown>>, string]> = {
      Keys: [entity.keys.map(keyJson), 'EntityKeyMetadata'],
      OneToManyRelationships: [schema.oneToMany(entity.logicalName).map(relationshipJson), 'OneToManyRelationshipMetadata'],
      ManyToOneRelationships: [schema.manyToOne(entity.logicalName).map(relationshipJson), 'OneToManyRelationshipMetadata'],
      ManyToManyRelationships: [schema.manyToMany(entity.logicalName).map(relationshipJson), 'ManyToManyRelationshipMetadata'],
    };
    const list = lists[subName];
    if (!list || subKey !== undefined) throw resourceNotFound(sub);
    return responder.send(200, { '@odata.context': `${root}/${subName}${options.select ? `(${options.select.join(',')})` : ''}`, value: relatedQuery(list[0], options, list[1]) });
  }

  async function handleAsync(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', orgUrl);
    const ids: Record<string, string> = { REQ_ID: requestId, 'x-ms-service-request-id': requestId };
    const clientRequestId = req.headers['client-request-id'] ?? req.headers['x-ms-client-request-id'];
    if (typeof clientRequestId === 'string') ids['client-request-id'] = clientRequestId;
    let responder = new Responder(req, res, ids);
    try {
      // Everything under /api/data (the bare /api/data and /api/data/version too) asks an anonymous caller to sign in:
      // clients discover the authority from this challenge, and Microsoft's discovery example probes `<org>/api/data/`
      // (https://learn.microsoft.com/power-apps/developer/data-platform/authenticate-oauth, "Discover the authority at run time").
      if (!/^\/api\/data(\/|$)/.test(url.pathname)) throw resourceNotFound(url.pathname.split('/').filter(Boolean)[0] ?? '/');
      // Authentication (docs/protocol.md#tenant-discovery): no or bad token -> 401 with the challenge that names the tenant.
      const challenge = { 'WWW-Authenticate': challengeHeader(options.authorityUrl, org.tenantId, orgUrl) };
      const token = await validator.validate(req.headers['authorization']);
      // A revoked token (run config) is refused like an expired one.
      if (!token.ok || control.isRevoked(token.claims.iat)) {
        // The 401 body is not characterised in public material; our guess: empty, challenge header only.
        return responder.send(401, undefined, challenge);
      }
      // Token of another tenant, or no systemuser / application user in this org -> 403 0x80072560 (docs/protocol.md#dataverse-web-api).
      const caller = token.claims.tid === org.tenantId.toLowerCase() ? store.findCaller(token.claims) : undefined;
      if (!caller) throw notMemberOfOrganization();

      const decision = control.decide(url.pathname + url.search, now());
      const rate = control.rateLimitHeaders(decision.kind === 'throttle');
      responder = new Responder(req, res, { ...ids, ...rate }, decision.kind === 'fault' ? decision.fault : undefined);
      if (decision.kind === 'throttle') {
        // 429 + Retry-After + one of the three service-protection codes (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits).
        return responder.send(429, { error: { code: decision.code, message: decision.message } }, { 'Retry-After': String(decision.retryAfterSeconds) });
      }
      if (decision.kind === 'fault' && (await applyFault(decision.fault, responder, timers))) return;

      if (!API_PREFIX.test(url.pathname)) throw resourceNotFound(url.pathname.split('/').filter(Boolean).slice(2).join('/') || 'data');
      const prefs = parsePrefer(req.headers['prefer']);
      const ctx: RecordContext = {
        schema, store, serviceRoot, now: now(), userId: String(caller['systemuserid']), businessUnitId: org.rootBusinessUnitId,
      };
      try {
        await route(req, responder, url, ctx, prefs);
      } finally {
        // Cached FetchXML results are stale once anything may have been written.
        if (req.method !== 'GET') fetchXml.invalidate();
      }
    } catch (e) {
      if (e instanceof DataverseError) responder.error(e);
      else {
        responder.error(new DataverseError(500, '0x80040216', `An unexpected error occurred: ${(e as Error).message}`));
      }
    }
  }

  return {
    handle(req, res) {
      void handleAsync(req, res);
    },
    configure(patch) {
      control.configure(patch);
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

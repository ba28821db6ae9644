/**
 * Reads an org's metadata through the Web API client and turns Dataverse's
 * shapes (EntityMetadata, AttributeMetadata, relationship, key and option set
 * metadata) into the model of model.ts, labels resolved to one language.
 * Every method is one or a few requests with only the properties needed;
 * nothing is kept here (orgMetadata.ts caches).
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api
 * https://learn.microsoft.com/power-apps/developer/data-platform/query-schema-definitions
 */
import { GUID } from '../../core/guid';
import { DataverseHttpError } from '../http';
import type { WebApiClient } from '../webApiClient';
import type {
  AlternateKey, ChoiceOption, ChoiceSet, ChoiceSetKind, Column, ManyToManyRelationship, MetadataId, OneToManyRelationship, Relationship, RequiredLevel, SolutionSummary, TableKind,
  TableSummary,
} from './model';

/** How the service chooses labels. */
export interface MetadataServiceOptions {
  /** The language (LCID) wanted; when omitted, the language of the signed-in user (Dataverse's UserLocalizedLabel). */
  readonly languageCode?: number;
  /** The org's base language, when already known; read from the organization table otherwise. */
  readonly baseLanguageCode?: number;
}

/** What changed since a version stamp, from RetrieveMetadataChanges. */
export interface MetadataChanges {
  /** The new stamp to store (ServerVersionStamp). */
  readonly stamp: string;
  /** Tables added or changed (their summary properties). */
  readonly tables: readonly TableSummary[];
  /** Columns added or changed, of any table. */
  readonly columns: readonly Column[];
  /** Alternate keys added or changed, with the table they belong to. */
  readonly keys: ReadonlyArray<AlternateKey & { readonly tableLogicalName: string }>;
  /** Logical names of tables whose columns or keys changed (their relationships and choices may have too). */
  readonly touchedTables: readonly string[];
  /** Metadata ids deleted since the stamp, by kind. */
  readonly deleted: {
    readonly tables: readonly MetadataId[];
    readonly columns: readonly MetadataId[];
    readonly relationships: readonly MetadataId[];
    readonly choices: readonly MetadataId[];
  };
  /** Bytes of the response body. */
  readonly bytes: number;
}

/** The stored version stamp is too old for Dataverse to tell what changed (0x80044352): a full load is needed. */
export class ExpiredVersionStampError extends Error {
  override readonly name = 'ExpiredVersionStampError';
}

/** The EntityMetadata properties the table list needs: one request, nothing more. */
export const TABLE_PROPERTIES = [
  'LogicalName', 'SchemaName', 'EntitySetName', 'DisplayName', 'DisplayCollectionName', 'Description', 'IsCustomEntity', 'IsActivity',
  'IsIntersect', 'IsManaged', 'OwnershipType', 'PrimaryIdAttribute', 'PrimaryNameAttribute', 'ObjectTypeCode',
] as const;

/** The path of the table list request (also what the benchmark fetches bare). */
export const TABLE_LIST_PATH = `EntityDefinitions?$select=${TABLE_PROPERTIES.join(',')}`;

/** The full load: every table with only TABLE_PROPERTIES, and the version stamp, in one RetrieveMetadataChanges request. */
export const TABLE_LIST_WITH_STAMP_PATH = `RetrieveMetadataChanges(Query=@q)?@q=${encodeURIComponent(JSON.stringify({ Properties: { AllProperties: false, PropertyNames: [...TABLE_PROPERTIES] } }))}`;

const RELATIONSHIP_1N = 'SchemaName,IsCustomRelationship,ReferencedEntity,ReferencedAttribute,ReferencingEntity,ReferencingAttribute,ReferencedEntityNavigationPropertyName,ReferencingEntityNavigationPropertyName';
const RELATIONSHIP_NN = 'SchemaName,IsCustomRelationship,Entity1LogicalName,Entity2LogicalName,IntersectEntityName,Entity1NavigationPropertyName,Entity2NavigationPropertyName';
const KEY_PROPERTIES = 'LogicalName,SchemaName,DisplayName,KeyAttributes,EntityKeyIndexStatus';

/** The attribute casts whose columns have options, and the kind of their option set. */
const CHOICE_CASTS: Readonly<Record<string, ChoiceSetKind>> = {
  PicklistAttributeMetadata: 'Picklist',
  MultiSelectPicklistAttributeMetadata: 'MultiSelectPicklist',
  StateAttributeMetadata: 'State',
  StatusAttributeMetadata: 'Status',
  BooleanAttributeMetadata: 'Boolean',
};

/** Dataverse's code for a ClientVersionStamp it can no longer compare against. */
const EXPIRED_VERSION_STAMP = '0x80044352';

type Json = Record<string, unknown>;

interface LocalizedLabel {
  Label?: unknown;
  LanguageCode?: unknown;
}

/**
 * Chooses a label's text: the wanted language, then the user's language
 * (UserLocalizedLabel), then the org's base language, then any. Notes when
 * the base language was needed but unknown, so the caller can read it and
 * choose again.
 */
class LabelPicker {
  needsBaseLanguage = false;

  constructor(
    private readonly wanted: number | undefined,
    private readonly base: number | undefined,
  ) {}

  pick(label: unknown): string {
    if (!label || typeof label !== 'object') return '';
    const l = label as { LocalizedLabels?: unknown; UserLocalizedLabel?: LocalizedLabel | null };
    const user = l.UserLocalizedLabel;
    // The common case first, without building anything: no language asked for, and the user's label has text.
    if (this.wanted === undefined && user && typeof user.Label === 'string' && user.Label !== '') return user.Label;
    const all = Array.isArray(l.LocalizedLabels) ? (l.LocalizedLabels as LocalizedLabel[]).filter((x) => typeof x?.Label === 'string' && x.Label !== '') : [];
    if (this.wanted !== undefined) {
      const hit = all.find((x) => x.LanguageCode === this.wanted);
      if (hit) return hit.Label as string;
    }
    if (user && typeof user.Label === 'string' && user.Label !== '') return user.Label;
    if (all.length === 0) return '';
    if (all.length > 1 && this.base === undefined) this.needsBaseLanguage = true;
    return ((this.base !== undefined ? all.find((x) => x.LanguageCode === this.base) : undefined) ?? all[0]!).Label as string;
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const bool = (v: unknown): boolean => v === true;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** `{ "Value": x }` complex values (RequiredLevel, AttributeTypeName...). */
const inner = (v: unknown): unknown => (v && typeof v === 'object' && 'Value' in v ? (v as { Value: unknown }).Value : v);
const id = (v: unknown): string => str(v).toLowerCase();

function toTable(t: Json, labels: LabelPicker): TableSummary {
  const isCustom = bool(t.IsCustomEntity);
  const isActivity = bool(t.IsActivity);
  const isIntersect = bool(t.IsIntersect);
  const kind: TableKind = isIntersect ? 'intersect' : isActivity ? 'activity' : isCustom ? 'custom' : 'system';
  return {
    metadataId: id(t.MetadataId),
    logicalName: str(t.LogicalName),
    schemaName: str(t.SchemaName),
    entitySetName: strOrNull(t.EntitySetName),
    displayName: labels.pick(t.DisplayName),
    displayCollectionName: labels.pick(t.DisplayCollectionName),
    description: labels.pick(t.Description),
    kind,
    isCustom,
    isActivity,
    isIntersect,
    isManaged: bool(t.IsManaged),
    ownershipType: str(inner(t.OwnershipType)) || 'None',
    primaryIdAttribute: str(t.PrimaryIdAttribute),
    primaryNameAttribute: strOrNull(t.PrimaryNameAttribute),
    objectTypeCode: num(t.ObjectTypeCode) ?? 0,
  };
}

const REQUIRED_LEVELS: ReadonlySet<string> = new Set(['None', 'SystemRequired', 'ApplicationRequired', 'Recommended']);
const LOOKUP_TYPES: ReadonlySet<string> = new Set(['Lookup', 'Customer', 'Owner']);

const CRM_TYPE_PREFIX = '#Microsoft.Dynamics.CRM.';

function toColumn(a: Json, labels: LabelPicker): Column {
  const odataType = str(a['@odata.type']);
  const metadataType = odataType.startsWith(CRM_TYPE_PREFIX) ? odataType.slice(CRM_TYPE_PREFIX.length) : odataType.replace(/^#?Microsoft\.Dynamics\.CRM\./, '');
  const type = str(a.AttributeType);
  const logicalName = str(a.LogicalName);
  const level = str(inner(a.RequiredLevel));
  const column: { -readonly [K in keyof Column]: Column[K] } = {
    metadataId: id(a.MetadataId),
    logicalName,
    schemaName: str(a.SchemaName),
    tableLogicalName: str(a.EntityLogicalName),
    type,
    typeName: str(inner(a.AttributeTypeName)),
    metadataType,
    displayName: labels.pick(a.DisplayName),
    description: labels.pick(a.Description),
    requiredLevel: (REQUIRED_LEVELS.has(level) ? level : 'None') as RequiredLevel,
    isPrimaryId: bool(a.IsPrimaryId),
    isPrimaryName: bool(a.IsPrimaryName),
    isCustom: bool(a.IsCustomAttribute),
    attributeOf: strOrNull(a.AttributeOf),
    isValidForCreate: bool(a.IsValidForCreate),
    isValidForUpdate: bool(a.IsValidForUpdate),
    isValidForRead: a.IsValidForRead !== false,
    hasChoices: metadataType in CHOICE_CASTS,
  };
  // Only the facets the column has (420 columns of a wide table: no intermediate objects per column).
  const maxLength = num(a.MaxLength);
  if (maxLength !== undefined) column.maxLength = maxLength;
  if (typeof a.Format === 'string' && a.Format !== 'None') column.format = a.Format;
  const minValue = num(a.MinValue);
  if (minValue !== undefined) column.minValue = minValue;
  const maxValue = num(a.MaxValue);
  if (maxValue !== undefined) column.maxValue = maxValue;
  const precision = num(a.Precision);
  if (precision !== undefined) column.precision = precision;
  if (LOOKUP_TYPES.has(type)) {
    if (Array.isArray(a.Targets)) column.targets = a.Targets.filter((t): t is string => typeof t === 'string');
    column.lookupValueName = `_${logicalName}_value`;
  }
  return column;
}

function toOneToMany(r: Json, kind: 'OneToMany' | 'ManyToOne'): OneToManyRelationship {
  const referencedNavigationProperty = str(r.ReferencedEntityNavigationPropertyName);
  const referencingNavigationProperty = str(r.ReferencingEntityNavigationPropertyName);
  const referencedTable = str(r.ReferencedEntity);
  const referencingTable = str(r.ReferencingEntity);
  return {
    kind,
    metadataId: id(r.MetadataId),
    schemaName: str(r.SchemaName),
    isCustom: bool(r.IsCustomRelationship),
    relatedTable: kind === 'OneToMany' ? referencingTable : referencedTable,
    navigationProperty: (kind === 'OneToMany' ? referencedNavigationProperty : referencingNavigationProperty) || null,
    referencedTable,
    referencedAttribute: str(r.ReferencedAttribute),
    referencingTable,
    referencingAttribute: str(r.ReferencingAttribute),
    referencedNavigationProperty,
    referencingNavigationProperty,
  };
}

function toManyToMany(r: Json, table: string): ManyToManyRelationship {
  const table1 = str(r.Entity1LogicalName);
  const table2 = str(r.Entity2LogicalName);
  const table1NavigationProperty = str(r.Entity1NavigationPropertyName);
  const table2NavigationProperty = str(r.Entity2NavigationPropertyName);
  // A self-referencing N:N has the table on both sides; from it, Entity1's navigation property is the one to follow.
  const fromFirst = table1 === table;
  return {
    kind: 'ManyToMany',
    metadataId: id(r.MetadataId),
    schemaName: str(r.SchemaName),
    isCustom: bool(r.IsCustomRelationship),
    relatedTable: fromFirst ? table2 : table1,
    navigationProperty: (fromFirst ? table1NavigationProperty : table2NavigationProperty) || null,
    table1,
    table2,
    intersectTable: str(r.IntersectEntityName),
    table1NavigationProperty,
    table2NavigationProperty,
  };
}

function toKey(k: Json, labels: LabelPicker): AlternateKey {
  return {
    metadataId: id(k.MetadataId),
    logicalName: str(k.LogicalName),
    schemaName: str(k.SchemaName),
    displayName: labels.pick(k.DisplayName),
    keyAttributes: Array.isArray(k.KeyAttributes) ? k.KeyAttributes.filter((x): x is string => typeof x === 'string') : [],
    indexStatus: str(inner(k.EntityKeyIndexStatus)),
  };
}

function toOption(o: Json, labels: LabelPicker): ChoiceOption {
  const state = num(o.State);
  return {
    value: num(o.Value) ?? 0,
    label: labels.pick(o.Label),
    color: strOrNull(o.Color),
    description: labels.pick(o.Description),
    ...(state !== undefined ? { state } : {}),
  };
}

function toChoiceSet(columnLogicalName: string, kind: ChoiceSetKind, set: Json, labels: LabelPicker): ChoiceSet {
  const options =
    kind === 'Boolean'
      ? [set.FalseOption, set.TrueOption].filter((o): o is Json => !!o && typeof o === 'object').map((o) => toOption(o, labels))
      : (Array.isArray(set.Options) ? (set.Options as Json[]) : []).map((o) => toOption(o, labels));
  return { columnLogicalName, name: str(set.Name), isGlobal: bool(set.IsGlobal), kind, options };
}

const byLogicalName = <T extends { logicalName: string }>(a: T, b: T): number => (a.logicalName < b.logicalName ? -1 : a.logicalName > b.logicalName ? 1 : 0);

/** Sorts by logical name in place; a list that already is in order (as Dataverse often answers) is only checked. */
function sortByLogicalName<T extends { logicalName: string }>(list: T[]): T[] {
  for (let i = 1; i < list.length; i++) if (list[i - 1]!.logicalName > list[i]!.logicalName) return list.sort(byLogicalName);
  return list;
}
const bySchemaName = <T extends { schemaName: string }>(a: T, b: T): number => (a.schemaName < b.schemaName ? -1 : a.schemaName > b.schemaName ? 1 : 0);

/** A table's logical name as it goes into a key segment (quotes doubled, as OData string literals need). */
function tableKey(logicalName: string): string {
  if (!/^[a-z0-9_]+$/i.test(logicalName)) throw new Error(`"${logicalName}" is not a table logical name (letters, digits and underscores only).`);
  return `EntityDefinitions(LogicalName='${logicalName}')`;
}

/** An org's metadata, read through the Web API. */
export class MetadataService {
  private _base: Promise<number> | undefined;

  constructor(
    /** The client of the org. */
    readonly client: WebApiClient,
    private readonly options: MetadataServiceOptions = {},
  ) {
    if (options.baseLanguageCode !== undefined) this._base = Promise.resolve(options.baseLanguageCode);
  }

  /** The language labels are wanted in, or undefined for the user's own. */
  get languageCode(): number | undefined {
    return this.options.languageCode;
  }

  /** The org's base language (organization.languagecode), read once. */
  baseLanguageCode(signal?: AbortSignal): Promise<number> {
    if (!this._base) {
      const pending = this.client.get<{ value?: Array<{ languagecode?: unknown }> }>('organizations?$select=languagecode', signal ? { signal } : {}).then((body) => {
        const code = num(body.value?.[0]?.languagecode);
        if (code === undefined) throw new Error('The organization table did not give the org\'s base language (languagecode).');
        return code;
      });
      pending.catch(() => {
        if (this._base === pending) this._base = undefined;
      });
      this._base = pending;
    }
    return this._base;
  }

  /** The base language if known without a request. */
  private async _knownBase(): Promise<number | undefined> {
    if (!this._base) return undefined;
    return this._base.catch(() => undefined);
  }

  /** Shapes `body` with labels; reads the base language and shapes again only when a label needed it. */
  private async _withLabels<T>(shape: (labels: LabelPicker) => T, signal?: AbortSignal): Promise<T> {
    const known = await this._knownBase();
    const labels = new LabelPicker(this.options.languageCode, known);
    const result = shape(labels);
    if (!labels.needsBaseLanguage) return result;
    return shape(new LabelPicker(this.options.languageCode, await this.baseLanguageCode(signal)));
  }

  /** Table summaries from EntityMetadata rows (the list's or RetrieveMetadataChanges'), sorted by logical name. */
  private _tablesFrom(rows: readonly Json[], signal?: AbortSignal): Promise<TableSummary[]> {
    return this._withLabels((labels) => sortByLogicalName(rows.map((t) => toTable(t, labels))), signal);
  }

  /** Every table, in one request with only the properties the list needs, sorted by logical name. */
  async tables(signal?: AbortSignal): Promise<TableSummary[]> {
    return (await this.loadTables(signal)).tables;
  }

  /** `tables()` with the bytes it downloaded. */
  async loadTables(signal?: AbortSignal): Promise<{ tables: TableSummary[]; bytes: number }> {
    const { body, bytes } = await this.client.request<{ value?: Json[] }>(TABLE_LIST_PATH, signal ? { signal } : {});
    return { tables: await this._tablesFrom(body?.value ?? [], signal), bytes };
  }

  /**
   * The table list and the ServerVersionStamp it is current to, in one request: RetrieveMetadataChanges
   * without a ClientVersionStamp returns every table with the properties asked for, and the stamp to
   * ask for changes with later (https://learn.microsoft.com/power-apps/developer/data-platform/query-schema-definitions#retrieve-metadata-changes).
   * One request keeps the list and the stamp consistent, and costs the server one query instead of two.
   */
  async loadTablesWithStamp(signal?: AbortSignal): Promise<{ tables: TableSummary[]; stamp: string; bytes: number }> {
    const { body, bytes } = await this.client.request<Json>(TABLE_LIST_WITH_STAMP_PATH, signal ? { signal } : {});
    const stamp = str(body?.ServerVersionStamp);
    if (!stamp) throw new Error('RetrieveMetadataChanges answered without a ServerVersionStamp.');
    const entities = Array.isArray(body?.EntityMetadata) ? (body.EntityMetadata as Json[]) : [];
    return { tables: await this._tablesFrom(entities, signal), stamp, bytes };
  }

  /** The columns of a table, sorted by logical name, with type-specific properties (max length, format, targets...). */
  async columns(tableLogicalName: string, signal?: AbortSignal): Promise<Column[]> {
    // Without $select each item comes as its derived type, with MaxLength, Format, Targets...: one request instead of one per cast.
    const body = await this.client.get<{ value?: Json[] }>(`${tableKey(tableLogicalName)}/Attributes`, signal ? { signal } : {});
    return this._withLabels((labels) => sortByLogicalName((body.value ?? []).map((a) => toColumn(a, labels))), signal);
  }

  /** The 1:N, N:1 and N:N relationships of a table, sorted by schema name. */
  async relationships(tableLogicalName: string, signal?: AbortSignal): Promise<Relationship[]> {
    const body = await this.client.get<Json>(
      `${tableKey(tableLogicalName)}?$select=LogicalName&$expand=OneToManyRelationships($select=${RELATIONSHIP_1N}),ManyToOneRelationships($select=${RELATIONSHIP_1N}),ManyToManyRelationships($select=${RELATIONSHIP_NN})`,
      signal ? { signal } : {},
    );
    const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
    return [
      ...list(body.OneToManyRelationships).map((r) => toOneToMany(r, 'OneToMany')),
      ...list(body.ManyToOneRelationships).map((r) => toOneToMany(r, 'ManyToOne')),
      ...list(body.ManyToManyRelationships).map((r) => toManyToMany(r, tableLogicalName)),
    ].sort(bySchemaName);
  }

  /** The alternate keys of a table, sorted by logical name. */
  async keys(tableLogicalName: string, signal?: AbortSignal): Promise<AlternateKey[]> {
    const body = await this.client.get<{ value?: Json[] }>(`${tableKey(tableLogicalName)}/Keys?$select=${KEY_PROPERTIES}`, signal ? { signal } : {});
    return this._withLabels((labels) => (body.value ?? []).map((k) => toKey(k, labels)).sort(byLogicalName), signal);
  }

  /**
   * The options of every choice column of a table (choice, multi-select,
   * status, state, yes/no), by column: one request per kind of choice column
   * the table has (the option sets are only reachable through a cast).
   */
  async choices(tableLogicalName: string, signal?: AbortSignal, columns?: readonly Column[]): Promise<Record<string, ChoiceSet>> {
    const casts = new Set((columns ?? (await this.columns(tableLogicalName, signal))).filter((c) => c.hasChoices).map((c) => c.metadataType));
    const answers = await Promise.all(
      [...casts].map(async (cast) => {
        const body = await this.client.get<{ value?: Json[] }>(`${tableKey(tableLogicalName)}/Attributes/Microsoft.Dynamics.CRM.${cast}?$select=LogicalName&$expand=OptionSet`, signal ? { signal } : {});
        return { kind: CHOICE_CASTS[cast]!, items: body.value ?? [] };
      }),
    );
    return this._withLabels((labels) => {
      const out: Record<string, ChoiceSet> = {};
      for (const { kind, items } of answers) {
        for (const a of items) if (a.OptionSet && typeof a.OptionSet === 'object') out[str(a.LogicalName)] = toChoiceSet(str(a.LogicalName), kind, a.OptionSet as Json, labels);
      }
      return out;
    }, signal);
  }

  /** The options of one choice column; undefined when the column has none. */
  async columnChoices(tableLogicalName: string, column: Pick<Column, 'logicalName' | 'metadataType'>, signal?: AbortSignal): Promise<ChoiceSet | undefined> {
    const kind = CHOICE_CASTS[column.metadataType];
    if (!kind) return undefined;
    if (!/^[a-z0-9_]+$/i.test(column.logicalName)) throw new Error(`"${column.logicalName}" is not a column logical name (letters, digits and underscores only).`);
    const body = await this.client.get<Json>(
      `${tableKey(tableLogicalName)}/Attributes(LogicalName='${column.logicalName}')/Microsoft.Dynamics.CRM.${column.metadataType}?$select=LogicalName&$expand=OptionSet`,
      signal ? { signal } : {},
    );
    const set = body.OptionSet;
    if (!set || typeof set !== 'object') return undefined;
    return this._withLabels((labels) => toChoiceSet(column.logicalName, kind, set as Json, labels), signal);
  }

  /** The org's visible solutions, sorted by display name (https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/solution). */
  async solutions(signal?: AbortSignal): Promise<SolutionSummary[]> {
    const rows = await this.client.getAll<Json>('solutions?$select=solutionid,uniquename,friendlyname,ismanaged&$filter=isvisible eq true', signal ? { signal } : {});
    return rows
      .map((r) => ({ solutionId: id(r.solutionid), uniqueName: str(r.uniquename), friendlyName: str(r.friendlyname) || str(r.uniquename), isManaged: bool(r.ismanaged) }))
      .sort((a, b) => a.friendlyName.localeCompare(b.friendlyName));
  }

  /**
   * The metadata ids of the tables in a solution: its components of type 1
   * (Entity), whose objectid is the table's MetadataId
   * (https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/solutioncomponent).
   */
  async solutionTableIds(solutionId: string, signal?: AbortSignal): Promise<Set<MetadataId>> {
    if (!GUID.test(solutionId)) throw new Error(`"${solutionId}" is not a solution id (a GUID).`);
    const rows = await this.client.getAll<Json>(`solutioncomponents?$select=objectid&$filter=_solutionid_value eq ${solutionId} and componenttype eq 1`, signal ? { signal } : {});
    return new Set(rows.map((r) => id(r.objectid)).filter(Boolean));
  }

  /** What changed since `stamp`, deleted items included; throws ExpiredVersionStampError when the stamp is too old. */
  async changesSince(stamp: string, signal?: AbortSignal): Promise<MetadataChanges> {
    const query = {
      Properties: { AllProperties: false, PropertyNames: [...TABLE_PROPERTIES] },
      AttributeQuery: { Properties: { AllProperties: true } },
      KeyQuery: { Properties: { AllProperties: false, PropertyNames: KEY_PROPERTIES.split(',') } },
    };
    const path =
      `RetrieveMetadataChanges(Query=@q,ClientVersionStamp=@s,DeletedMetadataFilters=@d)?@q=${encodeURIComponent(JSON.stringify(query))}` +
      `&@s=${encodeURIComponent(`'${stamp.replace(/'/g, "''")}'`)}&@d=Microsoft.Dynamics.CRM.DeletedMetadataFilters'All'`;
    let response;
    try {
      response = await this.client.request<Json>(path, signal ? { signal } : {});
    } catch (e) {
      if (e instanceof DataverseHttpError && e.code?.toLowerCase() === EXPIRED_VERSION_STAMP) throw new ExpiredVersionStampError(e.message, { cause: e });
      throw e;
    }
    const body = response.body ?? {};
    const entities = Array.isArray(body.EntityMetadata) ? (body.EntityMetadata as Json[]) : [];
    const deleted = readDeleted(body.DeletedMetadata);
    const newStamp = str(body.ServerVersionStamp);
    if (!newStamp) throw new Error('RetrieveMetadataChanges answered without a ServerVersionStamp.');
    return this._withLabels((labels) => {
      const tables: TableSummary[] = [];
      const columns: Column[] = [];
      const keys: Array<AlternateKey & { tableLogicalName: string }> = [];
      const touched: string[] = [];
      for (const e of entities) {
        const table = toTable(e, labels);
        // HasChanged is false when only the table's columns or keys changed; its summary is then as before.
        if (e.HasChanged !== false) tables.push(table);
        const attrs = Array.isArray(e.Attributes) ? (e.Attributes as Json[]) : [];
        const ks = Array.isArray(e.Keys) ? (e.Keys as Json[]) : [];
        for (const a of attrs) columns.push(toColumn({ EntityLogicalName: table.logicalName, ...a }, labels));
        for (const k of ks) keys.push({ ...toKey(k, labels), tableLogicalName: table.logicalName });
        if (attrs.length || ks.length) touched.push(table.logicalName);
      }
      return { stamp: newStamp, tables, columns, keys, touchedTables: touched, deleted, bytes: response.bytes };
    }, signal);
  }
}

function readDeleted(value: unknown): MetadataChanges['deleted'] {
  const out = { tables: [] as string[], columns: [] as string[], relationships: [] as string[], choices: [] as string[] };
  if (!value || typeof value !== 'object') return out;
  const { Keys, Values } = value as { Keys?: unknown; Values?: unknown };
  if (!Array.isArray(Keys) || !Array.isArray(Values)) return out;
  const target: Record<string, string[]> = { Entity: out.tables, Attribute: out.columns, Relationship: out.relationships, OptionSet: out.choices };
  Keys.forEach((k, i) => {
    const list = target[String(k)];
    const ids = Values[i];
    if (list && Array.isArray(ids)) for (const x of ids) if (typeof x === 'string') list.push(x.toLowerCase());
  });
  return out;
}

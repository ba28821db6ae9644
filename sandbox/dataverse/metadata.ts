/**
 * Metadata shaping and queries: EntityDefinitions (with $select, $filter,
 * $expand of Attributes, relationships and Keys), attribute casts,
 * GlobalOptionSetDefinitions, RelationshipDefinitions and
 * RetrieveMetadataChanges (
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api,
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrievemetadatachanges).
 * Metadata queries never page: everything matching comes in one response.
 */
import { DataverseError, propertyNotFound, querySyntax, resourceNotFound } from './errors';
import { evaluate, visitPaths, type FilterAccess } from './filterEval';
import {
  attributeODataType, labelJson, type AttributeDef, type EntityDef, type KeyDef, type OptionSetDef, type RelationshipDef,
} from './model';
import type { ExpandItem, QueryOptions } from './odataParser';
import type { Schema } from './schema';

const CREATED_ON = '2021-01-01T00:00:00Z';

const managed = (value: boolean, name: string, canBeChanged = true): unknown => ({ Value: value, CanBeChanged: canBeChanged, ManagedPropertyLogicalName: name });

// ---- shaping -----------------------------------------------------------------

const entityCache = new WeakMap<EntityDef, { version: number; json: Record<string, unknown> }>();

/** The EntityMetadata of a table, without its collection-valued properties. */
export function entityJson(entity: EntityDef): Record<string, unknown> {
  const cached = entityCache.get(entity);
  if (cached && cached.version === entity.version) return cached.json;
  const json: Record<string, unknown> = {
    MetadataId: entity.metadataId,
    HasChanged: null,
    ActivityTypeMask: entity.isActivity ? 1 : 0,
    AutoRouteToOwnerQueue: false,
    CanTriggerWorkflow: !entity.isIntersect,
    ChangeTrackingEnabled: entity.logicalName === 'account' || entity.logicalName === 'contact',
    CollectionSchemaName: entity.collectionSchemaName,
    CreatedOn: CREATED_ON,
    Description: labelJson(entity.description, `${entity.metadataId.slice(0, 24)}de5c00000001`, entity.isManaged),
    DisplayCollectionName: labelJson(entity.displayCollectionName, `${entity.metadataId.slice(0, 24)}dc5c00000001`, entity.isManaged),
    DisplayName: labelJson(entity.displayName, `${entity.metadataId.slice(0, 24)}d15c00000001`, entity.isManaged),
    EntitySetName: entity.entitySetName,
    HasActivities: entity.ownershipType === 'UserOwned',
    HasNotes: entity.ownershipType === 'UserOwned',
    IntroducedVersion: entity.isCustom ? '1.0.0.0' : '5.0.0.0',
    IsActivity: entity.isActivity,
    IsActivityParty: entity.logicalName === 'account' || entity.logicalName === 'contact' || entity.logicalName === 'systemuser',
    IsAuditEnabled: managed(!entity.isIntersect, 'canmodifyauditsettings'),
    IsAvailableOffline: true,
    IsBusinessProcessEnabled: false,
    IsChildEntity: false,
    IsCustomEntity: entity.isCustom,
    IsCustomizable: managed(!entity.isIntersect, 'iscustomizable', false),
    IsIntersect: entity.isIntersect,
    IsLogicalEntity: false,
    IsManaged: entity.isManaged,
    IsPrivate: false,
    IsRenameable: managed(!entity.isIntersect, 'isrenameable', false),
    IsValidForAdvancedFind: !entity.isIntersect,
    CanCreateAttributes: managed(!entity.isIntersect, 'cancreateattributes', false),
    CanCreateForms: managed(!entity.isIntersect, 'cancreateforms', false),
    CanCreateViews: managed(!entity.isIntersect, 'cancreateviews', false),
    LogicalCollectionName: entity.entitySetName,
    LogicalName: entity.logicalName,
    ModifiedOn: CREATED_ON,
    ObjectTypeCode: entity.objectTypeCode,
    OwnershipType: entity.ownershipType,
    PrimaryIdAttribute: entity.primaryIdAttribute,
    PrimaryImageAttribute: null,
    PrimaryNameAttribute: entity.primaryNameAttribute,
    SchemaName: entity.schemaName,
    TableType: 'Standard',
  };
  entityCache.set(entity, { version: entity.version, json });
  return json;
}

/** Properties every AttributeMetadata has (usable without a cast). */
function baseAttributeJson(a: AttributeDef, isManaged: boolean): Record<string, unknown> {
  return {
    '@odata.type': `#Microsoft.Dynamics.CRM.${attributeODataType(a)}`,
    MetadataId: a.metadataId,
    HasChanged: null,
    AttributeOf: a.attributeOf ?? null,
    AttributeType: a.type,
    AttributeTypeName: { Value: a.typeName },
    ColumnNumber: a.columnNumber,
    CreatedOn: CREATED_ON,
    Description: labelJson(a.description, `${a.metadataId.slice(0, 24)}de5c00000002`, isManaged),
    DisplayName: labelJson(a.displayName, `${a.metadataId.slice(0, 24)}d15c00000002`, isManaged),
    EntityLogicalName: a.entityLogicalName,
    IntroducedVersion: a.isCustom ? '1.0.0.0' : '5.0.0.0',
    IsAuditEnabled: managed(true, 'canmodifyauditsettings'),
    IsCustomAttribute: a.isCustom,
    IsCustomizable: managed(true, 'iscustomizable', false),
    IsFilterable: a.type !== 'Memo',
    IsLogical: false,
    IsManaged: isManaged && !a.isCustom,
    IsPrimaryId: a.isPrimaryId ?? false,
    IsPrimaryName: a.isPrimaryName ?? false,
    IsRetrievable: true,
    IsSearchable: a.type !== 'Memo',
    IsSecured: false,
    IsValidForAdvancedFind: managed(true, 'canmodifysearchsettings'),
    IsValidForCreate: a.isValidForCreate,
    IsValidForRead: true,
    IsValidForUpdate: a.isValidForUpdate,
    IsValidODataAttribute: true,
    LogicalName: a.logicalName,
    ModifiedOn: CREATED_ON,
    RequiredLevel: managed(a.requiredLevel as unknown as boolean, 'canmodifyrequirementlevelsettings'),
    SchemaName: a.schemaName,
    SourceType: 0,
  };
}

/** Type-specific properties (visible on items, selectable or filterable only through a cast). */
function derivedAttributeJson(a: AttributeDef): Record<string, unknown> {
  switch (a.type) {
    case 'String': return { MaxLength: a.maxLength, DatabaseLength: (a.maxLength ?? 0) * 2, Format: a.format ?? 'Text', FormatName: { Value: a.format ?? 'Text' }, ImeMode: 'Auto', IsLocalizable: false };
    case 'Memo': return { MaxLength: a.maxLength, DatabaseLength: (a.maxLength ?? 0) * 2, Format: 'TextArea', FormatName: { Value: 'TextArea' }, ImeMode: 'Auto', IsLocalizable: false };
    case 'Integer': return { MinValue: a.minValue, MaxValue: a.maxValue, Format: 'None' };
    case 'BigInt': return { MinValue: -9223372036854775808, MaxValue: 9223372036854775807 };
    case 'Decimal': case 'Double': return { MinValue: a.minValue ?? -100000000000, MaxValue: a.maxValue ?? 100000000000, Precision: a.precision ?? 2, ImeMode: 'Auto' };
    case 'Money': return { MinValue: a.minValue, MaxValue: a.maxValue, Precision: a.precision ?? 2, PrecisionSource: 2, IsBaseCurrency: false, ImeMode: 'Auto' };
    case 'DateTime': return { Format: a.format ?? 'DateAndTime', DateTimeBehavior: { Value: a.format === 'DateOnly' ? 'DateOnly' : 'UserLocal' }, ImeMode: 'Auto', MinSupportedValue: '1753-01-01T00:00:00Z', MaxSupportedValue: '9999-12-30T23:59:59Z' };
    case 'Lookup': case 'Customer': case 'Owner': return { Targets: [...(a.targets ?? [])], Format: 'None' };
    case 'Picklist': return { DefaultFormValue: -1 };
    case 'State': case 'Status': return { DefaultFormValue: a.type === 'Status' ? 1 : 0 };
    case 'Boolean': return { DefaultValue: false };
    default: return {};
  }
}

const BASE_ATTRIBUTE_PROPS = new Set(Object.keys(baseAttributeJson({
  metadataId: '', logicalName: '', schemaName: '', entityLogicalName: '', type: 'String', typeName: 'StringType', displayName: '', description: '',
  requiredLevel: 'None', isCustom: false, isValidForCreate: true, isValidForUpdate: true, columnNumber: 0, version: 0,
}, true)));
const ENTITY_PROPS: ReadonlySet<string> = new Set(['MetadataId', 'HasChanged', ...Object.keys(entityJsonTemplate())]);
const ENTITY_NAVS = new Set(['Attributes', 'Keys', 'OneToManyRelationships', 'ManyToOneRelationships', 'ManyToManyRelationships']);

function entityJsonTemplate(): Record<string, unknown> {
  return entityJson({
    metadataId: '00000000-0000-0000-0000-000000000000', logicalName: 'x', schemaName: 'X', entitySetName: 'xs', collectionSchemaName: 'Xs',
    displayName: '', displayCollectionName: '', description: '', objectTypeCode: 0, isCustom: false, isActivity: false, isIntersect: false,
    ownershipType: 'None', primaryIdAttribute: 'xid', primaryNameAttribute: null, attributes: [], keys: [], isManaged: true, version: -1,
  });
}

function requiredLevelJson(a: AttributeDef): unknown {
  return { Value: a.requiredLevel, CanBeChanged: a.requiredLevel !== 'SystemRequired', ManagedPropertyLogicalName: 'canmodifyrequirementlevelsettings' };
}

/** Full AttributeMetadata of a column. */
export function attributeJson(a: AttributeDef, isManaged: boolean): Record<string, unknown> {
  const base = baseAttributeJson(a, isManaged);
  base['RequiredLevel'] = requiredLevelJson(a);
  return { ...base, ...derivedAttributeJson(a) };
}

/** OptionSetMetadata / BooleanOptionSetMetadata. */
export function optionSetJson(set: OptionSetDef): Record<string, unknown> {
  const option = (o: OptionSetDef['options'][number], i: number): Record<string, unknown> => ({
    Value: o.value,
    Color: o.color ?? null,
    IsManaged: !set.isCustom,
    ExternalValue: '',
    ParentValues: [],
    Tag: null,
    IsHidden: false,
    MetadataId: null,
    HasChanged: null,
    ...(o.state !== undefined ? { State: o.state, TransitionData: null } : {}),
    Label: labelJson(o.label, `${set.metadataId.slice(0, 24)}${(0x10000000 + i).toString(16)}`, !set.isCustom),
    Description: labelJson(o.description ?? '', set.metadataId, !set.isCustom),
  });
  const common = {
    MetadataId: set.metadataId,
    HasChanged: null,
    Name: set.name,
    IsGlobal: set.isGlobal,
    IsCustomOptionSet: set.isCustom,
    IsManaged: !set.isCustom,
    IsCustomizable: managed(true, 'iscustomizable', !set.isGlobal),
    IntroducedVersion: set.isCustom ? '1.0.0.0' : '5.0.0.0',
    ExternalTypeName: null,
    OptionSetType: set.type,
    Description: labelJson(set.description, set.metadataId, !set.isCustom),
    DisplayName: labelJson(set.displayName, set.metadataId, !set.isCustom),
  };
  if (set.type === 'Boolean') {
    return {
      '@odata.type': '#Microsoft.Dynamics.CRM.BooleanOptionSetMetadata',
      ...common,
      TrueOption: option(set.options.find((o) => o.value === 1)!, 1),
      FalseOption: option(set.options.find((o) => o.value === 0)!, 0),
    };
  }
  return { '@odata.type': '#Microsoft.Dynamics.CRM.OptionSetMetadata', ...common, Options: set.options.map(option) };
}

const CASCADE = { Assign: 'NoCascade', Delete: 'RemoveLink', Merge: 'NoCascade', Reparent: 'NoCascade', Share: 'NoCascade', Unshare: 'NoCascade', RollupView: 'NoCascade', Archive: 'NoCascade' };

/** OneToManyRelationshipMetadata / ManyToManyRelationshipMetadata. */
export function relationshipJson(r: RelationshipDef): Record<string, unknown> {
  const common = {
    MetadataId: r.metadataId, HasChanged: null, SchemaName: r.schemaName, IsCustomRelationship: r.isCustom, IsManaged: !r.isCustom,
    IsValidForAdvancedFind: true, IsCustomizable: managed(true, 'iscustomizable', false), IntroducedVersion: r.isCustom ? '1.0.0.0' : '5.0.0.0',
    SecurityTypes: r.kind === 'OneToMany' ? 'Append' : 'None',
  };
  if (r.kind === 'OneToMany') {
    return {
      '@odata.type': '#Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata',
      ...common,
      RelationshipType: 'OneToManyRelationship',
      ReferencedAttribute: r.referencedAttribute, ReferencedEntity: r.referencedEntity,
      ReferencingAttribute: r.referencingAttribute, ReferencingEntity: r.referencingEntity,
      ReferencedEntityNavigationPropertyName: r.referencedNav, ReferencingEntityNavigationPropertyName: r.referencingNav,
      IsHierarchical: r.isHierarchical ?? false,
      RelationshipBehavior: 0,
      CascadeConfiguration: { ...CASCADE },
      AssociatedMenuConfiguration: { Behavior: 'UseCollectionName', Group: 'Details', Order: 10000, Label: labelJson(null, r.metadataId) },
    };
  }
  return {
    '@odata.type': '#Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata',
    ...common,
    RelationshipType: 'ManyToManyRelationship',
    Entity1LogicalName: r.entity1, Entity2LogicalName: r.entity2, IntersectEntityName: r.intersectEntity,
    Entity1IntersectAttribute: r.entity1IntersectAttribute, Entity2IntersectAttribute: r.entity2IntersectAttribute,
    Entity1NavigationPropertyName: r.entity1Nav, Entity2NavigationPropertyName: r.entity2Nav,
  };
}

/** EntityKeyMetadata. */
export function keyJson(k: KeyDef): Record<string, unknown> {
  return {
    MetadataId: k.metadataId, HasChanged: null, LogicalName: k.logicalName, SchemaName: k.schemaName, EntityLogicalName: k.entityLogicalName,
    KeyAttributes: [...k.keyAttributes], EntityKeyIndexStatus: 'Active', IsManaged: false, IsSecondaryKey: false, IsSynchronous: false,
    AsyncJob: null, IntroducedVersion: '1.0.0.0', IsCustomizable: managed(true, 'iscustomizable'),
    DisplayName: labelJson(k.displayName, k.metadataId, false),
  };
}

// ---- generic query over shaped JSON ------------------------------------------

const jsonAccess: FilterAccess<Record<string, unknown>> = {
  now: 0,
  get: (item, path) => {
    let v: unknown = item;
    for (const seg of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
    return v === undefined ? null : v;
  },
};

function checkProps(options: QueryOptions, known: ReadonlySet<string>, navs: ReadonlySet<string>, type: string): void {
  for (const name of options.select ?? []) if (!known.has(name)) throw propertyNotFound(name, `Microsoft.Dynamics.CRM.${type}`);
  if (options.filter) visitPaths(options.filter, (path) => { if (!known.has(path[0]!)) throw propertyNotFound(path[0]!, `Microsoft.Dynamics.CRM.${type}`); });
  for (const e of options.expand ?? []) if (!navs.has(e.name)) throw propertyNotFound(e.name, `Microsoft.Dynamics.CRM.${type}`);
  if (options.orderby) throw querySyntax('The query parameter $orderby is not supported');
  if (options.top !== undefined) throw querySyntax('The query parameter $top is not supported');
}

function project(json: Record<string, unknown>, select: readonly string[] | undefined): Record<string, unknown> {
  if (!select) return { ...json };
  const out: Record<string, unknown> = {};
  if (json['@odata.type'] !== undefined) out['@odata.type'] = json['@odata.type'];
  for (const name of select) out[name] = json[name];
  out['MetadataId'] = json['MetadataId']; // MetadataId is always returned (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api)
  return out;
}

function filterJson(items: Array<Record<string, unknown>>, options: QueryOptions): Array<Record<string, unknown>> {
  return options.filter ? items.filter((it) => evaluate(options.filter!, it, jsonAccess)) : items;
}

/** Known cast names for Attributes. */
const ATTRIBUTE_CASTS = new Set([
  'StringAttributeMetadata', 'MemoAttributeMetadata', 'IntegerAttributeMetadata', 'BigIntAttributeMetadata', 'DecimalAttributeMetadata',
  'DoubleAttributeMetadata', 'MoneyAttributeMetadata', 'BooleanAttributeMetadata', 'DateTimeAttributeMetadata', 'LookupAttributeMetadata',
  'PicklistAttributeMetadata', 'MultiSelectPicklistAttributeMetadata', 'StateAttributeMetadata', 'StatusAttributeMetadata',
  'UniqueIdentifierAttributeMetadata', 'EntityNameAttributeMetadata', 'ImageAttributeMetadata', 'FileAttributeMetadata',
]);
const OPTION_CASTS = new Set(['PicklistAttributeMetadata', 'MultiSelectPicklistAttributeMetadata', 'StateAttributeMetadata', 'StatusAttributeMetadata', 'BooleanAttributeMetadata']);

/** Validates a cast segment such as `Microsoft.Dynamics.CRM.PicklistAttributeMetadata`; returns the short name. */
export function attributeCast(segment: string): string {
  const short = segment.replace(/^Microsoft\.Dynamics\.CRM\./, '');
  if (short === 'EnumAttributeMetadata') throw querySyntax(`The type 'Microsoft.Dynamics.CRM.EnumAttributeMetadata' is abstract and cannot be used in a type cast.`);
  if (!segment.startsWith('Microsoft.Dynamics.CRM.') || !ATTRIBUTE_CASTS.has(short)) throw resourceNotFound(segment);
  return short;
}

/**
 * The choices of one column through its navigation property:
 * `Attributes(LogicalName='industrycode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata/OptionSet?$select=Options`,
 * or `.../GlobalOptionSet` (null when the column has a local option set)
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api).
 */
export function attributeOptionSet(attribute: AttributeDef, cast: string, nav: string, options: QueryOptions): Record<string, unknown> | null {
  if (!OPTION_CASTS.has(cast) || (nav !== 'OptionSet' && nav !== 'GlobalOptionSet')) throw resourceNotFound(nav);
  if (attributeODataType(attribute) !== cast) throw resourceNotFound(`Microsoft.Dynamics.CRM.${cast}`);
  const set = nav === 'OptionSet' || attribute.optionSet?.isGlobal ? attribute.optionSet : undefined;
  if (!set) return null;
  const json = optionSetJson(set);
  const type = String(json['@odata.type']).replace(/^#/, '');
  for (const name of options.select ?? []) if (!(name in json)) throw propertyNotFound(name, type);
  if (options.expand?.length) throw propertyNotFound(options.expand[0]!.name, type);
  const out = project(json, options.select);
  delete out['@odata.type']; // the navigation property is declared with this type, so minimal metadata leaves it out
  return out;
}

/** Shapes and queries the attributes of a table (optionally cast). */
export function queryAttributes(schema: Schema, entity: EntityDef, options: QueryOptions, cast?: string): Array<Record<string, unknown>> {
  const sample = entity.attributes.filter((a) => !cast || attributeODataType(a) === cast);
  const known = new Set(BASE_ATTRIBUTE_PROPS);
  if (cast) for (const a of sample.slice(0, 1)) for (const k of Object.keys(derivedAttributeJson(a))) known.add(k);
  if (cast === 'StringAttributeMetadata' || cast === 'MemoAttributeMetadata') ['MaxLength', 'DatabaseLength', 'Format', 'FormatName'].forEach((k) => known.add(k));
  const navs = new Set(cast && OPTION_CASTS.has(cast) ? ['OptionSet', 'GlobalOptionSet'] : []);
  checkProps(options, known, navs, cast ?? 'AttributeMetadata');
  const items = filterJson(sample.map((a) => attributeJson(a, entity.isManaged)), options);
  return items.map((json) => {
    const out = project(json, options.select);
    for (const e of options.expand ?? []) {
      const a = entity.attributes.find((x) => x.metadataId === json['MetadataId'])!;
      const set = a.optionSet;
      if (e.name === 'OptionSet') out['OptionSet'] = set ? project(optionSetJson(set), e.options.select) : null;
      else out['GlobalOptionSet'] = set?.isGlobal ? project(optionSetJson(set), e.options.select) : null;
    }
    void schema;
    return out;
  });
}

function expandEntity(schema: Schema, entity: EntityDef, out: Record<string, unknown>, expand: readonly ExpandItem[]): void {
  for (const e of expand) {
    switch (e.name) {
      case 'Attributes': out['Attributes'] = queryAttributes(schema, entity, e.options); break;
      case 'Keys': out['Keys'] = relatedQuery(entity.keys.map(keyJson), e.options, 'EntityKeyMetadata'); break;
      case 'OneToManyRelationships': out['OneToManyRelationships'] = relatedQuery(schema.oneToMany(entity.logicalName).map(relationshipJson), e.options, 'OneToManyRelationshipMetadata'); break;
      case 'ManyToOneRelationships': out['ManyToOneRelationships'] = relatedQuery(schema.manyToOne(entity.logicalName).map(relationshipJson), e.options, 'OneToManyRelationshipMetadata'); break;
      case 'ManyToManyRelationships': out['ManyToManyRelationships'] = relatedQuery(schema.manyToMany(entity.logicalName).map(relationshipJson), e.options, 'ManyToManyRelationshipMetadata'); break;
      default: throw propertyNotFound(e.name, 'Microsoft.Dynamics.CRM.EntityMetadata');
    }
  }
}

/** $select/$filter over relationship or key items. */
export function relatedQuery(items: Array<Record<string, unknown>>, options: QueryOptions, type: string): Array<Record<string, unknown>> {
  const known = new Set<string>(items.length ? Object.keys(items[0]!) : ['MetadataId', 'SchemaName']);
  if (type.includes('Relationship')) ['SchemaName', 'ReferencedEntity', 'ReferencingEntity', 'ReferencedAttribute', 'ReferencingAttribute', 'Entity1LogicalName', 'Entity2LogicalName', 'IntersectEntityName', 'RelationshipType', 'IsCustomRelationship', 'ReferencedEntityNavigationPropertyName', 'ReferencingEntityNavigationPropertyName', 'Entity1NavigationPropertyName', 'Entity2NavigationPropertyName'].forEach((k) => known.add(k));
  if (type === 'EntityKeyMetadata') ['LogicalName', 'SchemaName', 'KeyAttributes', 'DisplayName', 'EntityKeyIndexStatus'].forEach((k) => known.add(k));
  checkProps(options, known, new Set(), type);
  return filterJson(items, options).map((it) => project(it, options.select));
}

/** GET EntityDefinitions (collection). */
export function queryEntityDefinitions(schema: Schema, options: QueryOptions, serviceRoot: string): Record<string, unknown> {
  checkProps(options, ENTITY_PROPS, ENTITY_NAVS, 'EntityMetadata');
  if (options.count) throw querySyntax('The query parameter $count is not supported');
  const items = filterJson(schema.entities.map(entityJson), options);
  const value = items.map((json) => {
    const entity = schema.entityById(String(json['MetadataId']))!;
    const out = project(json, options.select);
    expandEntity(schema, entity, out, options.expand ?? []);
    return out;
  });
  return { '@odata.context': `${serviceRoot}$metadata#EntityDefinitions${selectSuffix(options)}`, value };
}

function selectSuffix(options: QueryOptions): string {
  const parts = [...(options.select ?? []), ...(options.expand ?? []).map((e) => `${e.name}(${(e.options.select ?? []).join(',')})`)];
  return parts.length ? `(${parts.join(',')})` : '';
}

/** GET EntityDefinitions(LogicalName='account') or EntityDefinitions(<MetadataId>). */
export function getEntityDefinition(schema: Schema, entity: EntityDef, options: QueryOptions, serviceRoot: string): Record<string, unknown> {
  checkProps(options, ENTITY_PROPS, ENTITY_NAVS, 'EntityMetadata');
  const out = project(entityJson(entity), options.select);
  expandEntity(schema, entity, out, options.expand ?? []);
  // Per OData a key lookup returns the object with a `/$entity` context; Microsoft's sample wraps it in `value`, which we take for a slip (unverified).
  return { '@odata.context': `${serviceRoot}$metadata#EntityDefinitions${selectSuffix(options)}/$entity`, ...out };
}

/** Resolves `LogicalName='account'` or a MetadataId key. */
export function resolveEntityKey(schema: Schema, key: string): EntityDef {
  const byName = /^LogicalName='([^']*)'$/.exec(key);
  const entity = byName ? schema.entity(byName[1]!) : /^[0-9a-fA-F-]{36}$/.test(key) ? schema.entityById(key) : undefined;
  if (!entity) {
    // Real Dataverse answers 404 0x80040217 "Could not find entity with name..." for an unknown table [INF message form].
    throw new DataverseError(404, '0x80040217', byName ? `Could not find an entity with name '${byName[1]}'.` : `Could not find an entity with MetadataId '${key}'.`);
  }
  return entity;
}

/** Resolves `LogicalName='name'` or a MetadataId key within a table's attributes. */
export function resolveAttributeKey(entity: EntityDef, key: string): AttributeDef {
  const byName = /^LogicalName='([^']*)'$/.exec(key);
  const a = byName ? entity.attributes.find((x) => x.logicalName === byName[1]) : entity.attributes.find((x) => x.metadataId === key.toLowerCase());
  if (!a) throw new DataverseError(404, '0x80040217', `Could not find an attribute with ${byName ? `name '${byName[1]}'` : `MetadataId '${key}'`} on entity '${entity.logicalName}'.`);
  return a;
}

/** GET GlobalOptionSetDefinitions (no $filter on that set, https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api). */
export function queryGlobalOptionSets(schema: Schema, options: QueryOptions, serviceRoot: string): Record<string, unknown> {
  if (options.filter) throw querySyntax('The query parameter $filter is not supported');
  const value = schema.globalOptionSets.map((s) => project(optionSetJson(s), options.select));
  return { '@odata.context': `${serviceRoot}$metadata#GlobalOptionSetDefinitions${selectSuffix(options)}`, value };
}

/** GET RelationshipDefinitions[/cast]. */
export function queryRelationships(schema: Schema, options: QueryOptions, serviceRoot: string, cast?: string): Record<string, unknown> {
  const short = cast?.replace(/^Microsoft\.Dynamics\.CRM\./, '');
  if (short && short !== 'OneToManyRelationshipMetadata' && short !== 'ManyToManyRelationshipMetadata') throw resourceNotFound(cast!);
  const items = schema.relationships
    .filter((r) => !short || (short === 'OneToManyRelationshipMetadata' ? r.kind === 'OneToMany' : r.kind === 'ManyToMany'))
    .map(relationshipJson);
  return { '@odata.context': `${serviceRoot}$metadata#RelationshipDefinitions${short ? `/Microsoft.Dynamics.CRM.${short}` : ''}${selectSuffix(options)}`, value: relatedQuery(items, options, short ?? 'RelationshipMetadataBase') };
}

// ---- RetrieveMetadataChanges ------------------------------------------------------

interface MetadataCondition { PropertyName?: string; ConditionOperator?: string; Value?: { Value?: unknown } | unknown }
interface MetadataFilter { FilterOperator?: 'And' | 'Or'; Conditions?: MetadataCondition[]; Filters?: MetadataFilter[] }
interface MetadataPropertiesExpression { AllProperties?: boolean; PropertyNames?: string[] }
interface SubQuery { Criteria?: MetadataFilter; Properties?: MetadataPropertiesExpression }
/** EntityQueryExpression as sent in the `Query` parameter. */
interface EntityQueryExpression extends SubQuery { AttributeQuery?: SubQuery; KeyQuery?: SubQuery; RelationshipQuery?: SubQuery }

function conditionValue(c: MetadataCondition): unknown {
  const v = c.Value;
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'Value' in (v as object) ? (v as { Value: unknown }).Value : v;
}

function matches(json: Record<string, unknown>, filter: MetadataFilter | undefined): boolean {
  if (!filter) return true;
  const results: boolean[] = [];
  for (const c of filter.Conditions ?? []) {
    const actual = jsonAccess.get(json, [c.PropertyName ?? '']);
    const expected = conditionValue(c);
    const eq = (x: unknown): boolean => String(actual).toLowerCase() === String(x).toLowerCase();
    switch (c.ConditionOperator ?? 'Equals') {
      case 'Equals': results.push(eq(expected)); break;
      case 'NotEquals': results.push(!eq(expected)); break;
      case 'In': results.push(Array.isArray(expected) && expected.some(eq)); break;
      case 'NotIn': results.push(!(Array.isArray(expected) && expected.some(eq))); break;
      case 'GreaterThan': results.push(Number(actual) > Number(expected)); break;
      case 'LessThan': results.push(Number(actual) < Number(expected)); break;
      default: throw querySyntax(`The metadata condition operator '${c.ConditionOperator}' is not supported.`);
    }
  }
  for (const f of filter.Filters ?? []) results.push(matches(json, f));
  if (results.length === 0) return true;
  return filter.FilterOperator === 'Or' ? results.some(Boolean) : results.every(Boolean);
}

function selectProps(json: Record<string, unknown>, props: MetadataPropertiesExpression | undefined): Record<string, unknown> {
  if (!props || props.AllProperties || !props.PropertyNames) return { ...json };
  return project(json, props.PropertyNames);
}

/** The `ServerVersionStamp` format: `<version>!<timestamp>` (opaque to clients). */
export function versionStamp(version: number, now: number): string {
  return `${version}!${new Date(now).toISOString()}`;
}

/** RetrieveMetadataChanges: full result without a ClientVersionStamp, only what changed since it otherwise. */
export function retrieveMetadataChanges(
  schema: Schema, params: { query?: string; clientVersionStamp?: string; deletedMetadataFilters?: string }, serviceRoot: string, now: number,
): Record<string, unknown> {
  let query: EntityQueryExpression = {};
  if (params.query) {
    try {
      query = JSON.parse(params.query) as EntityQueryExpression;
    } catch {
      throw querySyntax('The Query parameter is not a valid EntityQueryExpression.');
    }
  }
  let since: number | undefined;
  if (params.clientVersionStamp) {
    const v = parseInt(params.clientVersionStamp.replace(/^'|'$/g, '').split('!')[0]!, 10);
    if (!Number.isFinite(v) || v < schema.firstVersion || v > schema.version) {
      // ExpiredVersionStamp (0x80044352) [INF]: the client must do a full sync.
      throw new DataverseError(400, '0x80044352', 'Version stamp associated with the client has expired. Please perform a full sync.');
    }
    since = v;
  }
  const changed = (version: number): boolean => since === undefined || version > since;
  const entityMetadata: Array<Record<string, unknown>> = [];
  for (const entity of schema.entities) {
    const json = entityJson(entity);
    if (!matches(json, query.Criteria)) continue;
    const attrs = query.AttributeQuery
      ? entity.attributes.filter((a) => changed(a.version)).map((a) => attributeJson(a, entity.isManaged)).filter((a) => matches(a, query.AttributeQuery!.Criteria))
      : [];
    const keys = query.KeyQuery ? entity.keys.filter((k) => changed(k.version)).map(keyJson) : [];
    if (!changed(entity.version) && attrs.length === 0 && keys.length === 0) continue;
    const out = selectProps(json, query.Properties);
    out['HasChanged'] = since === undefined ? null : changed(entity.version);
    if (query.AttributeQuery) out['Attributes'] = attrs.map((a) => selectProps(a, query.AttributeQuery!.Properties));
    if (query.KeyQuery) out['Keys'] = keys.map((k) => selectProps(k, query.KeyQuery!.Properties));
    entityMetadata.push(out);
  }
  const filters = (params.deletedMetadataFilters ?? '').replace(/^Microsoft\.Dynamics\.CRM\.DeletedMetadataFilters'|'$/g, '').split(',').map((s) => s.trim()).filter(Boolean);
  const keys: string[] = [];
  const values: string[][] = [];
  // Deleted metadata only when both ClientVersionStamp and DeletedMetadataFilters are sent (RetrieveMetadataChangesRequest.DeletedMetadataFilters remarks).
  if (since !== undefined && filters.length > 0) {
    const wanted = (kind: string): boolean => filters.includes('All') || filters.includes(kind) || (kind === 'Entity' && filters.includes('Default'));
    for (const kind of ['Entity', 'Attribute', 'Relationship', 'OptionSet', 'Label'] as const) {
      if (!wanted(kind)) continue;
      const ids = schema.deleted.filter((d) => d.kind === kind && d.version > since!).map((d) => d.metadataId);
      if (ids.length) { keys.push(kind); values.push(ids); }
    }
  }
  return {
    '@odata.context': `${serviceRoot}$metadata#Microsoft.Dynamics.CRM.RetrieveMetadataChangesResponse`,
    EntityMetadata: entityMetadata,
    ServerVersionStamp: versionStamp(schema.version, now),
    // DeletedMetadataCollection: Keys (DeletedMetadataFilters) and Values (one GUID collection per key) [INF: JSON shape of GuidCollection].
    DeletedMetadata: { Count: keys.length, IsReadOnly: true, Keys: keys, Values: values },
  };
}

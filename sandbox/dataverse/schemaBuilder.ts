/**
 * A terse way to declare tables and columns. Relationships are derived from
 * lookup columns, as Dataverse does (a lookup column is the referencing side
 * of a 1:N relationship; https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-navigation-properties).
 */
import { stableGuid } from './random';
import type {
  AttributeDef, AttributeTypeCode, EntityDef, KeyDef, ManyToManyDef, OneToManyDef, OptionDef, OptionSetDef,
} from './model';

/** Extra facets of a column declaration. */
export interface AttrExtras {
  readonly description?: string;
  readonly required?: AttributeDef['requiredLevel'];
  readonly maxLength?: number;
  readonly format?: string;
  readonly precision?: number;
  readonly min?: number;
  readonly max?: number;
  readonly targets?: readonly string[];
  readonly optionSet?: OptionSetDef;
  readonly options?: readonly OptionDef[];
  readonly typeName?: string;
  readonly custom?: boolean;
  readonly readOnly?: boolean;
  readonly createOnly?: boolean;
  /** Relationship schema name per target (defaults derived from table and column). */
  readonly relationship?: string | readonly string[];
  /** Collection-valued navigation name on the referenced table (defaults to the relationship schema name). */
  readonly referencedNav?: string | readonly string[];
}

export type AttrSpec = readonly [logicalName: string, type: AttributeTypeCode, displayName: string, extras?: AttrExtras];

/** Declaration of a table. */
export interface EntitySpec {
  readonly logicalName: string;
  readonly displayName: string;
  readonly displayCollectionName: string;
  readonly description: string;
  readonly objectTypeCode: number;
  readonly ownership: EntityDef['ownershipType'];
  readonly primaryName?: string | null;
  readonly entitySetName?: string;
  readonly isCustom?: boolean;
  readonly isActivity?: boolean;
  readonly isIntersect?: boolean;
  readonly primaryId?: string;
}

/** Plural entity set name the way Dataverse forms it (account -> accounts, new_category -> new_categories). */
export function pluralise(name: string): string {
  if (/[^aeiou]y$/.test(name)) return name.slice(0, -1) + 'ies';
  if (/(s|x|z|ch|sh)$/.test(name)) return name + 'es';
  return name + 's';
}

function schemaNameOf(logicalName: string): string {
  const underscore = logicalName.indexOf('_');
  if (underscore > 0 && underscore < 9) {
    const prefix = logicalName.slice(0, underscore);
    const rest = logicalName.slice(underscore + 1);
    return `${prefix}_${rest.charAt(0).toUpperCase()}${rest.slice(1)}`;
  }
  return logicalName.charAt(0).toUpperCase() + logicalName.slice(1);
}

const TYPE_NAMES: Record<AttributeTypeCode, string> = {
  String: 'StringType', Memo: 'MemoType', Integer: 'IntegerType', BigInt: 'BigIntType', Decimal: 'DecimalType',
  Double: 'DoubleType', Money: 'MoneyType', Boolean: 'BooleanType', DateTime: 'DateTimeType', Lookup: 'LookupType',
  Customer: 'CustomerType', Owner: 'OwnerType', Picklist: 'PicklistType', State: 'StateType', Status: 'StatusType',
  Uniqueidentifier: 'UniqueidentifierType', Virtual: 'VirtualType', EntityName: 'EntityNameType',
};

/** Collects tables, relationships and global choices while a schema is declared. */
export class SchemaBuilder {
  readonly entities: EntityDef[] = [];
  readonly relationships: Array<OneToManyDef | ManyToManyDef> = [];
  readonly globalOptionSets: OptionSetDef[] = [];

  constructor(private readonly seed: string, private readonly version: number) {}

  id(...parts: Array<string | number>): string {
    return stableGuid('metadata', ...parts);
  }

  globalChoice(name: string, displayName: string, options: readonly OptionDef[], isCustom: boolean, description = ''): OptionSetDef {
    const set: OptionSetDef = {
      metadataId: this.id('optionset', name), name, displayName, description, isGlobal: true, isCustom,
      type: 'Picklist', options, version: this.version,
    };
    this.globalOptionSets.push(set);
    return set;
  }

  booleanChoice(entity: string, attribute: string, trueLabel = 'Yes', falseLabel = 'No'): OptionSetDef {
    return {
      metadataId: this.id('optionset', entity, attribute), name: `${entity}_${attribute}`, displayName: '', description: '',
      isGlobal: false, isCustom: false, type: 'Boolean', version: this.version,
      options: [{ value: 0, label: falseLabel }, { value: 1, label: trueLabel }],
    };
  }

  entity(spec: EntitySpec, attrs: readonly AttrSpec[]): EntityDef {
    const logicalName = spec.logicalName;
    const primaryId = spec.primaryId ?? `${logicalName}id`;
    const entity: EntityDef = {
      metadataId: this.id('entity', logicalName),
      logicalName,
      schemaName: schemaNameOf(logicalName),
      entitySetName: spec.entitySetName ?? pluralise(logicalName),
      collectionSchemaName: schemaNameOf(pluralise(logicalName)),
      displayName: spec.displayName,
      displayCollectionName: spec.displayCollectionName,
      description: spec.description,
      objectTypeCode: spec.objectTypeCode,
      isCustom: spec.isCustom ?? false,
      isActivity: spec.isActivity ?? false,
      isIntersect: spec.isIntersect ?? false,
      ownershipType: spec.ownership,
      primaryIdAttribute: primaryId,
      primaryNameAttribute: spec.primaryName === undefined ? 'name' : spec.primaryName,
      attributes: [],
      keys: [],
      isManaged: !(spec.isCustom ?? false) || logicalName.startsWith('msdyn_') || logicalName.startsWith('adx_'),
      version: this.version,
    };
    const all: AttrSpec[] = [[primaryId, 'Uniqueidentifier', spec.displayName, { required: 'SystemRequired', createOnly: true }], ...attrs];
    for (const a of all) this.addAttribute(entity, a);
    this.entities.push(entity);
    return entity;
  }

  addAttribute(entity: EntityDef, spec: AttrSpec): AttributeDef {
    const [logicalName, type, displayName, x = {}] = spec;
    let optionSet = x.optionSet;
    if (!optionSet && x.options) {
      optionSet = {
        metadataId: this.id('optionset', entity.logicalName, logicalName),
        name: `${entity.logicalName}_${logicalName}`, displayName, description: '', isGlobal: false,
        isCustom: x.custom ?? entity.isCustom, type: type === 'State' ? 'State' : type === 'Status' ? 'Status' : type === 'Boolean' ? 'Boolean' : 'Picklist',
        options: x.options, version: this.version,
      };
    }
    if (!optionSet && type === 'Boolean') optionSet = this.booleanChoice(entity.logicalName, logicalName);
    const attribute: AttributeDef = {
      metadataId: this.id('attribute', entity.logicalName, logicalName),
      logicalName,
      schemaName: schemaNameOf(logicalName),
      entityLogicalName: entity.logicalName,
      type,
      typeName: x.typeName ?? TYPE_NAMES[type],
      displayName,
      description: x.description ?? '',
      requiredLevel: x.required ?? (logicalName === entity.primaryNameAttribute ? 'ApplicationRequired' : 'None'),
      isCustom: x.custom ?? (entity.isCustom && logicalName.includes('_')),
      isPrimaryId: logicalName === entity.primaryIdAttribute || undefined,
      isPrimaryName: logicalName === entity.primaryNameAttribute || undefined,
      maxLength: x.maxLength ?? (type === 'String' ? 100 : type === 'Memo' ? 2000 : undefined),
      format: x.format ?? (type === 'String' ? 'Text' : type === 'DateTime' ? 'DateAndTime' : undefined),
      precision: x.precision ?? (type === 'Money' ? 2 : type === 'Decimal' ? 2 : type === 'Double' ? 2 : undefined),
      minValue: x.min ?? (type === 'Integer' ? -2147483648 : type === 'Money' ? -922337203685477 : undefined),
      maxValue: x.max ?? (type === 'Integer' ? 2147483647 : type === 'Money' ? 922337203685477 : undefined),
      targets: x.targets,
      optionSet,
      isValidForCreate: !x.readOnly,
      isValidForUpdate: !x.readOnly && !x.createOnly,
      columnNumber: entity.attributes.length + 1,
      version: this.version,
    };
    entity.attributes.push(attribute);
    if ((type === 'Lookup' || type === 'Customer') && x.targets) {
      x.targets.forEach((target, i) => {
        const relName = Array.isArray(x.relationship) ? x.relationship[i] : (x.relationship as string | undefined);
        const schemaName = relName ?? `${entity.isCustom ? entity.logicalName.split('_')[0] + '_' : ''}${target}_${entity.logicalName}_${logicalName}`;
        const refNav = Array.isArray(x.referencedNav) ? x.referencedNav[i] : (x.referencedNav as string | undefined);
        this.relationships.push({
          kind: 'OneToMany',
          metadataId: this.id('relationship', schemaName),
          schemaName,
          referencedEntity: target,
          referencedAttribute: `${target}id`,
          referencingEntity: entity.logicalName,
          referencingAttribute: logicalName,
          referencedNav: refNav ?? schemaName,
          referencingNav: x.targets!.length > 1 ? `${logicalName}_${target}` : logicalName,
          isCustom: attribute.isCustom,
          isHierarchical: target === entity.logicalName && logicalName.startsWith('parent') ? true : undefined,
          version: this.version,
        });
      });
    }
    return attribute;
  }

  manyToMany(schemaName: string, entity1: string, entity2: string, intersect: string, isCustom: boolean): ManyToManyDef {
    const rel: ManyToManyDef = {
      kind: 'ManyToMany', metadataId: this.id('relationship', schemaName), schemaName,
      entity1, entity2, intersectEntity: intersect,
      entity1IntersectAttribute: `${entity1}id`, entity2IntersectAttribute: `${entity2}id`,
      entity1Nav: schemaName, entity2Nav: schemaName, isCustom, version: this.version,
    };
    this.relationships.push(rel);
    return rel;
  }

  key(entity: EntityDef, logicalName: string, displayName: string, attributes: readonly string[]): KeyDef {
    const key: KeyDef = {
      metadataId: this.id('key', entity.logicalName, logicalName), logicalName, schemaName: schemaNameOf(logicalName),
      displayName, entityLogicalName: entity.logicalName, keyAttributes: attributes, version: this.version,
    };
    entity.keys.push(key);
    return key;
  }

  /** Seed string for callers that derive more values. */
  get seedValue(): string {
    return this.seed;
  }
}

/** The audit and ownership columns every user-owned table carries. */
export function ownedColumns(entity: string, custom: boolean, stateLabels: readonly [string, string] = ['Active', 'Inactive']): AttrSpec[] {
  const base = custom ? `${entity}` : `${entity}base`;
  return [
    ['createdon', 'DateTime', 'Created On', { readOnly: true, description: 'Date and time when the record was created.' }],
    ['modifiedon', 'DateTime', 'Modified On', { readOnly: true, description: 'Date and time when the record was last updated.' }],
    ['createdby', 'Lookup', 'Created By', { readOnly: true, targets: ['systemuser'], relationship: `lk_${base}_createdby`, description: 'Shows who created the record.' }],
    ['modifiedby', 'Lookup', 'Modified By', { readOnly: true, targets: ['systemuser'], relationship: `lk_${base}_modifiedby`, description: 'Shows who last updated the record.' }],
    ['ownerid', 'Owner', 'Owner', { targets: ['systemuser', 'team'], required: 'SystemRequired', description: 'Owner Id' }],
    ['owninguser', 'Lookup', 'Owning User', { readOnly: true, targets: ['systemuser'], relationship: custom ? `user_${entity}` : `user_${pluralise(entity)}` }],
    ['owningteam', 'Lookup', 'Owning Team', { readOnly: true, targets: ['team'], relationship: custom ? `team_${entity}` : `team_${pluralise(entity)}` }],
    ['owningbusinessunit', 'Lookup', 'Owning Business Unit', { readOnly: true, targets: ['businessunit'], relationship: custom ? `business_unit_${entity}` : `business_unit_${pluralise(entity)}` }],
    ['statecode', 'State', 'Status', { required: 'SystemRequired', options: [{ value: 0, label: stateLabels[0] }, { value: 1, label: stateLabels[1] }], description: `Status of the ${entity}.` }],
    ['statuscode', 'Status', 'Status Reason', { options: [{ value: 1, label: stateLabels[0], state: 0 }, { value: 2, label: stateLabels[1], state: 1 }], description: `Reason for the status of the ${entity}.` }],
    ['versionnumber', 'BigInt', 'Version Number', { readOnly: true }],
    ['importsequencenumber', 'Integer', 'Import Sequence Number', { createOnly: true }],
    ['overriddencreatedon', 'DateTime', 'Record Created On', { createOnly: true, format: 'DateOnly' }],
    ['timezoneruleversionnumber', 'Integer', 'Time Zone Rule Version Number'],
    ['utcconversiontimezonecode', 'Integer', 'UTC Conversion Time Zone Code'],
  ];
}

/**
 * The metadata model of the Dataverse stand-in: tables (entities), columns
 * (attributes), choices (option sets), relationships and alternate keys.
 * Shaped after Dataverse's EntityMetadata / AttributeMetadata (
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api).
 */

/** `AttributeType` values (AttributeTypeCode) the sandbox uses. */
export type AttributeTypeCode =
  | 'String' | 'Memo' | 'Integer' | 'BigInt' | 'Decimal' | 'Double' | 'Money' | 'Boolean'
  | 'DateTime' | 'Lookup' | 'Customer' | 'Owner' | 'Picklist' | 'State' | 'Status'
  | 'Uniqueidentifier' | 'Virtual' | 'EntityName';

/** One option of a choice. */
export interface OptionDef {
  readonly value: number;
  readonly label: string;
  readonly description?: string;
  readonly color?: string;
  /** For status reasons: the statecode this status belongs to. */
  readonly state?: number;
}

/** A choice (option set), local or global. */
export interface OptionSetDef {
  readonly metadataId: string;
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly isGlobal: boolean;
  readonly isCustom: boolean;
  readonly type: 'Picklist' | 'State' | 'Status' | 'Boolean';
  readonly options: readonly OptionDef[];
  /** Metadata version of the last change (RetrieveMetadataChanges). */
  version: number;
}

/** A column. */
export interface AttributeDef {
  readonly metadataId: string;
  readonly logicalName: string;
  readonly schemaName: string;
  readonly entityLogicalName: string;
  readonly type: AttributeTypeCode;
  /** `AttributeTypeName.Value`, e.g. `StringType`, `MultiSelectPicklistType`. */
  readonly typeName: string;
  readonly displayName: string;
  readonly description: string;
  readonly requiredLevel: 'None' | 'SystemRequired' | 'ApplicationRequired' | 'Recommended';
  readonly isCustom: boolean;
  readonly isPrimaryId?: boolean;
  readonly isPrimaryName?: boolean;
  readonly maxLength?: number;
  readonly format?: string;
  readonly precision?: number;
  readonly minValue?: number;
  readonly maxValue?: number;
  /** Lookup targets (entity logical names). */
  readonly targets?: readonly string[];
  readonly optionSet?: OptionSetDef;
  readonly isValidForCreate: boolean;
  readonly isValidForUpdate: boolean;
  /** For name/yominame helper columns: the column this one describes. */
  readonly attributeOf?: string;
  readonly columnNumber: number;
  version: number;
}

/** A 1:N relationship (seen as N:1 from the referencing table). */
export interface OneToManyDef {
  readonly kind: 'OneToMany';
  readonly metadataId: string;
  readonly schemaName: string;
  readonly referencedEntity: string;
  readonly referencedAttribute: string;
  readonly referencingEntity: string;
  readonly referencingAttribute: string;
  /** Collection-valued navigation property on the referenced table (= CSDL Partner). */
  readonly referencedNav: string;
  /** Single-valued navigation property on the referencing table. */
  readonly referencingNav: string;
  readonly isCustom: boolean;
  readonly isHierarchical?: boolean;
  version: number;
}

/** An N:N relationship. */
export interface ManyToManyDef {
  readonly kind: 'ManyToMany';
  readonly metadataId: string;
  readonly schemaName: string;
  readonly entity1: string;
  readonly entity2: string;
  readonly intersectEntity: string;
  readonly entity1IntersectAttribute: string;
  readonly entity2IntersectAttribute: string;
  readonly entity1Nav: string;
  readonly entity2Nav: string;
  readonly isCustom: boolean;
  version: number;
}

export type RelationshipDef = OneToManyDef | ManyToManyDef;

/** An alternate key. */
export interface KeyDef {
  readonly metadataId: string;
  readonly logicalName: string;
  readonly schemaName: string;
  readonly displayName: string;
  readonly entityLogicalName: string;
  readonly keyAttributes: readonly string[];
  version: number;
}

/** A table. */
export interface EntityDef {
  readonly metadataId: string;
  readonly logicalName: string;
  readonly schemaName: string;
  readonly entitySetName: string;
  readonly collectionSchemaName: string;
  readonly displayName: string;
  readonly displayCollectionName: string;
  readonly description: string;
  readonly objectTypeCode: number;
  readonly isCustom: boolean;
  readonly isActivity: boolean;
  readonly isIntersect: boolean;
  readonly ownershipType: 'UserOwned' | 'OrganizationOwned' | 'BusinessOwned' | 'None';
  readonly primaryIdAttribute: string;
  readonly primaryNameAttribute: string | null;
  readonly attributes: AttributeDef[];
  readonly keys: KeyDef[];
  readonly isManaged: boolean;
  /** Metadata version of the last change to the table's own properties. */
  version: number;
}

/** A metadata item removed since a version (RetrieveMetadataChanges' DeletedMetadata). */
export interface DeletedItem {
  readonly kind: 'Entity' | 'Attribute' | 'Relationship' | 'OptionSet' | 'Label';
  readonly metadataId: string;
  readonly version: number;
}

/** Label as Dataverse serialises it (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api). */
export function labelJson(text: string | null, metadataId: string, isManaged = true): unknown {
  if (text === null || text === '') return { LocalizedLabels: [], UserLocalizedLabel: null };
  const one = { Label: text, LanguageCode: 1033, IsManaged: isManaged, MetadataId: metadataId, HasChanged: null };
  return { LocalizedLabels: [one], UserLocalizedLabel: { ...one } };
}

/** Well-known `@odata.type` (without '#') of each attribute kind. */
export function attributeODataType(attribute: AttributeDef): string {
  switch (attribute.typeName) {
    case 'MultiSelectPicklistType': return 'MultiSelectPicklistAttributeMetadata';
    case 'ImageType': return 'ImageAttributeMetadata';
    case 'FileType': return 'FileAttributeMetadata';
    default: break;
  }
  switch (attribute.type) {
    case 'String': return 'StringAttributeMetadata';
    case 'Memo': return 'MemoAttributeMetadata';
    case 'Integer': return 'IntegerAttributeMetadata';
    case 'BigInt': return 'BigIntAttributeMetadata';
    case 'Decimal': return 'DecimalAttributeMetadata';
    case 'Double': return 'DoubleAttributeMetadata';
    case 'Money': return 'MoneyAttributeMetadata';
    case 'Boolean': return 'BooleanAttributeMetadata';
    case 'DateTime': return 'DateTimeAttributeMetadata';
    case 'Lookup': case 'Customer': case 'Owner': return 'LookupAttributeMetadata';
    case 'Picklist': return 'PicklistAttributeMetadata';
    case 'State': return 'StateAttributeMetadata';
    case 'Status': return 'StatusAttributeMetadata';
    case 'Uniqueidentifier': return 'UniqueIdentifierAttributeMetadata';
    case 'EntityName': return 'EntityNameAttributeMetadata';
    case 'Virtual': return 'AttributeMetadata';
  }
}

/** True for columns that are stored as a reference and surface as `_x_value`. */
export function isLookup(attribute: AttributeDef): boolean {
  return attribute.type === 'Lookup' || attribute.type === 'Customer' || attribute.type === 'Owner';
}

/** The CSDL (Edm) type of a column, as `$metadata` declares it and conversion errors name it. */
export function edmType(a: AttributeDef): string {
  switch (a.type) {
    case 'Integer': case 'Picklist': case 'State': case 'Status': return 'Edm.Int32';
    case 'BigInt': return 'Edm.Int64';
    case 'Decimal': case 'Money': return 'Edm.Decimal';
    case 'Double': return 'Edm.Double';
    case 'Boolean': return 'Edm.Boolean';
    case 'DateTime': return a.format === 'DateOnly' ? 'Edm.Date' : 'Edm.DateTimeOffset';
    case 'Uniqueidentifier': case 'Lookup': case 'Customer': case 'Owner': return 'Edm.Guid';
    default: return 'Edm.String';
  }
}

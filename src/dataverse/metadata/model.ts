/**
 * The shape of an org's metadata as the explorer and the `.odata` language
 * see it: tables, columns, relationships, alternate keys and choices, with
 * labels already resolved to one language. These are plain data (no
 * methods) so they can be cached on disk as JSON and compared in tests.
 * Dataverse's own shapes (EntityMetadata, AttributeMetadata...) are read in
 * metadataService.ts; see https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api.
 */

/** The metadata id of a table, column, relationship, key or choice (a GUID, lower case). */
export type MetadataId = string;

/** How labels are chosen: the language wanted and the org's base language to fall back on. */
export interface LabelLanguage {
  /** The language code (LCID) labels are wanted in, e.g. 1033 for English, 1036 for French. */
  readonly languageCode: number;
  /** The org's base language, the first fallback when a label has no text in `languageCode`. */
  readonly baseLanguageCode: number;
}

/** How a table is shown: a system table, one made by a customizer, an activity, or an N:N intersect table. */
export type TableKind = 'system' | 'custom' | 'activity' | 'intersect';

/** One table in the list: only what the tree, filtering and completion of entity sets need. */
export interface TableSummary {
  /** EntityMetadata.MetadataId. */
  readonly metadataId: MetadataId;
  /** The logical name, e.g. `account`: the name in FetchXML and in metadata queries. */
  readonly logicalName: string;
  /** The schema name, e.g. `Account`: the name of the entity type in `$metadata` and `@odata.type`. */
  readonly schemaName: string;
  /** The entity set name, e.g. `accounts`: the name in Web API URLs; null for tables the Web API does not expose. */
  readonly entitySetName: string | null;
  /** The display name in the chosen language; empty when the table has none. */
  readonly displayName: string;
  /** The plural display name in the chosen language; empty when none. */
  readonly displayCollectionName: string;
  /** The description in the chosen language; empty when none. */
  readonly description: string;
  /** The icon the tree shows. */
  readonly kind: TableKind;
  /** True for tables created by a customizer (IsCustomEntity). */
  readonly isCustom: boolean;
  /** True for activity tables (IsActivity). */
  readonly isActivity: boolean;
  /** True for the intersect table of an N:N relationship (IsIntersect). */
  readonly isIntersect: boolean;
  /** True when the table came in a managed solution (IsManaged). */
  readonly isManaged: boolean;
  /** `UserOwned`, `OrganizationOwned`, `BusinessOwned` or `None`. */
  readonly ownershipType: string;
  /** The primary key column, e.g. `accountid`. */
  readonly primaryIdAttribute: string;
  /** The primary name column, e.g. `name`; null when the table has none. */
  readonly primaryNameAttribute: string | null;
  /** The entity type code (ObjectTypeCode). */
  readonly objectTypeCode: number;
}

/** A column's required level (AttributeRequiredLevel). */
export type RequiredLevel = 'None' | 'SystemRequired' | 'ApplicationRequired' | 'Recommended';

/** One column of a table. */
export interface Column {
  /** AttributeMetadata.MetadataId. */
  readonly metadataId: MetadataId;
  /** The logical name, e.g. `primarycontactid`: the name in `$select` and `$filter` (lookups differ, see `lookupValueName`). */
  readonly logicalName: string;
  /** The schema name, e.g. `PrimaryContactId`. */
  readonly schemaName: string;
  /** The table this column belongs to (EntityLogicalName). */
  readonly tableLogicalName: string;
  /** AttributeType, e.g. `String`, `Lookup`, `Picklist`, `Virtual`. */
  readonly type: string;
  /** AttributeTypeName.Value, e.g. `StringType`, `MultiSelectPicklistType`, `ImageType`: finer than `type`. */
  readonly typeName: string;
  /** The derived metadata type without namespace, e.g. `PicklistAttributeMetadata`: the cast to use in metadata URLs. */
  readonly metadataType: string;
  /** The display name in the chosen language; empty when none. */
  readonly displayName: string;
  /** The description in the chosen language; empty when none. */
  readonly description: string;
  /** RequiredLevel.Value. */
  readonly requiredLevel: RequiredLevel;
  /** True for the table's primary key column. */
  readonly isPrimaryId: boolean;
  /** True for the table's primary name column. */
  readonly isPrimaryName: boolean;
  /** True for columns created by a customizer. */
  readonly isCustom: boolean;
  /** The column this one is a part of (e.g. `primarycontactidname` of `primarycontactid`); null for ordinary columns. */
  readonly attributeOf: string | null;
  /** True when the column can be set on create (IsValidForCreate). */
  readonly isValidForCreate: boolean;
  /** True when the column can be set on update (IsValidForUpdate). */
  readonly isValidForUpdate: boolean;
  /** True when the column can be read (IsValidForRead). */
  readonly isValidForRead: boolean;
  /** Text and memo columns: the maximum number of characters. */
  readonly maxLength?: number;
  /** Text, number and date columns: the format (e.g. `Email`, `Url`, `DateOnly`). */
  readonly format?: string;
  /** Number columns: the smallest value allowed. */
  readonly minValue?: number;
  /** Number columns: the largest value allowed. */
  readonly maxValue?: number;
  /** Decimal, double and money columns: the number of decimal places. */
  readonly precision?: number;
  /** Lookup columns: the tables it can point to. */
  readonly targets?: readonly string[];
  /** Lookup columns: the name to read in the Web API, `_<logicalname>_value`. */
  readonly lookupValueName?: string;
  /** Choice, status, state, yes/no and multi-select columns: true (their options come from `choices`). */
  readonly hasChoices: boolean;
}

/** A relationship as seen from one table: it points at a related table through a navigation property. */
export type RelationshipKind = 'OneToMany' | 'ManyToOne' | 'ManyToMany';

/** Fields every relationship has, whatever its kind. */
interface RelationshipBase {
  /** RelationshipMetadataBase.MetadataId. */
  readonly metadataId: MetadataId;
  /** The relationship's schema name, e.g. `account_primary_contact`. */
  readonly schemaName: string;
  /** True for relationships created by a customizer. */
  readonly isCustom: boolean;
  /** The logical name of the table on the other side. */
  readonly relatedTable: string;
  /** The navigation property of this table to use in `$expand` (single-valued for N:1, collection-valued otherwise); null when none. */
  readonly navigationProperty: string | null;
}

/** 1:N (this table is referenced) or N:1 (this table holds the lookup): one OneToManyRelationshipMetadata. */
export interface OneToManyRelationship extends RelationshipBase {
  /** `OneToMany` when this table is the referenced (one) side, `ManyToOne` when it is the referencing (many) side. */
  readonly kind: 'OneToMany' | 'ManyToOne';
  /** The table on the one side (ReferencedEntity). */
  readonly referencedTable: string;
  /** Its key column (ReferencedAttribute). */
  readonly referencedAttribute: string;
  /** The table holding the lookup (ReferencingEntity). */
  readonly referencingTable: string;
  /** The lookup column (ReferencingAttribute). */
  readonly referencingAttribute: string;
  /** The collection-valued navigation property on the referenced table (ReferencedEntityNavigationPropertyName). */
  readonly referencedNavigationProperty: string;
  /** The single-valued navigation property on the referencing table (ReferencingEntityNavigationPropertyName). */
  readonly referencingNavigationProperty: string;
}

/** N:N: one ManyToManyRelationshipMetadata, through an intersect table. */
export interface ManyToManyRelationship extends RelationshipBase {
  /** Always `ManyToMany`. */
  readonly kind: 'ManyToMany';
  /** The first table (Entity1LogicalName). */
  readonly table1: string;
  /** The second table (Entity2LogicalName). */
  readonly table2: string;
  /** The intersect table (IntersectEntityName). */
  readonly intersectTable: string;
  /** The collection-valued navigation property on the first table (Entity1NavigationPropertyName). */
  readonly table1NavigationProperty: string;
  /** The collection-valued navigation property on the second table (Entity2NavigationPropertyName). */
  readonly table2NavigationProperty: string;
}

/** Any relationship of a table. */
export type Relationship = OneToManyRelationship | ManyToManyRelationship;

/** An alternate key: columns whose values together identify a record, usable as `accounts(accountnumber='A1')`. */
export interface AlternateKey {
  /** EntityKeyMetadata.MetadataId. */
  readonly metadataId: MetadataId;
  /** The key's logical name. */
  readonly logicalName: string;
  /** The key's schema name. */
  readonly schemaName: string;
  /** The display name in the chosen language; empty when none. */
  readonly displayName: string;
  /** The logical names of the key's columns, in order. */
  readonly keyAttributes: readonly string[];
  /** EntityKeyIndexStatus: `Active` once the index is built (`Pending`, `InProgress`, `Failed` before). */
  readonly indexStatus: string;
}

/** One value of a choice column. */
export interface ChoiceOption {
  /** The number stored and used in `$filter`, e.g. 100000000. */
  readonly value: number;
  /** The label in the chosen language; empty when none. */
  readonly label: string;
  /** The color given to the option (e.g. `#0000ff`), or null. */
  readonly color: string | null;
  /** The description in the chosen language; empty when none. */
  readonly description: string;
  /** Status reasons only: the state (statecode value) this status belongs to. */
  readonly state?: number;
}

/** The kind of a choice set (OptionSetType). */
export type ChoiceSetKind = 'Picklist' | 'State' | 'Status' | 'Boolean' | 'MultiSelectPicklist';

/** The options of one choice column. */
export interface ChoiceSet {
  /** The column these options belong to. */
  readonly columnLogicalName: string;
  /** The option set's name (a global choice is shared by several columns). */
  readonly name: string;
  /** True for a global choice (IsGlobal). */
  readonly isGlobal: boolean;
  /** What kind of column it serves. */
  readonly kind: ChoiceSetKind;
  /** The options, in Dataverse's order (a yes/no column: false first, then true). */
  readonly options: readonly ChoiceOption[];
}

/** Everything about one table beyond its summary; each part is loaded when first asked for. */
export interface TableDetails {
  /** The table's columns, sorted by logical name. */
  readonly columns: readonly Column[];
  /** 1:N, N:1 and N:N relationships, sorted by schema name. */
  readonly relationships: readonly Relationship[];
  /** Alternate keys, sorted by logical name. */
  readonly keys: readonly AlternateKey[];
  /** The options of every choice column, by column logical name. */
  readonly choices: Readonly<Record<string, ChoiceSet>>;
}

/** A solution, to limit the table list to its tables. */
export interface SolutionSummary {
  /** solution.solutionid. */
  readonly solutionId: string;
  /** The unique name, e.g. `ContosoSales`. */
  readonly uniqueName: string;
  /** The display name. */
  readonly friendlyName: string;
  /** True for a managed solution. */
  readonly isManaged: boolean;
}

/** The parts of `TableDetails` that can be asked for separately. */
export type TableDetailPart = keyof TableDetails;

/**
 * What the `.odata` completion, hover and diagnostics ask of an org's
 * metadata. Names are matched exactly as Dataverse does (logical and entity
 * set names are lower case; navigation properties are case sensitive).
 * Everything is loaded on first use and answered from memory after that.
 */
export interface MetadataLookup {
  /** All tables, sorted by logical name. */
  tables(signal?: AbortSignal): Promise<readonly TableSummary[]>;
  /** The table with this logical name, e.g. `account`. */
  table(logicalName: string, signal?: AbortSignal): Promise<TableSummary | undefined>;
  /** The table whose entity set name this is, e.g. `accounts`. */
  tableByEntitySet(entitySetName: string, signal?: AbortSignal): Promise<TableSummary | undefined>;
  /** The columns of a table; empty when the table does not exist. */
  columns(tableLogicalName: string, signal?: AbortSignal): Promise<readonly Column[]>;
  /** One column of a table, by logical name or by its `_x_value` name. */
  column(tableLogicalName: string, name: string, signal?: AbortSignal): Promise<Column | undefined>;
  /** The relationships of a table; empty when the table does not exist. */
  relationships(tableLogicalName: string, signal?: AbortSignal): Promise<readonly Relationship[]>;
  /** The relationship a navigation property of the table follows (for `$expand`). */
  navigationProperty(tableLogicalName: string, name: string, signal?: AbortSignal): Promise<Relationship | undefined>;
  /** The alternate keys of a table. */
  keys(tableLogicalName: string, signal?: AbortSignal): Promise<readonly AlternateKey[]>;
  /** The options of a choice column; undefined when the column has none. */
  choices(tableLogicalName: string, columnLogicalName: string, signal?: AbortSignal): Promise<ChoiceSet | undefined>;
}

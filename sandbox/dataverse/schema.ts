/**
 * The metadata of one org: built once at start (cheap: plain objects, no
 * shaping), indexed by logical name, entity set and MetadataId, and
 * versioned so that RetrieveMetadataChanges can answer "what changed since
 * stamp X" (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrievemetadatachanges).
 */
import { declareCoreSchema } from './coreSchema';
import { declareGeneratedSchema } from './generatedSchema';
import type { AttributeDef, DeletedItem, EntityDef, ManyToManyDef, OneToManyDef, OptionSetDef, RelationshipDef } from './model';
import { SchemaBuilder, type AttrSpec } from './schemaBuilder';

/** Number of tables in a 'full' org. */
export const FULL_TABLE_COUNT = 1000;
/** Number of tables in a 'core' org (the hand-made core plus a handful of custom tables). */
export const CORE_TABLE_COUNT = 16;

const FIRST_VERSION = 1_000_000;

export class Schema {
  readonly entities: EntityDef[];
  readonly relationships: RelationshipDef[];
  readonly globalOptionSets: OptionSetDef[];
  readonly deleted: DeletedItem[] = [];
  private byName = new Map<string, EntityDef>();
  private bySet = new Map<string, EntityDef>();
  private byId = new Map<string, EntityDef>();
  private relsByEntity = new Map<string, RelationshipDef[]>();
  private attrIndex = new Map<string, Map<string, AttributeDef>>();
  /** Current metadata version; every change increments it. */
  version: number;
  /** Oldest version a client stamp may carry (older stamps are "expired"). */
  readonly firstVersion = FIRST_VERSION;
  private readonly builder: SchemaBuilder;

  constructor(seed: string, scale: 'full' | 'core') {
    this.version = FIRST_VERSION;
    this.builder = new SchemaBuilder(seed, FIRST_VERSION);
    declareCoreSchema(this.builder);
    declareGeneratedSchema(this.builder, scale === 'full' ? FULL_TABLE_COUNT : CORE_TABLE_COUNT, seed);
    this.entities = this.builder.entities;
    this.relationships = this.builder.relationships;
    this.globalOptionSets = this.builder.globalOptionSets;
    this.reindex();
  }

  private reindex(): void {
    this.byName.clear(); this.bySet.clear(); this.byId.clear(); this.relsByEntity.clear(); this.attrIndex.clear();
    for (const e of this.entities) {
      this.byName.set(e.logicalName, e);
      this.bySet.set(e.entitySetName, e);
      this.byId.set(e.metadataId, e);
      this.attrIndex.set(e.logicalName, new Map(e.attributes.map((a) => [a.logicalName, a])));
    }
    const add = (name: string, rel: RelationshipDef): void => {
      const list = this.relsByEntity.get(name);
      if (list) list.push(rel); else this.relsByEntity.set(name, [rel]);
    };
    for (const r of this.relationships) {
      if (r.kind === 'OneToMany') {
        add(r.referencedEntity, r);
        if (r.referencingEntity !== r.referencedEntity) add(r.referencingEntity, r);
      } else {
        add(r.entity1, r);
        if (r.entity2 !== r.entity1) add(r.entity2, r);
      }
    }
  }

  entity(logicalName: string): EntityDef | undefined { return this.byName.get(logicalName); }
  entityBySet(setName: string): EntityDef | undefined { return this.bySet.get(setName); }
  entityById(metadataId: string): EntityDef | undefined { return this.byId.get(metadataId.toLowerCase()); }
  attribute(entity: string, attribute: string): AttributeDef | undefined { return this.attrIndex.get(entity)?.get(attribute); }

  oneToMany(entity: string): OneToManyDef[] {
    return (this.relsByEntity.get(entity) ?? []).filter((r): r is OneToManyDef => r.kind === 'OneToMany' && r.referencedEntity === entity);
  }
  manyToOne(entity: string): OneToManyDef[] {
    return (this.relsByEntity.get(entity) ?? []).filter((r): r is OneToManyDef => r.kind === 'OneToMany' && r.referencingEntity === entity);
  }
  manyToMany(entity: string): ManyToManyDef[] {
    return (this.relsByEntity.get(entity) ?? []).filter((r): r is ManyToManyDef => r.kind === 'ManyToMany');
  }
  globalOptionSet(key: string): OptionSetDef | undefined {
    const k = key.toLowerCase();
    return this.globalOptionSets.find((s) => s.metadataId === k || s.name === key);
  }

  /** Adds a column (POST EntityDefinitions(...)/Attributes) and returns it. */
  addAttribute(entity: EntityDef, spec: AttrSpec): AttributeDef {
    this.version++;
    const before = this.relationships.length;
    const attribute = this.builder.addAttribute(entity, spec);
    attribute.version = this.version;
    if (attribute.optionSet && !attribute.optionSet.isGlobal) attribute.optionSet.version = this.version;
    for (let r = before; r < this.relationships.length; r++) this.relationships[r]!.version = this.version;
    this.reindex();
    return attribute;
  }

  /** Removes a column (DELETE EntityDefinitions(...)/Attributes(...)). */
  deleteAttribute(entity: EntityDef, attribute: AttributeDef): void {
    this.version++;
    const i = entity.attributes.indexOf(attribute);
    if (i >= 0) entity.attributes.splice(i, 1);
    this.deleted.push({ kind: 'Attribute', metadataId: attribute.metadataId, version: this.version });
    for (let r = this.relationships.length - 1; r >= 0; r--) {
      const rel = this.relationships[r]!;
      if (rel.kind === 'OneToMany' && rel.referencingEntity === entity.logicalName && rel.referencingAttribute === attribute.logicalName) {
        this.relationships.splice(r, 1);
        this.deleted.push({ kind: 'Relationship', metadataId: rel.metadataId, version: this.version });
      }
    }
    this.reindex();
  }

  /** Removes a table (DELETE EntityDefinitions(...)). */
  deleteEntity(entity: EntityDef): void {
    this.version++;
    const i = this.entities.indexOf(entity);
    if (i >= 0) this.entities.splice(i, 1);
    this.deleted.push({ kind: 'Entity', metadataId: entity.metadataId, version: this.version });
    for (let r = this.relationships.length - 1; r >= 0; r--) {
      const rel = this.relationships[r]!;
      const touches = rel.kind === 'OneToMany'
        ? rel.referencedEntity === entity.logicalName || rel.referencingEntity === entity.logicalName
        : rel.entity1 === entity.logicalName || rel.entity2 === entity.logicalName;
      if (touches) {
        this.relationships.splice(r, 1);
        this.deleted.push({ kind: 'Relationship', metadataId: rel.metadataId, version: this.version });
      }
    }
    this.reindex();
  }

  /** Updates a table's display name (PUT/PATCH EntityDefinitions(...)). */
  touchEntity(entity: EntityDef, patch: Partial<Pick<EntityDef, 'displayName' | 'description' | 'displayCollectionName'>>): void {
    this.version++;
    Object.assign(entity as { -readonly [K in keyof EntityDef]: EntityDef[K] }, patch);
    entity.version = this.version;
  }
}

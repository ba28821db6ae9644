/**
 * The Tables view's model, pure: each node is a small class with a stable
 * hierarchical id, a `contextValue` that drives menus, what the tree shows
 * (`view()`), a plain-text tooltip and, for nodes that have them, how to
 * load its children from a `MetadataLookup`. The TreeDataProvider
 * (tablesView.ts) only turns these into `vscode.TreeItem`s, so everything a
 * person reads in the tree is tested here without an editor.
 *
 * Names: https://learn.microsoft.com/power-apps/developer/data-platform/entity-metadata
 * (logical, schema and entity set names) and
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-data-web-api
 * (`_x_value` of lookups, navigation properties in `$expand`).
 */
import type { ErrorExplanation } from '../../core/errorExplanation';
import type {
  AlternateKey, ChoiceOption, ChoiceSet, Column, MetadataLookup, Relationship, RequiredLevel, TableSummary,
} from '../../dataverse/metadata/model';

/** What a node looks like in the tree, independent of VS Code's classes. */
export interface NodeView {
  readonly label: string;
  readonly description?: string;
  /** A codicon id, e.g. `symbol-string`. */
  readonly icon: string;
  /** A theme color id for the icon, e.g. `errorForeground`. */
  readonly iconColor?: string;
  readonly collapsible: 'none' | 'collapsed';
  /** What a screen reader says: the label, then what the node is. */
  readonly accessibilityLabel: string;
  /** The command a click runs (an error's Retry). */
  readonly command?: { readonly id: string; readonly title: string };
}

/** The names a node can copy: only those that exist for it are set. */
export interface CopyableNames {
  readonly logicalName?: string;
  readonly schemaName?: string;
  readonly entitySetName?: string;
  /** A lookup column's `_x_value`, the name its value has in Web API responses and `$filter`. */
  readonly lookupValueName?: string;
  /** A relationship's navigation property, the name to put in `$expand`. */
  readonly navigationProperty?: string;
}

/** Turns any error into something a person can act on (the project's explainError, injected). */
export type Explain = (error: unknown) => ErrorExplanation;

/** Any node of the Tables view. */
export abstract class ExplorerNode {
  protected constructor(
    /** Unique in the whole tree and stable across refreshes, so VS Code keeps expansion and selection. */
    readonly id: string,
    /** Drives the context menus in package.json (`viewItem == ...`). */
    readonly contextValue: string,
  ) {}

  abstract view(): NodeView;

  /** A plain-text tooltip (never Markdown: names come from the org and must stay inert). */
  tooltip(): string | undefined {
    return undefined;
  }

  names(): CopyableNames {
    return {};
  }

  /** Loads the children; only nodes that are collapsible override it. */
  async children(_metadata: MetadataLookup, _signal?: AbortSignal): Promise<ExplorerNode[]> {
    return [];
  }
}

const TABLE_ICONS: Record<TableSummary['kind'], string> = {
  system: 'database',
  custom: 'symbol-class',
  activity: 'calendar',
  intersect: 'link',
};

const TABLE_KIND_WORDS: Record<TableSummary['kind'], string> = {
  system: 'system table',
  custom: 'custom table',
  activity: 'activity table',
  intersect: 'intersect table',
};

/** The label of anything with a display name: the display name, else the logical name. */
function shownName(displayName: string, logicalName: string): string {
  return displayName.trim() || logicalName;
}

function lines(...parts: Array<string | false | undefined | null>): string {
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join('\n');
}

/** A table: display name, logical name as description, an icon for its kind. */
export class TableNode extends ExplorerNode {
  constructor(
    /** The id of the connection whose tree this is, so two orgs' trees never share ids. */
    readonly root: string,
    readonly table: TableSummary,
  ) {
    super(`${root}/table/${table.logicalName}`, 'dataverse.table');
  }

  view(): NodeView {
    const label = shownName(this.table.displayName, this.table.logicalName);
    return {
      label,
      description: this.table.logicalName,
      icon: TABLE_ICONS[this.table.kind],
      collapsible: 'collapsed',
      accessibilityLabel: `${label}, ${TABLE_KIND_WORDS[this.table.kind]} ${this.table.logicalName}`,
    };
  }

  override tooltip(): string {
    const t = this.table;
    return lines(
      `${shownName(t.displayName, t.logicalName)} (${TABLE_KIND_WORDS[t.kind]})`,
      `Logical name: ${t.logicalName}`,
      `Schema name: ${t.schemaName}`,
      `Entity set name: ${t.entitySetName ?? '(not available in the Web API)'}`,
      `Primary id: ${t.primaryIdAttribute}`,
      t.primaryNameAttribute && `Primary name: ${t.primaryNameAttribute}`,
      t.description && `\n${t.description}`,
    );
  }

  override names(): CopyableNames {
    return {
      logicalName: this.table.logicalName,
      schemaName: this.table.schemaName,
      ...(this.table.entitySetName ? { entitySetName: this.table.entitySetName } : {}),
    };
  }

  override async children(): Promise<ExplorerNode[]> {
    return FOLDERS.map((kind) => new FolderNode(this, kind));
  }
}

/** The four groups under a table. */
export type FolderKind = 'columns' | 'relationships' | 'keys' | 'choices';

const FOLDERS: readonly FolderKind[] = ['columns', 'relationships', 'keys', 'choices'];

const FOLDER_VIEWS: Record<FolderKind, { label: string; icon: string; empty: string }> = {
  columns: { label: 'Columns', icon: 'symbol-field', empty: 'No columns' },
  relationships: { label: 'Relationships', icon: 'references', empty: 'No relationships' },
  keys: { label: 'Keys', icon: 'key', empty: 'No alternate keys' },
  choices: { label: 'Choices', icon: 'symbol-enum', empty: 'No choice columns' },
};

/** Columns, Relationships, Keys or Choices of one table; loads its children when first expanded. */
export class FolderNode extends ExplorerNode {
  constructor(
    readonly parent: TableNode,
    readonly kind: FolderKind,
  ) {
    super(`${parent.id}/${kind}`, `dataverse.folder.${kind}`);
  }

  view(): NodeView {
    const v = FOLDER_VIEWS[this.kind];
    return { label: v.label, icon: v.icon, collapsible: 'collapsed', accessibilityLabel: `${v.label} of ${this.parent.table.logicalName}` };
  }

  override async children(metadata: MetadataLookup, signal?: AbortSignal): Promise<ExplorerNode[]> {
    const table = this.parent.table;
    const nodes = await this._load(metadata, table, signal);
    return nodes.length ? nodes : [new MessageNode(this.id, FOLDER_VIEWS[this.kind].empty)];
  }

  private async _load(metadata: MetadataLookup, table: TableSummary, signal?: AbortSignal): Promise<ExplorerNode[]> {
    switch (this.kind) {
      case 'columns':
        return sortColumns(await metadata.columns(table.logicalName, signal)).map((c) => new ColumnNode(this.id, table, c));
      case 'relationships':
        return relationshipNodes(this.id, table, await metadata.relationships(table.logicalName, signal));
      case 'keys':
        return (await metadata.keys(table.logicalName, signal)).map((k) => new KeyNode(this.id, table, k));
      case 'choices':
        return (await metadata.columns(table.logicalName, signal))
          .filter((c) => c.hasChoices && c.attributeOf === null)
          .map((c) => new ChoiceColumnNode(this.id, table, c));
    }
  }
}

/** The primary id first, then the primary name, then the rest by logical name: what a person looks for first. */
function sortColumns(columns: readonly Column[]): Column[] {
  const rank = (c: Column) => (c.isPrimaryId ? 0 : c.isPrimaryName ? 1 : 2);
  return [...columns].sort((a, b) => rank(a) - rank(b) || a.logicalName.localeCompare(b.logicalName));
}

const COLUMN_ICONS: Record<string, string> = {
  String: 'symbol-string',
  Memo: 'note',
  Integer: 'symbol-number',
  BigInt: 'symbol-number',
  Decimal: 'symbol-number',
  Double: 'symbol-number',
  Money: 'symbol-number',
  DateTime: 'calendar',
  Boolean: 'symbol-boolean',
  Picklist: 'symbol-enum',
  State: 'symbol-enum',
  Status: 'symbol-enum',
  Lookup: 'link',
  Customer: 'link',
  Owner: 'person',
  PartyList: 'organization',
  Uniqueidentifier: 'symbol-key',
  EntityName: 'symbol-constant',
  ManagedProperty: 'settings',
  Virtual: 'symbol-misc',
};

const FINER_TYPES: Record<string, { icon: string; type: string }> = {
  MultiSelectPicklistType: { icon: 'symbol-enum', type: 'MultiSelectPicklist' },
  ImageType: { icon: 'file-media', type: 'Image' },
  FileType: { icon: 'file', type: 'File' },
};

const REQUIRED_WORDS: Record<RequiredLevel, string | undefined> = {
  None: undefined,
  Recommended: 'recommended',
  ApplicationRequired: 'required',
  SystemRequired: 'required (system)',
};

/** The type a person reads: `String(100)`, `Lookup → contact`, `MultiSelectPicklist`, `Image`. */
export function columnTypeText(c: Column): string {
  const finer = FINER_TYPES[c.typeName];
  const type = finer?.type ?? c.type;
  if (c.targets?.length) return `${type} → ${c.targets.join(', ')}`;
  if (c.maxLength !== undefined && (c.type === 'String' || c.type === 'Memo')) return `${type}(${c.maxLength})`;
  return type;
}

/** A column: logical name; type, required level and primary markers as description. */
export class ColumnNode extends ExplorerNode {
  constructor(
    parentId: string,
    readonly table: TableSummary,
    readonly column: Column,
  ) {
    super(`${parentId}/${column.logicalName}`, column.lookupValueName ? 'dataverse.column.lookup' : 'dataverse.column');
  }

  /** "primary id", "primary name" or nothing. */
  private _marker(): string | undefined {
    if (this.column.isPrimaryId) return 'primary id';
    if (this.column.isPrimaryName) return 'primary name';
    return undefined;
  }

  view(): NodeView {
    const c = this.column;
    const marker = this._marker();
    const details = [columnTypeText(c), REQUIRED_WORDS[c.requiredLevel], marker].filter(Boolean).join(' · ');
    return {
      label: c.logicalName,
      description: c.displayName ? `${details} — ${c.displayName}` : details,
      icon: c.isPrimaryId ? 'key' : marker ? 'star-full' : (FINER_TYPES[c.typeName]?.icon ?? COLUMN_ICONS[c.type] ?? 'symbol-field'),
      collapsible: 'none',
      accessibilityLabel: `${c.logicalName}, column of type ${details}${c.displayName ? `, shown as ${c.displayName}` : ''}`,
    };
  }

  override tooltip(): string {
    const c = this.column;
    return lines(
      `${shownName(c.displayName, c.logicalName)} (${columnTypeText(c)})`,
      `Logical name: ${c.logicalName}`,
      `Schema name: ${c.schemaName}`,
      c.lookupValueName && `Value in the Web API: ${c.lookupValueName}`,
      `Required: ${REQUIRED_WORDS[c.requiredLevel] ?? 'optional'}`,
      c.maxLength !== undefined && `Max length: ${c.maxLength}`,
      c.format && `Format: ${c.format}`,
      c.minValue !== undefined && c.maxValue !== undefined && `Range: ${c.minValue} to ${c.maxValue}`,
      c.precision !== undefined && `Precision: ${c.precision}`,
      c.attributeOf && `Part of: ${c.attributeOf}`,
      c.description && `\n${c.description}`,
    );
  }

  override names(): CopyableNames {
    return {
      logicalName: this.column.logicalName,
      schemaName: this.column.schemaName,
      ...(this.column.lookupValueName ? { lookupValueName: this.column.lookupValueName } : {}),
    };
  }
}

const RELATIONSHIP_VIEWS: Record<Relationship['kind'], { short: string; icon: string; words: string }> = {
  ManyToOne: { short: 'N:1', icon: 'arrow-right', words: 'many-to-one relationship' },
  OneToMany: { short: '1:N', icon: 'list-tree', words: 'one-to-many relationship' },
  ManyToMany: { short: 'N:N', icon: 'arrow-swap', words: 'many-to-many relationship' },
};

/** N:1 first (the lookups a query expands most), then 1:N, then N:N, each by navigation property. */
function relationshipNodes(parentId: string, table: TableSummary, relationships: readonly Relationship[]): RelationshipNode[] {
  const order: Relationship['kind'][] = ['ManyToOne', 'OneToMany', 'ManyToMany'];
  return [...relationships]
    .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || (a.navigationProperty ?? a.schemaName).localeCompare(b.navigationProperty ?? b.schemaName))
    .map((r) => new RelationshipNode(parentId, table, r));
}

/** A relationship: the navigation property to `$expand`, and the related table. */
export class RelationshipNode extends ExplorerNode {
  constructor(
    parentId: string,
    readonly table: TableSummary,
    readonly relationship: Relationship,
  ) {
    // A self-referential relationship appears twice (1:N and N:1), so the kind is part of the id.
    super(`${parentId}/${relationship.kind}/${relationship.schemaName}`, 'dataverse.relationship');
  }

  view(): NodeView {
    const r = this.relationship;
    const v = RELATIONSHIP_VIEWS[r.kind];
    const label = r.navigationProperty ?? r.schemaName;
    return {
      label,
      description: `${v.short} → ${r.relatedTable}`,
      icon: v.icon,
      collapsible: 'none',
      accessibilityLabel: `${label}, ${v.words} to ${r.relatedTable}`,
    };
  }

  override tooltip(): string {
    const r = this.relationship;
    const v = RELATIONSHIP_VIEWS[r.kind];
    return lines(
      `${r.schemaName} (${v.short})`,
      r.navigationProperty ? `In $expand: ${r.navigationProperty}` : 'No navigation property on this table',
      `Related table: ${r.relatedTable}`,
      r.kind === 'ManyToMany' ? `Intersect table: ${r.intersectTable}` : `Lookup column: ${r.referencingTable}.${r.referencingAttribute}`,
    );
  }

  override names(): CopyableNames {
    return { schemaName: this.relationship.schemaName, ...(this.relationship.navigationProperty ? { navigationProperty: this.relationship.navigationProperty } : {}) };
  }
}

/** An alternate key: its name and its columns. */
export class KeyNode extends ExplorerNode {
  constructor(
    parentId: string,
    readonly table: TableSummary,
    readonly key: AlternateKey,
  ) {
    super(`${parentId}/${key.logicalName}`, 'dataverse.key');
  }

  view(): NodeView {
    const k = this.key;
    const status = k.indexStatus && k.indexStatus !== 'Active' ? ` · ${k.indexStatus}` : '';
    return {
      label: k.logicalName,
      description: `(${k.keyAttributes.join(', ')})${status}`,
      icon: 'key',
      collapsible: 'none',
      accessibilityLabel: `${k.logicalName}, alternate key on ${k.keyAttributes.join(', ')}${status}`,
    };
  }

  override tooltip(): string {
    const k = this.key;
    const example = `${this.table.entitySetName ?? this.table.logicalName}(${k.keyAttributes.map((a) => `${a}=...`).join(',')})`;
    return lines(`${shownName(k.displayName, k.logicalName)}`, `Schema name: ${k.schemaName}`, `Columns: ${k.keyAttributes.join(', ')}`, `Index: ${k.indexStatus}`, `Use: ${example}`);
  }

  override names(): CopyableNames {
    return { logicalName: this.key.logicalName, schemaName: this.key.schemaName };
  }
}

/** A choice column under Choices; its options load when it is expanded. */
export class ChoiceColumnNode extends ExplorerNode {
  constructor(
    parentId: string,
    readonly table: TableSummary,
    readonly column: Column,
  ) {
    super(`${parentId}/${column.logicalName}`, 'dataverse.choice');
  }

  view(): NodeView {
    const c = this.column;
    return {
      label: c.logicalName,
      description: c.displayName ? `${columnTypeText(c)} — ${c.displayName}` : columnTypeText(c),
      icon: 'symbol-enum',
      collapsible: 'collapsed',
      accessibilityLabel: `${c.logicalName}, choice column`,
    };
  }

  override names(): CopyableNames {
    return { logicalName: this.column.logicalName, schemaName: this.column.schemaName };
  }

  override async children(metadata: MetadataLookup, signal?: AbortSignal): Promise<ExplorerNode[]> {
    const set: ChoiceSet | undefined = await metadata.choices(this.table.logicalName, this.column.logicalName, signal);
    if (!set?.options.length) return [new MessageNode(this.id, 'No options')];
    return set.options.map((o) => new OptionNode(this.id, set, o));
  }
}

/** One value of a choice: the number and its label. */
export class OptionNode extends ExplorerNode {
  constructor(
    parentId: string,
    readonly set: ChoiceSet,
    readonly option: ChoiceOption,
  ) {
    super(`${parentId}/${option.value}`, 'dataverse.option');
  }

  view(): NodeView {
    const o = this.option;
    return {
      label: String(o.value),
      description: o.label,
      icon: 'symbol-enum-member',
      collapsible: 'none',
      accessibilityLabel: `${o.value}, option ${o.label || 'without a label'}`,
    };
  }

  override tooltip(): string {
    const o = this.option;
    return lines(`${o.value}: ${o.label}`, `Choice: ${this.set.name}${this.set.isGlobal ? ' (global)' : ''}`, o.state !== undefined && `State: ${o.state}`, o.description && `\n${o.description}`);
  }

  override names(): CopyableNames {
    return { logicalName: String(this.option.value) };
  }
}

/** A line of text in place of children: "No alternate keys", "No table matches...". */
export class MessageNode extends ExplorerNode {
  constructor(
    parentId: string,
    readonly text: string,
    private readonly _icon = 'info',
  ) {
    super(`${parentId}/message`, 'dataverse.message');
  }

  view(): NodeView {
    return { label: this.text, icon: this._icon, collapsible: 'none', accessibilityLabel: this.text };
  }
}

/** A failed load, explained, in place of the children; clicking it (or Retry) loads again. */
export class ErrorNode extends ExplorerNode {
  constructor(
    /** The node whose children failed to load (undefined for the table list). */
    readonly failed: ExplorerNode | undefined,
    rootId: string,
    readonly explanation: ErrorExplanation,
  ) {
    super(`${failed?.id ?? rootId}/error`, 'dataverse.error');
  }

  view(): NodeView {
    const e = this.explanation;
    return {
      label: e.title,
      description: e.code,
      icon: e.category === 'throttled' ? 'watch' : 'error',
      iconColor: e.category === 'throttled' ? 'list.warningForeground' : 'list.errorForeground',
      collapsible: 'none',
      accessibilityLabel: `Error: ${e.title} ${e.fix} Select to retry.`,
      command: { id: 'dataverse.tables.retry', title: 'Retry' },
    };
  }

  override tooltip(): string {
    const e = this.explanation;
    const wait = e.retryAfterSeconds !== undefined ? `Dataverse asks to wait ${e.retryAfterSeconds} s before retrying.` : undefined;
    return lines(e.title, `Cause: ${e.cause}`, `Fix: ${e.fix}`, wait, `Code: ${e.code}`, 'Select to retry.');
  }
}

/**
 * Loads a node's children; a failure becomes one explained error node in
 * their place (never an empty tree, never a pop-up). A cancelled load gives
 * nothing, as cancellation is not an error.
 */
export async function loadChildren(node: ExplorerNode, metadata: MetadataLookup, explain: Explain, signal?: AbortSignal): Promise<ExplorerNode[]> {
  return loadOwnChildren(node, () => Promise.resolve(metadata), explain, signal);
}

/**
 * The id of the connection a node belongs to. Every node's id starts with it
 * and a slash (tables are `<connection>/table/<name>`, everything below builds
 * on its parent's id), and connection ids are UUIDs, which hold no slash.
 */
export function connectionIdOf(node: ExplorerNode): string {
  const slash = node.id.indexOf('/');
  return slash < 0 ? node.id : node.id.slice(0, slash);
}

/**
 * `loadChildren` with the metadata of the connection the node belongs to,
 * never the one that happens to be active now: after a switch, VS Code may
 * still expand a node of the previous connection's tree. `open` gives
 * undefined when that connection is gone or signed out: no children then.
 */
export async function loadOwnChildren(
  node: ExplorerNode,
  open: (connectionId: string) => Promise<MetadataLookup | undefined>,
  explain: Explain,
  signal?: AbortSignal,
): Promise<ExplorerNode[]> {
  try {
    const metadata = await open(connectionIdOf(node));
    return metadata ? await node.children(metadata, signal) : [];
  } catch (error) {
    const explanation = explain(error);
    if (explanation.category === 'cancelled') return [];
    return [new ErrorNode(node, node.id, explanation)];
  }
}

/** What narrows the table list. */
export interface TableFilter {
  /** Matched, ignoring case, against the logical name, display name and entity set name; empty keeps all. */
  readonly text: string;
  /** False hides the tables that are not custom. */
  readonly showSystem: boolean;
  /** When set, only these tables (by MetadataId, lower case) are kept: one solution's tables. */
  readonly solution?: { readonly name: string; readonly tableIds: ReadonlySet<string> };
}

/** The empty filter: every table. */
export const NO_FILTER: TableFilter = { text: '', showSystem: true };

/** The tables the filter keeps, in display-name order (what the tree shows). */
export function filterTables(tables: readonly TableSummary[], filter: TableFilter): TableSummary[] {
  const needle = filter.text.trim().toLowerCase();
  const kept = tables.filter(
    (t) =>
      (filter.showSystem || t.isCustom) &&
      (!filter.solution || filter.solution.tableIds.has(t.metadataId.toLowerCase())) &&
      (!needle || t.logicalName.includes(needle) || t.displayName.toLowerCase().includes(needle) || (t.entitySetName ?? '').includes(needle)),
  );
  return kept.sort((a, b) => shownName(a.displayName, a.logicalName).localeCompare(shownName(b.displayName, b.logicalName)) || a.logicalName.localeCompare(b.logicalName));
}

/** The view's description: what the filter hides, in a few words (empty when nothing is filtered). */
export function describeFilter(filter: TableFilter): string {
  return [filter.text.trim() && `"${filter.text.trim()}"`, !filter.showSystem && 'custom only', filter.solution && `solution ${filter.solution.name}`].filter(Boolean).join(' · ');
}

/** The root of a connection's tree: its tables as the filter keeps them, or one line saying why there are none. */
export function tableNodes(root: string, tables: readonly TableSummary[], filter: TableFilter): ExplorerNode[] {
  const kept = filterTables(tables, filter);
  if (kept.length) return kept.map((t) => new TableNode(root, t));
  if (!tables.length) return [new MessageNode(root, 'This environment has no tables you can read.')];
  return [new MessageNode(root, `No table matches ${describeFilter(filter)}.`, 'filter')];
}

/** The request "New Query" opens for a table: its primary name (else its id), ten rows. */
export function newQueryText(table: TableSummary): string | undefined {
  if (!table.entitySetName) return undefined;
  return `GET ${table.entitySetName}?$select=${table.primaryNameAttribute ?? table.primaryIdAttribute}&$top=10\n`;
}

/** The maker portal page of a table (the form the portal itself links to). */
export function makerPortalUrl(environmentId: string, table: TableSummary, makerOrigin = 'https://make.powerapps.com'): string {
  return `${makerOrigin}/environments/${encodeURIComponent(environmentId)}/entities/${encodeURIComponent(table.metadataId)}`;
}

/** The table's records in the model-driven web UI. See https://learn.microsoft.com/power-apps/developer/model-driven-apps/open-forms-views-dialogs-reports-url */
export function recordsUrl(orgUrl: string, table: TableSummary): string {
  return `${orgUrl.replace(/\/+$/, '')}/main.aspx?pagetype=entitylist&etn=${encodeURIComponent(table.logicalName)}`;
}

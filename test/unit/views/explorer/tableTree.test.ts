import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ErrorExplanation } from '../../../../src/core/errorExplanation';
import type { AlternateKey, ChoiceSet, Column, MetadataLookup, Relationship, TableSummary } from '../../../../src/dataverse/metadata/model';
import {
  ColumnNode, ErrorNode, FolderNode, MessageNode, NO_FILTER, OptionNode, RelationshipNode, TableNode, describeFilter, filterTables, loadChildren,
  connectionIdOf, loadOwnChildren, makerPortalUrl, newQueryText, recordsUrl, tableNodes, type ExplorerNode,
} from '../../../../src/views/explorer/tableTree';

function table(logicalName: string, more: Partial<TableSummary> = {}): TableSummary {
  return {
    metadataId: `00000000-0000-0000-0000-${String(logicalName.length).padStart(12, '0')}`,
    logicalName,
    schemaName: logicalName[0]!.toUpperCase() + logicalName.slice(1),
    entitySetName: `${logicalName}s`,
    displayName: logicalName[0]!.toUpperCase() + logicalName.slice(1),
    displayCollectionName: '',
    description: '',
    kind: 'system',
    isCustom: false,
    isActivity: false,
    isIntersect: false,
    isManaged: true,
    ownershipType: 'UserOwned',
    primaryIdAttribute: `${logicalName}id`,
    primaryNameAttribute: 'name',
    objectTypeCode: 1,
    ...more,
  };
}

function column(logicalName: string, more: Partial<Column> = {}): Column {
  return {
    metadataId: `c-${logicalName}`,
    logicalName,
    schemaName: logicalName,
    tableLogicalName: 'account',
    type: 'String',
    typeName: 'StringType',
    metadataType: 'StringAttributeMetadata',
    displayName: '',
    description: '',
    requiredLevel: 'None',
    isPrimaryId: false,
    isPrimaryName: false,
    isCustom: false,
    attributeOf: null,
    isValidForCreate: true,
    isValidForUpdate: true,
    isValidForRead: true,
    hasChoices: false,
    ...more,
  };
}

const ACCOUNT = table('account', { displayName: 'Account', description: 'Business that represents a customer.' });
const COLUMNS: Column[] = [
  column('telephone1', { maxLength: 50, format: 'Phone', displayName: 'Main Phone' }),
  column('name', { isPrimaryName: true, requiredLevel: 'ApplicationRequired', maxLength: 160, displayName: 'Account Name' }),
  column('accountid', { isPrimaryId: true, type: 'Uniqueidentifier', typeName: 'UniqueidentifierType', requiredLevel: 'SystemRequired' }),
  column('primarycontactid', { type: 'Lookup', typeName: 'LookupType', targets: ['contact'], lookupValueName: '_primarycontactid_value' }),
  column('industrycode', { type: 'Picklist', typeName: 'PicklistType', hasChoices: true, displayName: 'Industry' }),
  column('industrycodename', { type: 'Virtual', typeName: 'VirtualType', attributeOf: 'industrycode' }),
];
const RELATIONSHIPS: Relationship[] = [
  {
    kind: 'OneToMany', metadataId: 'r1', schemaName: 'account_contacts', isCustom: false, relatedTable: 'contact', navigationProperty: 'contact_customer_accounts',
    referencedTable: 'account', referencedAttribute: 'accountid', referencingTable: 'contact', referencingAttribute: 'parentcustomerid',
    referencedNavigationProperty: 'contact_customer_accounts', referencingNavigationProperty: 'parentcustomerid_account',
  },
  {
    kind: 'ManyToOne', metadataId: 'r2', schemaName: 'account_primary_contact', isCustom: false, relatedTable: 'contact', navigationProperty: 'primarycontactid',
    referencedTable: 'contact', referencedAttribute: 'contactid', referencingTable: 'account', referencingAttribute: 'primarycontactid',
    referencedNavigationProperty: 'account_primary_contact', referencingNavigationProperty: 'primarycontactid',
  },
];
const KEYS: AlternateKey[] = [{ metadataId: 'k1', logicalName: 'accountnumberkey', schemaName: 'AccountNumberKey', displayName: 'Account number', keyAttributes: ['accountnumber'], indexStatus: 'Active' }];
const INDUSTRY: ChoiceSet = {
  columnLogicalName: 'industrycode', name: 'account_industrycode', isGlobal: false, kind: 'Picklist',
  options: [{ value: 1, label: 'Accounting', color: null, description: '' }, { value: 2, label: 'Agriculture', color: null, description: '' }],
};

/** A MetadataLookup over fixed data; `fail` makes every detail call throw it. */
function lookup(fail?: unknown): MetadataLookup & { calls: string[] } {
  const calls: string[] = [];
  const guard = <T>(what: string, value: T): Promise<T> => {
    calls.push(what);
    return fail ? Promise.reject(fail) : Promise.resolve(value);
  };
  return {
    calls,
    tables: () => guard('tables', [ACCOUNT]),
    table: (name) => guard('table', name === 'account' ? ACCOUNT : undefined),
    tableByEntitySet: () => guard('tableByEntitySet', ACCOUNT),
    columns: (name) => guard(`columns ${name}`, name === 'account' ? COLUMNS : []),
    column: (_t, name) => guard('column', COLUMNS.find((c) => c.logicalName === name)),
    relationships: (name) => guard(`relationships ${name}`, name === 'account' ? RELATIONSHIPS : []),
    navigationProperty: () => guard('navigationProperty', undefined),
    keys: (name) => guard(`keys ${name}`, name === 'account' ? KEYS : []),
    choices: (_t, col) => guard(`choices ${col}`, col === 'industrycode' ? INDUSTRY : undefined),
  };
}

const explain = (error: unknown): ErrorExplanation => {
  const e = error as { status?: number; name?: string; message?: string };
  if (e.name === 'AbortError') return { code: 'cancelled', title: 'Cancelled.', cause: '', fix: '', category: 'cancelled' };
  return { code: `HTTP ${e.status}`, title: 'You do not have permission to read this.', cause: 'A security role is missing.', fix: 'Ask for a role.', category: 'dataverse' };
};

async function folder(kind: 'columns' | 'relationships' | 'keys' | 'choices', metadata = lookup()): Promise<ExplorerNode[]> {
  return loadChildren(new FolderNode(new TableNode('conn1', ACCOUNT), kind), metadata, explain);
}

describe('table nodes', () => {
  test('a table shows its display name, its logical name as description, and an icon for its kind', () => {
    const view = new TableNode('conn1', ACCOUNT).view();
    assert.equal(view.label, 'Account');
    assert.equal(view.description, 'account');
    assert.equal(view.icon, 'database');
    assert.equal(view.collapsible, 'collapsed');
    assert.equal(new TableNode('c', table('new_project', { kind: 'custom', isCustom: true })).view().icon, 'symbol-class');
    assert.equal(new TableNode('c', table('email', { kind: 'activity', isActivity: true })).view().icon, 'calendar');
  });

  test('a table without a display name shows its logical name', () => {
    assert.equal(new TableNode('c', table('new_thing', { displayName: '  ' })).view().label, 'new_thing');
  });

  test('the tooltip names the schema name, entity set name and description', () => {
    const tip = new TableNode('conn1', ACCOUNT).tooltip();
    assert.match(tip, /Schema name: Account/);
    assert.match(tip, /Entity set name: accounts/);
    assert.match(tip, /Business that represents a customer\./);
  });

  test('accessibility: the label, then what the node is', () => {
    assert.equal(new TableNode('conn1', ACCOUNT).view().accessibilityLabel, 'Account, system table account');
  });

  test('ids are hierarchical and include the connection, so two orgs never share a node', async () => {
    const a = new TableNode('conn1', ACCOUNT);
    const b = new TableNode('conn2', ACCOUNT);
    assert.notEqual(a.id, b.id);
    const folders = await loadChildren(a, lookup(), explain);
    assert.deepEqual(folders.map((f) => f.id), ['conn1/table/account/columns', 'conn1/table/account/relationships', 'conn1/table/account/keys', 'conn1/table/account/choices']);
    const columns = await folder('columns');
    assert.equal(columns[0]!.id, 'conn1/table/account/columns/accountid');
    assert.equal(new Set(columns.map((c) => c.id)).size, columns.length);
  });

  test('copyable names: logical, schema and entity set name', () => {
    assert.deepEqual(new TableNode('c', ACCOUNT).names(), { logicalName: 'account', schemaName: 'Account', entitySetName: 'accounts' });
  });
});

describe('columns', () => {
  test('the primary id comes first, then the primary name, each marked, then the rest by logical name', async () => {
    const nodes = (await folder('columns')) as ColumnNode[];
    assert.deepEqual(nodes.map((n) => n.view().label), ['accountid', 'name', 'industrycode', 'industrycodename', 'primarycontactid', 'telephone1']);
    assert.equal(nodes[0]!.view().description, 'Uniqueidentifier · required (system) · primary id');
    assert.equal(nodes[0]!.view().icon, 'key');
    assert.equal(nodes[1]!.view().description, 'String(160) · required · primary name — Account Name');
  });

  test('a column shows its type icon, and a lookup names its target and offers its _x_value name', async () => {
    const nodes = (await folder('columns')) as ColumnNode[];
    const lookupNode = nodes.find((n) => n.column.logicalName === 'primarycontactid')!;
    assert.equal(lookupNode.view().description, 'Lookup → contact');
    assert.equal(lookupNode.view().icon, 'link');
    assert.equal(lookupNode.contextValue, 'dataverse.column.lookup');
    assert.equal(lookupNode.names().lookupValueName, '_primarycontactid_value');
    const phone = nodes.find((n) => n.column.logicalName === 'telephone1')!;
    assert.equal(phone.view().icon, 'symbol-string');
    assert.equal(phone.contextValue, 'dataverse.column');
    assert.equal(phone.names().lookupValueName, undefined);
  });

  test('the tooltip shows max length and format', async () => {
    const phone = ((await folder('columns')) as ColumnNode[]).find((n) => n.column.logicalName === 'telephone1')!;
    const tip = phone.tooltip();
    assert.match(tip, /Max length: 50/);
    assert.match(tip, /Format: Phone/);
    assert.match(tip, /Schema name: telephone1/);
  });

  test('finer types are named: multi-select choices and images', () => {
    const multi = new ColumnNode('p', ACCOUNT, column('tags', { type: 'Virtual', typeName: 'MultiSelectPicklistType', hasChoices: true }));
    assert.equal(multi.view().description, 'MultiSelectPicklist');
    assert.equal(new ColumnNode('p', ACCOUNT, column('photo', { type: 'Virtual', typeName: 'ImageType' })).view().icon, 'file-media');
  });

  test('420 columns become 420 nodes with distinct ids', async () => {
    const wide = Array.from({ length: 420 }, (_, i) => column(`new_col${i}`));
    const metadata = { ...lookup(), columns: async () => wide };
    const nodes = await loadChildren(new FolderNode(new TableNode('c', ACCOUNT), 'columns'), metadata, explain);
    assert.equal(nodes.length, 420);
    assert.equal(new Set(nodes.map((n) => n.id)).size, 420);
  });
});

describe('relationships, keys and choices', () => {
  test('a relationship shows the navigation property to $expand and the related table, N:1 first', async () => {
    const nodes = (await folder('relationships')) as RelationshipNode[];
    assert.deepEqual(nodes.map((n) => [n.view().label, n.view().description]), [['primarycontactid', 'N:1 → contact'], ['contact_customer_accounts', '1:N → contact']]);
    assert.match(nodes[0]!.tooltip(), /In \$expand: primarycontactid/);
    assert.equal(nodes[0]!.names().navigationProperty, 'primarycontactid');
  });

  test('a key shows its columns', async () => {
    const [key] = await folder('keys');
    assert.equal(key!.view().label, 'accountnumberkey');
    assert.equal(key!.view().description, '(accountnumber)');
    assert.match(key!.tooltip()!, /Use: accounts\(accountnumber=\.\.\.\)/);
  });

  test('Choices lists the choice columns (not their virtual name columns), and each lists value and label', async () => {
    const metadata = lookup();
    const choiceColumns = await folder('choices', metadata);
    assert.deepEqual(choiceColumns.map((n) => n.view().label), ['industrycode']);
    const options = (await loadChildren(choiceColumns[0]!, metadata, explain)) as OptionNode[];
    assert.deepEqual(options.map((o) => [o.view().label, o.view().description]), [['1', 'Accounting'], ['2', 'Agriculture']]);
  });

  test('an empty folder says so instead of showing nothing', async () => {
    const metadata = { ...lookup(), keys: async () => [] };
    const nodes = await loadChildren(new FolderNode(new TableNode('c', ACCOUNT), 'keys'), metadata, explain);
    assert.equal(nodes.length, 1);
    assert.ok(nodes[0] instanceof MessageNode);
    assert.equal(nodes[0].view().label, 'No alternate keys');
  });

  test('details are loaded only when a folder is expanded', async () => {
    const metadata = lookup();
    await loadChildren(new TableNode('c', ACCOUNT), metadata, explain);
    assert.deepEqual(metadata.calls, []);
    await loadChildren(new FolderNode(new TableNode('c', ACCOUNT), 'keys'), metadata, explain);
    assert.deepEqual(metadata.calls, ['keys account']);
  });
});

describe('the connection a node belongs to', () => {
  const CONN_A = '3f1e2d4c-0000-4000-8000-00000000000a';
  const CONN_B = '3f1e2d4c-0000-4000-8000-00000000000b';

  test('every node below a table names the table\'s connection, down to an option and an error', async () => {
    const tableNode = new TableNode(CONN_A, ACCOUNT);
    const choices = new FolderNode(tableNode, 'choices');
    const [industry] = await loadChildren(choices, lookup(), explain);
    const [option] = await loadChildren(industry!, lookup(), explain);
    const [error] = await loadChildren(new FolderNode(tableNode, 'keys'), lookup({ status: 403 }), explain);
    assert.ok(option instanceof OptionNode);
    assert.ok(error instanceof ErrorNode);
    for (const node of [tableNode, choices, industry!, option, error]) assert.equal(connectionIdOf(node), CONN_A, node.id);
    for (const node of tableNodes(CONN_B, [ACCOUNT], NO_FILTER)) assert.equal(connectionIdOf(node), CONN_B);
  });

  test('children load from the node\'s own connection, whichever is active', async () => {
    const own = lookup();
    const other = lookup();
    const opened: string[] = [];
    const open = async (id: string) => {
      opened.push(id);
      return id === CONN_A ? own : other;
    };
    const columns = await loadOwnChildren(new FolderNode(new TableNode(CONN_A, ACCOUNT), 'columns'), open, explain);
    assert.deepEqual(opened, [CONN_A]);
    assert.deepEqual(own.calls, ['columns account']);
    assert.deepEqual(other.calls, []);
    assert.equal(columns[0]!.id, `${CONN_A}/table/account/columns/accountid`);
  });

  test('a node whose connection is gone or signed out has no children; a failure to open it is explained', async () => {
    const folderNode = new FolderNode(new TableNode(CONN_A, ACCOUNT), 'columns');
    assert.deepEqual(await loadOwnChildren(folderNode, async () => undefined, explain), []);
    const [error] = await loadOwnChildren(folderNode, () => Promise.reject({ status: 401 }), explain);
    assert.ok(error instanceof ErrorNode);
    assert.equal(error.failed, folderNode);
  });
});

describe('errors', () => {
  test('a failed load becomes one explained error node with Retry, in place of the children', async () => {
    const nodes = await folder('columns', lookup({ status: 403 }));
    assert.equal(nodes.length, 1);
    const error = nodes[0] as ErrorNode;
    assert.ok(error instanceof ErrorNode);
    assert.equal(error.view().label, 'You do not have permission to read this.');
    assert.equal(error.view().description, 'HTTP 403');
    assert.equal(error.view().command?.id, 'dataverse.tables.retry');
    assert.equal(error.contextValue, 'dataverse.error');
    assert.match(error.tooltip(), /Fix: Ask for a role\./);
    assert.equal(error.failed?.id, 'conn1/table/account/columns');
  });

  test('a cancelled load shows nothing rather than an error', async () => {
    assert.deepEqual(await folder('columns', lookup({ name: 'AbortError' })), []);
  });

  test('a throttled load says so with its own icon and the wait', () => {
    const node = new ErrorNode(undefined, 'c', { code: 'HTTP 429', title: 'Too many requests.', cause: '', fix: 'Wait.', category: 'throttled', retryAfterSeconds: 12 });
    assert.equal(node.view().icon, 'watch');
    assert.match(node.tooltip(), /wait 12 s/);
  });
});

describe('filtering', () => {
  const tables = [ACCOUNT, table('contact'), table('new_project', { displayName: 'Project', kind: 'custom', isCustom: true }), table('email', { displayName: 'Email', kind: 'activity', isActivity: true })];

  test('text matches the logical or display name, ignoring case', () => {
    assert.deepEqual(filterTables(tables, { ...NO_FILTER, text: 'ACCO' }).map((t) => t.logicalName), ['account']);
    assert.deepEqual(filterTables(tables, { ...NO_FILTER, text: 'project' }).map((t) => t.logicalName), ['new_project']);
    assert.deepEqual(filterTables(tables, { ...NO_FILTER, text: 'new_' }).map((t) => t.logicalName), ['new_project']);
  });

  test('tables are listed by display name', () => {
    assert.deepEqual(filterTables(tables, NO_FILTER).map((t) => t.displayName), ['Account', 'Contact', 'Email', 'Project']);
  });

  test('hiding system tables keeps the custom ones', () => {
    assert.deepEqual(filterTables(tables, { ...NO_FILTER, showSystem: false }).map((t) => t.logicalName), ['new_project']);
  });

  test("a solution keeps only its tables, by metadata id", () => {
    const solution = { name: 'Projects', tableIds: new Set([tables[2]!.metadataId]) };
    assert.deepEqual(filterTables(tables, { ...NO_FILTER, solution }).map((t) => t.logicalName), ['new_project']);
  });

  test('the description says what is filtered', () => {
    assert.equal(describeFilter(NO_FILTER), '');
    assert.equal(describeFilter({ text: ' acc ', showSystem: false, solution: { name: 'Sales', tableIds: new Set() } }), '"acc" · custom only · solution Sales');
  });

  test('a filter that keeps nothing says so, never an empty tree', () => {
    const nodes = tableNodes('c', tables, { ...NO_FILTER, text: 'zzz' });
    assert.equal(nodes.length, 1);
    assert.equal(nodes[0]!.view().label, 'No table matches "zzz".');
  });

  test('hostile display names are carried as plain text, unchanged', () => {
    const hostile = table('new_x', { displayName: '<img src=x onerror=alert(1)>' });
    const [node] = tableNodes('c', [hostile], NO_FILTER);
    assert.equal(node!.view().label, '<img src=x onerror=alert(1)>');
  });
});

describe('actions', () => {
  test('New Query selects the primary name of ten rows', () => {
    assert.equal(newQueryText(ACCOUNT), 'GET accounts?$select=name&$top=10\n');
    assert.equal(newQueryText(table('activityparty', { primaryNameAttribute: null })), 'GET activitypartys?$select=activitypartyid&$top=10\n');
    assert.equal(newQueryText(table('x', { entitySetName: null })), undefined);
  });

  test('the maker portal and web UI addresses', () => {
    assert.equal(makerPortalUrl('e1a2b3c4-2222-4d5e-9f0a-1b2c3d4e5f61', ACCOUNT), `https://make.powerapps.com/environments/e1a2b3c4-2222-4d5e-9f0a-1b2c3d4e5f61/entities/${ACCOUNT.metadataId}`);
    assert.equal(recordsUrl('https://contoso.crm.dynamics.com/', ACCOUNT), 'https://contoso.crm.dynamics.com/main.aspx?pagetype=entitylist&etn=account');
  });
});

/**
 * A deterministic generator of many tables, so that a 'full' org has about
 * 1,000 tables with realistic column counts (most between 20 and 80, one
 * with more than 400), like a real Sales + Field Service environment.
 */
import type { AttributeTypeCode, EntityDef, OptionDef, OptionSetDef } from './model';
import { Rng } from './random';
import { ownedColumns, type AttrSpec, type SchemaBuilder } from './schemaBuilder';

const NOUNS = [
  'project', 'task', 'milestone', 'invoice', 'payment', 'asset', 'inspection', 'contract', 'vendor', 'shipment', 'order', 'quote',
  'resource', 'booking', 'skill', 'territory', 'region', 'survey', 'response', 'campaign', 'event', 'session', 'speaker', 'venue',
  'ticket', 'case', 'article', 'category', 'document', 'template', 'approval', 'request', 'expense', 'budget', 'forecast', 'goal',
  'metric', 'device', 'sensor', 'reading', 'alert', 'incident', 'warranty', 'claim', 'policy', 'coverage', 'agent', 'queue',
  'schedule', 'shift', 'timeentry', 'journal', 'ledger', 'product', 'pricelist', 'discount', 'bundle', 'license', 'subscription',
  'plan', 'phase', 'risk', 'issue', 'change', 'release', 'feature', 'backlog', 'sprint', 'workitem', 'review', 'feedback', 'note',
  'location', 'site', 'room', 'equipment', 'vehicle', 'route', 'stop', 'delivery', 'return', 'rma', 'lot', 'serial', 'batch',
  'donation', 'grant', 'member', 'chapter', 'course', 'enrollment', 'certification', 'exam', 'visit', 'referral', 'partner', 'deal',
] as const;

const CUSTOM_PREFIXES = ['new', 'msdyn', 'cr8a1', 'adx', 'mspp', 'contoso', 'msfp', 'cdm'] as const;

const COLUMN_WORDS = [
  'code', 'reference', 'amount', 'quantity', 'startdate', 'enddate', 'duedate', 'status', 'priority', 'comments', 'rating', 'score',
  'isactive', 'isapproved', 'percentcomplete', 'estimatedcost', 'actualcost', 'hours', 'notes', 'externalid', 'url', 'email', 'phone',
  'stage', 'source', 'channel', 'level', 'weight', 'length', 'width', 'height', 'latitude', 'longitude', 'serialnumber', 'version',
  'summary', 'details', 'outcome', 'reason', 'type', 'category', 'subcategory', 'language', 'country', 'city', 'street', 'postalcode',
] as const;

function title(word: string): string {
  const spaced = word.replace(/date$/, ' date').replace(/^is/, 'is ').replace(/number$/, ' number').replace(/cost$/, ' cost').replace(/complete$/, ' complete');
  return spaced.split(' ').filter(Boolean).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

/** The logical name of the one very wide table (400+ columns) in a full org. */
export const WIDE_TABLE = 'msdyn_workorder';

/** Declares generated tables until the schema holds `targetTotal` tables. */
export function declareGeneratedSchema(b: SchemaBuilder, targetTotal: number, seed: string): void {
  const rng = Rng.of(seed, 'generated-schema');
  const used = new Set(b.entities.map((e) => e.logicalName));
  const customTables: EntityDef[] = [];
  const localGlobals: OptionSetDef[] = b.globalOptionSets.filter((s) => s.isCustom);
  // A few more global choices for custom columns to share.
  for (let g = 0; g < 12; g++) {
    const word = NOUNS[(g * 7) % NOUNS.length]!;
    const options: OptionDef[] = Array.from({ length: 3 + (g % 5) }, (_, i) => ({ value: 100000000 + i, label: `${title(word)} option ${i + 1}` }));
    localGlobals.push(b.globalChoice(`new_${word}type`, `${title(word)} Type`, options, true));
  }

  const fixed: Array<{ name: string; display: string; columns: number }> = [
    { name: WIDE_TABLE, display: 'Work Order', columns: 420 },
    { name: 'new_project', display: 'Project', columns: 48 },
    { name: 'new_projecttask', display: 'Project Task', columns: 36 },
  ];
  let otc = 10000;
  let systemOtc = 4200;
  let n = 0;
  while (b.entities.length < targetTotal) {
    let logicalName: string;
    let display: string;
    let columnCount: number;
    const f = fixed[n];
    if (f) {
      logicalName = f.name; display = f.display; columnCount = f.columns;
    } else {
      const system = rng.chance(0.3);
      const noun1 = rng.pick(NOUNS);
      const noun2 = rng.chance(0.6) ? rng.pick(NOUNS) : '';
      const base = noun2 && noun2 !== noun1 ? noun1 + noun2 : noun1;
      logicalName = system ? base : `${rng.pick(CUSTOM_PREFIXES)}_${base}`;
      display = noun2 && noun2 !== noun1 ? `${title(noun1)} ${title(noun2)}` : title(noun1);
      // Most tables carry between 20 and 80 columns (17 of them are system columns).
      const r = rng.next();
      columnCount = r < 0.85 ? rng.int(20, 80) : r < 0.97 ? rng.int(81, 160) : rng.int(5, 19);
    }
    n++;
    if (used.has(logicalName)) continue;
    used.add(logicalName);
    const isCustom = logicalName.includes('_');
    const orgOwned = !f && rng.chance(0.15);
    const attrs: AttrSpec[] = [['name' === logicalName ? 'title' : isCustom ? `${logicalName.split('_')[0]}_name` : 'name', 'String', 'Name', { maxLength: 100, required: 'ApplicationRequired' }]];
    const standard = orgOwned
      ? ownedColumns(logicalName, isCustom).filter((a) => !['ownerid', 'owninguser', 'owningteam', 'owningbusinessunit'].includes(a[0]))
      : ownedColumns(logicalName, isCustom);
    attrs.push(...standard);
    const prefix = isCustom ? logicalName.split('_')[0] + '_' : '';
    const colRng = Rng.of(seed, 'columns', logicalName);
    const columnNames = new Set(attrs.map((a) => a[0]));
    let c = 0;
    while (attrs.length + 1 < columnCount) {
      const word = colRng.pick(COLUMN_WORDS);
      const name = `${prefix}${word}${columnNames.has(`${prefix}${word}`) ? ++c : ''}`;
      if (columnNames.has(name)) continue;
      columnNames.add(name);
      attrs.push(generatedColumn(colRng, name, `${title(word)}${name.match(/\d+$/) ? ' ' + name.match(/\d+$/)![0] : ''}`, customTables, localGlobals));
    }
    const entity = b.entity({
      logicalName,
      displayName: display,
      displayCollectionName: display.endsWith('s') ? display : `${display}s`,
      description: `${isCustom ? 'Custom table' : 'System table'} that stores ${display.toLowerCase()} records.`,
      objectTypeCode: isCustom ? otc++ : systemOtc++,
      ownership: orgOwned ? 'OrganizationOwned' : 'UserOwned',
      primaryName: attrs[0]![0],
      isCustom,
      isActivity: !isCustom && rng.chance(0.03),
    }, attrs);
    if (isCustom) customTables.push(entity);
    if (rng.chance(0.06) || logicalName === 'new_project') {
      const keyColumn = entity.attributes.find((a) => a.type === 'String' && !a.isPrimaryName);
      if (keyColumn) b.key(entity, `${prefix}${keyColumn.logicalName.replace(prefix, '')}key`, `${keyColumn.displayName} key`, [keyColumn.logicalName]);
    }
    if (logicalName === 'new_projecttask') {
      b.manyToMany('new_project_systemuser', 'new_project', 'systemuser', 'new_project_systemuser', true);
    }
  }
}

function generatedColumn(rng: Rng, name: string, display: string, customTables: readonly EntityDef[], globals: readonly OptionSetDef[]): AttrSpec {
  const r = rng.next();
  const pickType = (): AttributeTypeCode => {
    if (r < 0.34) return 'String';
    if (r < 0.44) return 'Integer';
    if (r < 0.49) return 'Decimal';
    if (r < 0.56) return 'Money';
    if (r < 0.68) return 'DateTime';
    if (r < 0.77) return 'Boolean';
    if (r < 0.89) return 'Picklist';
    if (r < 0.93) return 'Memo';
    return 'Lookup';
  };
  const type = pickType();
  switch (type) {
    case 'String': return [name, type, display, { maxLength: rng.pick([50, 100, 100, 200, 4000]), format: name.endsWith('email') ? 'Email' : name.endsWith('url') ? 'Url' : name.endsWith('phone') ? 'Phone' : 'Text' }];
    case 'Memo': return [name, type, display, { maxLength: rng.pick([2000, 4000, 100000]) }];
    case 'DateTime': return [name, type, display, { format: rng.chance(0.5) ? 'DateOnly' : 'DateAndTime' }];
    case 'Picklist': {
      if (rng.chance(0.3) && globals.length > 0) return [name, type, display, { optionSet: rng.pick(globals) }];
      const count = rng.int(2, 9);
      return [name, type, display, { options: Array.from({ length: count }, (_, i) => ({ value: 100000000 + i, label: `${display} ${String.fromCharCode(65 + i)}` })) }];
    }
    case 'Lookup': {
      const pool = ['account', 'contact', 'systemuser', ...customTables.slice(-20).map((e) => e.logicalName)];
      const target = rng.pick(pool);
      return [name, type, display, { targets: [target] }];
    }
    default: return [name, type, display];
  }
}

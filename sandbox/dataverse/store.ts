/**
 * Rows of one org: generated lazily (row i is a pure function of seed, table
 * and i, so 100,000 accounts cost no memory until read) with an in-memory
 * overlay for writes, plus the hand-made rows of users, roles, business unit,
 * team, organization and currency.
 */
import type { SeedApp, SeedOrg, SeedUser } from '../seed';
import { ROLE_NAMES } from './coreSchema';
import { isLookup, type AttributeDef, type EntityDef } from './model';
import { Rng, RowIdCodec, stableGuid } from './random';
import {
  CITIES, COMPANY_SUFFIXES, COMPANY_WORDS, FIRST_NAMES, HOSTILE_LONG_TEXT, HOSTILE_NAMES, LAST_NAMES,
} from './sampleText';
import type { Schema } from './schema';
import { SOLUTIONS, solutionId } from './solutions';
import { WIDE_TABLE } from './generatedSchema';

/** A stored lookup value. */
export interface LookupRef {
  readonly id: string;
  readonly type: string;
}

export type StoredValue = string | number | boolean | null | LookupRef;
/** A row keyed by column logical name. */
export type Row = Record<string, StoredValue>;

/** Number of generated rows per core table at each scale. */
export const ROW_COUNTS = {
  full: { account: 100_000, contact: 25_000 },
  core: { account: 300, contact: 200 },
} as const;

const EPOCH = Date.UTC(2021, 0, 1);
const SPAN = Date.UTC(2025, 5, 30) - EPOCH;

export function isLookupRef(value: StoredValue | undefined): value is LookupRef {
  return typeof value === 'object' && value !== null;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/**
 * `yyyy-mm-ddThh:mm:ssZ` of a UTC instant, whole seconds. Built by hand (days to civil date,
 * H. Hinnant's algorithm) because every generated row needs several and Date#toISOString dominated a full scan.
 */
export function iso(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86_400);
  let rest = seconds - days * 86_400;
  const hh = Math.floor(rest / 3600); rest -= hh * 3600;
  const mm = Math.floor(rest / 60);
  const ss = rest - mm * 60;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hh]}:${TWO_DIGITS[mm]}:${TWO_DIGITS[ss]}Z`;
}

interface TableData {
  readonly entity: EntityDef;
  readonly generatedCount: number;
  readonly codec: RowIdCodec;
  readonly generate: (index: number) => Row;
  /** Changes and deletions (null) of generated rows. */
  readonly overrides: Map<string, Row | null>;
  /** Created and hand-made rows, in insertion order. */
  readonly extra: Map<string, Row>;
  sortedIds?: string[];
  index?: ColumnIndex;
}

/**
 * Values of some columns for every row of a table, by scan position, so a query can filter and sort
 * 100,000 generated rows without rebuilding each row. Writes keep it current.
 */
export interface ColumnIndex {
  /** Row ids by position; null where the row was deleted. */
  readonly ids: Array<string | null>;
  /** Column logical name -> values by position. */
  readonly columns: Map<string, StoredValue[]>;
  /** Id -> position, built at the first write (only writes need it). */
  positions?: Map<string, number>;
}

/** Role names given to the seeded people (by the local part of their UPN); everyone else gets Salesperson. */
const ROLE_ASSIGNMENTS: Record<string, readonly string[]> = {
  'adele.vance': ['System Administrator'],
  'alex.wilber': ['Basic User'],
  'megan.bowen': ['Salesperson', 'Basic User'],
  'diego.siciliani': ['Sales Manager', 'Basic User'],
};

/** Owner teams of every org, with their roles and members (by the local part of their UPN): roles held through a team. */
const TEAMS: ReadonlyArray<{ readonly name: string; readonly roles: readonly string[]; readonly members: readonly string[] }> = [
  { name: 'Makers', roles: ['Environment Maker'], members: ['alex.wilber', 'megan.bowen'] },
];

export class DataStore {
  private readonly tables = new Map<string, TableData>();
  /** Bumped by every write to any table: cached query results older than this are stale. */
  private writeCount = 0;
  /** systemuserids of interactive users that own generated rows. */
  readonly ownerIds: string[] = [];
  readonly usdId: string;
  readonly defaultTeamId: string;

  constructor(
    private readonly schema: Schema,
    private readonly org: SeedOrg,
    users: readonly SeedUser[],
    apps: readonly SeedApp[],
    private readonly seed: string,
  ) {
    this.usdId = stableGuid(seed, 'transactioncurrency', 'USD');
    this.defaultTeamId = stableGuid(seed, 'team', 'default');
    const counts = ROW_COUNTS[org.scale];
    for (const entity of schema.entities) {
      let count = 0;
      let generate: (i: number) => Row = () => ({});
      if (entity.logicalName === 'account') { count = counts.account; generate = (i) => this.account(i); }
      else if (entity.logicalName === 'contact') { count = counts.contact; generate = (i) => this.contact(i); }
      else if (entity.isCustom || !['systemuser', 'businessunit', 'team', 'role', 'systemuserroles', 'teammembership', 'teamroles', 'organization', 'transactioncurrency', 'solution', 'solutioncomponent'].includes(entity.logicalName)) {
        const rng = Rng.of(seed, 'rowcount', entity.logicalName);
        count = entity.logicalName === WIDE_TABLE ? 60 : entity.logicalName === 'new_project' ? 40 : rng.int(0, 25);
        generate = (i) => this.genericRow(entity, i);
      }
      this.tables.set(entity.logicalName, {
        entity, generatedCount: count, codec: new RowIdCodec(seed, entity.logicalName), generate, overrides: new Map(), extra: new Map(),
      });
    }
    this.seedFixedRows(users, apps);
  }

  // ---- hand-made rows -------------------------------------------------------

  private seedFixedRows(users: readonly SeedUser[], apps: readonly SeedApp[]): void {
    const org = this.org;
    const created = iso(EPOCH - 86_400_000 * 30);
    const bu = org.rootBusinessUnitId;
    this.put('transactioncurrency', { transactioncurrencyid: this.usdId, currencyname: 'US Dollar', isocurrencycode: 'USD', currencysymbol: '$', exchangerate: 1, currencyprecision: 2 });
    this.put('organization', { organizationid: org.id, name: org.uniqueName, languagecode: 1033, basecurrencyid: { id: this.usdId, type: 'transactioncurrency' }, createdon: created, modifiedon: created });
    this.put('businessunit', { businessunitid: bu, name: org.uniqueName, divisionname: null, parentbusinessunitid: null, isdisabled: false, createdon: created, modifiedon: created });
    this.put('team', { teamid: this.defaultTeamId, name: org.uniqueName, teamtype: 0, isdefault: true, businessunitid: { id: bu, type: 'businessunit' }, createdon: created, modifiedon: created });
    const roleIds = new Map<string, string>();
    for (const name of ROLE_NAMES) {
      const roleid = stableGuid(this.seed, 'role', name);
      roleIds.set(name, roleid);
      this.put('role', { roleid, name, businessunitid: { id: bu, type: 'businessunit' }, ismanaged: name !== 'Sales Manager', createdon: created, modifiedon: created });
    }
    const addUser = (row: Row, roles: readonly string[]): void => {
      this.put('systemuser', { ...row, businessunitid: { id: bu, type: 'businessunit' }, isdisabled: false, createdon: created, modifiedon: created });
      for (const role of roles) {
        const roleid = roleIds.get(role)!;
        this.put('systemuserroles', { systemuserroleid: stableGuid(this.seed, 'systemuserroles', String(row['systemuserid']), roleid), systemuserid: row['systemuserid']!, roleid });
      }
    };
    addUser({ systemuserid: stableGuid(this.seed, 'systemuser', 'SYSTEM'), fullname: 'SYSTEM', firstname: null, lastname: 'SYSTEM', domainname: '', internalemailaddress: null, title: null, azureactivedirectoryobjectid: null, applicationid: null, accessmode: 1 }, ['System Administrator']);
    for (const user of users.filter((u) => u.orgs.includes(org.uniqueName))) {
      const systemuserid = stableGuid(this.seed, 'systemuser', user.oid);
      this.ownerIds.push(systemuserid);
      addUser({
        systemuserid, fullname: user.name, firstname: user.givenName, lastname: user.familyName, domainname: user.upn, internalemailaddress: user.upn,
        title: null, azureactivedirectoryobjectid: user.oid, applicationid: null, accessmode: 0,
      }, ROLE_ASSIGNMENTS[user.upn.split('@')[0]!] ?? ['Salesperson']);
    }
    for (const app of apps.filter((a) => a.applicationUserIn.includes(org.uniqueName))) {
      addUser({
        systemuserid: stableGuid(this.seed, 'systemuser', app.clientId), fullname: `# ${app.displayName}`, firstname: '#', lastname: app.displayName,
        domainname: `${app.clientId}@${org.uniqueName}.example`, internalemailaddress: null, title: null,
        azureactivedirectoryobjectid: app.servicePrincipalOid, applicationid: app.clientId, accessmode: 4,
      }, ['System Administrator']);
    }
    for (const team of TEAMS) {
      const teamid = stableGuid(this.seed, 'team', team.name);
      this.put('team', { teamid, name: team.name, teamtype: 0, isdefault: false, businessunitid: { id: bu, type: 'businessunit' }, createdon: created, modifiedon: created });
      for (const role of team.roles) {
        const roleid = roleIds.get(role)!;
        this.put('teamroles', { teamroleid: stableGuid(this.seed, 'teamroles', teamid, roleid), teamid, roleid });
      }
      for (const user of users.filter((u) => u.orgs.includes(org.uniqueName) && team.members.includes(u.upn.split('@')[0]!))) {
        const systemuserid = stableGuid(this.seed, 'systemuser', user.oid);
        this.put('teammembership', { teammembershipid: stableGuid(this.seed, 'teammembership', teamid, systemuserid), systemuserid, teamid });
      }
    }
    this.seedSolutions(created);
    const extraUsers = org.scale === 'full' ? 20 : 3;
    for (let i = 0; i < extraUsers; i++) {
      const rng = Rng.of(this.seed, 'user', i);
      const first = rng.pick(FIRST_NAMES); const last = rng.pick(LAST_NAMES);
      const systemuserid = stableGuid(this.seed, 'systemuser', 'generated', i);
      this.ownerIds.push(systemuserid);
      addUser({
        systemuserid, fullname: `${first} ${last}`, firstname: first, lastname: last, domainname: `user${i + 1}@${org.uniqueName}.example`,
        internalemailaddress: `user${i + 1}@${org.uniqueName}.example`, title: rng.pick(['Account Manager', 'Sales Representative', 'Field Technician', null]),
        azureactivedirectoryobjectid: stableGuid(this.seed, 'aad', i), applicationid: null, accessmode: 0,
      }, ['Salesperson']);
    }
  }

  /** The solutions and, for each table one holds, its component of type 1 (Entity). */
  private seedSolutions(created: string): void {
    for (const solution of SOLUTIONS) {
      const id = solutionId(this.seed, solution);
      this.put('solution', {
        solutionid: id, friendlyname: solution.friendlyName, uniquename: solution.uniqueName, version: solution.version, description: solution.description,
        ismanaged: solution.isManaged, isvisible: solution.isVisible, solutiontype: 0, parentsolutionid: null, installedon: created, createdon: created, modifiedon: created,
      });
      for (const entity of this.schema.entities.filter(solution.holds)) {
        this.put('solutioncomponent', {
          solutioncomponentid: stableGuid(this.seed, 'solutioncomponent', id, entity.metadataId), objectid: entity.metadataId, componenttype: 1,
          solutionid: { id, type: 'solution' }, rootsolutioncomponentid: null, rootcomponentbehavior: 0, ismetadata: true, createdon: created, modifiedon: created,
        });
      }
    }
  }

  private put(table: string, row: Row): void {
    const data = this.tables.get(table)!;
    data.extra.set(String(row[data.entity.primaryIdAttribute]), row);
  }

  // ---- generated rows -------------------------------------------------------

  private audit(rng: Rng, row: Row, entity: EntityDef): void {
    const createdon = EPOCH + Math.floor(rng.next() * SPAN);
    const modifiedon = createdon + Math.floor(rng.next() * 86_400_000 * 90);
    const owner = this.ownerIds[rng.int(0, this.ownerIds.length - 1)]!;
    const inactive = rng.chance(0.1);
    row['createdon'] = iso(createdon);
    row['modifiedon'] = iso(Math.min(modifiedon, EPOCH + SPAN));
    row['createdby'] = { id: owner, type: 'systemuser' };
    row['modifiedby'] = { id: this.ownerIds[rng.int(0, this.ownerIds.length - 1)]!, type: 'systemuser' };
    if (entity.ownershipType === 'UserOwned') {
      row['ownerid'] = { id: owner, type: 'systemuser' };
      row['owninguser'] = { id: owner, type: 'systemuser' };
      row['owningteam'] = null;
      row['owningbusinessunit'] = { id: this.org.rootBusinessUnitId, type: 'businessunit' };
    }
    row['statecode'] = inactive ? 1 : 0;
    row['statuscode'] = inactive ? 2 : 1;
    row['versionnumber'] = 1_000_000 + Math.floor((modifiedon - EPOCH) / 1000);
    row['importsequencenumber'] = null;
    row['overriddencreatedon'] = null;
    row['timezoneruleversionnumber'] = 4;
    row['utcconversiontimezonecode'] = null;
  }

  private account(i: number): Row {
    const t = this.tables.get('account')!;
    const rng = Rng.of(this.seed, 'account', i);
    const hostile = i % 50 === 7;
    const word = rng.pick(COMPANY_WORDS);
    const name = hostile ? HOSTILE_NAMES[Math.floor(i / 50) % HOSTILE_NAMES.length]! : `${word} ${rng.pick(COMPANY_SUFFIXES)} ${i + 1}`;
    const slug = word.toLowerCase().replace(/[^a-z]/g, '');
    const [city, country] = rng.pick(CITIES);
    const contacts = this.tables.get('contact')?.generatedCount ?? 0;
    const row: Row = {
      accountid: t.codec.idOf(i),
      name,
      accountnumber: `ACC-${String(i + 1).padStart(6, '0')}`,
      telephone1: rng.chance(0.9) ? `+1-425-555-${String(rng.int(0, 9999)).padStart(4, '0')}` : null,
      emailaddress1: rng.chance(0.8) ? `info${i + 1}@${slug}.example.com` : null,
      websiteurl: rng.chance(0.7) ? `https://www.${slug}.example.com` : null,
      address1_line1: `${rng.int(1, 9999)} ${rng.pick(['Main St', 'Market Street', 'Rue de Rivoli', 'Bahnhofstrasse', 'Avenida Paulista', '中央通り'])}`,
      address1_city: city,
      address1_country: country,
      address1_postalcode: String(rng.int(10000, 99999)),
      description: hostile ? HOSTILE_LONG_TEXT : rng.chance(0.3) ? `${name} is a ${rng.pick(['long-standing', 'new', 'strategic', 'regional'])} customer.` : null,
      industrycode: rng.chance(0.85) ? rng.int(1, 33) : null,
      customertypecode: rng.chance(0.8) ? rng.int(1, 12) : null,
      accountcategorycode: rng.chance(0.6) ? rng.int(1, 2) : null,
      revenue: rng.chance(0.75) ? Math.round(rng.next() * 500_000_000) / 100 * 100 : null,
      numberofemployees: rng.chance(0.7) ? rng.int(1, 250_000) : null,
      creditonhold: rng.chance(0.05),
      donotemail: rng.chance(0.1),
      primarycontactid: contacts > 0 && rng.chance(0.8) ? { id: this.tables.get('contact')!.codec.idOf(i % contacts), type: 'contact' } : null,
      parentaccountid: i >= 10 && i % 10 === 0 ? { id: t.codec.idOf(Math.floor(i / 10) - 1), type: 'account' } : null,
      transactioncurrencyid: { id: this.usdId, type: 'transactioncurrency' },
      new_region: rng.chance(0.9) ? 100000000 + rng.int(0, 3) : null,
      new_tier: rng.int(1, 5),
    };
    this.audit(rng, row, t.entity);
    return row;
  }

  private contact(i: number): Row {
    const t = this.tables.get('contact')!;
    const rng = Rng.of(this.seed, 'contact', i);
    const hostile = i % 40 === 3;
    const first = hostile ? HOSTILE_NAMES[Math.floor(i / 40) % HOSTILE_NAMES.length]! : rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const accounts = this.tables.get('account')!;
    const parent: StoredValue = rng.chance(0.05) && i > 0
      ? { id: t.codec.idOf(i - 1), type: 'contact' }
      : rng.chance(0.9) ? { id: accounts.codec.idOf(i % accounts.generatedCount), type: 'account' } : null;
    const row: Row = {
      contactid: t.codec.idOf(i),
      fullname: `${first} ${last}`,
      firstname: first,
      lastname: last,
      jobtitle: rng.chance(0.7) ? rng.pick(['Purchasing Manager', 'CEO', 'CTO', 'Buyer', 'Office Manager', 'Engineer', 'Développeuse', 'مدير المبيعات']) : null,
      emailaddress1: `${first.toLowerCase().replace(/[^a-z]/g, '') || 'contact'}.${last.toLowerCase().replace(/[^a-z]/g, '')}${i + 1}@example.com`,
      telephone1: `+1-206-555-${String(rng.int(0, 9999)).padStart(4, '0')}`,
      mobilephone: rng.chance(0.5) ? `+44 7700 ${String(rng.int(100000, 999999))}` : null,
      birthdate: rng.chance(0.4) ? iso(Date.UTC(1950, 0, 1) + rng.int(0, 18_000) * 86_400_000).slice(0, 10) : null,
      gendercode: rng.chance(0.6) ? rng.int(1, 2) : null,
      preferredcontactmethodcode: rng.int(1, 5),
      parentcustomerid: parent,
      description: hostile ? HOSTILE_LONG_TEXT : null,
      annualincome: rng.chance(0.3) ? rng.int(20_000, 400_000) : null,
      transactioncurrencyid: { id: this.usdId, type: 'transactioncurrency' },
      donotphone: rng.chance(0.1),
    };
    this.audit(rng, row, t.entity);
    return row;
  }

  private genericRow(entity: EntityDef, i: number): Row {
    const t = this.tables.get(entity.logicalName)!;
    const rng = Rng.of(this.seed, entity.logicalName, i);
    const row: Row = {};
    for (const a of entity.attributes) row[a.logicalName] = this.genericValue(entity, a, rng, i);
    row[entity.primaryIdAttribute] = t.codec.idOf(i);
    if (entity.primaryNameAttribute) row[entity.primaryNameAttribute] = i % 13 === 5 ? HOSTILE_NAMES[i % HOSTILE_NAMES.length]! : `${entity.displayName} ${String(i + 1).padStart(4, '0')}`;
    this.audit(rng, row, entity);
    return row;
  }

  private genericValue(entity: EntityDef, a: AttributeDef, rng: Rng, i: number): StoredValue {
    if (rng.chance(0.15)) return null;
    switch (a.type) {
      case 'String': return a.format === 'Email' ? `row${i}@example.com` : a.format === 'Url' ? `https://example.com/${entity.logicalName}/${i}` : `${a.displayName} ${rng.int(1, 999)}`;
      case 'Memo': return `Notes for ${entity.displayName} ${i + 1}: ${rng.pick(['ok', 'needs follow-up', 'escalated', '<b>bold</b> claim', 'résumé attached'])}`;
      case 'Integer': return rng.int(0, 10_000);
      case 'BigInt': return rng.int(0, 1_000_000);
      case 'Decimal': case 'Double': return Math.round(rng.next() * 100_000) / 100;
      case 'Money': return Math.round(rng.next() * 10_000_000) / 100;
      case 'Boolean': return rng.chance(0.5);
      case 'DateTime': {
        const ms = EPOCH + Math.floor(rng.next() * SPAN);
        return a.format === 'DateOnly' ? iso(ms).slice(0, 10) : iso(ms);
      }
      case 'Picklist': case 'State': case 'Status': {
        const options = a.optionSet?.options ?? [];
        return options.length ? rng.pick(options).value : null;
      }
      case 'Lookup': case 'Customer': case 'Owner': {
        const target = a.targets?.[0];
        const data = target ? this.tables.get(target) : undefined;
        if (!data) return null;
        if (data.generatedCount > 0) return { id: data.codec.idOf(rng.int(0, data.generatedCount - 1)), type: target! };
        const ids = [...data.extra.keys()];
        return ids.length ? { id: rng.pick(ids), type: target! } : null;
      }
      default: return null;
    }
  }

  // ---- access ---------------------------------------------------------------

  private table(name: string): TableData {
    const data = this.tables.get(name);
    if (!data) throw new Error(`No table ${name}`);
    return data;
  }

  hasTable(name: string): boolean { return this.tables.has(name); }

  /** The row with this id, or undefined. */
  get(table: string, id: string): Row | undefined {
    const data = this.tables.get(table);
    if (!data) return undefined;
    const key = id.toLowerCase();
    const extra = data.extra.get(key);
    if (extra) return extra;
    const index = data.codec.indexOf(key, data.generatedCount);
    if (index === undefined) return undefined;
    const override = data.overrides.get(key);
    if (override === null) return undefined;
    return override ?? data.generate(index);
  }

  /** Every current row (generated rows first, in index order, then created rows). */
  *scan(table: string): Generator<Row> {
    const data = this.table(table);
    const hasOverrides = data.overrides.size > 0;
    for (let i = 0; i < data.generatedCount; i++) {
      if (hasOverrides) {
        const id = data.codec.idOf(i);
        const override = data.overrides.get(id);
        if (override === null) continue;
        if (override) { yield override; continue; }
      }
      yield data.generate(i);
    }
    yield* data.extra.values();
  }

  count(table: string): number {
    const data = this.table(table);
    let deleted = 0;
    for (const v of data.overrides.values()) if (v === null) deleted++;
    return data.generatedCount - deleted + data.extra.size;
  }

  /** All current ids sorted ascending (the default order: by primary key); cached until a create or delete. */
  sortedIds(table: string): string[] {
    const data = this.table(table);
    if (!data.sortedIds) {
      const ids: string[] = [];
      for (let i = 0; i < data.generatedCount; i++) {
        const id = data.codec.idOf(i);
        if (data.overrides.get(id) !== null) ids.push(id);
      }
      for (const id of data.extra.keys()) ids.push(id);
      ids.sort();
      data.sortedIds = ids;
    }
    return data.sortedIds;
  }

  /** How many writes the org has seen; a cached query result is valid while this is unchanged. */
  get generation(): number { return this.writeCount; }

  /** The column index of a table covering at least `columns`; built by one scan, widened by another when a query needs more columns. */
  columnIndex(table: string, columns: readonly string[]): ColumnIndex {
    const data = this.table(table);
    const have = data.index;
    if (have && columns.every((c) => have.columns.has(c))) return have;
    const wanted = [...new Set([...(have ? have.columns.keys() : []), ...columns])];
    // Filled by position into arrays of their final size: growing 20 arrays of 100,000 entries row by row kept the collector busy.
    const size = this.count(table);
    const ids = new Array<string | null>(size);
    const lists = wanted.map(() => new Array<StoredValue>(size));
    let p = 0;
    for (const row of this.scan(table)) {
      ids[p] = String(row[data.entity.primaryIdAttribute]);
      for (let c = 0; c < wanted.length; c++) lists[c]![p] = row[wanted[c]!] ?? null;
      p++;
    }
    const index: ColumnIndex = { ids, columns: new Map(wanted.map((c, i) => [c, lists[i]!])) };
    data.index = index;
    return index;
  }

  /** Position of a row in the table's column index, if there is an index and the row is in it. */
  private indexPosition(data: TableData, id: string): number | undefined {
    const index = data.index;
    if (!index) return undefined;
    if (!index.positions) {
      index.positions = new Map();
      index.ids.forEach((rowId, p) => { if (rowId !== null) index.positions!.set(rowId, p); });
    }
    return index.positions.get(id);
  }

  create(table: string, row: Row): string {
    const data = this.table(table);
    const id = String(row[data.entity.primaryIdAttribute]).toLowerCase();
    data.extra.set(id, row);
    data.sortedIds = undefined;
    if (data.index) {
      this.indexPosition(data, id); // builds the id map before the row is added
      data.index.positions!.set(id, data.index.ids.length);
      data.index.ids.push(id);
      for (const [name, values] of data.index.columns) values.push(row[name] ?? null);
    }
    this.writeCount++;
    return id;
  }

  /** Replaces a row's values (the caller merged the patch). */
  replace(table: string, id: string, row: Row): void {
    const data = this.table(table);
    const key = id.toLowerCase();
    if (data.extra.has(key)) data.extra.set(key, row);
    else data.overrides.set(key, row);
    const position = this.indexPosition(data, key);
    if (position !== undefined) for (const [name, values] of data.index!.columns) values[position] = row[name] ?? null;
    this.writeCount++;
  }

  delete(table: string, id: string): boolean {
    const data = this.table(table);
    const key = id.toLowerCase();
    if (!this.get(table, key)) return false;
    if (data.extra.has(key)) data.extra.delete(key);
    else data.overrides.set(key, null);
    data.sortedIds = undefined;
    const position = this.indexPosition(data, key);
    if (position !== undefined) { data.index!.ids[position] = null; data.index!.positions!.delete(key); }
    this.writeCount++;
    return true;
  }

  /** The primary name of a referenced row (lookup formatted values). */
  primaryName(ref: LookupRef): string | null {
    const entity = this.schema.entity(ref.type);
    if (!entity?.primaryNameAttribute) return null;
    const row = this.get(ref.type, ref.id);
    const v = row?.[entity.primaryNameAttribute];
    return typeof v === 'string' ? v : null;
  }

  /** systemuser row of a signed-in person (by Entra object id) or of an application user (by client id). */
  findCaller(claims: { oid?: string; appid?: string; isApp: boolean }): Row | undefined {
    for (const row of this.tables.get('systemuser')!.extra.values()) {
      if (row['isdisabled'] === true) continue;
      if (claims.isApp ? row['applicationid'] === claims.appid?.toLowerCase() : row['azureactivedirectoryobjectid'] === claims.oid?.toLowerCase()) return row;
    }
    return undefined;
  }

  /** Lookup columns of an entity, for callers that shape rows. */
  lookupColumns(entity: EntityDef): AttributeDef[] {
    return entity.attributes.filter(isLookup);
  }
}

/**
 * OrgMetadata against the full-scale sandbox org: a cold open loads the list
 * and stores it; a warm open answers from disk with no request; a refresh
 * downloads only what changed (an added column, a deleted column, a deleted
 * table); an expired stamp or a bad cache file leads to a full load.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Sandbox, startSandbox } from '../../../../sandbox/index';
import { isCancellation } from '../../../../src/auth/explainError';
import { metadataCachePath, readMetadataCache, writeMetadataCache } from '../../../../src/dataverse/metadata/metadataCache';
import { MetadataService } from '../../../../src/dataverse/metadata/metadataService';
import { OrgMetadata, type MetadataChangeEvent } from '../../../../src/dataverse/metadata/orgMetadata';
import { WebApiClient, type WebApiResponseEvent } from '../../../../src/dataverse/webApiClient';
import { sandboxClient } from '../sandboxClient';
import { memoryFileSystem, type MemoryFileSystem } from './memoryFileSystem';

let sandbox: Sandbox;
let client: WebApiClient;
let responses: WebApiResponseEvent[];
let orgUrl: string;
before(async () => {
  sandbox = await startSandbox();
  orgUrl = sandbox.orgs[0]!.url;
  ({ client, responses } = sandboxClient(sandbox, orgUrl));
});
after(async () => {
  await sandbox.close();
});

const cache = () => ({ folder: '/global-storage', orgUrl, identity: 'app:devkit-ci' });

function open(fs: MemoryFileSystem, service = new MetadataService(client)): Promise<OrgMetadata> {
  return OrgMetadata.open({ service, fs, cache: cache() });
}

/** A service whose every request fails: proves an answer came from the cache. */
function offlineService(): MetadataService {
  const offline = new WebApiClient({ orgUrl, tokens: { getToken: async () => ({ accessToken: 't' }) }, fetch: async () => { throw new Error('no network in this test'); } });
  return new MetadataService(offline);
}

describe('OrgMetadata', () => {
  test('cold: no cache, the first ask loads the list once and stores it; warm: the list is there at once, with no request', async () => {
    const fs = memoryFileSystem();
    const cold = await open(fs);
    assert.equal(cold.cacheRejection, 'missing');
    assert.equal(cold.knownTables(), undefined);
    const [a, b] = await Promise.all([cold.tables(), cold.tables()]);
    assert.equal(a, b, 'concurrent asks share one load');
    assert.equal(a.length, 1000);
    assert.equal(cold.source, 'network');
    await cold.columns('account');
    await cold.flush();
    assert.ok(fs.files.has(metadataCachePath(cache())));

    const warm = await open(fs, offlineService());
    assert.equal(warm.cacheRejection, undefined);
    assert.equal(warm.source, 'cache');
    assert.equal(warm.knownTables()?.length, 1000);
    assert.deepEqual(warm.knownTables(), a, 'the reopened cache holds the same tables, labels included');
    assert.equal((await warm.tableByEntitySet('accounts'))?.logicalName, 'account');
    assert.equal((await warm.column('account', '_primarycontactid_value'))?.logicalName, 'primarycontactid');
    assert.equal(warm.knownDetail('account', 'relationships'), undefined);
    await assert.rejects(warm.relationships('account'), /no network in this test/);
  });

  test('a refresh after changes downloads only them: an added column, a deleted column and a deleted table', async () => {
    const fs = memoryFileSystem();
    const org = await open(fs);
    const full = await org.refresh();
    assert.equal(full.kind, 'full');
    assert.equal(full.reason, 'noCache');
    const before = await org.columns('new_project');
    const victim = before.find((c) => c.isCustom && !c.isPrimaryName && !c.isPrimaryId && !c.attributeOf && c.type === 'String')!;
    assert.ok(victim, 'new_project has a custom text column to delete');
    const stampBefore = ((await readMetadataCache(fs, cache())) as { snapshot?: { stamp: string | null } }).snapshot?.stamp;
    assert.ok(stampBefore, 'a full load stores a stamp');
    const deletedTable = (await org.tables()).find((t) => t.isCustom && t.logicalName !== 'new_project' && t.logicalName !== 'new_projecttask')!;

    await client.send("EntityDefinitions(LogicalName='new_project')/Attributes", {
      method: 'POST',
      body: { '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata', SchemaName: 'new_Budgetcode', DisplayName: { LocalizedLabels: [{ Label: 'Budget code', LanguageCode: 1033 }] }, MaxLength: 20 },
    });
    await client.send(`EntityDefinitions(LogicalName='new_project')/Attributes(${victim.metadataId})`, { method: 'DELETE' });
    await client.send(`EntityDefinitions(LogicalName='${deletedTable.logicalName}')`, { method: 'DELETE' });

    const events: MetadataChangeEvent[] = [];
    org.onDidChange((e) => events.push(e));
    responses.length = 0;
    const result = await org.refresh();
    assert.equal(result.kind, 'incremental');
    assert.equal(responses.length, 1, 'one RetrieveMetadataChanges request');
    assert.match(responses[0]!.url, /RetrieveMetadataChanges\(Query=@q,ClientVersionStamp=@s,DeletedMetadataFilters=@d\)$/);
    assert.ok(result.bytes * 50 < full.bytes, `refresh ${result.bytes} bytes vs full load ${full.bytes}`);
    assert.deepEqual(result.deletedTables, [deletedTable.logicalName]);

    const after = org.knownDetail('new_project', 'columns')!;
    const added = after.find((c) => c.logicalName === 'new_budgetcode');
    assert.equal(added?.displayName, 'Budget code');
    assert.equal(added?.maxLength, 20);
    assert.equal(added?.tableLogicalName, 'new_project');
    assert.ok(!after.some((c) => c.metadataId === victim.metadataId), 'the deleted column is gone');
    assert.equal(after.length, before.length);
    assert.equal(await org.table(deletedTable.logicalName), undefined);
    assert.ok(events.some((e) => e.tables && e.detailsOf.includes('new_project')));

    const reread = await readMetadataCache(fs, cache());
    assert.ok(reread.ok);
    assert.ok(reread.snapshot.details['new_project']?.columns?.some((c) => c.logicalName === 'new_budgetcode'), 'the refresh was saved');
    assert.ok(!reread.snapshot.tables.some((t) => t.logicalName === deletedTable.logicalName));
    assert.notEqual(reread.snapshot.stamp, stampBefore, 'the new stamp is stored');

    responses.length = 0;
    const none = await org.refresh();
    assert.deepEqual([none.kind, none.changedTables, none.deletedTables], ['incremental', [], []]);
  });

  test('the cache is written once the list is in memory, even when the org is closed right after it came', async () => {
    const fs = memoryFileSystem();
    const org = await open(fs);
    const tables = await org.tables();
    org.dispose();
    await org.flush();
    const saved = await readMetadataCache(fs, cache());
    assert.ok(saved.ok, 'the write asked for before dispose() happened');
    assert.deepEqual(saved.snapshot.tables, tables);
  });

  test('a full load after a table was deleted: lookups made before it no longer find the table, and it is reported deleted', async () => {
    const org = await open(memoryFileSystem());
    const victim = [...(await org.tables())].reverse().find((t) => t.isCustom && t.entitySetName && !t.logicalName.startsWith('new_project'))!;
    assert.equal((await org.tableByEntitySet(victim.entitySetName!))?.logicalName, victim.logicalName);
    assert.equal((await org.table(victim.logicalName))?.entitySetName, victim.entitySetName);
    await client.send(`EntityDefinitions(LogicalName='${victim.logicalName}')`, { method: 'DELETE' });

    const result = await org.refresh({ full: true });
    assert.deepEqual([result.kind, result.deletedTables], ['full', [victim.logicalName]]);
    assert.equal(await org.table(victim.logicalName), undefined);
    assert.equal(await org.tableByEntitySet(victim.entitySetName!), undefined);
    assert.equal((await org.tableByEntitySet('accounts'))?.logicalName, 'account');
  });

  test('an expired stamp (0x80044352) leads to a full load that replaces the cache', async () => {
    const fs = memoryFileSystem();
    const seed = await open(fs);
    await seed.tables();
    await seed.flush();
    const saved = await readMetadataCache(fs, cache());
    assert.ok(saved.ok);
    await writeMetadataCache(fs, cache(), { ...saved.snapshot, stamp: '1!2020-01-01T00:00:00Z', details: { account: { keys: [] } } });
    const org = await open(fs);
    assert.equal(org.source, 'cache');
    const result = await org.refresh();
    assert.equal(result.kind, 'full');
    assert.equal(result.reason, 'expiredStamp');
    assert.equal(org.knownDetail('account', 'keys'), undefined, 'details of the stale cache are dropped');
    const after = await readMetadataCache(fs, cache());
    assert.ok(after.ok && after.snapshot.stamp && !after.snapshot.stamp.startsWith('1!'));
  });

  test('a corrupted or truncated cache file is discarded at open and the list is loaded from the org', async () => {
    for (const damage of ['corrupted', 'truncated'] as const) {
      const fs = memoryFileSystem();
      const first = await open(fs);
      await first.tables();
      await first.flush();
      const path = metadataCachePath(cache());
      const bytes = fs.files.get(path)!;
      if (damage === 'truncated') fs.files.set(path, bytes.subarray(0, bytes.byteLength - 1000));
      else bytes[bytes.byteLength - 500] ^= 0x20;
      const org = await open(fs, offlineService());
      assert.equal(org.cacheRejection, damage);
      assert.equal(org.knownTables(), undefined, 'nothing from the bad file is shown');
      assert.equal(fs.files.has(path), false, 'the bad file is deleted');
      const fresh = await open(fs);
      assert.equal((await fresh.tables()).length, (await new MetadataService(client).tables()).length);
    }
  });

  test('a cache from an older format version, or for another label language, is discarded', async () => {
    const fs = memoryFileSystem();
    const first = await open(fs);
    await first.tables();
    await first.flush();
    const path = metadataCachePath(cache());
    const text = Buffer.from(fs.files.get(path)!).toString('utf8');
    fs.files.set(path, Buffer.from(text.replace('"version":1', '"version":0'), 'utf8'));
    assert.equal((await open(fs, offlineService())).cacheRejection, 'otherFormat');

    const second = await open(fs);
    await second.tables();
    await second.flush();
    const french = await open(fs, new MetadataService(client, { languageCode: 1036 }));
    assert.equal(french.cacheRejection, 'otherLanguage');
    assert.equal(french.knownTables(), undefined);
  });

  test('lookups for the .odata language: entity sets, navigation properties, choices; unknown tables are empty, not errors', async () => {
    const org = await open(memoryFileSystem());
    assert.equal((await org.navigationProperty('account', 'primarycontactid'))?.relatedTable, 'contact');
    assert.equal((await org.choices('account', 'new_region'))?.options[0]?.label, 'North America');
    assert.equal(await org.choices('account', 'name'), undefined);
    responses.length = 0;
    assert.deepEqual(await org.columns('no_such_table'), []);
    assert.deepEqual(await org.keys('no_such_table'), []);
    assert.equal(responses.length, 0);
  });

  test('a cache write that fails leaves the list usable, is reported, and the next change writes the file', async () => {
    const fs = memoryFileSystem();
    fs.failNextRename = true;
    const org = await open(fs);
    assert.equal((await org.tables()).length > 900, true);
    await org.flush();
    assert.match(String(org.lastSaveError), /EPERM/);
    assert.equal(fs.files.size, 0, 'no temp file is left behind');
    await org.keys('account');
    await org.flush();
    assert.equal(org.lastSaveError, undefined);
    assert.ok((await readMetadataCache(fs, cache())).ok);
  });

  test('a caller that gives up stops waiting without failing the others; what was read is kept', async () => {
    const org = await open(memoryFileSystem());
    await org.tables();
    const abort = new AbortController();
    responses.length = 0;
    const impatient = org.columns('contact', abort.signal);
    const patient = org.columns('contact');
    abort.abort();
    await assert.rejects(impatient, (e: unknown) => isCancellation(e));
    assert.ok((await patient).length > 10);
    assert.equal(responses.length, 1, 'one request for both');
    assert.ok(org.knownDetail('contact', 'columns'));
  });

  test('concurrent refreshes share one request', async () => {
    const org = await open(memoryFileSystem());
    await org.tables();
    responses.length = 0;
    const [a, b, c] = await Promise.all([org.refresh(), org.refresh(), org.refresh()]);
    assert.equal(a, b);
    assert.equal(b, c);
    assert.equal(responses.length, 1);
  });

  test('sign-out deletes the cache and forgets the tables', async () => {
    const fs = memoryFileSystem();
    const org = await open(fs);
    await org.tables();
    await org.flush();
    await org.deleteCache();
    assert.equal(fs.files.size, 0);
    assert.equal(org.knownTables(), undefined);
    assert.equal((await open(fs, offlineService())).cacheRejection, 'missing');
  });
});

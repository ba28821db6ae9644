/**
 * The cache file: a versioned, checksummed format that refuses anything it
 * did not write whole (another format version, a flipped byte, a cut-off
 * file, a body of the wrong shape), and writes that never leave half a file.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeMetadataCache, deleteMetadataCache, encodeMetadataCache, metadataCachePath, readMetadataCache, writeMetadataCache, type MetadataSnapshot,
} from '../../../../src/dataverse/metadata/metadataCache';
import type { TableSummary } from '../../../../src/dataverse/metadata/model';
import { memoryFileSystem } from './memoryFileSystem';

const ORG = 'https://contososales.crm.dynamics.com';
const location = { folder: '/storage', orgUrl: ORG, identity: 'home-account-1' };

function table(logicalName: string, displayName = logicalName): TableSummary {
  return {
    metadataId: '00000000-0000-0000-0000-000000000001', logicalName, schemaName: logicalName, entitySetName: `${logicalName}s`, displayName,
    displayCollectionName: '', description: '', kind: 'system', isCustom: false, isActivity: false, isIntersect: false, isManaged: true,
    ownershipType: 'UserOwned', primaryIdAttribute: `${logicalName}id`, primaryNameAttribute: 'name', objectTypeCode: 1,
  };
}

const snapshot: MetadataSnapshot = {
  orgUrl: ORG,
  languageCode: null,
  stamp: '1000005!2026-12-01T10:00:00Z',
  refreshedAt: 1_700_000_000_000,
  tables: [table('account', 'Compte «client»'), table('contact')],
  details: { account: { keys: [{ metadataId: 'k', logicalName: 'key1', schemaName: 'Key1', displayName: '', keyAttributes: ['accountnumber'], indexStatus: 'Active' }] } },
};

describe('metadata cache format', () => {
  test('what is written reads back the same, non-ASCII labels included', () => {
    const decoded = decodeMetadataCache(encodeMetadataCache(snapshot));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.snapshot, snapshot);
  });

  test('one changed byte is caught by the checksum', () => {
    const bytes = encodeMetadataCache(snapshot);
    const at = bytes.indexOf('contact'.charCodeAt(0), bytes.indexOf(0x0a) + 1 + 40);
    bytes[at] ^= 0x01;
    const decoded = decodeMetadataCache(bytes);
    assert.ok(!decoded.ok);
    assert.equal(decoded.reason, 'corrupted');
  });

  test('a file cut short is truncated, wherever it was cut', () => {
    const bytes = encodeMetadataCache(snapshot);
    for (const length of [0, 10, bytes.indexOf(0x0a) + 1, bytes.byteLength - 1]) {
      const decoded = decodeMetadataCache(bytes.subarray(0, length));
      assert.ok(!decoded.ok, `cut at ${length}`);
      assert.equal(decoded.reason, 'truncated', `cut at ${length}`);
    }
  });

  test('a file of another format version, or not a cache at all, is another format', () => {
    const text = Buffer.from(encodeMetadataCache(snapshot)).toString('utf8').replace('"version":1', '"version":0');
    const old = decodeMetadataCache(Buffer.from(text, 'utf8'));
    assert.ok(!old.ok);
    assert.equal(old.reason, 'otherFormat');
    const plain = decodeMetadataCache(Buffer.from(`${JSON.stringify(snapshot)}\n`, 'utf8'));
    assert.ok(!plain.ok);
    assert.equal(plain.reason, 'otherFormat');
  });

  test('a body of the wrong shape is refused even with a good checksum', () => {
    const bad = { ...snapshot, tables: [{ ...table('account'), logicalName: 42 }] } as unknown as MetadataSnapshot;
    const decoded = decodeMetadataCache(encodeMetadataCache(bad));
    assert.ok(!decoded.ok);
    assert.equal(decoded.reason, 'corrupted');
    assert.match(decoded.detail, /table 0 has no logicalName/);
    const badColumns = { ...snapshot, details: { account: { columns: [{ logicalName: 'x' }] } } } as unknown as MetadataSnapshot;
    assert.equal((decodeMetadataCache(encodeMetadataCache(badColumns)) as { reason?: string }).reason, 'corrupted');
  });

  test('file names are hashed per org and identity, and name neither', () => {
    const path = metadataCachePath(location);
    assert.match(path, /^\/storage\/metadata-[0-9a-f]{32}\.json$/);
    assert.notEqual(path, metadataCachePath({ ...location, identity: 'home-account-2' }));
    assert.notEqual(path, metadataCachePath({ ...location, orgUrl: 'https://contosodev.crm.dynamics.com' }));
    assert.equal(path, metadataCachePath({ ...location, orgUrl: `${ORG.toUpperCase()}/` }));
  });

  test('a rejected file is deleted when read, and never trusted', async () => {
    const fs = memoryFileSystem();
    await writeMetadataCache(fs, location, snapshot);
    const path = metadataCachePath(location);
    fs.files.set(path, fs.files.get(path)!.subarray(0, 100));
    const read = await readMetadataCache(fs, location);
    assert.ok(!read.ok);
    assert.equal(read.reason, 'truncated');
    assert.equal(fs.files.has(path), false);
    assert.equal((await readMetadataCache(fs, location) as { reason?: string }).reason, 'missing');
  });

  test('a file holding another org is refused', async () => {
    const fs = memoryFileSystem();
    await writeMetadataCache(fs, location, { ...snapshot, orgUrl: 'https://other.crm.dynamics.com' });
    assert.equal((await readMetadataCache(fs, location) as { reason?: string }).reason, 'otherOrg');
  });

  test('writes are atomic: a crash while writing or renaming leaves the previous cache whole and no temp file', async () => {
    const fs = memoryFileSystem();
    await writeMetadataCache(fs, location, snapshot);
    const newer = { ...snapshot, tables: [table('account')] };
    fs.failNextWrite = true;
    await assert.rejects(writeMetadataCache(fs, location, newer), /ENOSPC/);
    fs.failNextRename = true;
    await assert.rejects(writeMetadataCache(fs, location, newer), /EPERM/);
    assert.deepEqual([...fs.files.keys()], [metadataCachePath(location)]);
    const read = await readMetadataCache(fs, location);
    assert.ok(read.ok);
    assert.equal(read.snapshot.tables.length, 2);
  });

  test('sign-out deletes the cache of that org and identity only', async () => {
    const fs = memoryFileSystem();
    const other = { ...location, identity: 'home-account-2' };
    await writeMetadataCache(fs, location, snapshot);
    await writeMetadataCache(fs, other, snapshot);
    await deleteMetadataCache(fs, location);
    assert.deepEqual([...fs.files.keys()], [metadataCachePath(other)]);
  });
});

/** The cache over Node's real file system: a folder created on first write, whole files only, and deletes that tolerate a missing file. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { deleteMetadataCache, metadataCachePath, readMetadataCache, writeMetadataCache } from '../../../../src/dataverse/metadata/metadataCache';
import { nodeMetadataFileSystem as fs } from '../../../../src/dataverse/metadata/nodeFileSystem';

const root = mkdtempSync(join(tmpdir(), 'devkit-metadata-fs-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('nodeMetadataFileSystem', () => {
  const location = { folder: join(root, 'globalStorage', 'publisher.dataverse-devkit'), orgUrl: 'https://contoso.crm.dynamics.com', identity: 'user-1' };
  const snapshot = { orgUrl: location.orgUrl, languageCode: 1033, stamp: null, refreshedAt: 1, tables: [], details: {} };

  test('a first write creates the folder; the file reads back; no temp file stays', async () => {
    assert.equal((await readMetadataCache(fs, location) as { reason?: string }).reason, 'missing');
    await writeMetadataCache(fs, location, snapshot);
    await writeMetadataCache(fs, location, { ...snapshot, refreshedAt: 2 });
    const read = await readMetadataCache(fs, location);
    assert.ok(read.ok);
    assert.equal(read.snapshot.refreshedAt, 2);
    assert.deepEqual(readdirSync(location.folder), [metadataCachePath(location).split('/').pop()]);
  });

  test('a damaged file on disk is deleted when read; deleting a missing file is no error', async () => {
    writeFileSync(metadataCachePath(location), '{"format":"dataverse-devkit/metadata-cache","version":1,"bytes":99,"sha256":"00"}\n{');
    assert.equal((await readMetadataCache(fs, location) as { reason?: string }).reason, 'truncated');
    assert.deepEqual(readdirSync(location.folder), []);
    await deleteMetadataCache(fs, location);
  });
});

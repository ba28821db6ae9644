/**
 * The Tables view's metadata sessions against the sandbox's small org: one
 * cache per org and identity, opened from disk, and deleted when the
 * connection is signed out or removed (here or in another window).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSandbox, type Sandbox } from '../../../../sandbox/index';
import type { Connection } from '../../../../src/auth/connection';
import { Emitter } from '../../../../src/core/emitter';
import { metadataCachePath } from '../../../../src/dataverse/metadata/metadataCache';
import { cacheIdentity, cacheLocation, MetadataSessions } from '../../../../src/views/explorer/metadataSessions';
import { sandboxTokens } from '../../dataverse/sandboxClient';
import { memoryFileSystem } from '../../dataverse/metadata/memoryFileSystem';

const FOLDER = '/global-storage';
let sandbox: Sandbox;
let orgUrl: string;

before(async () => {
  sandbox = await startSandbox();
  orgUrl = sandbox.orgs.find((o) => o.uniqueName === 'contosodev')!.url;
});
after(async () => {
  await sandbox.close();
});

function connection(id: string, more: Partial<Connection> = {}): Connection {
  return { id, name: id, orgUrl, tenantId: sandbox.tenants[0]!.id, authorityHost: 'login', flow: 'clientSecret', clientId: sandbox.apps.secret.clientId, tags: [], ...more };
}

/** Connections whose list and sign-in state a test changes, as the ConnectionManager would. */
function fakeConnections(initial: Connection[]) {
  const changed = new Emitter<void>();
  let list = initial;
  const signedOut = new Set<string>();
  return {
    onDidChange: changed.event,
    list: () => list,
    isSignedIn: async (id: string) => !signedOut.has(id),
    tokenProvider: () => sandboxTokens(sandbox, orgUrl),
    signOut(id: string) {
      signedOut.add(id);
      changed.fire();
    },
    remove(id: string) {
      list = list.filter((c) => c.id !== id);
      changed.fire();
    },
  };
}

const silent = { info() {}, warn() {}, error() {}, debug() {} } as never;

describe('metadata sessions', () => {
  test('a connection opens from its own cache; signing out deletes it, and another connection keeps its own', async () => {
    const fs = memoryFileSystem();
    const app = connection('app');
    const user = connection('user', { flow: 'interactive', clientId: 'public', homeAccountId: 'oid.tid' });
    const connections = fakeConnections([app, user]);
    const sessions = new MetadataSessions({ connections, folder: FOLDER, fs, fetch, log: silent });
    const appPath = metadataCachePath(cacheLocation(FOLDER, app));
    const userPath = metadataCachePath(cacheLocation(FOLDER, user));
    assert.notEqual(appPath, userPath, 'two identities on one org share a cache');

    const tables = await (await sessions.open(app)).tables();
    assert.ok(tables.some((t) => t.logicalName === 'account'));
    await (await sessions.open(user)).tables();
    assert.ok(fs.files.has(appPath) && fs.files.has(userPath));

    // Opened again in a new window: the list comes from disk.
    const again = new MetadataSessions({ connections, folder: FOLDER, fs, fetch, log: silent });
    assert.equal((await again.open(app)).source, 'cache');
    again.dispose();

    connections.signOut('app');
    await sessions.settled();
    assert.ok(!fs.files.has(appPath), 'the signed-out connection\'s cache is still on disk');
    assert.ok(fs.files.has(userPath));
    sessions.dispose();
  });

  test('removing a connection deletes its cache even when this window never opened it', async () => {
    const fs = memoryFileSystem();
    const app = connection('app');
    const writer = new MetadataSessions({ connections: fakeConnections([app]), folder: FOLDER, fs, fetch, log: silent });
    await (await writer.open(app)).tables();
    writer.dispose();
    const path = metadataCachePath(cacheLocation(FOLDER, app));
    assert.ok(fs.files.has(path));

    const connections = fakeConnections([app]);
    const sessions = new MetadataSessions({ connections, folder: FOLDER, fs, fetch, log: silent });
    connections.remove('app');
    await sessions.settled();
    assert.ok(!fs.files.has(path));
    sessions.dispose();
  });

  test('the identity of a cache: the app for app-only connections, the account for people', () => {
    assert.match(cacheIdentity(connection('a')), /^app:/);
    assert.equal(cacheIdentity(connection('u', { flow: 'deviceCode', homeAccountId: 'oid.tid' })), 'user:oid.tid');
  });
});

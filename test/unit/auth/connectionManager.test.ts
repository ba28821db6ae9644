import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectionSecretKeys, type Connection } from '../../../src/auth/connection';
import { ConnectionManager } from '../../../src/auth/connectionManager';
import { ConnectionStore, type MementoLike } from '../../../src/auth/connectionStore';
import { WebApiClient } from '../../../src/dataverse/webApiClient';
import { MemoryMemento, sampleConnection } from './connectionFixtures';
import { MemorySecretStore } from './msal/memorySecretStore';
import { startSandbox, type Sandbox } from '../../../sandbox/index';
import { CONTOSO_TENANT } from '../../../sandbox/seed';

const connection: Connection = sampleConnection;

function managerWith(secrets = new MemorySecretStore(), memento: MementoLike = new MemoryMemento()) {
  const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const manager = new ConnectionManager({
    store: new ConnectionStore(memento),
    secrets,
    fetch: () => Promise.reject(new Error('no network in this test')),
    logger: silent,
    ui: { openBrowser: () => Promise.resolve(), onDeviceCode: () => undefined },
    globalDiscoveryUrl: () => 'https://globaldisco.crm.dynamics.com',
  });
  let changes = 0;
  let changesHere = 0;
  manager.onDidChange(() => changes++);
  manager.onDidChangeHere(() => changesHere++);
  return { manager, secrets, counts: () => ({ changes, changesHere }) };
}

describe('ConnectionManager', () => {
  test('a change made here is announced to other windows; a refresh caused by another window is not echoed back', async () => {
    const { manager, counts } = managerWith();
    await manager.save(connection);
    assert.deepEqual(counts(), { changes: 1, changesHere: 1 });
    manager.refresh();
    assert.deepEqual(counts(), { changes: 2, changesHere: 1 });
  });

  test("a change another window made to the shared state is noticed once by a poll; this window's own changes are not", async () => {
    const shared = new MemoryMemento();
    const here = managerWith(new MemorySecretStore(), shared);
    const there = managerWith(new MemorySecretStore(), shared);
    await there.manager.save(connection);
    assert.equal(here.manager.refreshIfChangedElsewhere(), true);
    assert.equal(here.counts().changes, 1);
    assert.equal(here.counts().changesHere, 0, 'a change from elsewhere must not be echoed back');
    assert.equal(here.manager.refreshIfChangedElsewhere(), false);
    assert.equal(there.manager.refreshIfChangedElsewhere(), false, 'a window noticed its own change');
    await there.manager.save({ ...connection, id: 'c2', name: 'Contoso Test' });
    assert.equal(here.manager.refreshIfChangedElsewhere(), true, 'a second connection was not noticed');
    const active = there.manager.active()?.id === 'c1' ? 'c2' : 'c1';
    await there.manager.setActive(active);
    assert.equal(here.manager.refreshIfChangedElsewhere(), true, 'a new active connection was not noticed');
    assert.equal(here.manager.active()?.id, active);
  });

  test('sign-out deletes the secrets and keeps the connection; remove forgets it', async () => {
    const { manager, secrets } = managerWith();
    await manager.save(connection);
    await secrets.store(connectionSecretKeys('c1').clientSecret, 'a-secret-value');
    assert.equal(await manager.isSignedIn('c1'), true);
    await manager.signOut('c1');
    assert.equal(await manager.isSignedIn('c1'), false);
    assert.equal(await secrets.get(connectionSecretKeys('c1').clientSecret), undefined);
    assert.equal(manager.get('c1')?.name, 'Contoso Dev');
    await manager.remove('c1');
    assert.equal(manager.get('c1'), undefined);
  });
});

describe('ConnectionManager against the sandbox', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox.close();
  });

  test('a revoked token: the org answers 401, the manager renews once and retries; the issue event fires once per new token, not per cached hand-out', async () => {
    const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
    const shared = new MemoryMemento();
    const deps = {
      store: new ConnectionStore(shared),
      secrets: new MemorySecretStore(),
      fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, init),
      logger: silent,
      ui: { openBrowser: () => Promise.resolve(), onDeviceCode: () => undefined },
      globalDiscoveryUrl: () => sandbox.discoveryUrl,
    };
    const manager = new ConnectionManager(deps);
    const dev = sandbox.orgs.find((o) => o.uniqueName === 'contosodev')!;
    const draft: Connection = { id: 'dev', name: 'Dev', orgUrl: dev.url, tenantId: CONTOSO_TENANT.id, authorityHost: sandbox.entra.url, flow: 'clientSecret', clientId: sandbox.apps.secret.clientId, tags: [] };
    try {
      await manager.signInDraft(draft, { kind: 'clientSecret', clientSecret: sandbox.apps.secret.secret });
      await manager.save(draft);
      const first = await manager.getToken('dev');
      // A listener that reads the token again (as the token inspector does) must not make the event fire again.
      const issued: string[] = [];
      const listening: Promise<unknown>[] = [];
      manager.onDidIssueToken((e) => {
        issued.push(e.connectionId);
        listening.push(manager.getToken(e.connectionId));
      });
      await manager.getToken('dev');
      await Promise.all(listening);
      assert.deepEqual(issued, [], 'a cached token was announced as new');

      sandbox.configure({ dataverse: { revokeTokensIssuedBefore: Math.floor(Date.now() / 1000) + 1 } });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const issuedBefore = sandbox.issuedTokens().length;
      const me = await manager.testConnection('dev');
      assert.equal(me.applicationId, sandbox.apps.secret.clientId);
      assert.equal(sandbox.issuedTokens().length - issuedBefore, 1, 'the refused token was not renewed exactly once');
      await Promise.all(listening);
      assert.deepEqual(issued, ['dev'], 'the renewed token was announced exactly once');
      assert.notEqual((await manager.getToken('dev')).accessToken, first.accessToken);

      // Features build their Web API client from the manager's token provider.
      const client = new WebApiClient({ orgUrl: dev.url, tokens: manager.tokenProvider('dev'), fetch: deps.fetch });
      assert.equal((await client.get<{ UserId: string }>('WhoAmI')).UserId, me.userId);
      assert.throws(() => manager.tokenProvider('nope'), /no saved connection/);

      // Removed in another window (the shared list loses it): this window drops its token source too.
      const other = new ConnectionManager({ ...deps, store: new ConnectionStore(shared) });
      await other.remove('dev');
      manager.refresh();
      await assert.rejects(manager.getToken('dev'), /no saved connection/);
    } finally {
      sandbox.configure({ dataverse: { revokeTokensIssuedBefore: null } });
      manager.dispose();
    }
  });
});

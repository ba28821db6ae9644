import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectionSecretKeys, type Connection } from '../../../src/auth/connection';
import { ConnectionManager, SignInRequiredError, type ConnectionManagerDeps } from '../../../src/auth/connectionManager';
import { explainError } from '../../../src/auth/explainError';
import { ConnectionStore, type MementoLike } from '../../../src/auth/connectionStore';
import { WebApiClient } from '../../../src/dataverse/webApiClient';
import { MemoryMemento, sampleConnection } from './connectionFixtures';
import { MemorySecretStore } from './msal/memorySecretStore';
import { startSandbox, type Sandbox } from '../../../sandbox/index';
import { CONTOSO_TENANT } from '../../../sandbox/seed';
import { createRedactingLogger, secretRegistry } from '../../../src/core/logger';

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

describe('ConnectionManager.addSibling', () => {
  test('an environment whose URL is not a valid https environment URL is refused, and nothing is saved', async () => {
    const { manager, secrets } = managerWith();
    await manager.save(connection);
    await secrets.store(connectionSecretKeys('c1').tokenCache, '{"cache":1}');
    for (const url of ['http://contosotest.crm.dynamics.com', 'https://evil.com\\@contosotest.crm.dynamics.com', 'https://@contosotest.crm.dynamics.com']) {
      await assert.rejects(manager.addSibling(connection, { url, friendlyName: 'Contoso Test', uniqueName: 'contosotest' }), /cannot be added/, url);
    }
    assert.deepEqual(
      manager.list().map((c) => c.orgUrl),
      ['https://contosodev.crm.dynamics.com'],
    );
    const sibling = await manager.addSibling(connection, { url: 'https://ContosoTest.crm.dynamics.com/', friendlyName: 'Contoso Test', uniqueName: 'contosotest' });
    assert.equal(sibling.orgUrl, 'https://contosotest.crm.dynamics.com');
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

  /** What a window's manager is built from, against the sandbox; windows share `shared` (globalState) and `secrets`. */
  function sandboxDeps(shared: MemoryMemento, secrets: MemorySecretStore, extra: Partial<ConnectionManagerDeps> = {}): ConnectionManagerDeps {
    return {
      store: new ConnectionStore(shared),
      secrets,
      fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, init),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
      ui: { openBrowser: () => Promise.resolve(), onDeviceCode: () => undefined },
      globalDiscoveryUrl: () => sandbox.discoveryUrl,
      ...extra,
    };
  }

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

  test("a token asked for other scopes (another extension's session) is not announced as the connection's new token", async () => {
    const manager = new ConnectionManager(sandboxDeps(new MemoryMemento(), new MemorySecretStore()));
    const dev = sandbox.orgs.find((o) => o.uniqueName === 'contosodev')!;
    const draft: Connection = { id: 'own', name: 'Dev', orgUrl: dev.url, tenantId: CONTOSO_TENANT.id, authorityHost: sandbox.entra.url, flow: 'clientSecret', clientId: sandbox.apps.secret.clientId, tags: [] };
    try {
      await manager.signInDraft(draft, { kind: 'clientSecret', clientSecret: sandbox.apps.secret.secret });
      await manager.save(draft);
      const expiry = manager.tokenExpiresOn('own');
      const issued: string[] = [];
      manager.onDidIssueToken((e) => issued.push(e.connectionId));
      const other = await manager.getToken('own', { scopes: [`${dev.url}/.default`], forceRefresh: true });
      assert.ok(other.accessToken);
      assert.deepEqual(issued, []);
      assert.equal(manager.tokenExpiresOn('own'), expiry);
    } finally {
      manager.dispose();
    }
  });

  test('a sign-in never saved (the window closed before the save) leaves no secret behind after the next activation', async () => {
    let clock = Date.now();
    const shared = new MemoryMemento();
    const secrets = new MemorySecretStore();
    const deps = sandboxDeps(shared, secrets, { now: () => clock });
    const dev = sandbox.orgs.find((o) => o.uniqueName === 'contosodev')!;
    const draft = (id: string): Connection => ({ id, name: id, orgUrl: dev.url, tenantId: CONTOSO_TENANT.id, authorityHost: sandbox.entra.url, flow: 'clientSecret', clientId: sandbox.apps.secret.clientId, tags: [] });
    const secret = { kind: 'clientSecret' as const, clientSecret: sandbox.apps.secret.secret };
    const closed = new ConnectionManager(deps);
    await closed.signInDraft(draft('abandoned'), secret);
    await closed.signInDraft(draft('kept'), secret);
    await closed.save(draft('kept'));
    closed.dispose(); // the window closes before "abandoned" is saved
    assert.ok(secrets.values.has(connectionSecretKeys('abandoned').clientSecret));

    const busy = new ConnectionManager({ ...deps, store: new ConnectionStore(shared) });
    clock += 30 * 60_000;
    await busy.signInDraft(draft('in progress elsewhere'), secret); // another window, still asking for a name
    clock += 45 * 60_000;
    const next = new ConnectionManager({ ...deps, store: new ConnectionStore(shared) });
    try {
      assert.equal(await next.removeOrphanedSecrets(), 1);
      for (const key of Object.values(connectionSecretKeys('abandoned'))) assert.equal(secrets.values.get(key), undefined, key);
      assert.ok(secrets.values.has(connectionSecretKeys('kept').clientSecret), 'a saved connection keeps its secret');
      assert.ok(secrets.values.has(connectionSecretKeys('in progress elsewhere').clientSecret), "another window's recent sign-in keeps its secret");
      assert.equal((await next.testConnection('kept')).applicationId, sandbox.apps.secret.clientId);
    } finally {
      busy.dispose();
      next.dispose();
    }
  });

  test('a signed-out connection answers with SignInRequiredError (Sign In is the way out), and the secret entered again signs it back in', async () => {
    const secrets = new MemorySecretStore();
    const manager = new ConnectionManager(sandboxDeps(new MemoryMemento(), secrets));
    const dev = sandbox.orgs.find((o) => o.uniqueName === 'contosodev')!;
    const app: Connection = { id: 'app', name: 'Contoso Dev (app)', orgUrl: dev.url, tenantId: CONTOSO_TENANT.id, authorityHost: sandbox.entra.url, flow: 'clientSecret', clientId: sandbox.apps.secret.clientId, tags: [] };
    const secret = { kind: 'clientSecret' as const, clientSecret: sandbox.apps.secret.secret };
    try {
      await manager.signInDraft(app, secret);
      await manager.save(app);
      await manager.signOut(app.id);
      await assert.rejects(manager.testConnection(app.id), (e: unknown) => {
        assert.ok(e instanceof SignInRequiredError, `not a SignInRequiredError: ${String(e)}`);
        assert.equal(e.connectionId, app.id);
        assert.equal(e.reason, 'signedOut');
        assert.equal(explainError(e).title, '"Contoso Dev (app)" is signed out.');
        assert.match(explainError(e).fix, /Select Sign In/);
        return true;
      });
      // A wrong secret is refused and not kept; the right one signs it back in.
      await assert.rejects(manager.signInWithSecret(app.id, { kind: 'clientSecret', clientSecret: 'not-the-secret-value' }));
      assert.equal(await manager.isSignedIn(app.id), false);
      await manager.signInWithSecret(app.id, secret);
      assert.equal(await manager.isSignedIn(app.id), true);
      assert.equal((await manager.testConnection(app.id)).applicationId, sandbox.apps.secret.clientId);
    } finally {
      manager.dispose();
    }
  });

  test("an app connection learns the org's friendly name from the org itself (Global Discovery answers only people)", async () => {
    const manager = new ConnectionManager(sandboxDeps(new MemoryMemento(), new MemorySecretStore()));
    const dev = sandbox.orgs.find((o) => o.uniqueName === 'contosodev')!;
    const app: Connection = { id: 'named', name: 'draft', orgUrl: dev.url, tenantId: CONTOSO_TENANT.id, authorityHost: sandbox.entra.url, flow: 'clientSecret', clientId: sandbox.apps.secret.clientId, tags: [] };
    try {
      await manager.signInDraft(app, { kind: 'clientSecret', clientSecret: sandbox.apps.secret.secret });
      assert.deepEqual(await manager.discoverEnvironments(app), []);
      assert.deepEqual(await manager.currentOrganization(app), { friendlyName: 'Contoso Dev', uniqueName: 'contosodev' });
      assert.equal((await manager.testDraft(app)).organizationName, 'contosodev', "the organizations record holds only the unique name");
    } finally {
      manager.dispose();
    }
  });

  test('a new sign-in for the same org and identity is kept under the existing connection: one connection, signed in, name and tags kept', async () => {
    const secrets = new MemorySecretStore();
    const manager = new ConnectionManager(sandboxDeps(new MemoryMemento(), secrets));
    const dev = sandbox.orgs.find((o) => o.uniqueName === 'contosodev')!;
    const base = { orgUrl: dev.url, tenantId: CONTOSO_TENANT.id, authorityHost: sandbox.entra.url, flow: 'clientSecret' as const, clientId: sandbox.apps.secret.clientId };
    const secret = { kind: 'clientSecret' as const, clientSecret: sandbox.apps.secret.secret };
    try {
      const existing: Connection = { ...base, id: 'first', name: 'Dev as the app', tags: ['production'] };
      await manager.signInDraft(existing, secret);
      await manager.save(existing);
      await manager.signOut(existing.id);
      const draft: Connection = { ...base, id: 'again', name: 'draft', tags: [] };
      await manager.signInDraft(draft, secret);
      const kept = await manager.adoptDraft(draft, existing, { accountName: '# DevKit CI' });
      assert.deepEqual(manager.list().map((c) => [c.id, c.name, c.tags, c.accountName]), [['first', 'Dev as the app', ['production'], '# DevKit CI']]);
      assert.equal(kept.id, 'first');
      assert.equal(manager.active()?.id, 'first');
      assert.equal(await manager.isSignedIn('first'), true);
      for (const key of Object.values(connectionSecretKeys('again'))) assert.equal(secrets.values.get(key), undefined, `the draft's ${key} is left behind`);
      assert.equal((await manager.testConnection('first')).applicationId, sandbox.apps.secret.clientId);
    } finally {
      manager.dispose();
    }
  });

  test('the client secret and every token received are masked in the log, also in a window that reads them from SecretStorage', async () => {
    secretRegistry.clear();
    const lines: string[] = [];
    const record = (m: string) => void lines.push(m);
    const logger = createRedactingLogger({ trace: record, debug: record, info: record, warn: record, error: record });
    const shared = new MemoryMemento();
    const secrets = new MemorySecretStore();
    const deps = sandboxDeps(shared, secrets, { logger });
    const dev = sandbox.orgs.find((o) => o.uniqueName === 'contosodev')!;
    const draft: Connection = { id: 'masked', name: 'Dev', orgUrl: dev.url, tenantId: CONTOSO_TENANT.id, authorityHost: sandbox.entra.url, flow: 'clientSecret', clientId: sandbox.apps.secret.clientId, tags: [] };
    const secret = sandbox.apps.secret.secret;
    const manager = new ConnectionManager(deps);
    const other = new ConnectionManager({ ...deps, store: new ConnectionStore(shared) });
    try {
      const { token } = await manager.signInDraft(draft, { kind: 'clientSecret', clientSecret: secret });
      await manager.save(draft);
      logger.warn(`echoed ${secret} and ${encodeURIComponent(secret)} and ${token.accessToken.replace(/\./g, ' ')}`);
      // Another window: nothing registered yet in its process; reading the secret from SecretStorage registers it.
      secretRegistry.clear();
      const renewed = await other.getToken('masked', { forceRefresh: true });
      logger.warn(`echoed again ${secret} and ${renewed.accessToken.split('.')[2]}`);
      for (const line of lines) {
        assert.ok(!line.includes(secret), line);
        assert.ok(!line.includes(encodeURIComponent(secret)), line);
      }
      assert.ok(!lines.join('\n').includes(token.accessToken.split('.')[1]!), 'the payload of the token received was logged');
      assert.ok(!lines.join('\n').includes(renewed.accessToken.split('.')[2]!), 'the signature of the renewed token was logged');
    } finally {
      manager.dispose();
      other.dispose();
      secretRegistry.clear();
    }
  });
});

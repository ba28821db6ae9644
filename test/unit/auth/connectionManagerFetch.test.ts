/**
 * The network is injected in one place: the composition root hands a fetch to
 * the connection manager (and the inspector); nothing else calls the global one,
 * so tests, proxies and the sandbox see every request.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConnectionManager } from '../../../src/auth/connectionManager';
import { ConnectionStore, type MementoLike } from '../../../src/auth/connectionStore';
import { MemorySecretStore } from './msal/memorySecretStore';

const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

const memento: MementoLike = { get: () => undefined, update: async () => undefined };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('fetch is injected in one place', () => {
  test("discovering an org's tenant goes through the manager's fetch", async () => {
    const requests: string[] = [];
    const manager = new ConnectionManager({
      store: new ConnectionStore(memento),
      secrets: new MemorySecretStore(),
      fetch: async (input) => {
        requests.push(input);
        return new Response(null, { status: 401, headers: { 'WWW-Authenticate': `Bearer authorization_uri=https://login.microsoftonline.com/${TID}/oauth2/authorize, resource_id=https://org.crm.dynamics.com/` } });
      },
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
      ui: { openBrowser: () => Promise.resolve(), onDeviceCode: () => undefined },
      globalDiscoveryUrl: () => 'https://globaldisco.crm.dynamics.com',
    });
    const challenge = await manager.discoverAuthority('https://org.crm.dynamics.com');
    assert.match(challenge, new RegExp(TID));
    assert.deepEqual(requests, ['https://org.crm.dynamics.com/api/data/v9.2/']);
  });

  test('only src/extension.ts calls the global fetch', () => {
    const callers = sourceFiles('src').filter((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
        .some((line) => /(?<![.\w])fetch\s*[(,)]/.test(line)),
    );
    assert.deepEqual(callers, [join('src', 'extension.ts')]);
  });
});

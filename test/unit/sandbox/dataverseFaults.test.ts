/**
 * Service protection limits, fault injection and determinism of the Dataverse stand-in.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { USERS } from '../../../sandbox/seed';
import { makeKeys, mintToken, odata, startOrg, type Keys, type Running } from './dataverseHelpers';

const API = '/api/data/v9.2';
let keys: Keys;
let dev: Running;
let token: string;

before(async () => {
  keys = await makeKeys();
  dev = await startOrg(keys, 'contosodev');
  token = await mintToken(keys, { aud: dev.url, user: USERS[0] });
});
after(async () => { await dev.close(); });

const whoAmI = (): Promise<Response> => odata(`${dev.url}${API}/WhoAmI`, token);

describe('service protection limits', () => {
  test('off by default; rate-limit headers present', async () => {
    const res = await whoAmI();
    assert.equal(res.status, 200);
    assert.ok(Number(res.headers.get('x-ms-ratelimit-burst-remaining-xrm-requests')) > 0);
    assert.ok(res.headers.get('x-ms-ratelimit-time-remaining-xrm-requests'));
  });

  for (const [kind, code] of [['requests', '0x80072322'], ['executionTime', '0x80072321'], ['concurrency', '0x80072326']] as const) {
    test(`${kind}: 429 + Retry-After + ${code}`, async () => {
      dev.handler.configure({ throttle: { kind, retryAfterSeconds: 7, count: 1 } });
      const res = await whoAmI();
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '7');
      assert.equal(res.headers.get('x-ms-ratelimit-burst-remaining-xrm-requests'), '0');
      assert.equal((await res.json() as { error: { code: string } }).error.code, code);
      assert.equal((await whoAmI()).status, 200, 'count: 1 throttles only the next request');
      dev.handler.configure({ throttle: null });
    });
  }

  test('everyNth and path pattern', async () => {
    dev.handler.configure({ throttle: { kind: 'requests', retryAfterSeconds: 1, everyNth: 2, path: '/accounts' } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await odata(`${dev.url}${API}/accounts?$select=name&$top=1`, token)).status);
    assert.deepEqual(statuses, [200, 429, 200, 429]);
    assert.equal((await whoAmI()).status, 200);
    dev.handler.configure({ throttle: null });
  });
});

describe('faults', () => {
  after(() => dev.handler.configure({ faults: [] }));

  test('5xx with a Dataverse body and with a gateway body', async () => {
    dev.handler.configure({ faults: [{ kind: 'status', status: 500, count: 1 }] });
    const a = await whoAmI();
    assert.equal(a.status, 500);
    assert.ok((await a.json() as { error: { code: string } }).error.code);
    dev.handler.configure({ faults: [{ kind: 'status', status: 502, body: 'gateway', count: 1 }] });
    const b = await whoAmI();
    assert.equal(b.status, 502);
    dev.handler.configure({ faults: [{ kind: 'status', status: 503, count: 1 }] });
    const c = await whoAmI();
    assert.equal(c.status, 503);
    assert.ok(c.headers.get('retry-after'));
    assert.equal((await whoAmI()).status, 200);
  });

  test('HTML error page', async () => {
    dev.handler.configure({ faults: [{ kind: 'html', count: 1 }] });
    const res = await whoAmI();
    assert.equal(res.status, 502);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await res.text(), /<html>/);
  });

  test('truncated JSON', async () => {
    dev.handler.configure({ faults: [{ kind: 'truncate', count: 1 }] });
    const res = await odata(`${dev.url}${API}/accounts?$select=name&$top=5`, token);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.throws(() => JSON.parse(text));
  });

  test('dropped connection', async () => {
    dev.handler.configure({ faults: [{ kind: 'drop', count: 1 }] });
    await assert.rejects(async () => {
      const res = await odata(`${dev.url}${API}/accounts?$select=name&$top=50`, token);
      await res.text();
    });
    assert.equal((await whoAmI()).status, 200);
  });

  test('slow response still arrives', async () => {
    dev.handler.configure({ faults: [{ kind: 'slow', delayMs: 50, count: 1 }] });
    assert.equal((await whoAmI()).status, 200);
  });

  test('a fault limited to a path leaves other paths alone', async () => {
    dev.handler.configure({ faults: [{ kind: 'status', status: 500, path: 'EntityDefinitions' }] });
    assert.equal((await whoAmI()).status, 200);
    assert.equal((await odata(`${dev.url}${API}/EntityDefinitions?$select=LogicalName`, token)).status, 500);
  });
});

describe('determinism', () => {
  test('two handlers with the same seed serve the same first page', async () => {
    const other = await startOrg(keys, 'contosodev');
    try {
      const otherToken = await mintToken(keys, { aud: other.url, user: USERS[0] });
      const path = `${API}/accounts?$select=name,revenue,industrycode,_primarycontactid_value,createdon`;
      const a = await (await odata(`${dev.url}${path}`, token, { headers: { Prefer: 'odata.maxpagesize=50' } })).json() as { value: unknown[] };
      const b = await (await odata(`${other.url}${path}`, otherToken, { headers: { Prefer: 'odata.maxpagesize=50' } })).json() as { value: unknown[] };
      assert.equal(a.value.length, 50);
      assert.deepEqual(a.value, b.value);
      const c = await startOrg(keys, 'contosodev', { seed: 'another seed' });
      try {
        const cToken = await mintToken(keys, { aud: c.url, user: USERS[0] });
        const d = await (await odata(`${c.url}${path}`, cToken, { headers: { Prefer: 'odata.maxpagesize=50' } })).json() as { value: unknown[] };
        assert.notDeepEqual(a.value, d.value);
      } finally {
        await c.close();
      }
    } finally {
      await other.close();
    }
  });
});

describe('token revocation', () => {
  after(() => dev.handler.configure({ revokeTokensIssuedBefore: null }));

  test('tokens issued before the revocation get 401 with the challenge; newer tokens work', async () => {
    const now = Math.floor(Date.now() / 1000);
    const older = await mintToken(keys, { aud: dev.url, user: USERS[0], issuedAt: now - 60 });
    dev.handler.configure({ revokeTokensIssuedBefore: now - 30 });
    const refused = await odata(`${dev.url}${API}/WhoAmI`, older);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer authorization_uri=/);
    const fresh = await mintToken(keys, { aud: dev.url, user: USERS[0], issuedAt: now });
    assert.equal((await odata(`${dev.url}${API}/WhoAmI`, fresh)).status, 200);
    dev.handler.configure({ revokeTokensIssuedBefore: null });
    assert.equal((await odata(`${dev.url}${API}/WhoAmI`, older)).status, 200);
  });

  test('a time that is not a number is refused, not compared loosely', () => {
    assert.throws(() => dev.handler.configure({ revokeTokensIssuedBefore: '1700000000' as unknown as number }), /unix seconds/);
  });
});

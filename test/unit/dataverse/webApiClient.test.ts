/**
 * The Web API client against the sandbox org (paging, throttling, errors,
 * cancellation) and against fakes where the sandbox cannot be made to answer
 * on demand (a 401 that a fresh token cures).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type Sandbox, startSandbox } from '../../../sandbox/index';
import { isCancellation } from '../../../src/auth/explainError';
import { DataverseHttpError, DataverseNetworkError, type FetchLike } from '../../../src/dataverse/http';
import { WebApiClient } from '../../../src/dataverse/webApiClient';
import { sandboxClient } from './sandboxClient';

let sandbox: Sandbox;
let devUrl: string;
before(async () => {
  sandbox = await startSandbox();
  devUrl = sandbox.orgs.find((o) => o.uniqueName === 'contosodev')!.url;
});
after(async () => {
  await sandbox.close();
});

/** A fetch that answers from a list, recording what was sent. */
function scripted(answers: Array<() => Response>): { fetch: FetchLike; sent: Array<{ url: string; headers: Headers; body?: string }> } {
  const sent: Array<{ url: string; headers: Headers; body?: string }> = [];
  return {
    sent,
    fetch: async (url, init) => {
      sent.push({ url, headers: new Headers(init?.headers), ...(typeof init?.body === 'string' ? { body: init.body } : {}) });
      const next = answers.shift();
      if (!next) throw new Error(`unexpected request ${url}`);
      return next();
    },
  };
}

function countingTokens(): { getToken(o?: { forceRefresh?: boolean }): Promise<{ accessToken: string }>; calls: Array<boolean> } {
  const calls: boolean[] = [];
  return {
    calls,
    async getToken(o) {
      calls.push(!!o?.forceRefresh);
      return { accessToken: o?.forceRefresh ? 'fresh-token' : 'stale-token' };
    },
  };
}

describe('WebApiClient', () => {
  test('a 401 gets one fresh token and one retry; the retry carries the fresh token', async () => {
    const tokens = countingTokens();
    const { fetch, sent } = scripted([() => new Response('', { status: 401 }), () => Response.json({ UserId: 'x' })]);
    const client = new WebApiClient({ orgUrl: 'https://org.example.com/', tokens, fetch });
    assert.deepEqual(await client.get('WhoAmI'), { UserId: 'x' });
    assert.deepEqual(tokens.calls, [false, true]);
    assert.equal(sent.length, 2);
    assert.equal(sent[1]!.headers.get('authorization'), 'Bearer fresh-token');
    assert.equal(sent[0]!.url, 'https://org.example.com/api/data/v9.2/WhoAmI');
  });

  test('a second 401 is not retried again: it is a DataverseHttpError 401', async () => {
    const tokens = countingTokens();
    const { fetch, sent } = scripted([() => new Response('', { status: 401 }), () => new Response('', { status: 401 })]);
    const client = new WebApiClient({ orgUrl: 'https://org.example.com', tokens, fetch });
    await assert.rejects(client.get('WhoAmI'), (e: unknown) => e instanceof DataverseHttpError && e.status === 401);
    assert.equal(sent.length, 2);
  });

  test('OData headers, Prefer preferences and a JSON body are sent; the caller cannot replace the token', async () => {
    const { fetch, sent } = scripted([() => new Response(null, { status: 204 })]);
    const client = new WebApiClient({ orgUrl: 'https://org.example.com', tokens: countingTokens(), fetch });
    const response = await client.request('accounts', {
      method: 'POST',
      body: { name: 'Contoso' },
      headers: { Authorization: 'Bearer other' },
      prefer: { maxPageSize: 50, includeAnnotations: 'OData.Community.Display.V1.FormattedValue', returnRepresentation: true },
    });
    assert.equal(response.status, 204);
    assert.equal(response.body, undefined);
    const h = sent[0]!.headers;
    assert.equal(h.get('odata-version'), '4.0');
    assert.equal(h.get('odata-maxversion'), '4.0');
    assert.equal(h.get('accept'), 'application/json');
    assert.equal(h.get('content-type'), 'application/json');
    assert.equal(h.get('prefer'), 'odata.maxpagesize=50,odata.include-annotations="OData.Community.Display.V1.FormattedValue",return=representation');
    assert.equal(h.get('authorization'), 'Bearer stale-token');
    assert.equal(sent[0]!.body, '{"name":"Contoso"}');
  });

  test('a nextLink to another origin is refused before any token is sent', async () => {
    const { fetch, sent } = scripted([() => Response.json({ value: [{ n: 1 }], '@odata.nextLink': 'https://evil.example.net/api/data/v9.2/accounts?$skiptoken=x' })]);
    const tokens = countingTokens();
    const client = new WebApiClient({ orgUrl: 'https://org.example.com', tokens, fetch });
    await assert.rejects(client.getAll('accounts'), /Refusing to send the environment's token to https:\/\/evil\.example\.net/);
    assert.equal(sent.length, 1);
    assert.equal(tokens.calls.length, 1);
  });

  test('paths resolve under /api/data/v9.2/, or under the origin when they start with a slash', () => {
    const client = new WebApiClient({ orgUrl: 'https://org.example.com/', tokens: countingTokens(), fetch: globalThis.fetch });
    assert.equal(client.url('accounts?$top=1'), 'https://org.example.com/api/data/v9.2/accounts?$top=1');
    assert.equal(client.url('/api/data/v9.2/WhoAmI'), 'https://org.example.com/api/data/v9.2/WhoAmI');
    assert.equal(client.url('https://org.example.com/api/data/v9.2/accounts?$skiptoken=x'), 'https://org.example.com/api/data/v9.2/accounts?$skiptoken=x');
    assert.throws(() => client.url('//evil.example.net/api/data/v9.2/WhoAmI'), /Refusing to send/);
  });

  test('an org URL that is not https is refused with the fix', () => {
    assert.throws(() => new WebApiClient({ orgUrl: 'http://org.example.com', tokens: countingTokens(), fetch: globalThis.fetch }), /must start with https:\/\//);
    assert.throws(() => new WebApiClient({ orgUrl: 'org.example.com', tokens: countingTokens(), fetch: globalThis.fetch }), /is not a URL/);
  });

  test('paging follows @odata.nextLink with the same page size until the last page (sandbox)', async () => {
    const { client, responses } = sandboxClient(sandbox, devUrl);
    const all = await client.getAll<{ contactid: string }>('contacts?$select=fullname', { prefer: { maxPageSize: 40 } });
    const pages: number[] = [];
    for await (const page of client.pages('contacts?$select=fullname', { prefer: { maxPageSize: 40 } })) {
      pages.push(page.value.length);
      assert.equal(page.headers.get('preference-applied'), 'odata.maxpagesize=40');
    }
    const total = (await client.get<{ value: unknown[] }>('contacts?$select=fullname')).value.length;
    assert.ok(total > 80, `the dev org has ${total} contacts; the test needs several pages`);
    assert.equal(all.length, total);
    assert.equal(new Set(all.map((c) => c.contactid)).size, total, 'no record twice');
    assert.equal(pages.length, Math.ceil(total / 40));
    assert.ok(pages.slice(0, -1).every((n) => n === 40));
    assert.ok(responses.every((r) => !r.url.includes('?')), 'response events carry no query string');
  });

  test('maxPages stops reading early', async () => {
    const { client, responses } = sandboxClient(sandbox);
    const seen: number[] = [];
    for await (const page of client.pages('accounts?$select=name', { prefer: { maxPageSize: 500 }, maxPages: 2 })) {
      seen.push(page.value.length);
      assert.ok(page.nextLink?.startsWith(client.baseUrl));
    }
    assert.deepEqual(seen, [500, 500]);
    assert.equal(responses.length, 2);
  });

  test('throttling is a DataverseHttpError 429 carrying Retry-After (sandbox)', async () => {
    const { client } = sandboxClient(sandbox, devUrl);
    await client.get('WhoAmI');
    sandbox.configure({ dataverse: { throttle: { kind: 'requests', retryAfterSeconds: 7, count: 1 } } });
    try {
      await assert.rejects(client.get('WhoAmI'), (e: unknown) => {
        assert.ok(e instanceof DataverseHttpError);
        assert.equal(e.status, 429);
        assert.equal(e.code, '0x80072322');
        assert.equal(e.retryAfterSeconds, 7);
        return true;
      });
    } finally {
      sandbox.configure({ dataverse: { throttle: null } });
    }
  });

  test('Dataverse errors are typed with their code; a wrong entity set says so (sandbox)', async () => {
    const { client } = sandboxClient(sandbox, devUrl);
    await assert.rejects(client.get('acounts'), (e: unknown) => {
      assert.ok(e instanceof DataverseHttpError);
      assert.equal(e.status, 404);
      assert.equal(e.code, '0x8006088a');
      assert.match(e.request, /^GET https:\/\/.*\/api\/data\/v9\.2\/acounts$/);
      return true;
    });
  });

  test('a body cut off mid-way is an error naming the request, not a JSON SyntaxError (sandbox)', async () => {
    const { client } = sandboxClient(sandbox, devUrl);
    sandbox.configure({ dataverse: { faults: [{ kind: 'truncate', count: 1, path: '/accounts' }] } });
    try {
      await assert.rejects(client.get('accounts?$select=name'), (e: unknown) => e instanceof Error && !(e instanceof SyntaxError) && /accounts/.test(e.message));
    } finally {
      sandbox.configure({ dataverse: { faults: [] } });
    }
  });

  test('cancelling a request in flight rejects as a cancellation, not as a failure (sandbox)', async () => {
    const { client } = sandboxClient(sandbox, devUrl);
    await client.get('WhoAmI');
    sandbox.configure({ dataverse: { faults: [{ kind: 'slow', delayMs: 5000, count: 1, path: '/accounts' }] } });
    try {
      const abort = new AbortController();
      const pending = client.get('accounts?$select=name', { signal: abort.signal });
      setTimeout(() => abort.abort(), 50);
      await assert.rejects(pending, (e: unknown) => {
        assert.ok(e instanceof DataverseNetworkError);
        assert.equal(e.code, 'ABORT_ERR');
        assert.ok(isCancellation(e));
        return true;
      });
    } finally {
      sandbox.configure({ dataverse: { faults: [] } });
    }
  });

  test('a signal aborted before the call stops it before any request', async () => {
    const { fetch, sent } = scripted([]);
    const client = new WebApiClient({ orgUrl: 'https://org.example.com', tokens: countingTokens(), fetch: async (u, i) => (i?.signal?.throwIfAborted(), fetch(u, i)) });
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(client.get('WhoAmI', { signal: abort.signal }), (e: unknown) => isCancellation(e));
    assert.equal(sent.length, 0);
  });

  test('an unreachable org is a DataverseNetworkError with the socket code', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.3', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((r) => server.close(r));
    const client = new WebApiClient({ orgUrl: `https://127.0.0.3:${port}`, tokens: countingTokens(), fetch: globalThis.fetch });
    await assert.rejects(client.get('WhoAmI'), (e: unknown) => e instanceof DataverseNetworkError && e.code === 'ECONNREFUSED');
  });
});

/**
 * The Dataverse calls of the sign-in layer: the anonymous challenge against
 * the sandbox org, and the error shapes of callWithToken (fakes for what the
 * sandbox does not produce on demand). Run with NODE_EXTRA_CA_CERTS as in
 * msalTokenSource.test.ts.
 */
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Sandbox, startSandbox } from '../../../sandbox/index';
import { parseDataverseChallenge } from '../../../src/auth/challenge';
import {
  AuthorityDiscoveryError,
  DataverseHttpError,
  DataverseNetworkError,
  type FetchLike,
  callWithToken,
  discoverAuthority,
} from '../../../src/dataverse/http';

let sandbox: Sandbox;
before(async () => {
  sandbox = await startSandbox();
});
after(async () => {
  await sandbox.close();
});

const reply = (status: number, body = '', headers: Record<string, string> = {}): FetchLike => async () => new Response(body || null, { status, headers });

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.3', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

function discoveryFailure(reason: AuthorityDiscoveryError['reason'], message: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof AuthorityDiscoveryError);
    assert.equal(e.reason, reason);
    assert.match(e.message, message);
    return true;
  };
}

describe('discoverAuthority', () => {
  test('the sandbox org names its tenant on the sandbox Entra', async () => {
    const parsed = parseDataverseChallenge(await discoverAuthority(fetch, sandbox.orgs[0]!.url));
    assert.ok(parsed.ok, 'the header parses');
    assert.equal(parsed.challenge.authorityHost, sandbox.entra.url);
    assert.equal(parsed.challenge.tenantId, sandbox.orgs[0]!.tenantId);
  });

  test('a trailing slash or path on the org URL is fine', async () => {
    const parsed = parseDataverseChallenge(await discoverAuthority(fetch, `${sandbox.orgs[1]!.url}/`));
    assert.ok(parsed.ok && parsed.challenge.authorityHost === sandbox.entra.url);
  });

  test('a server that is not Dataverse (no 401): says so, with the status', async () => {
    await assert.rejects(discoverAuthority(reply(200, '<html>'), 'https://contoso.example.com'), discoveryFailure('unexpectedStatus', /answered 200 .*Dataverse environment URL/));
    await assert.rejects(discoverAuthority(fetch, sandbox.entra.url), (e: unknown) => e instanceof AuthorityDiscoveryError && e.reason === 'unexpectedStatus' && e.status !== 401);
  });

  test('a 401 without a Bearer challenge: says the header is missing or what it was', async () => {
    await assert.rejects(discoverAuthority(reply(401), 'https://contoso.example.com'), discoveryFailure('missingChallenge', /WWW-Authenticate was missing/));
    await assert.rejects(
      discoverAuthority(reply(401, '', { 'www-authenticate': 'Basic realm="x"' }), 'https://contoso.example.com'),
      discoveryFailure('missingChallenge', /was "Basic realm="x""/),
    );
  });

  test('nothing listening: a network failure naming the host and the socket error', async () => {
    const url = `https://127.0.0.3:${await closedPort()}`;
    await assert.rejects(discoverAuthority(fetch, url), discoveryFailure('network', new RegExp(`Could not reach ${url}: .*ECONNREFUSED`)));
  });

  test('not an https URL', async () => {
    await assert.rejects(discoverAuthority(fetch, 'contoso.crm.dynamics.com'), discoveryFailure('invalidUrl', /not a URL/));
    await assert.rejects(discoverAuthority(fetch, 'http://contoso.crm.dynamics.com'), discoveryFailure('invalidUrl', /https:\/\//));
  });
});

describe('callWithToken errors', () => {
  const token = { getToken: async () => ({ accessToken: 'secret-token-value' }) };

  test('a Dataverse error body gives status, code and message; never the token', async () => {
    const body = JSON.stringify({ error: { code: '0x80060888', message: "Resource not found for the segment 'acounts'." } });
    await assert.rejects(callWithToken(reply(404, body), token, { url: 'https://org.example.com/api/data/v9.2/acounts?$top=1' }), (e: unknown) => {
      assert.ok(e instanceof DataverseHttpError);
      assert.equal(e.status, 404);
      assert.equal(e.code, '0x80060888');
      assert.equal(e.message, "Resource not found for the segment 'acounts'.");
      assert.equal(e.request, 'GET https://org.example.com/api/data/v9.2/acounts');
      assert.ok(!JSON.stringify({ ...e, message: e.message, stack: e.stack }).includes('secret-token-value'));
      return true;
    });
  });

  test('a non-JSON error (a proxy page) falls back to the status', async () => {
    await assert.rejects(callWithToken(reply(502, '<html>Bad gateway</html>'), token, { url: 'https://org.example.com/api/data/v9.2/WhoAmI' }), (e: unknown) => {
      assert.ok(e instanceof DataverseHttpError);
      assert.equal(e.code, undefined);
      assert.match(e.message, /^Dataverse answered 502/);
      return true;
    });
  });

  test('throttling keeps Retry-After', async () => {
    const body = JSON.stringify({ error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.' } });
    await assert.rejects(callWithToken(reply(429, body, { 'retry-after': '7' }), token, { url: 'https://org.example.com/api/data/v9.2/accounts' }), (e: unknown) => {
      assert.ok(e instanceof DataverseHttpError);
      assert.equal(e.retryAfterSeconds, 7);
      return true;
    });
  });

  test('the caller cannot replace the Authorization header', async () => {
    let seen: string | null = null;
    const capture: FetchLike = async (_url, init) => ((seen = new Headers(init?.headers).get('authorization')), new Response('{}', { status: 200 }));
    await callWithToken(capture, token, { url: 'https://org.example.com/api/data/v9.2/WhoAmI', headers: { Authorization: 'Bearer other' } });
    assert.equal(seen, 'Bearer secret-token-value');
  });

  test('an unreachable org is a DataverseNetworkError, not a TypeError', async () => {
    const url = `https://127.0.0.3:${await closedPort()}/api/data/v9.2/WhoAmI`;
    await assert.rejects(callWithToken(fetch, token, { url }), (e: unknown) => {
      assert.ok(e instanceof DataverseNetworkError);
      assert.equal(e.code, 'ECONNREFUSED');
      return true;
    });
  });
});

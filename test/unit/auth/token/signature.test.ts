/**
 * verifySignature against the sandbox's published keys (JWKS), with real
 * tokens, forged ones, and every way fetching the keys can fail. Run:
 *   NODE_EXTRA_CA_CERTS=$(npx tsx sandbox/tls.ts --ensure) node --import tsx --test test/unit/auth/token/*.test.ts
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type Sandbox, startSandbox } from '../../../../sandbox/index';
import type { DecodedToken } from '../../../../src/auth/token/decode';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { isTrustedAuthorityHost } from '../../../../src/auth/challenge';
import { checkToken } from '../../../../src/auth/token/checks';
import { type SignatureResult, createKeySetCache, keysUrlFor, signatureCheck, verifySignature } from '../../../../src/auth/token/signature';
import { CONTOSO_TENANT_ID, decoded, org, secretAppToken, tampered, userToken } from './sandboxTokens';

let sandbox: Sandbox;
let userRaw: string;
let appRaw: string;

before(async () => {
  sandbox = await startSandbox();
  const sales = org(sandbox, 'contososales').url;
  userRaw = await userToken(sandbox, sales);
  appRaw = await secretAppToken(sandbox, sales);
});
after(async () => {
  await sandbox.close();
});

/** Trusts the sandbox's Entra only, as the extension does with dataverse.trustedAuthorityHosts. */
function options(extra: Partial<Parameters<typeof verifySignature>[1]> = {}) {
  return { authorityHost: sandbox.entra.url, isTrustedHost: (origin: string) => origin === sandbox.entra.url, fetch, ...extra };
}

/** A fetch that records its calls and answers with `answer`. */
function stubFetch(answer: (url: string) => Promise<Response>) {
  const calls: string[] = [];
  const f = (async (input: string | URL | Request) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    calls.push(url);
    return answer(url);
  }) as typeof fetch;
  return { calls, fetch: f };
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function assertNoToken(result: SignatureResult, raw: string) {
  const text = JSON.stringify(result);
  for (const part of raw.split('.')) if (part.length > 12) assert.ok(!text.includes(part), 'a reason quotes the token');
}

describe('tokens signed by the sandbox', () => {
  test('a user token verifies against the tenant keys', async () => {
    const result = await verifySignature(decoded(userRaw), options());
    assert.equal(result.status, 'verified', JSON.stringify(result));
    assert.equal(result.status === 'verified' && result.keysUrl, `${sandbox.entra.url}/${CONTOSO_TENANT_ID}/discovery/keys`);
    assert.equal(result.status === 'verified' && result.keyIssuer, `https://sts.windows.net/${CONTOSO_TENANT_ID}/`);
    assert.equal(signatureCheck(result).verdict, 'pass');
  });

  test('an app token verifies too', async () => {
    const result = await verifySignature(decoded(appRaw), options());
    assert.equal(result.status, 'verified');
    assert.equal(result.status === 'verified' && result.kid, decoded(appRaw).header.kid);
  });

  test('a token whose payload was changed is invalid', async () => {
    const forged = tampered(userRaw, { payload: { aud: org(sandbox, 'contosodev').url } });
    const result = await verifySignature(decoded(forged), options());
    assert.equal(result.status, 'invalid');
    assert.match(result.status === 'invalid' ? result.reason : '', /altered or forged/);
    assertNoToken(result, forged);
    const check = signatureCheck(result);
    assert.equal(check.verdict, 'fail');
    assert.match(check.ifRefused ?? '', /401/);
  });

  test('a key id the tenant does not publish: keyNotFound, a failure that explains rotation', async () => {
    const forged = tampered(userRaw, { header: { kid: 'no-such-key', x5t: 'no-such-key' } });
    const result = await verifySignature(decoded(forged), options());
    assert.equal(result.status, 'keyNotFound');
    assert.equal(result.status === 'keyNotFound' && result.kid, 'no-such-key');
    const check = signatureCheck(result);
    assert.equal(check.verdict, 'fail');
    assert.match(check.detail, /rotated/);
  });

  test('keys published for another issuer: invalid', async () => {
    const real = await (await fetch(`${sandbox.entra.url}/${CONTOSO_TENANT_ID}/discovery/keys`)).json() as { keys: Array<Record<string, unknown>> };
    const other = { keys: real.keys.map((k) => ({ ...k, issuer: 'https://sts.windows.net/2c4e6a8b-0d1f-4a3c-8e5b-7f9a1b3c5d70/' })) };
    const stub = stubFetch(async () => Response.json(other));
    const result = await verifySignature(decoded(userRaw), options({ fetch: stub.fetch }));
    assert.equal(result.status, 'invalid');
    assert.match(result.status === 'invalid' ? result.reason : '', /2c4e6a8b-0d1f-4a3c-8e5b-7f9a1b3c5d70/);
  });

  test('the {tenantid} placeholder of multi-tenant keys is filled in', async () => {
    const real = await (await fetch(`${sandbox.entra.url}/${CONTOSO_TENANT_ID}/discovery/keys`)).json() as { keys: Array<Record<string, unknown>> };
    const multi = { keys: real.keys.map((k) => ({ ...k, issuer: 'https://sts.windows.net/{tenantid}/' })) };
    const result = await verifySignature(decoded(userRaw), options({ fetch: stubFetch(async () => Response.json(multi)).fetch }));
    assert.equal(result.status, 'verified');
  });
});

describe('when the keys cannot be had, the signature is not verified, never passed', () => {
  test('keys on a closed port', async () => {
    const dead = `https://127.0.0.2:${await closedPort()}`;
    const result = await verifySignature(decoded(userRaw), options({ authorityHost: dead, isTrustedHost: (o) => o === dead }));
    assert.equal(result.status, 'notVerified');
    assert.ok(result.status === 'notVerified' && result.reason.includes(`${dead}/${CONTOSO_TENANT_ID}/discovery/keys`));
    assert.match(result.status === 'notVerified' ? result.reason : '', /ECONNREFUSED/);
    assert.equal(signatureCheck(result).verdict, 'notVerified');
  });

  test('fetch rejects (offline)', async () => {
    const stub = stubFetch(async () => {
      throw new TypeError('fetch failed');
    });
    const result = await verifySignature(decoded(userRaw), options({ fetch: stub.fetch }));
    assert.equal(result.status, 'notVerified');
    assert.equal(stub.calls.length, 1);
    assert.equal(signatureCheck(result).verdict, 'notVerified');
  });

  test('an untrusted sign-in host is never contacted', async () => {
    const stub = stubFetch(async () => Response.json({ keys: [] }));
    const result = await verifySignature(decoded(userRaw), options({ fetch: stub.fetch, isTrustedHost: () => false }));
    assert.equal(result.status, 'notVerified');
    assert.match(result.status === 'notVerified' ? result.reason : '', /not a trusted sign-in host/);
    assert.equal(stub.calls.length, 0);
    assert.equal(signatureCheck(result).verdict, 'notVerified');
  });

  test('an error status names the address and the status', async () => {
    const stub = stubFetch(async () => new Response('nope', { status: 503, statusText: 'Service Unavailable' }));
    const result = await verifySignature(decoded(userRaw), options({ fetch: stub.fetch }));
    assert.equal(result.status, 'notVerified');
    assert.match(result.status === 'notVerified' ? result.reason : '', /discovery\/keys answered HTTP 503/);
  });

  test('an answer that is not JSON', async () => {
    const stub = stubFetch(async () => new Response('<html>', { status: 200 }));
    const result = await verifySignature(decoded(userRaw), options({ fetch: stub.fetch }));
    assert.equal(result.status, 'notVerified');
    assert.match(result.status === 'notVerified' ? result.reason : '', /JSON/);
  });

  test('keys that never arrive time out', async () => {
    const hang = ((_url: string, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as typeof fetch;
    const result = await verifySignature(decoded(userRaw), options({ fetch: hang, timeoutMs: 50 }));
    assert.equal(result.status, 'notVerified');
    assert.match(result.status === 'notVerified' ? result.reason : '', /did not arrive within/);
  });

  test('an alg other than RS256 is not verified, without fetching', async () => {
    const stub = stubFetch(async () => Response.json({ keys: [] }));
    const forged = tampered(userRaw, { header: { alg: 'HS256' } });
    const result = await verifySignature(decoded(forged), options({ fetch: stub.fetch }));
    assert.equal(result.status, 'notVerified');
    assert.match(result.status === 'notVerified' ? result.reason : '', /unsupported alg/);
    assert.equal(stub.calls.length, 0);
  });
});

describe('keysUrlFor', () => {
  const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const MS = 'https://login.microsoftonline.com';
  const token = (iss: string): DecodedToken => ({ raw: 'a.b.c', header: { alg: 'RS256' }, payload: { iss, tid: TID } });
  const trustMs = (o: string) => o === MS;

  test('v1 tokens: the v1 keys of the tenant on the connection\'s authority', () => {
    assert.deepEqual(keysUrlFor(token(`https://sts.windows.net/${TID}/`), { authorityHost: MS, isTrustedHost: trustMs }), { url: `${MS}/${TID}/discovery/keys` });
  });

  test('v2 tokens: the issuer host when trusted, else the connection\'s authority', () => {
    assert.deepEqual(keysUrlFor(token(`${MS}/${TID}/v2.0`), { authorityHost: 'https://login.windows.net', isTrustedHost: () => true }), { url: `${MS}/${TID}/discovery/v2.0/keys` });
    assert.deepEqual(keysUrlFor(token(`https://evil.example.com/${TID}/v2.0`), { authorityHost: MS, isTrustedHost: trustMs }), { url: `${MS}/${TID}/discovery/v2.0/keys` });
  });

  test('an untrusted authority or a foreign issuer gives a reason, no address', () => {
    assert.ok('reason' in keysUrlFor(token(`https://sts.windows.net/${TID}/`), { authorityHost: 'https://evil.example.com', isTrustedHost: trustMs }));
    assert.ok('reason' in keysUrlFor(token('https://accounts.google.com'), { authorityHost: MS, isTrustedHost: trustMs }));
  });
});

describe('tokens minted here, keys served by a stub', () => {
  const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const MS = 'https://login.microsoftonline.com';
  const V1_KEYS = `${MS}/${TID}/discovery/keys`;
  let jwk: Record<string, unknown>;
  let v1Token: DecodedToken;
  let v2Token: DecodedToken;

  before(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    jwk = { ...(await exportJWK(publicKey)), kid: 'k1', x5t: 'k1', use: 'sig' };
    const mint = (iss: string) =>
      new SignJWT({ iss, tid: TID, aud: 'https://org.crm.dynamics.com', ver: iss.endsWith('v2.0') ? '2.0' : '1.0' })
        .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: 'k1', x5t: 'k1' })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
    v1Token = decoded(await mint(`https://sts.windows.net/${TID}/`));
    v2Token = decoded(await mint(`${MS}/${TID}/v2.0`));
  });

  const msOptions = (f: typeof fetch, extra: Partial<Parameters<typeof verifySignature>[1]> = {}) => ({ authorityHost: MS, isTrustedHost: (o: string) => o === MS, fetch: f, ...extra });
  const keysWithIssuer = (issuer: string | undefined) => ({ keys: [issuer === undefined ? jwk : { ...jwk, issuer }] });

  test('a v1 token verifies with a key that carries the v2-form issuer {tenantid}/v2.0', async () => {
    const stub = stubFetch(async () => Response.json(keysWithIssuer(`${MS}/{tenantid}/v2.0`)));
    const result = await verifySignature(v1Token, msOptions(stub.fetch));
    assert.equal(result.status, 'verified', JSON.stringify(result));
    assert.deepEqual(stub.calls, [V1_KEYS]);
    assert.equal(result.status === 'verified' && result.keyIssuer, `${MS}/${TID}/v2.0`);
  });

  test('a v2 token verifies with a key that carries the v1-form issuer', async () => {
    const stub = stubFetch(async () => Response.json(keysWithIssuer(`https://sts.windows.net/${TID}/`)));
    assert.equal((await verifySignature(v2Token, msOptions(stub.fetch))).status, 'verified');
  });

  test('the v1/v2 equivalence needs the same tenant', async () => {
    const stub = stubFetch(async () => Response.json(keysWithIssuer(`${MS}/2c4e6a8b-0d1f-4a3c-8e5b-7f9a1b3c5d70/v2.0`)));
    const result = await verifySignature(v1Token, msOptions(stub.fetch));
    assert.equal(result.status, 'invalid');
  });

  test('keys are fetched with redirects refused', async () => {
    const inits: Array<RequestInit | undefined> = [];
    const f = (async (_input: string | URL | Request, init?: RequestInit) => {
      inits.push(init);
      return Response.json(keysWithIssuer(undefined));
    }) as typeof fetch;
    assert.equal((await verifySignature(v1Token, msOptions(f))).status, 'verified');
    assert.equal(inits[0]?.redirect, 'error');
  });

  test('a forged issuer whose text only starts like a Microsoft host is not verified, and no keys are fetched', async () => {
    // The attack from the security review: the raw iss, pasted into a keys URL, would point at the
    // author's own app keys (…/discovery/v2.0/keys?appid=…) in another tenant, and the forged token would verify.
    const OTHER = '2c4e6a8b-0d1f-4a3c-8e5b-7f9a1b3c5d70';
    const APP = '11111111-2222-3333-4444-555555555555';
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const attackerJwk = { ...(await exportJWK(publicKey)), kid: 'evil', use: 'sig' };
    const forgedIssuers = [
      `${MS}\\${OTHER}\\discovery\\v2.0\\keys?appid=${APP}&x=/${TID}/v2.0`,
      `${MS}/${OTHER}/discovery/v2.0/keys?appid=${APP}&x=/${TID}/v2.0`,
      `${MS}#/${TID}/v2.0`,
      `https://x@login.microsoftonline.com/${TID}/v2.0`,
      `${MS}/${TID}/v2.0?appid=${APP}`,
    ];
    for (const iss of forgedIssuers) {
      const raw = await new SignJWT({ iss, tid: TID, aud: 'https://org.crm.dynamics.com', ver: '2.0' })
        .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: 'evil' })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
      const stub = stubFetch(async () => Response.json({ keys: [attackerJwk] }));
      const result = await verifySignature(decoded(raw), {
        authorityHost: MS,
        isTrustedHost: (origin) => isTrustedAuthorityHost(origin, 'public'),
        fetch: stub.fetch,
      });
      assert.equal(result.status, 'notVerified', `${iss}: ${JSON.stringify(result)}`);
      assert.equal(signatureCheck(result).verdict, 'notVerified', iss);
      assert.deepEqual(stub.calls, [], `${iss}: no keys are fetched for an issuer that does not parse`);
      const issuer = checkToken(decoded(raw), undefined, Math.floor(Date.now() / 1000)).find((c) => c.id === 'issuer');
      assert.equal(issuer?.verdict, 'fail', iss);
    }
  });

  test('keys URLs are built from the parsed issuer only', () => {
    const at = (iss: string) => keysUrlFor({ raw: 'a.b.c', header: { alg: 'RS256' }, payload: { iss, tid: TID } }, { authorityHost: MS, isTrustedHost: (o) => isTrustedAuthorityHost(o, 'public') });
    assert.deepEqual(at(`https://LOGIN.microsoftonline.com/${TID.toUpperCase()}/v2.0`), { url: `${MS}/${TID}/discovery/v2.0/keys` });
    assert.ok('reason' in at(`${MS}\\x\\discovery/${TID}/v2.0`));
    assert.ok('reason' in at(`${MS}/${TID}/v2.0/`.replace('/v2.0/', '/v2.0/x')));
  });

  test('a cache keeps a key set for its lifetime, per keys URL', async () => {
    let clock = 1_000_000;
    const cache = createKeySetCache({ ttlMs: 600_000, now: () => clock });
    const stub = stubFetch(async () => Response.json(keysWithIssuer(undefined)));
    const options = msOptions(stub.fetch, { cache });
    assert.equal((await verifySignature(v1Token, options)).status, 'verified');
    clock += 599_000;
    assert.equal((await verifySignature(v1Token, options)).status, 'verified');
    assert.equal(stub.calls.length, 1, 'the second check within 10 minutes does not refetch');
    assert.equal((await verifySignature(v2Token, options)).status, 'verified');
    assert.deepEqual(stub.calls, [V1_KEYS, `${MS}/${TID}/discovery/v2.0/keys`], 'another keys URL is fetched');
    clock += 1_000;
    assert.equal((await verifySignature(v1Token, options)).status, 'verified');
    assert.equal(stub.calls.length, 3, 'after the lifetime the keys are fetched again');
  });

  test('the default cache lifetime is 10 minutes', async () => {
    let clock = 0;
    const cache = createKeySetCache({ now: () => clock });
    const stub = stubFetch(async () => Response.json(keysWithIssuer(undefined)));
    await verifySignature(v1Token, msOptions(stub.fetch, { cache }));
    clock = 10 * 60_000 - 1;
    await verifySignature(v1Token, msOptions(stub.fetch, { cache }));
    assert.equal(stub.calls.length, 1);
    clock = 10 * 60_000;
    await verifySignature(v1Token, msOptions(stub.fetch, { cache }));
    assert.equal(stub.calls.length, 2);
  });

  test('a failed fetch is not cached', async () => {
    const cache = createKeySetCache();
    let fail = true;
    const stub = stubFetch(async () => (fail ? new Response('busy', { status: 503 }) : Response.json(keysWithIssuer(undefined))));
    assert.equal((await verifySignature(v1Token, msOptions(stub.fetch, { cache }))).status, 'notVerified');
    fail = false;
    assert.equal((await verifySignature(v1Token, msOptions(stub.fetch, { cache }))).status, 'verified');
    assert.equal(stub.calls.length, 2);
    const offline = stubFetch(async () => {
      throw new TypeError('fetch failed');
    });
    const cache2 = createKeySetCache();
    assert.equal((await verifySignature(v1Token, msOptions(offline.fetch, { cache: cache2 }))).status, 'notVerified');
    assert.equal(cache2.get(V1_KEYS), undefined);
  });

  test('a cached key set without the token\'s key is fetched again (key rotation)', async () => {
    const cache = createKeySetCache();
    cache.set(V1_KEYS, { keys: [{ ...jwk, kid: 'old', x5t: 'old' }] });
    const stub = stubFetch(async () => Response.json(keysWithIssuer(undefined)));
    assert.equal((await verifySignature(v1Token, msOptions(stub.fetch, { cache }))).status, 'verified');
    assert.equal(stub.calls.length, 1);
    assert.equal(cache.get(V1_KEYS)?.keys[0]?.kid, 'k1');
  });
});

/**
 * inspectToken and nextTimeBoundary: when the time checks change their verdict. Run:
 *   NODE_EXTRA_CA_CERTS=$(npx tsx sandbox/tls.ts --ensure) node --import tsx --test test/unit/auth/token/*.test.ts
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkToken, type TokenCheck } from '../../../../src/auth/token/checks';
import type { TokenDescription } from '../../../../src/auth/token/claims';
import type { DecodedToken } from '../../../../src/auth/token/decode';
import { inspectToken, nextTimeBoundary } from '../../../../src/auth/token/inspect';

const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const T = 1_800_000_000;

function times(t: { nbf?: number; iat?: number; exp?: number }): TokenDescription {
  return { version: '1.0', kind: 'user', kindReason: '', header: [], payload: [], notBefore: t.nbf, issuedAt: t.iat, expiresAt: t.exp };
}

function token(payload: Record<string, unknown>): DecodedToken {
  return { raw: 'a.b.c', header: { alg: 'RS256' }, payload: { iss: `https://sts.windows.net/${TID}/`, tid: TID, scp: 'user_impersonation', ...payload } };
}

function unsigned(payload: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ typ: 'JWT', alg: 'RS256', kid: 'k' })}.${part(payload)}.c2ln`;
}

const verdict = (checks: TokenCheck[], id: TokenCheck['id']) => checks.find((c) => c.id === id)?.verdict;

describe('nextTimeBoundary', () => {
  const d = times({ nbf: T, iat: T, exp: T + 3600 });

  test('before start − skew, the next change is start − skew (fail → warning)', () => {
    assert.equal(nextTimeBoundary(d, T - 1000), T - 300);
  });

  test('within the skew, the next change is the start itself (warning → pass)', () => {
    assert.equal(nextTimeBoundary(d, T - 300), T);
    assert.equal(nextTimeBoundary(d, T - 10), T);
  });

  test('then exp − 300 (pass → warning) and exp (warning → fail), then nothing', () => {
    assert.equal(nextTimeBoundary(d, T), T + 3300);
    assert.equal(nextTimeBoundary(d, T + 3300), T + 3600);
    assert.equal(nextTimeBoundary(d, T + 3600), undefined);
  });

  test('start is the later of nbf and iat', () => {
    assert.equal(nextTimeBoundary(times({ nbf: T, iat: T + 100, exp: T + 3600 }), T - 1000), T - 200);
    assert.equal(nextTimeBoundary(times({ nbf: T, iat: T + 100, exp: T + 3600 }), T + 50), T + 100);
    assert.equal(nextTimeBoundary(times({ iat: T, exp: T + 3600 }), T - 1000), T - 300, 'iat alone');
  });

  test('the skew is a parameter', () => {
    assert.equal(nextTimeBoundary(d, T - 1000, 60), T - 60);
    assert.equal(nextTimeBoundary(d, T - 1000, 0), T);
  });

  test('no description or no times: no boundary', () => {
    assert.equal(nextTimeBoundary(undefined, T), undefined);
    assert.equal(nextTimeBoundary(times({}), T), undefined);
  });

  test('each boundary is where checkToken changes its verdict', () => {
    const payload = { nbf: T, iat: T, exp: T + 3600 };
    const at = (now: number) => {
      const checks = checkToken(token(payload), undefined, now);
      return `${verdict(checks, 'notBefore')}/${verdict(checks, 'expiry')}`;
    };
    let now = T - 1000;
    const seen = [at(now)];
    for (let next = nextTimeBoundary(times(payload), now); next !== undefined; next = nextTimeBoundary(times(payload), now)) {
      assert.notEqual(at(next - 0.5), at(next + 0.5), `the verdict changes around ${next - T}`);
      now = next + 0.5;
      seen.push(at(now));
    }
    assert.deepEqual(seen, ['fail/pass', 'warning/pass', 'pass/pass', 'pass/warning', 'pass/fail']);
  });
});

describe('inspectToken', () => {
  test('decodes, describes and checks; options reach checkToken', () => {
    const raw = unsigned({ iss: `https://login.example.test/${TID}/v2.0`, tid: TID, nbf: T, iat: T, exp: T + 3600 });
    const plain = inspectToken(raw, undefined, T);
    assert.equal(plain.description?.expiresAt, T + 3600);
    assert.equal(verdict([...plain.checks], 'issuer'), 'fail');
    const trusted = inspectToken(raw, undefined, T, { isTrustedIssuerHost: (origin) => origin === 'https://login.example.test' });
    assert.equal(verdict([...trusted.checks], 'issuer'), 'pass');
    assert.equal(verdict([...inspectToken(raw, undefined, T - 100, { clockSkewSeconds: 10 }).checks], 'notBefore'), 'fail');
  });

  test('an undecodable token is a problem without checks', () => {
    const r = inspectToken('not a token', undefined, T);
    assert.ok(r.problem);
    assert.deepEqual(r.checks, []);
  });
});

describe('hostile tokens are explained, never thrown', () => {
  function nested(depth: number): string {
    return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  }
  const part = (text: string) => Buffer.from(text).toString('base64url');
  const withPayload = (payloadJson: string) => `${part('{"typ":"JWT","alg":"RS256"}')}.${part(payloadJson)}.c2ln`;

  test('a claim nested 5,000 levels deep is a payload problem that says why', () => {
    const raw = withPayload(`{"aud":"https://org.crm.dynamics.com","deep":${nested(5000)}}`);
    let r: ReturnType<typeof inspectToken> | undefined;
    assert.doesNotThrow(() => (r = inspectToken(raw, undefined, T)));
    assert.equal(r?.problem?.part, 'payload');
    assert.match(r?.problem?.message ?? '', /nested/);
    assert.deepEqual(r?.checks, []);
  });

  test('arrays nested deep in the header are refused the same way', () => {
    const raw = `${part(`{"typ":"JWT","alg":"RS256","x":${'['.repeat(3000)}${']'.repeat(3000)}}`)}.${part('{"aud":"x"}')}.c2ln`;
    const r = inspectToken(raw, undefined, T);
    assert.equal(r.problem?.part, 'header');
    assert.match(r.problem?.message ?? '', /nested/);
  });

  test('moderate nesting (as in real optional claims) is still shown', () => {
    const r = inspectToken(withPayload(`{"aud":"x","xms_cc":${nested(10)}}`), undefined, T);
    assert.equal(r.problem, undefined);
    assert.ok(r.description?.payload.some((row) => row.name === 'xms_cc'));
  });
});

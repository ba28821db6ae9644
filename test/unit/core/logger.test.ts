import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { keysUrlFor } from '../../../src/auth/token/signature';
import { createRedactingLogger, redact, singleLine } from '../../../src/core/logger';

const jwt = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL29yZy5jcm0uZHluYW1pY3MuY29tIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('redact', () => {
  test('removes a JWT wherever it appears', () => {
    const out = redact(`token was ${jwt} here`);
    assert.ok(!out.includes(jwt));
    assert.equal(out, 'token was [redacted token] here');
  });

  test('removes bearer credentials that are not JWTs', () => {
    assert.equal(redact('Authorization: Bearer abcdefgh12345678'), 'Authorization: Bearer [redacted]');
  });

  test('removes secret form fields and JSON members', () => {
    const out = redact('client_id=abc&client_secret=s3cr3t~value&scope=x {"refresh_token":"0.AAA-rt"}');
    assert.ok(!out.includes('s3cr3t'));
    assert.ok(!out.includes('0.AAA-rt'));
    assert.match(out, /client_id=abc/);
  });

  test('leaves ordinary text alone', () => {
    const line = 'GET https://contoso.crm.dynamics.com/api/data/v9.2/WhoAmI 200 in 120 ms';
    assert.equal(redact(line), line);
  });
});

describe('createRedactingLogger', () => {
  test('every level is redacted before it reaches the sink', () => {
    const lines: string[] = [];
    const sink = { trace: (m: string) => lines.push(m), debug: (m: string) => lines.push(m), info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const log = createRedactingLogger(sink);
    log.info(`a ${jwt}`);
    log.error(new Error(`b ${jwt}`));
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => !l.includes(jwt)));
    assert.equal(lines[1], 'Error: b [redacted token]');
  });

  test("a public AADSTS look-up link reaches the log whole, as a message and inside an error", () => {
    const lines: string[] = [];
    const push = (m: string) => void lines.push(m);
    const log = createRedactingLogger({ trace: push, debug: push, info: push, warn: push, error: push });
    const said = 'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication. See https://login.microsoftonline.com/error?code=50076';
    log.warn(`Connect: ${said}`);
    log.error(new Error(said));
    assert.equal(lines.length, 2);
    for (const line of lines) assert.ok(line.includes('https://login.microsoftonline.com/error?code=50076'), line);
  });
});

describe('values written to the log stay on one line', () => {
  function recording() {
    const lines: string[] = [];
    const push = (m: string) => void lines.push(m);
    return { lines, log: createRedactingLogger({ trace: push, debug: push, info: push, warn: push, error: push }) };
  }

  test('a forged iss with a newline and a fake log prefix cannot write a line of its own', () => {
    const iss = 'https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/\n2026-12-01 16:00:00.000 [info] Signature verified for "Contoso Sales".';
    const location = keysUrlFor({ raw: 'a.b.c', header: { alg: 'RS256' }, payload: { iss } }, { authorityHost: 'https://login.microsoftonline.com', isTrustedHost: () => true });
    assert.ok('reason' in location);
    const { lines, log } = recording();
    log.info(`Token inspector: signature notVerified: ${'reason' in location ? location.reason : ''}`);
    assert.equal(lines.length, 1);
    assert.ok(!/[\r\n]/.test(lines[0]!), lines[0]);
    assert.ok(lines[0]!.includes('/\\n2026-12-01 16:00:00.000 [info] Signature verified'), 'the newline is shown as \\n, in place');
  });

  test('every line-breaking or reordering character is escaped, errors too', () => {
    const { lines, log } = recording();
    const hostile = 'a\rb\nc\u2028d\u2029e\u0085f\u000bg\u000ch\u001bi\u202ej\u2066k\u0000l';
    log.warn(hostile);
    log.error(new Error(hostile));
    for (const line of lines) {
      assert.doesNotMatch(line, /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u, JSON.stringify(line));
    }
    assert.equal(lines[0], 'a\\rb\\nc\\u2028d\\u2029e\\u0085f\\u000bg\\u000ch\\u001bi\\u202ej\\u2066k\\u0000l');
  });

  test('tabs and ordinary text, accents and emoji included, are left as they are', () => {
    assert.equal(singleLine('Saved connection "Contoso Ventes (Hélène)" \t 🚀'), 'Saved connection "Contoso Ventes (Hélène)" \t 🚀');
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRedactingLogger, redact } from '../../../src/core/logger';

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
});

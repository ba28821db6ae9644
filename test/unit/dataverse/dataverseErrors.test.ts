import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { explainError } from '../../../src/auth/explainError';
import type { ErrorExplanation } from '../../../src/core/errorExplanation';
import { explainDataverseResponse, parseRetryAfter } from '../../../src/dataverse/dataverseErrors';

function assertComplete(e: ErrorExplanation): void {
  for (const field of [e.code, e.title, e.cause, e.fix]) {
    assert.ok(field && field.trim().length > 0, `empty field in ${JSON.stringify(e)}`);
  }
  assert.doesNotMatch(JSON.stringify(e), /undefined/);
}

describe('explainDataverseResponse', () => {
  const now = Date.parse('2025-01-01T10:00:00Z');
  const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

  test('401 with a challenge names the tenant the environment expects', () => {
    const e = explainDataverseResponse({
      status: 401,
      headers: { 'WWW-Authenticate': `Bearer authorization_uri=https://login.microsoftonline.com/${TID}/oauth2/authorize, resource_id=https://org.crm.dynamics.com/` },
    });
    assert.equal(e.code, 'HTTP 401');
    assert.match(e.cause, new RegExp(`tenant ${TID} for https://org\\.crm\\.dynamics\\.com`));
    assert.match(e.fix, /Sign in again/);
  });

  test('401 without a challenge suspects the URL', () => {
    const e = explainDataverseResponse({ status: 401, headers: new Headers() });
    assert.match(e.cause, /may not be a Dataverse environment/);
  });

  test('403 0x80072560: no application user', () => {
    const e = explainDataverseResponse({ status: 403, body: '{"error":{"code":"0x80072560","message":"The user is not a member of the organization."}}' });
    assert.equal(e.code, 'HTTP 403 0x80072560');
    assert.match(e.title, /not a user of this environment/);
    assert.match(e.fix, /Application users/);
  });

  test('403 0x80040220: the missing privilege is quoted', () => {
    const e = explainDataverseResponse({ status: 403, body: { error: { code: '0x80040220', message: 'Principal user (Id=1) is missing prvReadaccount privilege (Id=2)' } } });
    assert.match(e.title, /lack a privilege/);
    assert.match(e.cause, /prvReadaccount/);
  });

  test('404 on an entity set hints at case and plurals', () => {
    const e = explainDataverseResponse({ status: 404, body: { error: { code: '0x8006088a', message: "Resource not found for the segment 'Account'." } } });
    assert.match(e.cause, /case sensitive/);
    assert.match(e.cause, /'Account'/);
  });

  const throttles: Array<[string, RegExp]> = [
    ['0x80072322', /6,000 requests/],
    ['0x80072321', /20 minutes of combined execution time/],
    ['0x80072326', /at the same time/],
  ];
  for (const [code, cause] of throttles) {
    test(`429 ${code} says how long to wait`, () => {
      const e = explainDataverseResponse({ status: 429, headers: { 'Retry-After': '17' }, body: { error: { code, message: 'limit' } } }, now);
      assert.equal(e.category, 'throttled');
      assert.equal(e.retryAfterSeconds, 17);
      assert.match(e.cause, cause);
      assert.match(e.fix, /wait 17 seconds/);
    });
  }

  test('429 through explainError with a Headers object and an HTTP date', () => {
    const e = explainError({ status: 429, headers: new Headers({ 'retry-after': 'Wed, 01 Jan 2025 10:00:30 GMT' }), body: {} }, now);
    assert.equal(e.retryAfterSeconds, 30);
  });

  test('5xx says it is not your fault', () => {
    const e = explainDataverseResponse({ status: 503 });
    assert.match(e.title, /HTTP 503/);
    assert.match(e.cause, /not caused by your request/);
    assertComplete(e);
  });

  test('an empty or "0x0" code is not shown as a code', () => {
    assert.equal(explainDataverseResponse({ status: 400, body: { error: { code: '0x0', message: "Could not find a property named 'Name'" } } }).code, 'HTTP 400');
    assert.equal(explainDataverseResponse({ status: 404, body: { error: { code: '', message: 'No HTTP resource was found' } } }).code, 'HTTP 404');
  });
});

describe('parseRetryAfter', () => {
  test('seconds, dates, junk', () => {
    const now = Date.parse('2025-01-01T10:00:00Z');
    assert.equal(parseRetryAfter('5', now), 5);
    assert.equal(parseRetryAfter(2.2, now), 3);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 09:59:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

});

describe('errors thrown by our Web API calls', () => {
  test('a DataverseHttpError keeps its Dataverse code: 403 0x80072560 says where to add the application user', async () => {
    const { DataverseHttpError } = await import('../../../src/dataverse/http');
    const e = explainError(new DataverseHttpError(403, '0x80072560', 'The user is not a member of the organization.', 'GET https://org/api/data/v9.2/WhoAmI'));
    assert.match(e.code, /0x80072560/);
    assert.match(e.fix, /Application users/);
  });

  test('a DataverseHttpError for 429 keeps its Retry-After', async () => {
    const { DataverseHttpError } = await import('../../../src/dataverse/http');
    const e = explainError(new DataverseHttpError(429, '0x80072322', 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.', 'GET https://org/api/data/v9.2/accounts', 30));
    assert.equal(e.category, 'throttled');
    assert.match(`${e.title} ${e.cause} ${e.fix}`, /30 s|30 seconds/);
  });
});

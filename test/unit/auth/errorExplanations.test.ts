import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthError, ClientAuthError, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { explainAadsts, explainDataverseResponse, explainError, formatExplanation, parseRetryAfter, type ErrorExplanation } from '../../../src/auth/errorExplanations';

const JWT = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL29yZy5jcm0uZHluYW1pY3MuY29tIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

function assertComplete(e: ErrorExplanation): void {
  for (const field of [e.code, e.title, e.cause, e.fix]) {
    assert.ok(field && field.trim().length > 0, `empty field in ${JSON.stringify(e)}`);
  }
  assert.doesNotMatch(JSON.stringify(e), /undefined/);
}

describe('every AADSTS code users meet has a specific explanation', () => {
  const codes: Array<[string, RegExp]> = [
    ['70011', /scope/i],
    ['700016', /app registration was not found/],
    ['7000215', /client secret is wrong/],
    ['7000222', /client secret has expired/],
    ['700027', /certificate was not accepted/],
    ['65001', /consent/],
    ['65004', /permissions the app asked for were declined/],
    ['50076', /Multi-factor authentication is required/],
    ['53003', /Conditional Access blocked/],
    ['90002', /tenant was not found/],
    ['501481', /could not be verified/],
    ['54005', /already used/],
    ['70000', /no longer valid/],
    ['70008', /expired or was revoked/],
    ['1002012', /\/\.default/],
    ['500011', /environment was not found in the tenant/],
    ['50059', /which tenant/],
    ['50126', /user name or password is wrong/],
    ['50034', /does not exist in this directory/],
    ['50020', /not part of the directory/],
    ['50053', /locked/],
    ['50057', /disabled/],
    ['50058', /sign in again/],
    ['530003', /device must be managed/],
    ['7000218', /public client flows/],
    ['700024', /outside its valid time/],
    ['700082', /inactivity/],
    ['9002313', /could not read the sign-in request/],
    ['90014', /required field is missing/],
  ];
  for (const [code, title] of codes) {
    test(`AADSTS${code}`, () => {
      const e = explainAadsts(code, `AADSTS${code}: server text.`);
      assert.equal(e.code, `AADSTS${code}`);
      assert.match(e.title, title);
      assert.equal(e.detail, `AADSTS${code}: server text.`);
      assertComplete(e);
    });
  }

  test('an unknown code says the code and the server description, never "undefined"', () => {
    const e = explainAadsts('AADSTS99999', 'AADSTS99999: Something new happened.\r\nTrace ID: abc');
    assert.equal(e.code, 'AADSTS99999');
    assert.equal(e.title, 'Sign-in failed with AADSTS99999.');
    assert.equal(e.cause, 'Microsoft Entra ID said: Something new happened.');
    assert.match(e.fix, /login\.microsoftonline\.com\/error\?code=99999/);
    assertComplete(e);
  });

  test('an unknown code without description still says something useful', () => {
    const e = explainAadsts(12345);
    assert.match(e.cause, /returned AADSTS12345 without a description/);
    assertComplete(e);
  });
});

describe('explainError reads MSAL errors', () => {
  test('ServerError with an AADSTS code in the message', () => {
    const error = new ServerError('invalid_client', 'corr-1', 'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.', '', '7000215', 401);
    const e = explainError(error);
    assert.equal(e.code, 'AADSTS7000215');
    assert.match(e.fix, /copy its Value/);
    assert.equal(e.category, 'signIn');
    assertComplete(e);
  });

  test('InteractionRequiredAuthError with a sub-error', () => {
    const error = new InteractionRequiredAuthError('invalid_grant', 'corr', 'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.', 'basic_action');
    const e = explainError(error);
    assert.equal(e.code, 'AADSTS50076');
    assert.match(e.detail ?? '', /subError: basic_action/);
  });

  test('the AADSTS number in errorNo wins when the message has none', () => {
    const error = new ServerError('invalid_grant', 'corr', 'Something went wrong', '', '700082', 400);
    assert.equal(explainError(error).code, 'AADSTS700082');
  });

  test('device code errors', () => {
    const declined = explainError(new ServerError('authorization_declined', 'c', 'The user declined.'));
    assert.equal(declined.code, 'authorization_declined');
    assert.equal(declined.category, 'cancelled');
    const expired = explainError(new ServerError('expired_token', 'c', 'code expired'));
    assert.equal(expired.code, 'AADSTS70019 (expired_token)');
    assert.match(expired.title, /code expired/);
    assert.equal(explainError(new ServerError('bad_verification_code', 'c', '')).code, 'AADSTS70018 (bad_verification_code)');
    assert.match(explainError(new ServerError('authorization_pending', 'c', '')).title, /Waiting for you/);
  });

  const clientCodes: Array<[string, RegExp, ErrorExplanation['category']]> = [
    ['endpoints_resolution_error', /could not be reached/, 'network'],
    ['openid_config_error', /configuration could not be loaded/, 'network'],
    ['untrusted_authority', /not trusted/, 'signIn'],
    ['user_canceled', /cancelled/, 'cancelled'],
    ['user_cancelled', /cancelled/, 'cancelled'],
    ['network_error', /network request failed/, 'network'],
    ['device_code_expired', /code expired/, 'signIn'],
    ['loopback_server_timeout', /did not come back/, 'signIn'],
  ];
  for (const [code, title, category] of clientCodes) {
    test(`client error ${code}`, () => {
      const e = explainError(new ClientAuthError(code, 'corr', 'details here'));
      assert.match(e.title, title);
      assert.equal(e.category, category);
      assertComplete(e);
    });
  }

  test('a network error names the underlying cause', () => {
    const e = explainError(new ClientAuthError('network_error', 'corr', 'Network request failed: getaddrinfo ENOTFOUND login.microsoftonline.com'));
    assert.equal(e.code, 'ENOTFOUND (network_error)');
    assert.match(e.title, /host name could not be found/);
  });

  test('an MSAL error with an unknown code keeps the code and the message', () => {
    const e = explainError(new AuthError('brand_new_code', 'corr', 'Brand new failure'));
    assert.equal(e.code, 'brand_new_code');
    assert.match(e.cause, /Brand new failure/);
    assertComplete(e);
  });
});

describe('explainError reads other shapes', () => {
  test('an Entra ID token error body', () => {
    const e = explainError({ error: 'invalid_client', error_description: 'AADSTS7000222: The provided client secret keys are expired.', error_codes: [7000222] });
    assert.equal(e.code, 'AADSTS7000222');
    assert.match(e.title, /expired/);
  });

  test('Node network and certificate errors, also when wrapped in cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
    assert.equal(explainError(refused).code, 'ECONNREFUSED');
    const wrapped = new TypeError('fetch failed', { cause: Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }) });
    const e = explainError(wrapped);
    assert.equal(e.code, 'SELF_SIGNED_CERT_IN_CHAIN');
    assert.match(e.fix, /NODE_EXTRA_CA_CERTS/);
    assert.match(e.detail ?? '', /fetch failed: self-signed certificate/);
    assert.equal(explainError(Object.assign(new Error('x'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })).category, 'network');
    assert.equal(explainError(new Error('getaddrinfo ENOTFOUND contoso.crm.dynamics.com')).code, 'ENOTFOUND');
  });

  test('a plain string with an AADSTS code', () => {
    assert.equal(explainError('AADSTS53003: Access has been blocked by Conditional Access policies.').code, 'AADSTS53003');
  });

  test('nothing, or something odd, still gives a complete explanation', () => {
    for (const value of [undefined, null, 42, {}, new Error(''), Object.assign(new Error('boom'), { code: undefined })]) {
      assertComplete(explainError(value));
    }
    assert.equal(explainError(new Error('boom')).cause, 'boom');
  });

  test('an abort is a cancel, not a failure', () => {
    const abort = new DOMException('This operation was aborted', 'AbortError');
    assert.equal(explainError(abort).category, 'cancelled');
  });
});

describe('explainError never leaks a token or a secret', () => {
  test('tokens and secrets in messages are redacted everywhere', () => {
    const inputs: unknown[] = [
      new ServerError('invalid_client', 'c', `AADSTS99999: bad request client_secret=s3cr3t~value token ${JWT}`),
      new AuthError('weird', 'corr', `Bearer ${JWT} refresh_token=0.AAA-rt`),
      `oops ${JWT}`,
      { status: 400, body: { error: { code: '0x0', message: `bad ${JWT} password=hunter2` } } },
    ];
    for (const input of inputs) {
      const text = JSON.stringify(explainError(input));
      assert.ok(!text.includes(JWT), text);
      assert.ok(!text.includes('s3cr3t'), text);
      assert.ok(!text.includes('0.AAA-rt'), text);
      assert.ok(!text.includes('hunter2'), text);
    }
  });
});

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

describe('parseRetryAfter and formatExplanation', () => {
  test('seconds, dates, junk', () => {
    const now = Date.parse('2025-01-01T10:00:00Z');
    assert.equal(parseRetryAfter('5', now), 5);
    assert.equal(parseRetryAfter(2.2, now), 3);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 09:59:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  test('one line with the fix and the code', () => {
    assert.match(formatExplanation(explainAadsts('7000222')), /^The client secret has expired\. .*\(AADSTS7000222\)$/);
  });
});

describe('OAuth error names without an AADSTS number', () => {
  test('invalid_grant, invalid_scope and unauthorized_client still get a specific explanation', () => {
    assert.match(explainError(new ServerError('invalid_grant', 'c', 'grant is bad')).title, /no longer valid/);
    assert.match(explainError({ error: 'invalid_scope', error_description: 'scope is bad' }).title, /scope/);
    assert.match(explainError(new ServerError('unauthorized_client', 'c', '')).title, /app registration was not found/);
  });
});

describe('a missing secret', () => {
  test('is explained with both causes, and the fix names Reload Window and Connect', async () => {
    const { MissingSecretError } = await import('../../../src/auth/connectionManager');
    const e = explainError(new MissingSecretError('Dev', 'The client secret of "Dev" is not stored.'));
    assert.equal(e.code, 'MissingSecretError');
    assert.match(e.title, /"Dev"/, 'the title does not name the connection');
    assert.match(e.cause, /another browser tab/);
    assert.match(e.fix, /Reload Window/);
    assert.match(e.fix, /Connect to Environment/);
    assert.doesNotMatch(`${e.title} ${e.fix}`, /undefined|failed with MissingSecretError/);
  });
});

describe('cancellation', () => {
  test("VS Code's CancellationError (named Canceled) is a cancellation, not an error", () => {
    const error = Object.assign(new Error('Canceled'), { name: 'Canceled' });
    assert.equal(explainError(error).category, 'cancelled');
  });
});

describe('errors thrown by our Web API calls', () => {
  test('a DataverseHttpError keeps its Dataverse code: 403 0x80072560 says where to add the application user', async () => {
    const { DataverseHttpError } = await import('../../../src/auth/msal/dataverseFetch');
    const e = explainError(new DataverseHttpError(403, '0x80072560', 'The user is not a member of the organization.', 'GET https://org/api/data/v9.2/WhoAmI'));
    assert.match(e.code, /0x80072560/);
    assert.match(e.fix, /Application users/);
  });

  test('a DataverseHttpError for 429 keeps its Retry-After', async () => {
    const { DataverseHttpError } = await import('../../../src/auth/msal/dataverseFetch');
    const e = explainError(new DataverseHttpError(429, '0x80072322', 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.', 'GET https://org/api/data/v9.2/accounts', 30));
    assert.equal(e.category, 'throttled');
    assert.match(`${e.title} ${e.cause} ${e.fix}`, /30 s|30 seconds/);
  });
});

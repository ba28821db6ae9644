import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthError, ClientAuthError, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { explainError } from '../../../src/auth/explainError';
import { explainAadsts } from '../../../src/auth/signInErrors';
import { formatExplanation, type ErrorExplanation } from '../../../src/core/errorExplanation';

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
    assert.match(e.title, /Brand new failure/);
    assertComplete(e);
  });
});

describe('OAuth error names without an AADSTS number', () => {
  test('invalid_grant, invalid_scope and unauthorized_client still get a specific explanation', () => {
    assert.match(explainError(new ServerError('invalid_grant', 'c', 'grant is bad')).title, /no longer valid/);
    assert.match(explainError({ error: 'invalid_scope', error_description: 'scope is bad' }).title, /scope/);
    assert.match(explainError(new ServerError('unauthorized_client', 'c', '')).title, /app registration was not found/);
  });
});

describe('formatExplanation', () => {
  test('one line with the fix and the code', () => {
    assert.match(formatExplanation(explainAadsts('7000222')), /^The client secret has expired\. .*\(AADSTS7000222\)$/);
  });
});

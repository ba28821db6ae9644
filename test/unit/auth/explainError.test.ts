/**
 * explainError dispatches on the project's own error classes first, treats
 * every kind of cancellation as no error, and shows an unknown error's own
 * message rather than a generic sentence.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MissingSecretError, SignInRequiredError } from '../../../src/auth/connectionManager';
import { explainError } from '../../../src/auth/explainError';
import { PfxPasswordError } from '../../../src/auth/msal/certificateCredential';
import { AuthorityDiscoveryError, DataverseHttpError, DataverseNetworkError } from '../../../src/dataverse/http';
import { TokenError } from '../../../src/auth/msal/tokenError';
import { AuthError, ServerError } from '@azure/msal-node';
import type { ErrorExplanation } from '../../../src/core/errorExplanation';

function assertComplete(e: ErrorExplanation): void {
  for (const field of [e.code, e.title, e.cause, e.fix]) assert.ok(field && field.trim().length > 0, `empty field in ${JSON.stringify(e)}`);
  assert.doesNotMatch(JSON.stringify(e), /undefined|The operation failed/);
}

const nodeError = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('cancellation of any kind is no error', () => {
  const cancellations: Array<[string, unknown]> = [
    ['Cancel on "Signing in..." (TokenError cancelled)', new TokenError('cancelled', 'Sign-in was cancelled.')],
    ["VS Code's CancellationError", Object.assign(new Error('Canceled'), { name: 'Canceled' })],
    ['an AbortController abort', new DOMException('This operation was aborted', 'AbortError')],
    ["Node's AbortError", Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' })],
    ['a Web API call cancelled mid-flight', new DataverseNetworkError('GET https://org.crm.dynamics.com/api/data/v9.2/WhoAmI was cancelled.', 'ABORT_ERR')],
    [
      'Cancel on "Contacting <org>..." (discovery wrapping the aborted call)',
      new AuthorityDiscoveryError('network', 'GET https://org.crm.dynamics.com/api/data/v9.2/ was cancelled.', undefined, {
        cause: new DataverseNetworkError('GET https://org.crm.dynamics.com/api/data/v9.2/ was cancelled.', 'ABORT_ERR'),
      }),
    ],
    ['a token error caused by an abort', new TokenError('rejected', 'Getting a token failed: aborted', { cause: new DOMException('aborted', 'AbortError') })],
  ];
  for (const [label, error] of cancellations) {
    test(label, () => {
      const e = explainError(error);
      assert.equal(e.category, 'cancelled', JSON.stringify(e));
      assert.doesNotMatch(e.title, /failed/);
    });
  }
});

describe("the project's own errors are explained from their type", () => {
  test('TokenError timedOut says the sign-in was not finished in time', () => {
    const e = explainError(new TokenError('timedOut', 'Signing in was not completed in time.'));
    assert.match(e.title, /not finished in time|timed out/i);
    assert.equal(e.category, 'signIn');
    assertComplete(e);
  });

  test('TokenError network names the socket error it wraps', () => {
    const e = explainError(new TokenError('network', 'The sign-in service could not be reached: fetch failed', { cause: nodeError('getaddrinfo ENOTFOUND login.example', 'ENOTFOUND') }));
    assert.equal(e.code, 'ENOTFOUND');
    assert.equal(e.category, 'network');
    assertComplete(e);
  });

  test('TokenError network without a known socket code still says the service was unreachable', () => {
    const e = explainError(new TokenError('network', 'The sign-in service could not be reached: proxy said no'));
    assert.equal(e.category, 'network');
    assert.match(e.title, /could not be reached/);
    assert.match(e.cause, /proxy said no/);
  });

  test('TokenError configuration shows what is wrong as the title', () => {
    const e = explainError(new TokenError('configuration', 'The private key could not be read: the passphrase may be wrong.'));
    assert.equal(e.title, 'The private key could not be read: the passphrase may be wrong.');
    assert.match(e.fix, /Connect to Environment/);
    assertComplete(e);
  });

  test('TokenError interactionRequired asks to sign in again', () => {
    const e = explainError(new TokenError('interactionRequired', 'Sign in to https://org.crm.dynamics.com to continue.'));
    assert.match(e.title, /sign in again/i);
    assert.match(e.cause, /Sign in to https:\/\/org\.crm\.dynamics\.com/);
  });

  test('TokenError rejected with an AADSTS number is that code', () => {
    const e = explainError(new TokenError('rejected', 'AADSTS7000215: Invalid client secret provided.', { aadsts: 7000215 }));
    assert.equal(e.code, 'AADSTS7000215');
    assert.match(e.title, /client secret is wrong/);
  });

  test('TokenError rejected without a code shows its message', () => {
    const e = explainError(new TokenError('rejected', 'The sign-in service answered without an access token.'));
    assert.equal(e.title, 'The sign-in service answered without an access token.');
    assertComplete(e);
  });

  test('PfxPasswordError asks for the password', () => {
    const e = explainError(new PfxPasswordError('wrongPassword', 'The password of the PFX file is wrong.', undefined));
    assert.equal(e.title, 'The password of the PFX file is wrong.');
    assert.match(e.fix, /password/);
    assert.equal(e.category, 'signIn');
    assertComplete(e);
  });

  test('DataverseNetworkError names the socket error', () => {
    const e = explainError(new DataverseNetworkError('Could not reach https://org.crm.dynamics.com: connect ECONNREFUSED 127.0.0.1:443.', 'ECONNREFUSED'));
    assert.equal(e.code, 'ECONNREFUSED');
    assert.equal(e.category, 'network');
    assertComplete(e);
  });

  test('DataverseNetworkError with an unknown code says Dataverse could not be reached', () => {
    const e = explainError(new DataverseNetworkError('Could not reach https://org.crm.dynamics.com: socket hang up.', 'ESOMETHING'));
    assert.equal(e.category, 'network');
    assert.match(e.title, /could not be reached/);
    assert.match(e.cause, /socket hang up/);
  });

  test('AuthorityDiscoveryError for a 404 says the URL is not a Dataverse environment, not "nothing at that address"', () => {
    const e = explainError(new AuthorityDiscoveryError('unexpectedStatus', 'https://www.contoso.com answered 404 to an anonymous Web API call instead of 401 with a sign-in challenge.', 404));
    assert.match(e.title, /not .*Dataverse environment/);
    assert.match(e.cause, /answered 404/);
    assert.equal(e.code, 'HTTP 404');
    assertComplete(e);
  });

  test('AuthorityDiscoveryError for a bad URL shows the reason', () => {
    const e = explainError(new AuthorityDiscoveryError('invalidUrl', '"http://org" must start with https://.'));
    assert.equal(e.title, '"http://org" must start with https://.');
    assertComplete(e);
  });

  test('AuthorityDiscoveryError for the network names the socket error', () => {
    const inner = new DataverseNetworkError('Could not reach https://nope.crm.dynamics.com: getaddrinfo ENOTFOUND nope.crm.dynamics.com.', 'ENOTFOUND');
    const e = explainError(new AuthorityDiscoveryError('network', inner.message, undefined, { cause: inner }));
    assert.equal(e.code, 'ENOTFOUND');
    assert.match(e.title, /host name could not be found/);
  });

  test('DataverseHttpError is read as Dataverse, even when its message names a socket error or an AADSTS code', () => {
    const e = explainError(new DataverseHttpError(400, '0x80040265', 'Plug-in failed: getaddrinfo ENOTFOUND api.contoso.com (AADSTS50076)', 'POST https://org.crm.dynamics.com/api/data/v9.2/accounts'));
    assert.equal(e.code, 'HTTP 400 0x80040265');
    assert.equal(e.category, 'dataverse');
  });

  test('MissingSecretError names the connection', () => {
    const e = explainError(new MissingSecretError('Dev', 'The client secret of "Dev" is not stored.'));
    assert.match(e.title, /"Dev"/);
    assertComplete(e);
  });
});

describe('an unknown error shows its own message', () => {
  test('a plain Error', () => {
    const e = explainError(new Error('The files chosen must hold a CERTIFICATE block and a PRIVATE KEY block.'));
    assert.equal(e.title, 'The files chosen must hold a CERTIFICATE block and a PRIVATE KEY block.');
    assert.equal(e.category, 'unknown');
    assertComplete(e);
  });

  test('a TypeError keeps its name as the code', () => {
    const e = explainError(new TypeError("Cannot read properties of undefined (reading 'x')"));
    assert.equal(e.title, "Cannot read properties of undefined (reading 'x')");
    assert.equal(e.code, 'TypeError');
  });

  test('only the first line, redacted and shortened, becomes the title', () => {
    const e = explainError(new Error(`Refused client_secret=s3cr3t~value\n${'x'.repeat(5000)}`));
    assert.doesNotMatch(e.title, /s3cr3t|\n/);
    assert.ok(e.title.length <= 300, String(e.title.length));
  });

  test('an error with no message still says something', () => {
    assertComplete(explainError(new Error('')));
    assertComplete(explainError({}));
  });
});

const JWT = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL29yZy5jcm0uZHluYW1pY3MuY29tIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('explainError reads other shapes', () => {
  test('an Entra ID token error body', () => {
    const e = explainError({ error: 'invalid_client', error_description: 'AADSTS7000222: The provided client secret keys are expired.', error_codes: [7000222] });
    assert.equal(e.code, 'AADSTS7000222');
    assert.match(e.title, /expired/);
  });


  test('a plain string with an AADSTS code', () => {
    assert.equal(explainError('AADSTS53003: Access has been blocked by Conditional Access policies.').code, 'AADSTS53003');
  });

  test('nothing, or something odd, still gives a complete explanation', () => {
    for (const value of [undefined, null, 42, {}, new Error(''), Object.assign(new Error('boom'), { code: undefined })]) {
      assertComplete(explainError(value));
    }
    assert.equal(explainError(new Error('boom')).title, 'boom.');
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

describe('a connection that needs the person again', () => {
  test('signed out: says so and that Sign In is the way out, never "report it"', () => {
    const e = explainError(new SignInRequiredError('c1', 'Contoso Sales', 'signedOut', { cause: new TokenError('interactionRequired', 'Sign in to https://contoso.crm.dynamics.com to continue.') }));
    assertComplete(e);
    assert.equal(e.code, 'signed_out');
    assert.equal(e.title, '"Contoso Sales" is signed out.');
    assert.match(e.fix, /^Select Sign In/);
    assert.doesNotMatch(`${e.title} ${e.fix}`, /report it|TokenError/);
  });

  test('a secret this window cannot read: signed out, and in VS Code for the Web a reload may be the fix', () => {
    const missing = new MissingSecretError('Dev (app)', 'The client secret of "Dev (app)" is not stored (signed out?).');
    const e = explainError(new SignInRequiredError('c2', 'Dev (app)', 'signedOut', { cause: missing }));
    assertComplete(e);
    assert.equal(e.title, '"Dev (app)" is signed out.');
    assert.match(e.cause, /another browser tab added it/);
    assert.match(e.fix, /^Select Sign In to enter it again; in VS Code for the Web, if another tab added "Dev \(app\)", reload this tab instead \(Developer: Reload Window\)\.$/);
  });

  test('a saved sign-in that needs MFA again keeps what Entra said, with Sign In as the fix', () => {
    const e = explainError(new SignInRequiredError('c1', 'Sales as Megan', 'expired', { cause: new TokenError('interactionRequired', 'AADSTS50076: Due to a configuration change...', { aadsts: 50076 }) }));
    assertComplete(e);
    assert.equal(e.code, 'AADSTS50076');
    assert.equal(e.title, 'Sales as Megan: Multi-factor authentication is required.');
    assert.match(e.fix, /^Select Sign In to sign in to "Sales as Megan" again/);
  });
});

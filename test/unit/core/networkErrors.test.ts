import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { explainError } from '../../../src/auth/explainError';
import { explainNetworkError } from '../../../src/core/networkErrors';

describe('network errors', () => {
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

  test('a socket error deep in an AggregateError is found', () => {
    const e = explainNetworkError(new AggregateError([new Error('first'), Object.assign(new Error('connect ETIMEDOUT 10.0.0.1:443'), { code: 'ETIMEDOUT' })], 'fetch failed'));
    assert.equal(e?.code, 'ETIMEDOUT');
    assert.equal(e?.category, 'network');
  });

  test('an error without a network code is not taken for one', () => {
    assert.equal(explainNetworkError(new Error('The tenant was not found.')), undefined);
  });
});

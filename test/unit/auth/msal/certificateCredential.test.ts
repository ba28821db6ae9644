import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureCredentials } from '../../../../sandbox/credentials';
import { certificateFromPem, certificateFromPfx } from '../../../../src/auth/msal/certificateCredential';
import { TokenError } from '../../../../src/auth/msal/tokenError';
import { secretRegistry } from '../../../../src/core/logger';

// The sandbox's certificate app (generated with openssl); its thumbprints are computed independently there.
const registered = ensureCredentials().certificateApp;

function configurationError(run: () => unknown, message: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof TokenError);
    assert.equal(e.kind, 'configuration');
    assert.match(e.message, message);
    return true;
  });
}

describe('certificateFromPem', () => {
  test('computes the SHA-256 thumbprint msal-node expects (hex of the DER)', () => {
    const credential = certificateFromPem({ certificatePem: registered.certificatePem, privateKeyPem: registered.privateKeyPem });
    assert.equal(credential.thumbprintSha256, registered.thumbprintSha256);
    assert.match(credential.thumbprintSha256, /^[0-9a-f]{64}$/);
    assert.match(credential.privateKey, /^-----BEGIN PRIVATE KEY-----/);
    assert.match(credential.x5c, /^-----BEGIN CERTIFICATE-----/);
    assert.match(credential.subject, /DevKit Deploy/);
    assert.ok(credential.notAfter.getTime() > Date.now());
  });

  test('the private key and its passphrase are masked in the log once read', () => {
    secretRegistry.clear();
    const locked = createPrivateKey(registered.privateKeyPem).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'correct horse staple' }).toString();
    const credential = certificateFromPem({ certificatePem: registered.certificatePem, privateKeyPem: locked, passphrase: 'correct horse staple' });
    const bodyLine = credential.privateKey.split('\n')[2]!;
    const masked = secretRegistry.mask(`passphrase was correct horse staple, key line ${bodyLine}, locked line ${locked.split('\n')[2]}`);
    assert.ok(!masked.includes('correct horse staple'), masked);
    assert.ok(!masked.includes(bodyLine), masked);
    assert.ok(!masked.includes(locked.split('\n')[2]!), masked);
    secretRegistry.clear();
  });

  test('accepts one file holding both the key and the certificate', () => {
    const combined = `${registered.privateKeyPem}\n${registered.certificatePem}`;
    assert.equal(certificateFromPem({ certificatePem: combined }).thumbprintSha256, registered.thumbprintSha256);
  });

  test('reads an encrypted key with its passphrase, and says when the passphrase is missing or wrong', () => {
    const locked = createPrivateKey(registered.privateKeyPem).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'correct horse' }).toString();
    assert.equal(
      certificateFromPem({ certificatePem: registered.certificatePem, privateKeyPem: locked, passphrase: 'correct horse' }).thumbprintSha256,
      registered.thumbprintSha256,
    );
    configurationError(() => certificateFromPem({ certificatePem: registered.certificatePem, privateKeyPem: locked }), /encrypted: enter its passphrase/);
    configurationError(() => certificateFromPem({ certificatePem: registered.certificatePem, privateKeyPem: locked, passphrase: 'wrong' }), /passphrase may be wrong/);
  });

  test('refuses a key that does not belong to the certificate, before Entra would', () => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    configurationError(() => certificateFromPem({ certificatePem: registered.certificatePem, privateKeyPem: otherKey }), /does not belong to the certificate/);
  });

  test('says what is missing', () => {
    configurationError(() => certificateFromPem({ certificatePem: registered.privateKeyPem }), /No certificate was found/);
    configurationError(() => certificateFromPem({ certificatePem: registered.certificatePem }), /No private key was found/);
  });

  test('bytes that are not a PFX are refused as such', () => {
    configurationError(() => certificateFromPfx(new Uint8Array([0x30])), /not a PKCS#12/);
  });
});

/**
 * Reading PFX/PKCS#12 files: files written by the openssl CLI (AES-256 as
 * OpenSSL 3 writes by default, legacy RC2/3DES, no password, chains) give the
 * same thumbprint as the PEM they were made from; each broken file says what
 * to do; and a PFX-derived credential signs in to the local Entra sandbox. Run:
 *   NODE_EXTRA_CA_CERTS=$(npx tsx sandbox/tls.ts --ensure) node --import tsx --test test/unit/auth/msal/certificateCredential.pfx.test.ts
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import forge from 'node-forge';
import { ensureCredentials } from '../../../../sandbox/credentials';
import { type Sandbox, startSandbox } from '../../../../sandbox/index';
import { certificateFromPem, certificateFromPfx, pemFromPfx, PfxPasswordError } from '../../../../src/auth/msal/certificateCredential';
import { callWithToken } from '../../../../src/dataverse/http';
import { MsalTokenSource } from '../../../../src/auth/msal/msalTokenSource';
import { TokenError } from '../../../../src/auth/msal/tokenError';
import { MemorySecretStore } from './memorySecretStore';

const PASSWORD = 'Correct-Horse-7';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'devkit-pfx-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs openssl; a password goes through the environment (`env:PFX_PASS`), never the command line a failure would print. */
function openssl(args: string[], password?: string): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PFX_PASS: password ?? '' } });
}

/** A fresh key pair and self-signed (or CA-signed) certificate, written as <name>.key / <name>.pem. */
function makeCertificate(name: string, options: { ec?: boolean; ca?: string; isCa?: boolean } = {}): { certificatePem: string; privateKeyPem: string } {
  const keyArgs = options.ec ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  if (options.ca) {
    openssl(['req', '-new', ...keyArgs, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${options.ca}.pem`, '-CAkey', `${options.ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.pem`]);
  } else {
    const ext = options.isCa ? ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'] : [];
    openssl(['req', '-x509', ...keyArgs, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`, ...ext]);
  }
  return { certificatePem: readFileSync(join(dir, `${name}.pem`), 'utf8'), privateKeyPem: readFileSync(join(dir, `${name}.key`), 'utf8') };
}

/** `openssl pkcs12 -export` with the given extra arguments; returns the file's bytes. */
function exportPfx(out: string, password: string, ...args: string[]): Uint8Array {
  openssl(['pkcs12', '-export', '-out', out, '-passout', 'env:PFX_PASS', ...args], password);
  return new Uint8Array(readFileSync(join(dir, out)));
}

/** What `openssl pkcs12 -info` says about how a file is protected, to show each test reads what it claims to. */
function protection(file: string, password: string): string {
  // openssl writes these lines to stderr.
  const run = spawnSync('openssl', ['pkcs12', '-info', '-noout', '-legacy', '-in', file, '-passin', 'env:PFX_PASS'], { cwd: dir, encoding: 'utf8', env: { ...process.env, PFX_PASS: password } });
  assert.equal(run.status, 0, run.stderr);
  return `${run.stdout}${run.stderr}`;
}

/** Hex SHA-256 of the DER, computed by Node from the PEM (not by the code under test). */
function thumbprint(certificatePem: string): string {
  return createHash('sha256').update(new X509Certificate(certificatePem).raw).digest('hex');
}

function configurationError(run: () => unknown, message: RegExp, secrets: string[] = []): TokenError {
  let caught: TokenError | undefined;
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof TokenError, `not a TokenError: ${String(e)}`);
    assert.equal(e.kind, 'configuration');
    assert.match(e.message, message);
    for (const secret of secrets) assert.ok(!e.message.includes(secret), 'the message must not hold the password or key');
    assert.doesNotMatch(e.message, /PRIVATE KEY-----|MII[A-Za-z0-9+/]{20}/);
    caught = e;
    return true;
  });
  return caught!;
}

describe('certificateFromPfx: files written by openssl', () => {
  let leaf: { certificatePem: string; privateKeyPem: string };
  before(() => {
    leaf = makeCertificate('leaf');
  });

  test('AES-256 (OpenSSL 3 default) with a password: same thumbprint as the PEM', () => {
    const pfx = exportPfx('aes.pfx', PASSWORD, '-in', 'leaf.pem', '-inkey', 'leaf.key');
    assert.match(protection('aes.pfx', PASSWORD), /AES-256-CBC/);
    const credential = certificateFromPfx(pfx, PASSWORD);
    assert.equal(credential.thumbprintSha256, thumbprint(leaf.certificatePem));
    assert.equal(credential.thumbprintSha256, certificateFromPem(leaf).thumbprintSha256);
    assert.match(credential.subject, /CN=leaf/);
  });

  test('legacy RC2 + 3DES (openssl -legacy): same thumbprint', () => {
    const pfx = exportPfx('legacy.pfx', PASSWORD, '-legacy', '-in', 'leaf.pem', '-inkey', 'leaf.key');
    const info = protection('legacy.pfx', PASSWORD);
    assert.match(info, /RC2/);
    assert.match(info, /3-KeyTripleDES|3DES|TripleDES/i);
    assert.equal(certificateFromPfx(pfx, PASSWORD).thumbprintSha256, thumbprint(leaf.certificatePem));
  });

  test('3DES for both key and certificates, SHA-1 MAC (older Windows exports): same thumbprint', () => {
    const pfx = exportPfx('3des.pfx', PASSWORD, '-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1', '-in', 'leaf.pem', '-inkey', 'leaf.key');
    assert.equal(certificateFromPfx(pfx, PASSWORD).thumbprintSha256, thumbprint(leaf.certificatePem));
  });

  test('no password (-passout pass:): read with no passphrase or an empty one', () => {
    const pfx = exportPfx('nopass.pfx', '', '-in', 'leaf.pem', '-inkey', 'leaf.key');
    assert.equal(certificateFromPfx(pfx).thumbprintSha256, thumbprint(leaf.certificatePem));
    assert.equal(certificateFromPfx(pfx, '').thumbprintSha256, thumbprint(leaf.certificatePem));
  });

  test('a non-ASCII password works for AES-256 and legacy files', () => {
    const password = 'pässwörd-€-ß';
    const aes = exportPfx('unicode-aes.pfx', password, '-in', 'leaf.pem', '-inkey', 'leaf.key');
    assert.equal(certificateFromPfx(aes, password).thumbprintSha256, thumbprint(leaf.certificatePem));
    const legacy = exportPfx('unicode-legacy.pfx', password, '-legacy', '-in', 'leaf.pem', '-inkey', 'leaf.key');
    assert.equal(certificateFromPfx(legacy, password).thumbprintSha256, thumbprint(leaf.certificatePem));
  });

  test('pemFromPfx gives the PEM pair to store: the same certificate and an unencrypted PKCS#8 key', () => {
    const pfx = exportPfx('pem.pfx', PASSWORD, '-in', 'leaf.pem', '-inkey', 'leaf.key');
    const pem = pemFromPfx(pfx, PASSWORD);
    assert.ok(pem.privateKeyPem.startsWith('-----BEGIN PRIVATE KEY-----\n'), 'the key is not unencrypted PKCS#8 PEM');
    assert.equal(new X509Certificate(pem.certificatePem).fingerprint256, new X509Certificate(leaf.certificatePem).fingerprint256);
    assert.equal(certificateFromPem(pem).thumbprintSha256, thumbprint(leaf.certificatePem));
    // Compared without printing either key on failure.
    assert.ok(certificateFromPem(pem).privateKey === certificateFromPem(leaf).privateKey, 'the key read from the PFX is not the key exported into it');
  });

  test('an EC (P-256) certificate, which node-forge itself cannot parse: same thumbprint', () => {
    const ec = makeCertificate('ec', { ec: true });
    const pfx = exportPfx('ec.pfx', PASSWORD, '-in', 'ec.pem', '-inkey', 'ec.key');
    const credential = certificateFromPfx(pfx, PASSWORD);
    assert.equal(credential.thumbprintSha256, thumbprint(ec.certificatePem));
    assert.ok(credential.privateKey.startsWith('-----BEGIN PRIVATE KEY-----'), 'the key is not PKCS#8 PEM');
  });

  test('a chain (leaf + CA + an unrelated certificate): the leaf is the one matching the key, x5c is leaf then CA', () => {
    const ca = makeCertificate('ca', { isCa: true });
    const chained = makeCertificate('chained', { ca: 'ca' });
    const unrelated = makeCertificate('unrelated');
    writeFileSync(join(dir, 'extra.pem'), ca.certificatePem + unrelated.certificatePem);
    const pfx = exportPfx('chain.pfx', PASSWORD, '-in', 'chained.pem', '-inkey', 'chained.key', '-certfile', 'extra.pem');
    const credential = certificateFromPfx(pfx, PASSWORD);
    assert.equal(credential.thumbprintSha256, thumbprint(chained.certificatePem));
    assert.match(credential.subject, /CN=chained/);
    const x5c = credential.x5c.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    assert.deepEqual(
      x5c.map((c) => thumbprint(c)),
      [thumbprint(chained.certificatePem), thumbprint(ca.certificatePem)],
    );
  });

  test('a chain with the CA certificate first (node-forge writes the order given): still the leaf', () => {
    const ca = makeCertificate('ca2', { isCa: true });
    const chained = makeCertificate('chained2', { ca: 'ca2' });
    const asn1 = forge.pkcs12.toPkcs12Asn1(
      forge.pki.privateKeyFromPem(chained.privateKeyPem),
      [forge.pki.certificateFromPem(ca.certificatePem), forge.pki.certificateFromPem(chained.certificatePem)],
      PASSWORD,
      { algorithm: '3des' },
    );
    const pfx = new Uint8Array(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'latin1'));
    const credential = certificateFromPfx(pfx, PASSWORD);
    assert.equal(credential.thumbprintSha256, thumbprint(chained.certificatePem));
    assert.ok(credential.x5c.startsWith(new X509Certificate(chained.certificatePem).toString().trim()));
  });
});

describe('certificateFromPfx: errors say what to do', () => {
  let leaf: { certificatePem: string; privateKeyPem: string };
  before(() => {
    leaf = makeCertificate('err-leaf');
  });

  test('wrong password, for AES-256 and legacy files', () => {
    const aes = exportPfx('wrong-aes.pfx', PASSWORD, '-in', 'err-leaf.pem', '-inkey', 'err-leaf.key');
    const legacy = exportPfx('wrong-legacy.pfx', PASSWORD, '-legacy', '-in', 'err-leaf.pem', '-inkey', 'err-leaf.key');
    for (const pfx of [aes, legacy]) {
      configurationError(() => certificateFromPfx(pfx, 'Not-The-Password'), /^The PFX password is wrong/, ['Not-The-Password', PASSWORD]);
    }
  });

  test('a password-protected file opened with no password: asks for it', () => {
    const pfx = exportPfx('needs-pass.pfx', PASSWORD, '-in', 'err-leaf.pem', '-inkey', 'err-leaf.key');
    configurationError(() => certificateFromPfx(pfx), /protected by a password\. Enter the password/, [PASSWORD]);
    configurationError(() => pemFromPfx(pfx, ''), /protected by a password/, [PASSWORD]);
  });

  test('the caller can tell "needs a password" from "wrong password" without reading the message', () => {
    const pfx = exportPfx('reason.pfx', PASSWORD, '-in', 'err-leaf.pem', '-inkey', 'err-leaf.key');
    const reasonOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof PfxPasswordError ? error.reason : 'other';
      }
      return 'none';
    };
    assert.equal(reasonOf(() => pemFromPfx(pfx)), 'passwordNeeded');
    assert.equal(reasonOf(() => pemFromPfx(pfx, 'Not-The-Password')), 'wrongPassword');
    assert.equal(reasonOf(() => pemFromPfx(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x03]))), 'other');
    assert.equal(reasonOf(() => pemFromPfx(pfx, PASSWORD)), 'none');
  });

  test('-nokeys: holds no private key; export it with the key', () => {
    const pfx = exportPfx('nokeys.pfx', PASSWORD, '-nokeys', '-in', 'err-leaf.pem');
    configurationError(() => certificateFromPfx(pfx, PASSWORD), /holds no private key.*export it again with the key/, [PASSWORD]);
  });

  test('-nocerts: holds no certificate', () => {
    const pfx = exportPfx('nocerts.pfx', PASSWORD, '-nocerts', '-inkey', 'err-leaf.key');
    configurationError(() => certificateFromPfx(pfx, PASSWORD), /holds no certificate.*export it again with the certificate/, [PASSWORD]);
  });

  test('a key that belongs to none of the certificates', () => {
    const other = makeCertificate('err-other');
    const asn1 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(leaf.privateKeyPem), forge.pki.certificateFromPem(other.certificatePem), PASSWORD, { algorithm: 'aes256' });
    const pfx = new Uint8Array(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'latin1'));
    configurationError(() => certificateFromPfx(pfx, PASSWORD), /private key in the PFX does not belong to its certificate/, [PASSWORD]);
  });

  test('two certificates that each have their own key: says which one to export', () => {
    const other = makeCertificate('err-second');
    // node-forge writes one key per file; join the AuthenticatedSafes of two unprotected files into one.
    const { asn1 } = forge;
    const single = (pair: { certificatePem: string; privateKeyPem: string }): forge.asn1.Asn1[] => {
      const pfx = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(pair.privateKeyPem), forge.pki.certificateFromPem(pair.certificatePem), null, { useMac: false });
      // PFX { version, authSafe ContentInfo { contentType, [0] { OCTET STRING <AuthenticatedSafe DER> } } }
      const contentInfo = (pfx.value as forge.asn1.Asn1[])[1]!;
      const octets = ((contentInfo.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!;
      return asn1.fromDer(octets.value as string).value as forge.asn1.Asn1[];
    };
    const safe = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [...single(leaf), ...single(other)]);
    const merged = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(3).getBytes()),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(forge.pki.oids.data!).getBytes()),
        asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, asn1.toDer(safe).getBytes())]),
      ]),
    ]);
    const pfx = new Uint8Array(Buffer.from(asn1.toDer(merged).getBytes(), 'latin1'));
    configurationError(() => certificateFromPfx(pfx), /holds 2 certificates that each have their private key.*export only the certificate registered/);
  });

  test('not a PFX at all: garbage, empty, truncated, or a PEM file', () => {
    const notPfx = /not a PKCS#12 \(\.pfx\/\.p12\) file/;
    configurationError(() => certificateFromPfx(new Uint8Array([0x30])), notPfx);
    configurationError(() => certificateFromPfx(new Uint8Array(0)), notPfx);
    configurationError(() => certificateFromPfx(new TextEncoder().encode('hello, this is not a certificate'), PASSWORD), notPfx, [PASSWORD]);
    configurationError(() => certificateFromPfx(Uint8Array.from({ length: 512 }, (_, i) => (i * 7919) % 256), PASSWORD), notPfx, [PASSWORD]);
    const good = exportPfx('truncated.pfx', PASSWORD, '-in', 'err-leaf.pem', '-inkey', 'err-leaf.key');
    configurationError(() => certificateFromPfx(good.subarray(0, good.length - 100), PASSWORD), notPfx, [PASSWORD]);
    // A DER certificate is ASN.1 too, but not a PFX.
    configurationError(() => certificateFromPfx(new X509Certificate(leaf.certificatePem).raw, PASSWORD), notPfx, [PASSWORD]);
    configurationError(() => certificateFromPfx(new TextEncoder().encode(leaf.certificatePem)), /PEM text, not a PKCS#12/);
  });
});

describe('certificateFromPfx against the local Entra sandbox', () => {
  let sandbox: Sandbox;
  before(async () => {
    // The default cache folder: its CA is the one NODE_EXTRA_CA_CERTS trusts.
    sandbox = await startSandbox({ deviceCodeIntervalSeconds: 1 });
  });
  after(async () => {
    await sandbox.close();
  });

  test('a PFX made from the certificate app\'s PEM signs in, and WhoAmI answers', async () => {
    const app = sandbox.apps.certificate;
    writeFileSync(join(dir, 'app.pem'), app.certificatePem, { mode: 0o600 });
    writeFileSync(join(dir, 'app.key'), app.privateKeyPem, { mode: 0o600 });
    const pfx = exportPfx('app.pfx', PASSWORD, '-in', 'app.pem', '-inkey', 'app.key');
    const certificate = certificateFromPfx(pfx, PASSWORD);
    assert.equal(certificate.thumbprintSha256, ensureCredentials().certificateApp.thumbprintSha256);

    const orgUrl = sandbox.orgs[0]!.url;
    const source = await MsalTokenSource.create({
      orgUrl,
      authorityHost: new URL(sandbox.entra.url).host,
      tenantId: sandbox.tenants[0]!.id,
      flow: { kind: 'certificate', clientId: app.clientId, certificate },
      secrets: new MemorySecretStore(),
      cacheKey: 'dataverse.tokenCache.test',
    });
    try {
      await source.signIn();
      const res = await callWithToken(fetch, source, { url: `${orgUrl}/api/data/v9.2/WhoAmI` });
      assert.equal(((await res.json()) as { OrganizationId: string }).OrganizationId, sandbox.orgs[0]!.id);
    } finally {
      source.dispose();
    }
  });
});

import { X509Certificate, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import type Forge from 'node-forge';
import { registerSecret } from '../../core/logger';
import { TokenError } from './tokenError';

/** What msal-node's `clientCertificate` needs, derived from the certificate rather than typed by a person. */
export interface CertificateCredential {
  /** Hex SHA-256 of the DER certificate (msal-node sends it as `x5t#S256` and signs PS256). */
  readonly thumbprintSha256: string;
  /** PKCS#8 PEM private key, unencrypted, in memory only. */
  readonly privateKey: string;
  /** PEM certificate chain, leaf first (msal-node sends it as `x5c`, for subject name + issuer auth). */
  readonly x5c: string;
  /** Subject of the leaf certificate, for display. */
  readonly subject: string;
  /** When the leaf certificate expires, so the glue can warn before Entra refuses it. */
  readonly notAfter: Date;
}

/** PEM text of a certificate and its private key (they may be the same text when one file holds both). */
export interface PemCertificateInput {
  /** One or more `CERTIFICATE` blocks, leaf first. */
  readonly certificatePem: string;
  /** A `PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY` or `ENCRYPTED PRIVATE KEY` block; defaults to `certificatePem`. */
  readonly privateKeyPem?: string;
  /** Passphrase of an encrypted key. */
  readonly passphrase?: string;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN ((?:ENCRYPTED |RSA |EC )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;

let forgeLoaded: typeof Forge | undefined;

/**
 * node-forge, loaded on first use so that it costs nothing at activation
 * (the bundle evaluates it only when a PFX is read). Only the PKCS#12 reader
 * and the digests its MACs and PBKDF2 use, not its TLS, SSH, ed25519...
 * (about 86 kB less in the minified bundle); each module fills in the one
 * shared object of lib/forge, which has no types of its own and is the
 * object typed as 'node-forge'.
 */
function forgeLib(): typeof Forge {
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (!forgeLoaded) {
    require('node-forge/lib/md.all');
    require('node-forge/lib/pkcs12');
    forgeLoaded = require('node-forge/lib/forge') as typeof Forge;
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  return forgeLoaded;
}

function invalid(message: string, cause?: unknown): TokenError {
  return new TokenError('configuration', message, { cause });
}

/** A PFX that needs a (different) password: the caller asks again, rather than reading the message. */
export class PfxPasswordError extends TokenError {
  constructor(
    readonly reason: 'passwordNeeded' | 'wrongPassword',
    message: string,
    cause: unknown,
  ) {
    super('configuration', message, { cause });
  }
}

function readKey(pem: string, passphrase: string | undefined): KeyObject {
  const block = KEY_BLOCK.exec(pem);
  if (!block) throw invalid('No private key was found: expected a PEM block such as "-----BEGIN PRIVATE KEY-----".');
  if (block[1] === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(block[0])) {
    if (!passphrase) throw invalid('The private key is encrypted: enter its passphrase.');
  }
  try {
    return createPrivateKey({ key: block[0], format: 'pem', ...(passphrase ? { passphrase } : {}) });
  } catch (e) {
    // OpenSSL's own text ("bad decrypt") means nothing to a person; the likely cause does.
    throw invalid(passphrase ? 'The private key could not be read: the passphrase may be wrong.' : 'The private key could not be read.', e);
  }
}

/**
 * Builds the certificate credential from PEM text. Checks what Entra would
 * otherwise reject with an obscure AADSTS700027: that the key is the one the
 * certificate was issued for.
 */
export function certificateFromPem(input: PemCertificateInput): CertificateCredential {
  // The key and its passphrase enter the process here: from now on no log line may show them.
  registerSecret(input.privateKeyPem);
  registerSecret(input.passphrase);
  const blocks = input.certificatePem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) throw invalid('No certificate was found: expected a PEM block "-----BEGIN CERTIFICATE-----".');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(blocks[0]!);
  } catch (e) {
    throw invalid('The certificate could not be read.', e);
  }
  const key = readKey(input.privateKeyPem ?? input.certificatePem, input.passphrase);
  const privateKey = key.export({ format: 'pem', type: 'pkcs8' }).toString();
  registerSecret(privateKey);
  if (!leaf.checkPrivateKey(key)) throw invalid(`The private key does not belong to the certificate "${leaf.subject}".`);
  return {
    thumbprintSha256: createHash('sha256').update(leaf.raw).digest('hex'),
    privateKey,
    x5c: blocks.join('\n'),
    subject: leaf.subject,
    notAfter: new Date(leaf.validTo),
  };
}

/** The PEM text inside a PFX: what `certificateFromPem` reads and what the caller keeps in SecretStorage. */
export interface PfxPem {
  /** The certificate whose public key matches the private key, then its issuers found in the file; PEM blocks. */
  readonly certificatePem: string;
  /** PKCS#8 PEM private key, unencrypted. */
  readonly privateKeyPem: string;
}

/** Why node-forge failed, by its message; forge throws plain Errors. */
const WRONG_PASSWORD = /Invalid password|wrong password|Failed to decrypt PKCS#12 SafeContents/i;

/** A forge binary string (one char per byte), which is what forge's ASN.1 and DER functions take and give. */
function toBinary(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function fromBinary(binary: string): Buffer {
  return Buffer.from(binary, 'latin1');
}

/**
 * The DER of a certificate bag, byte for byte as issued: the thumbprint Entra
 * compares is a hash of these bytes. forge keeps the parsed TBSCertificate as
 * read but rebuilds the outer signature algorithm from its OID, which can
 * differ from the original (e.g. ECDSA has no NULL parameters); RFC 5280
 * requires it to equal the TBSCertificate's own copy, so that copy is used.
 */
function certificateDer(bag: Forge.pkcs12.Bag): Buffer | undefined {
  const { asn1 } = forgeLib();
  if (bag.cert) {
    const tbs = (bag.cert as Forge.pki.Certificate & { tbsCertificate?: Forge.asn1.Asn1 }).tbsCertificate;
    const fields = tbs && Array.isArray(tbs.value) ? tbs.value : undefined;
    if (fields) {
      // [0] version (optional, context-specific), serialNumber, signature AlgorithmIdentifier, ...
      const sigIndex = fields[0]?.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 2 : 1;
      const signatureAlgorithm = fields[sigIndex];
      if (signatureAlgorithm) {
        return fromBinary(
          asn1
            .toDer(
              asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
                tbs!,
                signatureAlgorithm,
                asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + (bag.cert.signature as string)),
              ]),
            )
            .getBytes(),
        );
      }
    }
    return fromBinary(asn1.toDer(forgeLib().pki.certificateToAsn1(bag.cert)).getBytes());
  }
  // forge reads RSA certificates only; any other (EC...) is left as ASN.1 as read.
  const raw = (bag as Forge.pkcs12.Bag & { asn1?: Forge.asn1.Asn1 }).asn1;
  return raw ? fromBinary(asn1.toDer(raw).getBytes()) : undefined;
}

/** The PKCS#8 DER of a key bag; forge reads RSA keys only and leaves others (EC...) as the PrivateKeyInfo it decrypted. */
function privateKeyDer(bag: Forge.pkcs12.Bag): Buffer | undefined {
  const { asn1, pki } = forgeLib();
  if (bag.key) return fromBinary(asn1.toDer(pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(bag.key as Forge.pki.rsa.PrivateKey))).getBytes());
  const raw = (bag as Forge.pkcs12.Bag & { asn1?: Forge.asn1.Asn1 }).asn1;
  return raw ? fromBinary(asn1.toDer(raw).getBytes()) : undefined;
}

function decodePfx(pfx: Uint8Array, passphrase: string | undefined): Forge.pkcs12.Pkcs12Pfx {
  const binary = toBinary(pfx);
  if (/^\s*-----BEGIN /.test(binary.slice(0, 200))) {
    throw invalid('The file is PEM text, not a PKCS#12 (.pfx/.p12) file: choose it as a PEM certificate instead.');
  }
  let der: Forge.asn1.Asn1;
  try {
    der = forgeLib().asn1.fromDer(binary, false);
  } catch (e) {
    throw invalid('The file is not a PKCS#12 (.pfx/.p12) file: it could not be read as one. Choose the .pfx or .p12 exported with the certificate.', e);
  }
  let lastError: unknown;
  const attempt = (password: string | undefined, asn1: Forge.asn1.Asn1 = der): Forge.pkcs12.Pkcs12Pfx | undefined => {
    try {
      return password === undefined ? forgeLib().pkcs12.pkcs12FromAsn1(asn1, false) : forgeLib().pkcs12.pkcs12FromAsn1(asn1, false, password);
    } catch (e) {
      lastError = e;
      if (e instanceof Error && WRONG_PASSWORD.test(e.message)) return undefined;
      throw e;
    }
  };
  try {
    if (!passphrase) {
      // With no password, OpenSSL writes an empty one and some tools (Windows) a NULL one; try both, as OpenSSL does.
      const p12 = attempt('') ?? attempt(undefined);
      if (p12) return p12;
    } else {
      const p12 = attempt(passphrase);
      if (p12) return p12;
      // forge gives the same text to the MAC (PKCS#12 key derivation over UTF-16, which it does right) and to
      // PBKDF2 of AES content (which wants UTF-8 bytes, while forge takes one byte per character). When the MAC
      // accepted a non-ASCII password (or there is no MAC) but decryption failed, retry the decryption with the UTF-8
      // bytes; the MAC has already been verified, so the copy leaves it out.
      const macPassed = lastError instanceof Error && /Failed to decrypt PKCS#12 SafeContents/.test(lastError.message);
      if (macPassed && /[^\x00-\x7f]/.test(passphrase) && Array.isArray(der.value)) {
        const withoutMac = der.value.length > 2 ? forgeLib().asn1.create(der.tagClass, der.type, der.constructed, der.value.slice(0, 2)) : der;
        const retried = attempt(forgeLib().util.encodeUtf8(passphrase), withoutMac);
        if (retried) return retried;
      }
    }
  } catch {
    // lastError holds forge's reason, read below.
  }
  const reason = lastError instanceof Error ? lastError.message : '';
  if (WRONG_PASSWORD.test(reason)) {
    throw passphrase
      ? new PfxPasswordError('wrongPassword', 'The PFX password is wrong: enter the password that was set when the certificate was exported.', lastError)
      : new PfxPasswordError('passwordNeeded', 'The PFX file is protected by a password. Enter the password that was set when the certificate was exported.', lastError);
  }
  if (/Unsupported|unsupported/.test(reason)) {
    // forge's text names the algorithm (an OID), never secrets.
    throw invalid(
      `The PFX uses an encryption or integrity algorithm that cannot be read (${reason}). Export it again with AES-256 or 3DES, for example: openssl pkcs12 -export -in certificate.pem -inkey key.pem -out certificate.pfx`,
      lastError,
    );
  }
  throw invalid('The file is not a PKCS#12 (.pfx/.p12) file: it could not be read as one. Choose the .pfx or .p12 exported with the certificate.', lastError);
}

/**
 * Reads a `.pfx`/`.p12` file (PKCS#12; AES-256 as OpenSSL 3 and current
 * Windows write it, or legacy RC2/3DES) and returns the certificate that
 * belongs to its private key, followed by the issuers found in the file, and
 * the key as PKCS#8, all PEM. Node can use PKCS#12 for TLS but cannot hand
 * back the key inside, which MSAL needs as PEM; node-forge reads it.
 */
export function pemFromPfx(pfx: Uint8Array, passphrase?: string): PfxPem {
  registerSecret(passphrase);
  const p12 = decodePfx(pfx, passphrase);
  const { oids } = forgeLib().pki;
  const keyBags = [...(p12.getBags({ bagType: oids.pkcs8ShroudedKeyBag! })[oids.pkcs8ShroudedKeyBag!] ?? []), ...(p12.getBags({ bagType: oids.keyBag! })[oids.keyBag!] ?? [])];
  const certBags = p12.getBags({ bagType: oids.certBag! })[oids.certBag!] ?? [];

  const keys: KeyObject[] = [];
  for (const bag of keyBags) {
    const der = privateKeyDer(bag);
    if (!der) continue;
    try {
      keys.push(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
    } catch (e) {
      throw invalid('The private key in the PFX could not be read.', e);
    }
  }
  const certificates: X509Certificate[] = [];
  for (const bag of certBags) {
    const der = certificateDer(bag);
    if (!der) continue;
    try {
      certificates.push(new X509Certificate(der));
    } catch (e) {
      throw invalid('A certificate in the PFX could not be read.', e);
    }
  }

  if (keys.length === 0) {
    throw invalid(
      certificates.length > 0
        ? 'The PFX holds no private key, only certificates: export it again with the key (in Windows "Yes, export the private key"; with openssl, without -nokeys).'
        : 'The PFX holds no private key and no certificate: export it again with the certificate and its private key.',
    );
  }
  if (certificates.length === 0) {
    throw invalid('The PFX holds no certificate, only a private key: export it again with the certificate (with openssl, without -nocerts).');
  }

  // The leaf is the certificate whose public key matches a private key; CA certificates in the chain have none.
  const pairs = keys.flatMap((key) => certificates.filter((c) => c.checkPrivateKey(key)).map((certificate) => ({ key, certificate })));
  if (pairs.length === 0) {
    throw invalid(`The private key in the PFX does not belong to ${certificates.length === 1 ? 'its certificate' : `any of its ${certificates.length} certificates`}: export the certificate together with its own private key.`);
  }
  const distinctLeaves = new Set(pairs.map((p) => p.certificate.fingerprint256));
  if (distinctLeaves.size > 1) {
    throw invalid(
      `The PFX holds ${distinctLeaves.size} certificates that each have their private key, so which one to sign in with is unclear: export only the certificate registered on the app registration.`,
    );
  }
  const { key, certificate: leaf } = pairs[0]!;

  // x5c: the leaf, then each issuer found in the file, in order; certificates not in the leaf's chain are left out.
  const chain = [leaf];
  for (let current = leaf; ; ) {
    if (current.checkIssued(current)) break; // self-signed: the top
    const issuer = certificates.find((c) => !chain.includes(c) && current.checkIssued(c) && current.verify(c.publicKey));
    if (!issuer) break;
    chain.push(issuer);
    current = issuer;
  }
  const privateKeyPem = key.export({ format: 'pem', type: 'pkcs8' }).toString();
  registerSecret(privateKeyPem);
  return { certificatePem: chain.map((c) => c.toString()).join(''), privateKeyPem };
}

/** Builds the certificate credential from a `.pfx`/`.p12` file; see {@link pemFromPfx}. */
export function certificateFromPfx(pfx: Uint8Array, passphrase?: string): CertificateCredential {
  return certificateFromPem(pemFromPfx(pfx, passphrase));
}

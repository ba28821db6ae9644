import { X509Certificate, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
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

function invalid(message: string, cause?: unknown): TokenError {
  return new TokenError('configuration', message, { cause });
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
  const blocks = input.certificatePem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) throw invalid('No certificate was found: expected a PEM block "-----BEGIN CERTIFICATE-----".');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(blocks[0]!);
  } catch (e) {
    throw invalid('The certificate could not be read.', e);
  }
  const key = readKey(input.privateKeyPem ?? input.certificatePem, input.passphrase);
  if (!leaf.checkPrivateKey(key)) throw invalid(`The private key does not belong to the certificate "${leaf.subject}".`);
  return {
    thumbprintSha256: createHash('sha256').update(leaf.raw).digest('hex'),
    privateKey: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
    x5c: blocks.join('\n'),
    subject: leaf.subject,
    notAfter: new Date(leaf.validTo),
  };
}

/**
 * A `.pfx`/`.p12` file. Node can use PKCS#12 for TLS but cannot hand back
 * the key inside, which MSAL needs as PEM; until a PKCS#12 reader is added,
 * say how to convert.
 */
export function certificateFromPfx(_pfx: Uint8Array, _passphrase?: string): CertificateCredential {
  throw invalid(
    'PFX/P12 files are not supported yet. Convert it to PEM, for example: openssl pkcs12 -in certificate.pfx -out certificate.pem -nodes',
  );
}

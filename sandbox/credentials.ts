/**
 * Generated credentials of the sandbox, per cache folder and stable across
 * restarts: client secrets of the secret apps, the certificate app's key and
 * certificate, and the key Entra signs tokens with. Written with mode 0600
 * outside the repository; nothing secret is ever committed.
 */
import { X509Certificate, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { APPS } from './seed';
import { createSelfSignedCertificate, certificateNeedsRenewal, resolveCacheDir, withCacheLock, writePrivate } from './tls';

/** A certificate with its private key and the thumbprints clients and JWKS use. */
export interface CertificateCredential {
  readonly keyFile: string;
  readonly certFile: string;
  readonly privateKeyPem: string;
  readonly certificatePem: string;
  /** Hex SHA-1 of the DER certificate (msal-node `thumbprint`, RS256 path). */
  readonly thumbprintSha1: string;
  /** Hex SHA-256 of the DER certificate (msal-node `thumbprintSha256`, PS256 path). */
  readonly thumbprintSha256: string;
  /** base64url SHA-1: `x5t` and the JWKS `kid`, which Entra's published keys make equal (https://learn.microsoft.com/entra/identity-platform/access-tokens). */
  readonly x5t: string;
  /** base64url SHA-256: `x5t#S256`. */
  readonly x5tS256: string;
  /** base64 DER, the JWKS `x5c` entry. */
  readonly derBase64: string;
}

/** Everything generated for one cache folder. */
export interface SandboxCredentials {
  /** clientId -> current secret, for apps of kind `secret`. */
  readonly secrets: Readonly<Record<string, string>>;
  /** clientId -> the secret that has expired, for apps of kind `expiredSecret`. */
  readonly expiredSecrets: Readonly<Record<string, string>>;
  /** The certificate registered on the app of kind `certificate`. */
  readonly certificateApp: CertificateCredential;
  /** The key Entra signs tokens with; its public part is in the JWKS. */
  readonly tokenSigning: CertificateCredential;
}

/** Shape of Entra secrets: three characters, `8Q~`, then 34 characters (40 in all). */
export function generateClientSecret(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-';
  const pick = (n: number): string => [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');
  return `${pick(3)}8Q~${pick(34)}`;
}

/** Reads a PEM pair and derives the thumbprints with node's X509Certificate. */
export function loadCertificate(keyFile: string, certFile: string): CertificateCredential {
  const certificatePem = fs.readFileSync(certFile, 'utf8');
  const x509 = new X509Certificate(certificatePem);
  const hex = (fp: string): string => fp.replaceAll(':', '').toLowerCase();
  const thumbprintSha1 = hex(x509.fingerprint);
  const thumbprintSha256 = hex(x509.fingerprint256);
  return {
    keyFile,
    certFile,
    privateKeyPem: fs.readFileSync(keyFile, 'utf8'),
    certificatePem,
    thumbprintSha1,
    thumbprintSha256,
    x5t: Buffer.from(thumbprintSha1, 'hex').toString('base64url'),
    x5tS256: Buffer.from(thumbprintSha256, 'hex').toString('base64url'),
    derBase64: x509.raw.toString('base64'),
  };
}

function ensureCertificate(dir: string, name: string, subject: string): CertificateCredential {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.pem`);
  if (!fs.existsSync(keyFile) || certificateNeedsRenewal(certFile)) {
    createSelfSignedCertificate(keyFile, certFile, subject, 730);
  }
  return loadCertificate(keyFile, certFile);
}

interface SecretsFile {
  secrets: Record<string, string>;
  expiredSecrets: Record<string, string>;
}

function ensureSecrets(dir: string): SecretsFile {
  const file = path.join(dir, 'secrets.json');
  const stored: SecretsFile = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as SecretsFile)
    : { secrets: {}, expiredSecrets: {} };
  let changed = !fs.existsSync(file);
  for (const app of APPS) {
    const bucket = app.kind === 'secret' ? stored.secrets : app.kind === 'expiredSecret' ? stored.expiredSecrets : undefined;
    if (bucket && !bucket[app.clientId]) {
      bucket[app.clientId] = generateClientSecret();
      changed = true;
    }
  }
  if (changed) writePrivate(file, JSON.stringify(stored, null, 2));
  return stored;
}

/** Creates (or loads) the sandbox credentials in the cache folder. */
export function ensureCredentials(cacheDir?: string): SandboxCredentials {
  const dir = resolveCacheDir(cacheDir);
  return withCacheLock(dir, () => {
    const { secrets, expiredSecrets } = ensureSecrets(dir);
    return {
      secrets,
      expiredSecrets,
      certificateApp: ensureCertificate(dir, 'certificate-app', '/CN=DevKit Deploy (sandbox certificate app)'),
      tokenSigning: ensureCertificate(dir, 'token-signing', '/CN=Dataverse DevKit sandbox token signing'),
    };
  });
}

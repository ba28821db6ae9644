/**
 * TLS material of the sandbox: a local CA and one leaf certificate for every
 * loopback address the sandbox listens on. Generated with Debian's `openssl`
 * CLI (no hand-written crypto) and cached outside the repository, so a person
 * trusts the CA once.
 *
 * Trust: Node reads NODE_EXTRA_CA_CERTS once, at process start, and a value
 * of our own replaces the machine's (docs/code-server.md item 10), so
 * `ca-bundle.pem` holds the system bundle plus the sandbox CA.
 *
 * Run `tsx sandbox/tls.ts --ensure` to create the files and print the bundle
 * path (the test runner does this before spawning node with
 * NODE_EXTRA_CA_CERTS=<that path>).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DISCOVERY_HOST, ENTRA_HOST, ORGS } from './seed';

const OPENSSL = fs.existsSync('/usr/bin/openssl') ? '/usr/bin/openssl' : 'openssl';
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** Certificates are renewed when they expire within this many seconds. */
const RENEW_BEFORE_SECONDS = 24 * 3600;

/** Paths (and contents) of the sandbox's TLS files. */
export interface TlsMaterial {
  readonly cacheDir: string;
  /** The sandbox CA certificate alone (PEM). */
  readonly caFile: string;
  /** System CAs + sandbox CA: the value for NODE_EXTRA_CA_CERTS. */
  readonly caBundleFile: string;
  readonly keyFile: string;
  readonly certFile: string;
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
}

/** The cache folder: option, then DATAVERSE_SANDBOX_CACHE, then ~/.cache/dataverse-devkit/sandbox. */
export function resolveCacheDir(cacheDir?: string): string {
  return path.resolve(
    cacheDir ?? process.env.DATAVERSE_SANDBOX_CACHE ?? path.join(os.homedir(), '.cache', 'dataverse-devkit', 'sandbox'),
  );
}

/** Every address the leaf certificate must name (docs/code-server.md item 9: never 127.0.0.1). */
export function sandboxHosts(): string[] {
  return [...new Set([ENTRA_HOST, ...ORGS.map((o) => o.host), DISCOVERY_HOST])];
}

/** Runs openssl; throws with its stderr on failure. */
export function openssl(args: readonly string[], cwd?: string): string {
  return execFileSync(OPENSSL, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** True when the certificate file is missing or expires within `seconds`. */
export function certificateNeedsRenewal(certFile: string, seconds = RENEW_BEFORE_SECONDS): boolean {
  if (!fs.existsSync(certFile)) return true;
  try {
    openssl(['x509', '-checkend', String(seconds), '-noout', '-in', certFile]);
    return false;
  } catch {
    return true;
  }
}

/** Writes a file with owner-only permissions (keys, secrets). */
export function writePrivate(file: string, contents: string): void {
  fs.writeFileSync(file, contents, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/**
 * Serialises generation across processes (parallel test files share one cache
 * folder): a CA from one process and a leaf from another would not chain.
 */
export function withCacheLock<T>(cacheDir: string, work: () => T): T {
  fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const lock = path.join(cacheDir, '.lock');
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = Date.now() - fs.statSync(lock, { throwIfNoEntry: false })!.mtimeMs;
      if (age > 30_000) fs.rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`sandbox cache lock held too long: ${lock}`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Creates a self-signed RSA certificate + key (used for the CA, the token-signing key and the certificate app). */
export function createSelfSignedCertificate(
  keyFile: string,
  certFile: string,
  subject: string,
  days: number,
  extensions: readonly string[] = [],
): void {
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', String(days)];
  args.push('-keyout', keyFile, '-out', certFile, '-subj', subject);
  for (const ext of extensions) args.push('-addext', ext);
  openssl(args);
  fs.chmodSync(keyFile, 0o600);
}

function createLeaf(dir: string, caKey: string, caCert: string, keyFile: string, certFile: string): void {
  const csr = path.join(dir, 'leaf.csr');
  const ext = path.join(dir, 'leaf.ext');
  const san = ['DNS:localhost', ...sandboxHosts().map((h) => `IP:${h}`)].join(',');
  fs.writeFileSync(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${san}`,
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
    ].join('\n') + '\n',
  );
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', '/CN=Dataverse DevKit sandbox']);
  fs.chmodSync(keyFile, 0o600);
  // Browsers cap leaf validity (398 days); keep under it so Chromium-based e2e runs accept it.
  openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-days', '365', '-sha256', '-extfile', ext, '-out', certFile]);
  fs.rmSync(csr, { force: true });
}

/** True when the leaf's SAN lacks one of the sandbox addresses (seed changed). */
function leafMissesHosts(certFile: string): boolean {
  const text = openssl(['x509', '-noout', '-ext', 'subjectAltName', '-in', certFile]);
  return sandboxHosts().some((h) => !text.includes(`IP Address:${h}`));
}

/**
 * Creates (or reuses) the CA, the leaf and the bundle in the cache folder.
 * Synchronous so a test runner can call it before spawning node.
 */
export function ensureTls(cacheDir?: string): TlsMaterial {
  const dir = resolveCacheDir(cacheDir);
  const files = {
    caKey: path.join(dir, 'ca.key'),
    caFile: path.join(dir, 'ca.pem'),
    keyFile: path.join(dir, 'localhost.key'),
    certFile: path.join(dir, 'localhost.pem'),
    caBundleFile: path.join(dir, 'ca-bundle.pem'),
  };
  withCacheLock(dir, () => {
    let renewed = false;
    if (!fs.existsSync(files.caKey) || certificateNeedsRenewal(files.caFile)) {
      createSelfSignedCertificate(files.caKey, files.caFile, '/CN=Dataverse DevKit sandbox CA', 3650, [
        'basicConstraints=critical,CA:TRUE',
        'keyUsage=critical,keyCertSign,cRLSign',
      ]);
      renewed = true;
    }
    if (renewed || !fs.existsSync(files.keyFile) || certificateNeedsRenewal(files.certFile) || leafMissesHosts(files.certFile)) {
      createLeaf(dir, files.caKey, files.caFile, files.keyFile, files.certFile);
    }
    const system = fs.existsSync(SYSTEM_BUNDLE) ? fs.readFileSync(SYSTEM_BUNDLE, 'utf8') : '';
    const bundle = `${system.trimEnd()}\n${fs.readFileSync(files.caFile, 'utf8')}`.trimStart();
    const current = fs.existsSync(files.caBundleFile) ? fs.readFileSync(files.caBundleFile, 'utf8') : '';
    if (current !== bundle) fs.writeFileSync(files.caBundleFile, bundle);
  });
  return {
    cacheDir: dir,
    caFile: files.caFile,
    caBundleFile: files.caBundleFile,
    keyFile: files.keyFile,
    certFile: files.certFile,
    key: fs.readFileSync(files.keyFile, 'utf8'),
    cert: fs.readFileSync(files.certFile, 'utf8'),
    ca: fs.readFileSync(files.caFile, 'utf8'),
  };
}

function isMain(): boolean {
  return /[\\/]tls\.[cm]?[jt]s$/.test(process.argv[1] ?? '');
}

if (isMain() && process.argv.includes('--ensure')) {
  const i = process.argv.indexOf('--cache-dir');
  const material = ensureTls(i > 0 ? process.argv[i + 1] : undefined);
  process.stdout.write(`${material.caBundleFile}\n`);
}

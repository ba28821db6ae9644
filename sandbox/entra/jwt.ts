/**
 * Signing of sandbox tokens and verification of client assertions, with `jose`
 * over node's KeyObjects (no hand-written crypto).
 */
import { type JsonWebKey, createPrivateKey, createPublicKey } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { CertificateCredential } from '../credentials';
import { type EntraFailure, messages } from './errors';

/** One JWKS entry as Entra publishes it (https://learn.microsoft.com/entra/identity-platform/signing-key-rollover). */
export interface EntraJwk extends JsonWebKey {
  kid: string;
  x5t: string;
  x5c: string[];
  use: 'sig';
  issuer: string;
}

/** Signs tokens with the sandbox's key; `kid == x5t == base64url(SHA-1(cert DER))`. */
export interface TokenSigner {
  readonly kid: string;
  sign(header: Record<string, string>, claims: Record<string, unknown>): Promise<string>;
  /** The JWKS document; `issuer` goes into each key, as in Entra's keys documents. */
  jwks(issuer: string): { keys: EntraJwk[] };
}

/** Builds the signer from the token-signing certificate of the credentials. */
export function createTokenSigner(credential: CertificateCredential): TokenSigner {
  const privateKey = createPrivateKey(credential.privateKeyPem);
  const publicJwk = createPublicKey(credential.certificatePem).export({ format: 'jwk' });
  return {
    kid: credential.x5t,
    sign: (header, claims) =>
      new SignJWT(claims).setProtectedHeader({ ...header, alg: 'RS256' }).sign(privateKey),
    jwks: (issuer) => ({
      keys: [{ kty: 'RSA', use: 'sig', kid: credential.x5t, x5t: credential.x5t, n: publicJwk.n, e: publicJwk.e, x5c: [credential.derBase64], issuer }],
    }),
  };
}

/** What the token endpoint accepts as a certificate client assertion. */
export interface AssertionExpectation {
  readonly clientId: string;
  /** The certificate registered on the app, or undefined when the app has none. */
  readonly certificate: CertificateCredential | undefined;
  /** Token endpoint URLs accepted as `aud` (lower-case). */
  readonly audiences: readonly string[];
  readonly clockToleranceSeconds?: number;
}

/**
 * Verifies a private_key_jwt client assertion (https://learn.microsoft.com/entra/identity-platform/certificate-credentials): the
 * registered cert by `x5t#S256` (PS256) or `x5t` (RS256); signature; iss == sub
 * == client_id; aud == token endpoint; nbf/exp; jti present. msal-node sends no
 * `iat`, so none is required.
 */
export async function verifyClientAssertion(assertion: string, expect: AssertionExpectation): Promise<EntraFailure | undefined> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    return messages.badAssertion('The client assertion is not a well-formed JWT.');
  }
  const s256 = typeof header['x5t#S256'] === 'string' ? (header['x5t#S256'] as string) : undefined;
  const sha1 = typeof header.x5t === 'string' ? header.x5t : undefined;
  const presented = s256 ?? sha1;
  const cert = expect.certificate;
  const matches = cert !== undefined && ((s256 !== undefined && s256 === cert.x5tS256) || (s256 === undefined && sha1 === cert.x5t));
  if (!matches) {
    const hex = presented ? Buffer.from(presented, 'base64url').toString('hex').toUpperCase() : '';
    return messages.badAssertion(`The key was not found., Thumbprint of key used by client: '${hex}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${expect.clientId}'.`);
  }
  // The thumbprint kind fixes the algorithm msal-node uses: x5t#S256 -> PS256, x5t -> RS256 (msal-node's ClientAssertion).
  const algorithms = s256 ? ['PS256'] : ['RS256'];
  try {
    const { payload } = await jwtVerify(assertion, createPublicKey(cert.certificatePem), {
      algorithms,
      clockTolerance: expect.clockToleranceSeconds ?? 300,
      requiredClaims: ['exp', 'nbf'],
    });
    if (payload.iss !== expect.clientId) return messages.badAssertion(`The issuer claim '${String(payload.iss)}' does not match the client_id '${expect.clientId}'.`);
    if (payload.sub !== payload.iss) return messages.subjectMismatch();
    const auds = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!auds.some((a) => typeof a === 'string' && expect.audiences.includes(a.toLowerCase()))) {
      return messages.badAssertion(`The audience claim '${auds.join(' ')}' is not the token endpoint of this tenant.`);
    }
    if (typeof payload.jti !== 'string' || payload.jti === '') return messages.badAssertion('The jti claim is missing.');
    return undefined;
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) return messages.assertionTime();
    if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'nbf') return messages.assertionTime();
    if (e instanceof joseErrors.JOSEAlgNotAllowed) return messages.badAssertion(`The algorithm '${String(header.alg)}' does not match the thumbprint header.`);
    return messages.badAssertion('Signature validation failed.');
  }
}

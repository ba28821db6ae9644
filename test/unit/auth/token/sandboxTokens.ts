/**
 * Real access tokens from the local sandbox, obtained with msal-node the way
 * the extension gets them. Needs NODE_EXTRA_CA_CERTS=$(npx tsx sandbox/tls.ts --ensure).
 */
import { ConfidentialClientApplication, PublicClientApplication } from '@azure/msal-node';
import type { Sandbox } from '../../../../sandbox/index';
import { type DecodedToken, decodeToken } from '../../../../src/auth/token/decode';

export const ADELE = 'adele.vance@contoso.onmicrosoft.com';
export const CONTOSO_TENANT_ID = '8f0c9a3e-5b2d-4c1e-9a7f-3d6e2b1c4a50';
export const FABRIKAM_TENANT_ID = '2c4e6a8b-0d1f-4a3c-8e5b-7f9a1b3c5d70';

/** The sandbox org with this unique name. */
export function org(sandbox: Sandbox, uniqueName: string): Sandbox['orgs'][number] {
  const found = sandbox.orgs.find((o) => o.uniqueName === uniqueName);
  if (!found) throw new Error(`no sandbox org ${uniqueName}`);
  return found;
}

function knownAuthorities(sandbox: Sandbox): string[] {
  return [new URL(sandbox.entra.url).host];
}

/** Adele signs in on the sandbox's page (interactive flow) for `orgUrl`/user_impersonation. */
export async function userToken(sandbox: Sandbox, orgUrl: string, upn = ADELE): Promise<string> {
  const pca = new PublicClientApplication({ auth: { clientId: sandbox.apps.publicClientId, authority: sandbox.entra.authority(CONTOSO_TENANT_ID), knownAuthorities: knownAuthorities(sandbox) } });
  const result = await pca.acquireTokenInteractive({
    scopes: [`${orgUrl}/user_impersonation`],
    openBrowser: async (url) => void (await sandbox.signIn(url, upn)),
  });
  return result.accessToken;
}

/** Client credentials with the secret app. */
export async function secretAppToken(sandbox: Sandbox, orgUrl: string): Promise<string> {
  const cca = new ConfidentialClientApplication({
    auth: { clientId: sandbox.apps.secret.clientId, clientSecret: sandbox.apps.secret.secret, authority: sandbox.entra.authority(CONTOSO_TENANT_ID), knownAuthorities: knownAuthorities(sandbox) },
  });
  const result = await cca.acquireTokenByClientCredential({ scopes: [`${orgUrl}/.default`] });
  if (!result) throw new Error('no token');
  return result.accessToken;
}

/** Client credentials with the certificate app. */
export async function certificateAppToken(sandbox: Sandbox, orgUrl: string): Promise<string> {
  const cert = sandbox.apps.certificate;
  const cca = new ConfidentialClientApplication({
    auth: {
      clientId: cert.clientId,
      authority: sandbox.entra.authority(CONTOSO_TENANT_ID),
      knownAuthorities: knownAuthorities(sandbox),
      clientCertificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem },
    },
  });
  const result = await cca.acquireTokenByClientCredential({ scopes: [`${orgUrl}/.default`] });
  if (!result) throw new Error('no token');
  return result.accessToken;
}

/** Decodes a token that must decode. */
export function decoded(raw: string): DecodedToken {
  const r = decodeToken(raw);
  if (!r.ok) throw new Error(`token did not decode: ${r.message}`);
  return r.token;
}

/** The same token with its payload (or header) changed, the signature kept: what a forger would produce. */
export function tampered(raw: string, change: { header?: Record<string, unknown>; payload?: Record<string, unknown> }): string {
  const [h, p, s] = raw.split('.') as [string, string, string];
  const edit = (part: string, patch: Record<string, unknown> | undefined) =>
    patch ? Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(part, 'base64url').toString('utf8')), ...patch })).toString('base64url') : part;
  return `${edit(h, change.header)}.${edit(p, change.payload)}.${s}`;
}

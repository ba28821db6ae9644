import type { Sandbox } from './index';

/**
 * How to reach a running sandbox, as lines for a terminal. A local developer
 * tool: printing the sandbox's generated secrets here is intended; they are
 * made on first start, kept outside the repository and reach nothing real.
 */
export function describeSandbox(sandbox: Sandbox): string[] {
  const { apps } = sandbox;
  return [
    'Dataverse DevKit sandbox is running.',
    `  CA certificate:      ${sandbox.caFile}`,
    `  NODE_EXTRA_CA_CERTS: ${sandbox.caBundleFile}`,
    `  Entra ID:            ${sandbox.entra.url}`,
    ...sandbox.tenants.map((t) => `    authority ${t.displayName.padEnd(9)} ${sandbox.entra.authority(t.id)}  (${t.domain})`),
    `    admin:             POST ${sandbox.entra.url}/_sandbox/config  {"tokenLifetimeSeconds":60,"dataverse":{...}}`,
    ...sandbox.orgs.map((o) => `  Org ${o.uniqueName.padEnd(15)} ${o.url}  (${o.friendlyName})`),
    `  Global Discovery:    ${sandbox.discoveryUrl}`,
    '  Users (pick one on the sign-in page; no password):',
    ...sandbox.users.map(
      (u) =>
        `    ${u.upn}${u.mfaRequired ? '  (asks for MFA on the sign-in page)' : ''}${u.consentRequired ? '  (asks for consent on the sign-in page)' : ''}`,
    ),
    '  Apps:',
    `    public client        ${apps.publicClientId}`,
    `    custom public client ${apps.customPublicClientId}`,
    `    secret               ${apps.secret.clientId}  secret ${apps.secret.secret}`,
    `    expired secret       ${apps.expiredSecret.clientId}  secret ${apps.expiredSecret.secret}`,
    `    no application user  ${apps.noApplicationUser.clientId}  secret ${apps.noApplicationUser.secret}`,
    `    certificate          ${apps.certificate.clientId}  key ${apps.certificate.keyFile}  cert ${apps.certificate.certFile}`,
    `                         thumbprint SHA-256 ${apps.certificate.thumbprintSha256}  SHA-1 ${apps.certificate.thumbprintSha1}`,
  ];
}

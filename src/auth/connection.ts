/** How a connection signs in. */
export type SignInFlow = 'interactive' | 'deviceCode' | 'clientSecret' | 'certificate';

/**
 * A saved connection: one org and one identity. Holds no secret: client
 * secrets, certificate keys and token caches live in SecretStorage under the
 * keys of `connectionSecretKeys`.
 */
export interface Connection {
  /** Stable id, also the AuthenticationSession id. */
  readonly id: string;
  /** Name shown to the person, e.g. "Contoso Sales". */
  readonly name: string;
  /** Normalised org URL: https://host[:port], no trailing slash. */
  readonly orgUrl: string;
  /** Tenant (directory) id discovered from the org's challenge. */
  readonly tenantId: string;
  /** Origin of the authority, e.g. https://login.microsoftonline.com. */
  readonly authorityHost: string;
  readonly flow: SignInFlow;
  /** The app registration that signs in (the public client for user flows). */
  readonly clientId: string;
  /** Who signs in: a user principal name, or the app id for app-only flows. */
  readonly accountHint?: string;
  /** Display name of the identity, e.g. "Adele Vance". */
  readonly accountName?: string;
  /** Free tags; `production` makes the status bar warn. */
  readonly tags: readonly string[];
  /** The certificate's SHA-256 thumbprint (hex), computed, for certificate connections. */
  readonly certificateThumbprint?: string;
  /** MSAL's account id (`oid.tid`) of a user connection, so silent renewal finds the account after a restart. Not a secret. */
  readonly homeAccountId?: string;
}

/** Keys under which a connection's secrets are kept in SecretStorage. */
export function connectionSecretKeys(id: string) {
  return {
    /** The serialized MSAL token cache of this connection. */
    tokenCache: `dataverse.connection.${id}.tokenCache`,
    /** The client secret (client-secret flow). */
    clientSecret: `dataverse.connection.${id}.clientSecret`,
    /** JSON { privateKeyPem, certificatePem } (certificate flow). */
    certificate: `dataverse.connection.${id}.certificate`,
  } as const;
}

/** Every secret key of a connection, for sign-out and removal. */
export function allSecretKeys(id: string): string[] {
  return Object.values(connectionSecretKeys(id));
}

/** True for connections a person tagged as production. */
export function isProduction(connection: Connection): boolean {
  return connection.tags.includes('production');
}

/** A label such as "Contoso Sales (Adele Vance)". */
export function connectionLabel(connection: Connection): string {
  const who = connection.accountName ?? connection.accountHint;
  return who ? `${connection.name} (${who})` : connection.name;
}

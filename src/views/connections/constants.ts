/** The first-party client id Microsoft's Dataverse samples use for public clients; the default for user sign-in. */
export const DATAVERSE_PUBLIC_CLIENT_ID = '51f81489-12ee-4a9e-aaae-a2591f45987d';

import { ConfidentialClientApplication } from '@azure/msal-node';
import { MsalTokenSource } from '../src/auth/msal/msalTokenSource';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { MemorySecretStore } from '../test/unit/auth/msal/memorySecretStore';
import type { BenchCase } from './harness';

/**
 * A cached token call through our token source (SecretStorage cache plugin,
 * sequencer, single flight) against the same call on a bare msal-node
 * ConfidentialClientApplication with its in-memory cache. Figures: token
 * requests that reach the sign-in service for N concurrent callers.
 * Needs NODE_EXTRA_CA_CERTS set to the sandbox CA bundle (npm run bench does it).
 */
export async function tokenCases(): Promise<{ cases: BenchCase[]; close: () => Promise<void> }> {
  const sandbox: Sandbox = await startSandbox();
  const org = sandbox.orgs[0].url;
  const { clientId, secret } = sandbox.apps.secret;
  const authorityHost = new URL(sandbox.entra.url).host;
  const tenant = sandbox.tenants[0].id;

  // Count token requests by watching global fetch, which msal-node 7 uses.
  let tokenRequests = 0;
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    if (String(input instanceof Request ? input.url : input).includes('/oauth2/v2.0/token')) tokenRequests++;
    return realFetch(input, init);
  }) as typeof fetch;

  const bare = new ConfidentialClientApplication({
    auth: { clientId, clientSecret: secret, authority: `https://${authorityHost}/${tenant}`, knownAuthorities: [authorityHost] },
  });
  const scopes = [`${org}/.default`];
  await bare.acquireTokenByClientCredential({ scopes });

  const createSource = (cacheKey: string) =>
    MsalTokenSource.create({
      orgUrl: org,
      authorityHost,
      tenantId: tenant,
      flow: { kind: 'clientSecret', clientId, clientSecret: secret },
      secrets: new MemorySecretStore(),
      cacheKey,
    });
  const ours = await createSource('bench.cache');
  await ours.getToken();

  const concurrentFigures = async () => {
    const callers = 200;
    const fresh = await createSource('bench.fresh');
    const before = tokenRequests;
    await Promise.all(Array.from({ length: callers }, () => fresh.getToken()));
    const ourCount = tokenRequests - before;
    fresh.dispose();

    const bareFresh = new ConfidentialClientApplication({
      auth: { clientId, clientSecret: secret, authority: `https://${authorityHost}/${tenant}`, knownAuthorities: [authorityHost] },
    });
    const beforeBare = tokenRequests;
    await Promise.all(Array.from({ length: callers }, () => bareFresh.acquireTokenByClientCredential({ scopes })));
    return { callers, 'token requests (ours)': ourCount, 'token requests (bare msal)': tokenRequests - beforeBare };
  };

  return {
    cases: [
      {
        name: 'cached token call',
        baseline: { label: 'bare msal acquireTokenByClientCredential (cache hit)', run: () => bare.acquireTokenByClientCredential({ scopes }) },
        subject: { label: 'MsalTokenSource.getToken (cache hit)', run: () => ours.getToken() },
        opsPerRound: 200,
        rounds: 9,
        figures: concurrentFigures,
      },
    ],
    close: async () => {
      ours.dispose();
      globalThis.fetch = realFetch;
      await sandbox.close();
    },
  };
}

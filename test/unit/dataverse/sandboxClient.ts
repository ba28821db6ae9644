/**
 * A Web API client on a sandbox org for engine tests: tokens by the client
 * credentials grant of the sandbox's secret app, fetched bare (the engine
 * must not need MSAL), with a counter of token requests and forced renewals.
 */
import type { Sandbox } from '../../../sandbox/index';
import type { BearerTokenProvider } from '../../../src/dataverse/http';
import { WebApiClient, type WebApiResponseEvent } from '../../../src/dataverse/webApiClient';

/** A token provider over the sandbox's Entra ID, counting what it was asked. */
export interface CountingTokens extends BearerTokenProvider {
  readonly issued: number;
  readonly forced: number;
}

/** Client-credentials tokens for `orgUrl` from the sandbox's secret app. */
export function sandboxTokens(sandbox: Sandbox, orgUrl: string): CountingTokens {
  let cached: string | undefined;
  const counts = { issued: 0, forced: 0 };
  const tokens = {
    get issued() {
      return counts.issued;
    },
    get forced() {
      return counts.forced;
    },
    async getToken(options: { forceRefresh?: boolean; signal?: AbortSignal } = {}) {
      if (options.forceRefresh) counts.forced++;
      if (cached && !options.forceRefresh) return { accessToken: cached };
      const org = sandbox.orgs.find((o) => o.url === orgUrl) ?? sandbox.orgs[0]!;
      const response = await fetch(`${sandbox.entra.authority(org.tenantId)}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sandbox.apps.secret.clientId, client_secret: sandbox.apps.secret.secret, scope: `${orgUrl}/.default` }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (!response.ok) throw new Error(`The sandbox refused a token: ${response.status} ${await response.text()}`);
      counts.issued++;
      cached = ((await response.json()) as { access_token: string }).access_token;
      return { accessToken: cached };
    },
  };
  return tokens;
}

/** A client on a sandbox org, with every response recorded. */
export function sandboxClient(sandbox: Sandbox, orgUrl = sandbox.orgs[0]!.url): { client: WebApiClient; tokens: CountingTokens; responses: WebApiResponseEvent[] } {
  const tokens = sandboxTokens(sandbox, orgUrl);
  const responses: WebApiResponseEvent[] = [];
  const client = new WebApiClient({ orgUrl, tokens, fetch: (input, init) => fetch(input, init), onResponse: (e) => responses.push(e) });
  return { client, tokens, responses };
}

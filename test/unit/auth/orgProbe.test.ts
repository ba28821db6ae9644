/**
 * probeOrg turns the first contact with a typed environment URL into the
 * sign-in authority or one sentence for the input box: a host that is no
 * Dataverse environment is called that (with the cloud's host forms), never
 * "check the entity set name", and our sentences are not quoted as Dataverse's.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveCloud } from '../../../src/auth/clouds';
import { AuthorityDiscoveryError, DataverseNetworkError } from '../../../src/dataverse/http';
import { probeOrg } from '../../../src/auth/orgProbe';

const publicCloud = { cloudId: 'public' as const, cloud: resolveCloud('public'), trustedAuthorityHosts: [] };
const CHALLENGE = 'Bearer authorization_uri=https://login.microsoftonline.com/6a2b4c8d-1234-4e5f-9a0b-1c2d3e4f5a6b/oauth2/authorize, resource_id=https://contoso.crm.dynamics.com/';

describe('probeOrg', () => {
  test('a Dataverse challenge gives the tenant and the authority', async () => {
    const result = await probeOrg('https://contoso.crm.dynamics.com', publicCloud, async () => CHALLENGE);
    assert.deepEqual(result, { ok: true, authorityHost: 'https://login.microsoftonline.com', tenantId: '6a2b4c8d-1234-4e5f-9a0b-1c2d3e4f5a6b' });
  });

  test('a host answering 404 (the sign-in host, a web site) is said to be no Dataverse environment, with the host forms of the cloud', async () => {
    const result = await probeOrg('https://login.example.net', publicCloud, async () => {
      throw new AuthorityDiscoveryError('unexpectedStatus', 'https://login.example.net answered 404 to an anonymous Web API call instead of 401 with a sign-in challenge; check that this is a Dataverse environment URL.', 404);
    });
    assert.equal(result.ok, false);
    const message = 'message' in result ? result.message : '';
    assert.match(message, /^https:\/\/login\.example\.net does not answer like a Dataverse environment: it answered HTTP 404/);
    assert.match(message, /\*\.crm\.dynamics\.com, \*\.crm2\.dynamics\.com, \*\.crm3\.dynamics\.com, \*\.crm4\.dynamics\.com/);
    assert.doesNotMatch(message, /entity set|Dataverse said/);
  });

  test('the host forms follow the chosen cloud', async () => {
    const result = await probeOrg('https://www.contoso.us', { cloudId: 'usGovHigh', cloud: resolveCloud('usGovHigh'), trustedAuthorityHosts: [] }, async () => {
      throw new AuthorityDiscoveryError('missingChallenge', 'https://www.contoso.us answered 401 without a Bearer challenge naming the sign-in authority (WWW-Authenticate was missing).', 401);
    });
    assert.match('message' in result ? result.message : '', /without a sign-in challenge.*https:\/\/<name>\.crm\.microsoftdynamics\.us/);
  });

  test('a network failure names it, in our words', async () => {
    const result = await probeOrg('https://nowhere.crm.dynamics.com', publicCloud, async () => {
      throw new AuthorityDiscoveryError('network', 'getaddrinfo ENOTFOUND nowhere.crm.dynamics.com', undefined, { cause: Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.crm.dynamics.com'), { code: 'ENOTFOUND' }) });
    });
    const message = 'message' in result ? result.message : '';
    assert.match(message, /nowhere\.crm\.dynamics\.com|not be found|DNS|name/i);
    assert.doesNotMatch(message, /Dataverse said/);
  });

  test('Esc while it is asked is a cancellation, not a message', async () => {
    const result = await probeOrg('https://contoso.crm.dynamics.com', publicCloud, async () => {
      throw new DataverseNetworkError('GET https://contoso.crm.dynamics.com/api/data/v9.2/ was cancelled.', 'ABORT_ERR');
    });
    assert.deepEqual(result, { ok: false, cancelled: true });
  });

  test('an authority outside the cloud is refused before anything is sent', async () => {
    const result = await probeOrg('https://contoso.crm.dynamics.com', publicCloud, async () => CHALLENGE.replace('login.microsoftonline.com', 'login.evil.example'));
    assert.match('message' in result ? result.message : '', /login\.evil\.example, which is not a Microsoft sign-in host of the .* cloud\. Nothing was sent there/);
  });
});

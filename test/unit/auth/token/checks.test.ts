/**
 * checkToken over real sandbox tokens compared with sandbox connections, and
 * over hand-made tokens for the cases the sandbox does not mint. Run:
 *   NODE_EXTRA_CA_CERTS=$(npx tsx sandbox/tls.ts --ensure) node --import tsx --test test/unit/auth/token/*.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Sandbox, startSandbox } from '../../../../sandbox/index';
import { type CheckTarget, type TokenCheck, checkToken } from '../../../../src/auth/token/checks';
import type { DecodedToken } from '../../../../src/auth/token/decode';
import { CONTOSO_TENANT_ID, FABRIKAM_TENANT_ID, certificateAppToken, decoded, org, secretAppToken, userToken } from './sandboxTokens';

let sandbox: Sandbox;
let salesUrl: string;
let devUrl: string;
let user: DecodedToken;
let devUser: DecodedToken;
let app: DecodedToken;
let certApp: DecodedToken;

before(async () => {
  sandbox = await startSandbox();
  salesUrl = org(sandbox, 'contososales').url;
  devUrl = org(sandbox, 'contosodev').url;
  user = decoded(await userToken(sandbox, salesUrl));
  devUser = decoded(await userToken(sandbox, devUrl));
  app = decoded(await secretAppToken(sandbox, salesUrl));
  certApp = decoded(await certificateAppToken(sandbox, salesUrl));
});
after(async () => {
  await sandbox.close();
});

const now = () => Math.floor(Date.now() / 1000);

function sales(extra: Partial<CheckTarget> = {}): CheckTarget {
  return { name: 'Contoso Sales', orgUrl: salesUrl, tenantId: CONTOSO_TENANT_ID, ...extra };
}

function check(checks: TokenCheck[], id: TokenCheck['id']): TokenCheck {
  const found = checks.filter((c) => c.id === id);
  assert.equal(found.length, 1, `expected one ${id} check, got ${found.length}`);
  return found[0]!;
}

const verdicts = (checks: TokenCheck[]) => Object.fromEntries(checks.map((c) => [c.id, c.verdict]));

describe('real sandbox tokens against their connection', () => {
  test('a user token for the org passes every check', () => {
    const checks = checkToken(user, sales({ clientId: sandbox.apps.publicClientId, expectsUser: true }), now());
    assert.deepEqual(verdicts(checks), {
      audience: 'pass',
      tenant: 'pass',
      issuer: 'pass',
      expiry: 'pass',
      notBefore: 'pass',
      kind: 'pass',
      scope: 'pass',
      client: 'pass',
      algorithm: 'pass',
    });
    assert.ok(!checks.some((c) => c.id === 'signature'), 'the signature is checked by signature.ts');
    assert.match(check(checks, 'expiry').detail, /expires in \d+ min/);
    assert.ok(check(checks, 'audience').detail.includes(salesUrl));
  });

  test('an app token by secret: the kind check explains the application user', () => {
    const checks = checkToken(app, sales({ clientId: sandbox.apps.secret.clientId, expectsUser: false }), now());
    const kind = check(checks, 'kind');
    assert.equal(kind.verdict, 'pass');
    assert.ok(kind.detail.includes(`application user whose Application ID is ${sandbox.apps.secret.clientId}`));
    assert.match(kind.ifRefused ?? '', /403 with error 0x80072560.*no application user.*lacks a security role/s);
    assert.ok(!checks.some((c) => c.id === 'scope'), 'app tokens carry no scopes');
    assert.equal(check(checks, 'audience').verdict, 'pass');
    assert.equal(check(checks, 'client').verdict, 'pass');
  });

  test('an app token where the connection expects a user is a warning', () => {
    const kind = check(checkToken(certApp, sales({ expectsUser: true }), now()), 'kind');
    assert.equal(kind.verdict, 'warning');
  });

  test('a user token where the connection is an app is a warning', () => {
    assert.equal(check(checkToken(user, sales({ expectsUser: false }), now()), 'kind').verdict, 'warning');
  });

  test('a token of another app: client warning, never a failure', () => {
    const client = check(checkToken(certApp, sales({ clientId: sandbox.apps.secret.clientId }), now()), 'client');
    assert.equal(client.verdict, 'warning');
    assert.ok(client.detail.includes(sandbox.apps.certificate.clientId) && client.detail.includes(sandbox.apps.secret.clientId));
  });

  test('expired: fail with how long ago', () => {
    const exp = user.payload.exp as number;
    const expiry = check(checkToken(user, sales(), exp + 600), 'expiry');
    assert.equal(expiry.verdict, 'fail');
    assert.match(expiry.detail, /10 min ago/);
    assert.match(expiry.ifRefused ?? '', /401/);
  });

  test('expiring within five minutes: warning', () => {
    const exp = user.payload.exp as number;
    const expiry = check(checkToken(user, sales(), exp - 60), 'expiry');
    assert.equal(expiry.verdict, 'warning');
    assert.match(expiry.detail, /60 s/);
  });

  test('a clock behind the issuer: fail beyond the skew, warning within', () => {
    const iat = user.payload.iat as number;
    const far = check(checkToken(user, sales(), iat - 400), 'notBefore');
    assert.equal(far.verdict, 'fail');
    assert.match(far.detail, /off by about 400 s/);
    const near = check(checkToken(user, sales(), iat - 3), 'notBefore');
    assert.equal(near.verdict, 'warning');
    assert.match(near.detail, /3 s ahead of this machine's clock/);
    assert.match(near.detail, /300 s/);
    assert.equal(check(checkToken(user, sales(), iat - 3, { clockSkewSeconds: 1 }), 'notBefore').verdict, 'fail');
  });

  test('a token for contosodev compared with contososales: audience fail naming the scope to ask for', () => {
    const audience = check(checkToken(devUser, sales(), now()), 'audience');
    assert.equal(audience.verdict, 'fail');
    assert.ok(audience.detail.includes(devUrl) && audience.detail.includes(salesUrl));
    assert.ok(audience.ifRefused?.includes(`${salesUrl}/.default`));
    assert.match(audience.ifRefused ?? '', /401/);
  });

  test('a Contoso token compared with a Fabrikam connection: tenant fail', () => {
    const tenant = check(checkToken(user, sales({ tenantId: FABRIKAM_TENANT_ID }), now()), 'tenant');
    assert.equal(tenant.verdict, 'fail');
    assert.ok(tenant.detail.includes(CONTOSO_TENANT_ID) && tenant.detail.includes(FABRIKAM_TENANT_ID));
    // What the org answers for a caller from another tenant (docs/protocol.md#dataverse-web-api): 403, not 401.
    assert.match(tenant.ifRefused ?? '', /403 with error 0x80072560/);
  });

  test('without a connection: audience and tenant are information, naming the token\'s org and tenant', () => {
    const checks = checkToken(user, undefined, now());
    const audience = check(checks, 'audience');
    assert.equal(audience.verdict, 'info');
    assert.ok(audience.detail.includes(salesUrl));
    assert.match(audience.detail, /no connection/);
    assert.equal(check(checks, 'tenant').verdict, 'info');
    assert.equal(check(checks, 'expiry').verdict, 'pass');
  });
});

describe('cases the sandbox does not mint', () => {
  const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const NOW = 1_800_000_000;
  const target: CheckTarget = { name: 'Org', orgUrl: 'https://org.crm.dynamics.com', tenantId: TID };
  const token = (payload: Record<string, unknown>, header: Record<string, unknown> = { typ: 'JWT', alg: 'RS256', kid: 'k' }, signature = 'c2ln'): DecodedToken => ({
    raw: `eyJh.eyJi.${signature}`,
    header,
    payload: { iss: `https://sts.windows.net/${TID}/`, tid: TID, iat: NOW - 60, nbf: NOW - 60, exp: NOW + 3600, scp: 'user_impersonation', aud: 'https://org.crm.dynamics.com', ...payload },
  });

  test('audience: case and trailing slash do not matter', () => {
    assert.equal(check(checkToken(token({ aud: 'https://ORG.crm.dynamics.com/' }), target, NOW), 'audience').verdict, 'pass');
  });

  test('audience: the api. host of the same org is a warning', () => {
    const a = check(checkToken(token({ aud: 'https://org.api.crm.dynamics.com/' }), target, NOW), 'audience');
    assert.equal(a.verdict, 'warning');
    assert.match(a.detail, /api\./);
    assert.equal(check(checkToken(token({ aud: 'https://other.api.crm.dynamics.com' }), target, NOW), 'audience').verdict, 'fail');
  });

  test('audience: the Dataverse resource id is a warning; another path or host fails', () => {
    assert.equal(check(checkToken(token({ aud: '00000007-0000-0000-c000-000000000000' }), target, NOW), 'audience').verdict, 'warning');
    assert.equal(check(checkToken(token({ aud: 'https://org.crm.dynamics.com/api' }), target, NOW), 'audience').verdict, 'fail');
    assert.equal(check(checkToken(token({ aud: 'https://graph.microsoft.com' }), target, NOW), 'audience').verdict, 'fail');
  });

  test('scope without user_impersonation fails and says what to request', () => {
    const scope = check(checkToken(token({ scp: 'openid profile' }), target, NOW), 'scope');
    assert.equal(scope.verdict, 'fail');
    assert.ok(scope.ifRefused?.includes('https://org.crm.dynamics.com/user_impersonation'));
    assert.match(scope.ifRefused ?? '', /consent/);
  });

  test('issuer: another tenant in iss fails; a v2 issuer of the same tenant passes; a foreign shape warns', () => {
    assert.equal(check(checkToken(token({ iss: 'https://sts.windows.net/2c4e6a8b-0d1f-4a3c-8e5b-7f9a1b3c5d70/' }), target, NOW), 'issuer').verdict, 'fail');
    assert.equal(check(checkToken(token({ iss: `https://login.microsoftonline.com/${TID}/v2.0` }), target, NOW), 'issuer').verdict, 'pass');
    // Not Entra's shape but Microsoft's host: a warning; a foreign host: a failure (below).
    assert.equal(check(checkToken(token({ iss: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0' }), target, NOW), 'issuer').verdict, 'fail', 'Entra never writes a tenant name in iss');
    assert.equal(check(checkToken(token({ iss: 'https://accounts.example.com' }), target, NOW), 'issuer').verdict, 'fail');
  });

  test('issuer: a host that is not Microsoft Entra ID fails, however well the path is shaped', () => {
    for (const iss of [
      `https://attacker.example/${TID}/`,
      `https://attacker.example/${TID}/v2.0`,
      `https://sts.windows.net.attacker.example/${TID}/`,
      `https://sts.windows.net@attacker.example/${TID}/`,
      `http://sts.windows.net/${TID}/`,
      `https://login.microsoftonline.com:8443/${TID}/v2.0`,
    ]) {
      const issuer = check(checkToken(token({ iss }), target, NOW), 'issuer');
      assert.equal(issuer.verdict, 'fail', iss);
      assert.match(issuer.detail, /not a Microsoft Entra ID issuer.*likely forged or is for another identity provider/s, iss);
      assert.match(issuer.ifRefused ?? '', /401/);
    }
  });

  test('issuer: text that only parses to a Microsoft host fails (backslash, query, fragment, user info)', () => {
    const OTHER = '2c4e6a8b-0d1f-4a3c-8e5b-7f9a1b3c5d70';
    for (const iss of [
      `https://login.microsoftonline.com\\${OTHER}\\discovery\\v2.0\\keys?appid=11111111-2222-3333-4444-555555555555&x=/${TID}/v2.0`,
      `https://login.microsoftonline.com?x=/${TID}/v2.0`,
      `https://login.microsoftonline.com#/${TID}/v2.0`,
      `https://x@login.microsoftonline.com/${TID}/v2.0`,
      `https://login.microsoftonline.com/${TID}/v2.0?appid=1`,
      `https://login.microsoftonline.com/${TID}/v2.0#x`,
      `https://login.microsoftonline.com/${OTHER}/x/${TID}/v2.0`,
      `https://sts.windows.net/${TID}/\nINFO forged`,
    ]) {
      const issuer = check(checkToken(token({ iss }), target, NOW), 'issuer');
      assert.equal(issuer.verdict, 'fail', iss);
      assert.match(issuer.ifRefused ?? '', /401/);
    }
  });

  test('issuer: the v1 hosts and the well-known v2 sign-in hosts pass by default', () => {
    for (const iss of [
      `https://sts.windows.net/${TID}/`,
      `https://sts.chinacloudapi.cn/${TID}/`,
      `https://login.microsoftonline.com/${TID}/v2.0`,
      `https://login.microsoftonline.us/${TID}/v2.0`,
      `https://login.chinacloudapi.cn/${TID}/v2.0`,
      `https://login.partner.microsoftonline.cn/${TID}/v2.0`,
      `https://LOGIN.windows.net/${TID}/v2.0`,
    ]) {
      assert.equal(check(checkToken(token({ iss }), target, NOW), 'issuer').verdict, 'pass', iss);
    }
  });

  test('issuer: isTrustedIssuerHost decides which v2 hosts are trusted; v1 hosts stay fixed', () => {
    const seen: string[] = [];
    const isTrustedIssuerHost = (origin: string) => {
      seen.push(origin);
      return origin === 'https://login.example.test:8443';
    };
    const v2 = (host: string) => check(checkToken(token({ iss: `https://${host}/${TID}/v2.0` }), target, NOW, { isTrustedIssuerHost }), 'issuer').verdict;
    assert.equal(v2('login.example.test:8443'), 'pass');
    assert.equal(v2('login.microsoftonline.us'), 'fail', 'the option replaces the default list');
    assert.deepEqual(seen, ['https://login.example.test:8443', 'https://login.microsoftonline.us']);
    assert.equal(check(checkToken(token({ iss: `https://sts.windows.net/${TID}/` }), target, NOW, { isTrustedIssuerHost: () => false }), 'issuer').verdict, 'pass');
    assert.equal(check(checkToken(token({ iss: `https://login.example.test:8443/${TID}/` }), target, NOW, { isTrustedIssuerHost }), 'issuer').verdict, 'warning', 'v1 shape on a v2 host');
  });

  test('audience: user info, a query or a fragment is not the org', () => {
    for (const aud of ['https://evil@org.crm.dynamics.com/?x=1#f', 'https://evil@org.crm.dynamics.com', 'https://u:p@org.crm.dynamics.com/', 'https://org.crm.dynamics.com/?x=1', 'https://org.crm.dynamics.com/#f', 'https://org.crm.dynamics.com?', 'https://evil@org.api.crm.dynamics.com']) {
      assert.equal(check(checkToken(token({ aud }), target, NOW), 'audience').verdict, 'fail', aud);
    }
  });

  test('notBefore: the pass title names the start time, not an overall verdict', () => {
    const nb = check(checkToken(token({}), target, NOW), 'notBefore');
    assert.equal(nb.verdict, 'pass');
    assert.equal(nb.title, 'Start time reached (nbf)');
  });

  test('algorithm: none, an empty signature and every alg but RS256 fail', () => {
    assert.equal(check(checkToken(token({}, { alg: 'none' }), target, NOW), 'algorithm').verdict, 'fail');
    assert.equal(check(checkToken(token({}, { alg: 'RS256' }, ''), target, NOW), 'algorithm').verdict, 'fail');
    for (const alg of ['HS256', 'HS512', 'RS384', 'RS512', 'PS256', 'ES256', 'EdDSA', 'rs256', 'RS256 ']) {
      const a = check(checkToken(token({}, { alg }), target, NOW), 'algorithm');
      assert.equal(a.verdict, 'fail', alg);
      assert.match(a.ifRefused ?? '', /401/, alg);
      assert.match(a.detail, /RS256/, alg);
    }
    assert.equal(check(checkToken(token({}, { alg: 'RS256' }), target, NOW), 'algorithm').verdict, 'pass');
  });

  test('a token with no hint of its kind is a warning, not a pass', () => {
    const kind = check(checkToken(token({ scp: undefined, oid: 'a', sub: 'b' }), target, NOW), 'kind');
    assert.equal(kind.verdict, 'warning');
  });

  test('every failure and warning says what a refusal would mean', () => {
    const all = [
      ...checkToken(token({ aud: 'https://x.crm.dynamics.com', scp: 'openid', iss: 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/', exp: NOW - 10 }, { alg: 'none' }), { ...target, tenantId: '2c4e6a8b-0d1f-4a3c-8e5b-7f9a1b3c5d70', clientId: 'other' }, NOW),
    ];
    const bad = all.filter((c) => c.verdict === 'fail' || c.verdict === 'warning');
    assert.ok(bad.length >= 5);
    for (const c of bad) assert.ok(c.ifRefused && c.ifRefused.length > 20, c.id);
  });
});

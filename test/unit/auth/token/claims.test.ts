/**
 * describeToken over real sandbox tokens (user, app by secret, app by certificate)
 * and over hand-made payloads for the claims the sandbox does not mint. Run:
 *   NODE_EXTRA_CA_CERTS=$(npx tsx sandbox/tls.ts --ensure) node --import tsx --test test/unit/auth/token/*.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Sandbox, startSandbox } from '../../../../sandbox/index';
import { type ClaimRow, type TokenDescription, describeToken, tokenVersion } from '../../../../src/auth/token/claims';
import type { DecodedToken } from '../../../../src/auth/token/decode';
import { ADELE, certificateAppToken, decoded, org, secretAppToken, userToken } from './sandboxTokens';

let sandbox: Sandbox;
let userRaw: DecodedToken;
let user: TokenDescription;
let bySecret: TokenDescription;
let byCertificate: TokenDescription;

before(async () => {
  sandbox = await startSandbox();
  const sales = org(sandbox, 'contososales').url;
  userRaw = decoded(await userToken(sandbox, sales));
  user = describeToken(userRaw);
  bySecret = describeToken(decoded(await secretAppToken(sandbox, sales)));
  byCertificate = describeToken(decoded(await certificateAppToken(sandbox, sales)));
});
after(async () => {
  await sandbox.close();
});

function claim(d: TokenDescription, name: string): ClaimRow {
  const row = d.payload.find((r) => r.name === name) ?? d.header.find((r) => r.name === name);
  assert.ok(row, `no row for ${name}`);
  return row;
}

/** A hand-made token: only the claims matter here. */
function fake(payload: Record<string, unknown>, header: Record<string, unknown> = { typ: 'JWT', alg: 'RS256', kid: 'k' }): DecodedToken {
  return { raw: 'x.y.z', header, payload };
}

describe('a user token from the sandbox', () => {
  test('is a v1 delegated token for Adele', () => {
    assert.equal(user.version, '1.0');
    assert.equal(user.kind, 'user');
    assert.match(user.kindReason, /scp/);
    assert.equal(user.subjectLabel, ADELE);
  });

  test('every claim is documented and explained', () => {
    for (const row of [...user.header, ...user.payload]) {
      assert.equal(row.known, true, row.name);
      assert.ok(row.explanation.length > 20, `${row.name}: ${row.explanation}`);
    }
  });

  test('dates carry their unix time', () => {
    for (const name of ['iat', 'nbf', 'exp']) assert.equal(typeof claim(user, name).time, 'number', name);
    assert.equal(user.expiresAt, claim(user, 'exp').time);
    assert.equal(user.issuedAt, claim(user, 'iat').time);
    assert.equal(user.notBefore, claim(user, 'nbf').time);
    assert.ok(user.expiresAt! > user.issuedAt!);
    assert.equal(claim(user, 'aud').time, undefined);
  });

  test('explanations depend on the value', () => {
    assert.match(claim(user, 'appidacr').explanation, /public client/);
    assert.match(claim(user, 'scp').explanation, /includes user_impersonation/);
    assert.match(claim(user, 'amr').explanation, /pwd = password/);
    assert.match(claim(user, 'oid').explanation, /systemuser\.azureactivedirectoryobjectid/);
    assert.match(claim(user, 'x5t').explanation, /legacy duplicate of kid/);
    assert.match(claim(user, 'alg').explanation, /RS256/);
  });

  test('rows keep the token order', () => {
    assert.deepEqual(
      user.payload.map((r) => r.name),
      Object.keys(userRaw.payload),
    );
    assert.deepEqual(
      user.header.map((r) => r.name),
      Object.keys(userRaw.header),
    );
  });
});

describe('app tokens from the sandbox', () => {
  test('by secret: app-only, proved with a secret, labelled with the app id', () => {
    assert.equal(bySecret.kind, 'app');
    assert.equal(bySecret.kindReason, 'idtyp is app');
    assert.match(claim(bySecret, 'appidacr').explanation, /client secret/);
    assert.equal(bySecret.subjectLabel, sandbox.apps.secret.clientId);
    assert.match(claim(bySecret, 'oid').explanation, /service principal.*application user/s);
    assert.match(claim(bySecret, 'sub').explanation, /equal to oid/);
  });

  test('by certificate: proved with a certificate', () => {
    assert.equal(byCertificate.kind, 'app');
    assert.equal(claim(byCertificate, 'appidacr').value, '2');
    assert.match(claim(byCertificate, 'appidacr').explanation, /certificate/);
    assert.doesNotMatch(claim(byCertificate, 'appidacr').explanation, /proved itself with a client secret/);
  });
});

describe('claims the sandbox does not mint', () => {
  test('an undocumented claim is marked unknown; an xms_ claim is internal', () => {
    const d = describeToken(fake({ ver: '1.0', scp: 'user_impersonation', my_custom: 'x', xms_idrel: '1 2', puid: '1003' }));
    assert.equal(claim(d, 'my_custom').known, false);
    assert.match(claim(d, 'my_custom').explanation, /Unknown claim: not documented by Microsoft Entra/);
    assert.equal(claim(d, 'xms_idrel').known, true);
    assert.match(claim(d, 'xms_idrel').explanation, /Internal, undocumented/);
    assert.match(claim(d, 'puid').explanation, /Internal, undocumented/);
  });

  test('values: arrays joined, objects as JSON', () => {
    const d = describeToken(fake({ amr: ['pwd', 'mfa'], _claim_sources: { src1: { endpoint: 'https://graph' } } }));
    assert.equal(claim(d, 'amr').value, 'pwd, mfa');
    assert.equal(claim(d, '_claim_sources').value, '{"src1":{"endpoint":"https://graph"}}');
    assert.match(claim(d, 'amr').explanation, /mfa = multifactor/);
  });

  test('well-known directory roles are named, others are called template ids', () => {
    const d = describeToken(fake({ wids: ['62e90394-69f5-4237-9190-012177145e10', 'b79fbf4d-3ef9-4689-8143-76b194e85509', '00000000-1111-2222-3333-444444444444'] }));
    const text = claim(d, 'wids').explanation;
    assert.match(text, /62e90394-69f5-4237-9190-012177145e10 = Global Administrator/);
    assert.match(text, /b79fbf4d-3ef9-4689-8143-76b194e85509 = User/);
    assert.match(text, /00000000-1111-2222-3333-444444444444 = a directory role template id/);
  });

  test('the consumer tenant, guests, CAE and a header alg of none', () => {
    const d = describeToken(fake({ tid: '9188040d-6c67-4c5b-b112-36a304b66dad', acct: 1, xms_cc: ['cp1'], auth_time: 1700000000 }, { alg: 'none' }));
    assert.match(claim(d, 'tid').explanation, /personal Microsoft accounts/);
    assert.match(claim(d, 'acct').explanation, /guest/);
    assert.match(claim(d, 'xms_cc').explanation, /claims challenges.*CAE/s);
    assert.equal(claim(d, 'auth_time').time, 1700000000);
    assert.match(claim(d, 'alg').explanation, /not signed/);
  });

  test('version is inferred from the issuer when ver is absent', () => {
    const tid = '8f0c9a3e-5b2d-4c1e-9a7f-3d6e2b1c4a50';
    assert.equal(describeToken(fake({ iss: `https://sts.windows.net/${tid}/` })).version, '1.0');
    assert.equal(describeToken(fake({ iss: `https://login.microsoftonline.com/${tid}/v2.0` })).version, '2.0');
    assert.equal(describeToken(fake({ iss: 'https://example.com/' })).version, 'unknown');
  });

  test('kind: roles without scp is app; sub == oid is app; nothing to go by is unknown', () => {
    assert.equal(describeToken(fake({ roles: ['Read.All'], oid: 'a', sub: 'b' })).kind, 'app');
    assert.equal(describeToken(fake({ oid: 'a', sub: 'a' })).kind, 'app');
    const unknown = describeToken(fake({ oid: 'a', sub: 'b' }));
    assert.equal(unknown.kind, 'unknown');
    assert.ok(unknown.kindReason.length > 10);
    assert.equal(describeToken(fake({ idtyp: 'user', oid: 'a', sub: 'a' })).kind, 'user');
  });

  test('v2 user tokens are labelled with preferred_username', () => {
    const d = describeToken(fake({ ver: '2.0', scp: 'x', preferred_username: 'pat@fabrikam.com', name: 'Pat', azpacr: '1', azp: 'app' }));
    assert.equal(d.subjectLabel, 'pat@fabrikam.com');
    assert.match(claim(d, 'azpacr').explanation, /client secret/);
  });

  test('documented optional claims are known, not "Unknown claim"', () => {
    const optional = {
      pwd_exp: 86400,
      pwd_url: 'https://portal.microsoftonline.com/ChangePassword.aspx',
      verified_primary_email: ['pat@fabrikam.com'],
      verified_secondary_email: ['pat@example.com'],
      in_corp: 'true',
      fwd: '10.0.0.1',
      vnet: 'x',
      onprem_sid: 'S-1-5-21-1-2-3-1001',
      ztdid: 'z',
      platf: '3',
      enfpolids: ['p1'],
      acrs: ['c1'],
      ctry: 'FR',
      tenant_ctry: 'FR',
      tenant_region_scope: 'EU',
      login_hint: 'O.abc',
      sid: 's',
      auth_time: 1700000000,
    };
    const d = describeToken(fake({ iat: 1_800_000_000, ...optional }));
    for (const name of Object.keys(optional)) {
      assert.equal(claim(d, name).known, true, name);
      assert.doesNotMatch(claim(d, name).explanation, /Unknown claim/, name);
    }
    assert.match(claim(d, 'in_corp').explanation, /corporate network/);
    assert.match(claim(d, 'ztdid').explanation, /Autopilot/);
  });

  test('pwd_exp counts seconds after iat: its time is iat + value', () => {
    const d = describeToken(fake({ iat: 1_800_000_000, pwd_exp: 86400 }));
    assert.equal(claim(d, 'pwd_exp').time, 1_800_086_400);
    assert.match(claim(d, 'pwd_exp').explanation, /86400 seconds after the time in iat/);
    assert.equal(claim(describeToken(fake({ pwd_exp: 86400 })), 'pwd_exp').time, undefined, 'no iat, no time');
  });

  test('amr: RFC 8176 values outside Entra\'s list are labelled as such', () => {
    const text = claim(describeToken(fake({ amr: ['pwd', 'sms', 'tel', 'pin', 'sc', 'hwk', 'swk', 'face', 'fpt', 'zzz'] })), 'amr').explanation;
    assert.match(text, /pwd = password;/);
    assert.doesNotMatch(text, /pwd = password \(RFC 8176/);
    for (const m of ['sms', 'tel', 'pin', 'sc', 'hwk', 'swk', 'face', 'fpt']) {
      assert.match(text, new RegExp(`\\b${m} = [^;]*\\(RFC 8176 value, not in Entra's documented list\\)`), m);
    }
    assert.match(text, /zzz = a method not documented by Entra/);
  });

  test('aud mentions v2 client ids; uti is opaque without support advice', () => {
    const d = describeToken(fake({ aud: 'https://org.crm.dynamics.com', uti: 'abc' }));
    assert.match(claim(d, 'aud').explanation, /v2 tokens aud is always the client \(application\) id of the API/);
    assert.match(claim(d, 'uti').explanation, /opaque, do not rely on it/);
    assert.doesNotMatch(claim(d, 'uti').explanation, /support/);
  });
});

describe('tokenVersion reads iss with the one issuer parser', () => {
  const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  test('v1 and v2 shapes, and text that only looks like one', () => {
    assert.equal(tokenVersion({ iss: `https://sts.windows.net/${TID}/` }), '1.0');
    assert.equal(tokenVersion({ iss: `https://sts.chinacloudapi.cn/${TID}/` }), '1.0');
    assert.equal(tokenVersion({ iss: `https://login.microsoftonline.com/${TID}/v2.0` }), '2.0');
    assert.equal(tokenVersion({ iss: `https://login.microsoftonline.com\\x\\discovery\\v2.0\\keys?x=/${TID}/v2.0` }), 'unknown');
    assert.equal(tokenVersion({ iss: 'https://evil.example/anything/v2.0' }), 'unknown');
    assert.equal(tokenVersion({ ver: '2.0', iss: 'whatever' }), '2.0');
  });
});

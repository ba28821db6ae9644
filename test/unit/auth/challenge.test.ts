import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isTrustedAuthorityHost, parseAuthenticateHeader, parseDataverseChallenge } from '../../../src/auth/challenge';

const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('parseDataverseChallenge', () => {
  const cases: Array<{ label: string; header: string | string[]; authorityHost: string; tenantId: string; resourceId?: string }> = [
    {
      label: 'the unquoted form Dataverse sends',
      header: `Bearer authorization_uri=https://login.microsoftonline.com/${TID}/oauth2/authorize, resource_id=https://org.crm.dynamics.com/`,
      authorityHost: 'https://login.microsoftonline.com',
      tenantId: TID,
      resourceId: 'https://org.crm.dynamics.com',
    },
    {
      label: 'quoted values, odd case and extra parameters',
      header: `bearer Realm="", Authorization_URI="https://login.microsoftonline.com/${TID.toUpperCase()}/oauth2/authorize", error="invalid_token", RESOURCE_ID="https://org.crm4.dynamics.com"`,
      authorityHost: 'https://login.microsoftonline.com',
      tenantId: TID,
      resourceId: 'https://org.crm4.dynamics.com',
    },
    {
      label: 'several challenges in one header',
      header: `Negotiate, Basic realm="x, y", Bearer authorization_uri=https://login.microsoftonline.us/${TID}/oauth2/authorize, resource_id=https://agency.crm.microsoftdynamics.us/`,
      authorityHost: 'https://login.microsoftonline.us',
      tenantId: TID,
      resourceId: 'https://agency.crm.microsoftdynamics.us',
    },
    {
      label: 'several headers',
      header: ['Basic realm="legacy"', `Bearer authorization_uri=https://127.0.0.2:9443/${TID}/oauth2/authorize,resource_id=https://127.0.0.2:9444/`],
      authorityHost: 'https://127.0.0.2:9443',
      tenantId: TID,
      resourceId: 'https://127.0.0.2:9444',
    },
    {
      label: 'common becomes organizations',
      header: 'Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/authorize',
      authorityHost: 'https://login.microsoftonline.com',
      tenantId: 'organizations',
    },
    {
      label: 'a tenant domain',
      header: 'Bearer authorization_uri="https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/authorize"',
      authorityHost: 'https://login.microsoftonline.com',
      tenantId: 'contoso.onmicrosoft.com',
    },
  ];
  for (const c of cases) {
    test(c.label, () => {
      const result = parseDataverseChallenge(c.header);
      assert.ok(result.ok, result.ok ? '' : result.reason);
      assert.equal(result.challenge.authorityHost, c.authorityHost);
      assert.equal(result.challenge.tenantId, c.tenantId);
      assert.equal(result.challenge.resourceId, c.resourceId);
    });
  }

  test('keeps the error parameter', () => {
    const result = parseDataverseChallenge(`Bearer authorization_uri=https://login.microsoftonline.com/${TID}/oauth2/authorize, error="invalid_token"`);
    assert.ok(result.ok);
    assert.equal(result.challenge.error, 'invalid_token');
  });

  const failures: Array<{ label: string; header: string | null; reason: RegExp }> = [
    { label: 'no header', header: null, reason: /no WWW-Authenticate header.*enter the tenant ID/ },
    { label: 'not Bearer', header: 'Negotiate, NTLM', reason: /asks for Negotiate, NTLM authentication.*not Dataverse online/ },
    { label: 'no authorization_uri', header: 'Bearer realm="x"', reason: /no authorization_uri.*Enter the tenant ID/ },
    { label: 'not a URL', header: 'Bearer authorization_uri=login/tid', reason: /not a valid URL/ },
    { label: 'http', header: `Bearer authorization_uri=http://login.microsoftonline.com/${TID}/oauth2/authorize`, reason: /not https/ },
    { label: 'no tenant', header: 'Bearer authorization_uri=https://login.microsoftonline.com/', reason: /names no tenant/ },
    { label: 'junk tenant', header: 'Bearer authorization_uri=https://login.microsoftonline.com/not_a_tenant!/oauth2', reason: /neither a tenant ID nor a domain/ },
  ];
  for (const f of failures) {
    test(`refuses ${f.label}`, () => {
      const result = parseDataverseChallenge(f.header);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.match(result.reason, f.reason);
      }
    });
  }

  test('a bad percent-escape in authorization_uri is refused with a reason, never a URIError', () => {
    for (const uri of ['https://login.microsoftonline.com/%/x', 'https://login.microsoftonline.com/%E0%A4%A/oauth2/authorize', 'https://login.microsoftonline.com/%zz']) {
      let result: ReturnType<typeof parseDataverseChallenge> | undefined;
      assert.doesNotThrow(() => (result = parseDataverseChallenge(`Bearer authorization_uri=${uri}`)), uri);
      assert.ok(result && !result.ok, uri);
      if (result && !result.ok) {
        assert.match(result.reason, /percent-escape/, uri);
        assert.match(result.reason, /Enter the tenant ID/, uri);
      }
    }
  });
});

describe('parseAuthenticateHeader', () => {
  test('splits challenges and unquotes escaped values', () => {
    const challenges = parseAuthenticateHeader('Basic realm="a \\"b\\", c", Bearer x=1, y="2"');
    assert.deepEqual(
      challenges.map((c) => [c.scheme, Object.fromEntries(c.params)]),
      [
        ['Basic', { realm: 'a "b", c' }],
        ['Bearer', { x: '1', y: '2' }],
      ],
    );
  });
});

describe('isTrustedAuthorityHost', () => {
  test("trusts the cloud's own sign-in host and its aliases", () => {
    assert.ok(isTrustedAuthorityHost('https://login.microsoftonline.com', 'public'));
    assert.ok(isTrustedAuthorityHost('https://LOGIN.windows.net/', 'public'));
    assert.ok(isTrustedAuthorityHost('https://login.microsoftonline.com', 'usGov'));
    assert.ok(isTrustedAuthorityHost('https://login.microsoftonline.us', 'usGovHigh'));
    assert.ok(isTrustedAuthorityHost('https://login.chinacloudapi.cn', 'china'));
    assert.ok(isTrustedAuthorityHost('https://login.partner.microsoftonline.cn', 'china'));
  });

  test('refuses another cloud, another host, another port, and http', () => {
    assert.ok(!isTrustedAuthorityHost('https://login.microsoftonline.us', 'public'));
    assert.ok(!isTrustedAuthorityHost('https://login.microsoftonline.com', 'usGovHigh'));
    assert.ok(!isTrustedAuthorityHost('https://login.microsoftonline.com.evil.example', 'public'));
    assert.ok(!isTrustedAuthorityHost('https://evil.example', 'public'));
    assert.ok(!isTrustedAuthorityHost('https://login.microsoftonline.com:8443', 'public'));
    assert.ok(!isTrustedAuthorityHost('http://login.microsoftonline.com', 'public'));
    assert.ok(!isTrustedAuthorityHost('not a url', 'public'));
  });

  test('trusts hosts the person listed, port included', () => {
    const extra = ['127.0.0.2:9443', 'https://sts.contoso.example', 'http://plain.example', ''];
    assert.ok(isTrustedAuthorityHost('https://127.0.0.2:9443', 'public', extra));
    assert.ok(!isTrustedAuthorityHost('https://127.0.0.2:9444', 'public', extra));
    assert.ok(isTrustedAuthorityHost('https://sts.contoso.example', 'public', extra));
    assert.ok(!isTrustedAuthorityHost('https://plain.example', 'public', extra));
  });

  test('a hostile environment cannot redirect sign-in to itself', () => {
    const result = parseDataverseChallenge(`Bearer authorization_uri=https://evil.example/${TID}/oauth2/authorize, resource_id=https://evil.example/`);
    assert.ok(result.ok);
    assert.equal(isTrustedAuthorityHost(result.challenge.authorityHost, 'public'), false);
  });
});

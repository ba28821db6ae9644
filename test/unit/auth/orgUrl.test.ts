import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expectedHostForms, normalizeOrgUrl, orgScope, sameOrg } from '../../../src/auth/orgUrl';

describe('normalizeOrgUrl accepts what people paste', () => {
  const cases: Array<{ input: string; url: string; cloud?: Parameters<typeof normalizeOrgUrl>[1] }> = [
    { input: 'https://contoso.crm.dynamics.com', url: 'https://contoso.crm.dynamics.com' },
    { input: '  contoso.crm.dynamics.com  ', url: 'https://contoso.crm.dynamics.com' },
    { input: 'https://contoso.crm.dynamics.com/', url: 'https://contoso.crm.dynamics.com' },
    { input: 'https://contoso.crm.dynamics.com///', url: 'https://contoso.crm.dynamics.com' },
    { input: 'HTTPS://Contoso.CRM4.Dynamics.com', url: 'https://contoso.crm4.dynamics.com' },
    { input: 'https://contoso.crm.dynamics.com/api/data/v9.2/accounts?$top=5', url: 'https://contoso.crm.dynamics.com' },
    { input: 'https://contoso.crm.dynamics.com/main.aspx?appid=123&pagetype=entitylist#x', url: 'https://contoso.crm.dynamics.com' },
    { input: 'https://contoso.crm.dynamics.com/XRMServices/2011/Organization.svc', url: 'https://contoso.crm.dynamics.com' },
    { input: 'https://contoso.crm.dynamics.com.', url: 'https://contoso.crm.dynamics.com' },
    { input: 'https://contoso.crm.dynamics.com:443/', url: 'https://contoso.crm.dynamics.com' },
    ...['crm2', 'crm3', 'crm5', 'crm6', 'crm7', 'crm8', 'crm11', 'crm12', 'crm14', 'crm15', 'crm16', 'crm17', 'crm19', 'crm20', 'crm21'].map((r) => ({
      input: `org1.${r}.dynamics.com`,
      url: `https://org1.${r}.dynamics.com`,
    })),
    { input: 'agency.crm9.dynamics.com', url: 'https://agency.crm9.dynamics.com', cloud: 'usGov' },
    { input: 'agency.crm.microsoftdynamics.us', url: 'https://agency.crm.microsoftdynamics.us', cloud: 'usGovHigh' },
    { input: 'army.crm.appsplatform.us', url: 'https://army.crm.appsplatform.us', cloud: 'usGovDoD' },
    { input: 'contoso.crm.dynamics.cn', url: 'https://contoso.crm.dynamics.cn', cloud: 'china' },
    { input: 'https://crm.contoso.local:8443/', url: 'https://crm.contoso.local:8443' },
    { input: 'https://127.0.0.2:9443', url: 'https://127.0.0.2:9443' },
    { input: 'https://[::1]:9443/api/data/v9.2', url: 'https://[::1]:9443' },
    { input: 'https://localhost:8443', url: 'https://localhost:8443' },
    { input: 'https://bücher.example/', url: 'https://xn--bcher-kva.example' },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.input)} -> ${c.url}`, () => {
      const result = normalizeOrgUrl(c.input, c.cloud);
      assert.ok(result.ok, result.ok ? '' : result.reason);
      assert.equal(result.url, c.url);
      assert.ok(!result.url.endsWith('/'));
    });
  }

  test('the host comes back alone, lowercase', () => {
    const result = normalizeOrgUrl('https://Contoso.crm.dynamics.com:8443/x');
    assert.ok(result.ok);
    assert.equal(result.host, 'contoso.crm.dynamics.com');
  });

  test('the Web API host becomes the environment host, and says so', () => {
    for (const [input, url] of [
      ['https://contoso.api.crm.dynamics.com/api/data/v9.2/', 'https://contoso.crm.dynamics.com'],
      ['contoso.api.crm4.dynamics.com', 'https://contoso.crm4.dynamics.com'],
      ['agency.api.crm.microsoftdynamics.us', 'https://agency.crm.microsoftdynamics.us'],
    ]) {
      const result = normalizeOrgUrl(input);
      assert.ok(result.ok);
      assert.equal(result.url, url);
      assert.match(result.note ?? '', /Web API address of the same environment/);
    }
  });
});

describe('normalizeOrgUrl refuses with the problem and the fix', () => {
  const cases: Array<{ input: string; problem: RegExp; fix: RegExp; cloud?: Parameters<typeof normalizeOrgUrl>[1] }> = [
    { input: '', problem: /empty/, fix: /https:\/\/contoso\.crm\.dynamics\.com/ },
    { input: '   ', problem: /empty/, fix: /Power Platform admin center/ },
    { input: 'https://contoso crm.dynamics.com', problem: /contains spaces/, fix: /https:\/\/contoso\.crm\.dynamics\.com/ },
    { input: 'http://contoso.crm.dynamics.com/main.aspx', problem: /only accepts https/, fix: /Use https:\/\/contoso\.crm\.dynamics\.com instead/ },
    // Another host is not offered back with https://, as if it would do.
    { input: 'http://example.com', problem: /only accepts https/, fix: /environment's https:\/\/ URL, like https:\/\/contoso\.crm\.dynamics\.com/ },
    { input: 'ftp://contoso.crm.dynamics.com', problem: /starts with ftp:\/\//, fix: /https:\/\// },
    { input: 'contoso', problem: /not a full URL/, fix: /enter https:\/\/contoso\.crm\.dynamics\.com/ },
    { input: 'contoso', cloud: 'usGovHigh', problem: /not a full URL/, fix: /https:\/\/contoso\.crm\.microsoftdynamics\.us/ },
    { input: 'adele@contoso.onmicrosoft.com', problem: /email address/, fix: /environment URL instead/ },
    { input: 'https://user:pw@contoso.crm.dynamics.com', problem: /user name or password/, fix: /remove it/ },
    { input: 'https://evil.com\\@contoso.crm.dynamics.com', problem: /backslash/, fix: /like https:\/\/contoso\.crm\.dynamics\.com/ },
    { input: 'evil.com\\contoso.crm.dynamics.com', problem: /backslash/, fix: /like https:\/\// },
    { input: 'https://@contoso.crm.dynamics.com', problem: /user name or password/, fix: /remove it/ },
    { input: 'https://:@contoso.crm.dynamics.com', problem: /user name or password/, fix: /remove it/ },
    { input: '@contoso.crm.dynamics.com', problem: /user name or password/, fix: /remove it/ },
    { input: 'https://evil.com@contoso.crm.dynamics.com/', problem: /user name or password/, fix: /remove it/ },
    { input: 'https://login.microsoftonline.com/contoso.onmicrosoft.com', problem: /Microsoft Entra sign-in address/, fix: /environment URL instead/ },
    { input: 'login.microsoftonline.us', problem: /Entra sign-in address/, fix: /environment URL/ },
    { input: 'https://make.powerapps.com/environments/0f3c/home', problem: /Power Apps portal/, fix: /Environment URL/ },
    { input: 'https://admin.powerplatform.microsoft.com/environments', problem: /admin center/, fix: /environment URL instead/ },
    { input: 'https://globaldisco.crm.dynamics.com/api/discovery/v2.0/Instances', problem: /Global Discovery Service/, fix: /environment URL/ },
    { input: 'https://graph.microsoft.com/v1.0/me', problem: /Microsoft Graph/, fix: /environment URL/ },
    { input: 'crm4.dynamics.com', problem: /without your environment's name/, fix: /https:\/\/contoso\.crm4\.dynamics\.com/ },
    { input: 'https://-bad-.example.com', problem: /not a valid host name/, fix: /like https:\/\// },
    { input: 'https://under_score.example.com', problem: /not a valid host name/, fix: /like https:\/\// },
    { input: 'https://999.1.1.1', problem: /not a valid URL/, fix: /like https:\/\// },
    { input: 'https://', problem: /not a valid URL/, fix: /like https:\/\// },
    { input: 'contoso.crm.dynamics.com', cloud: 'usGovHigh', problem: /Public \(commercial\) cloud/, fix: /Change the connection's cloud/ },
    { input: 'agency.crm.microsoftdynamics.us', cloud: 'public', problem: /GCC High/, fix: /Change the connection's cloud/ },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.input)}${c.cloud ? ` (${c.cloud})` : ''}`, () => {
      const result = normalizeOrgUrl(c.input, c.cloud);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.match(result.reason, c.problem);
        assert.match(result.reason, c.fix);
        assert.doesNotMatch(result.reason, /undefined/);
      }
    });
  }
});

describe('normalizeOrgUrl quotes at most the start of a huge input', () => {
  const huge = 'x'.repeat(1024 * 1024);
  for (const input of [`https://${huge}.crm.dynamics.com`, `https://contoso.crm.dynamics.com/${huge} x`, `ftp://${huge}`, huge, `https://${huge}\\@contoso.crm.dynamics.com`, `https://${huge}@contoso.crm.dynamics.com`, `http://a ${huge}`]) {
    test(`${input.slice(0, 24)}… (${input.length} characters)`, () => {
      const result = normalizeOrgUrl(input);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.ok(result.reason.length < 600, `the reason is ${result.reason.length} characters long`);
        assert.match(result.reason, /characters\)/, 'the reason says the input was longer than what it quotes');
      }
    });
  }
  test('a valid URL with a long path is still accepted, the path dropped', () => {
    const result = normalizeOrgUrl(`https://contoso.crm.dynamics.com/${huge}`);
    assert.equal(result.ok && result.url, 'https://contoso.crm.dynamics.com');
  });
});

describe('orgScope', () => {
  test('builds the scope with exactly one slash', () => {
    assert.equal(orgScope('https://contoso.crm.dynamics.com/', 'default'), 'https://contoso.crm.dynamics.com/.default');
    assert.equal(orgScope('contoso.crm.dynamics.com//', 'user_impersonation'), 'https://contoso.crm.dynamics.com/user_impersonation');
    assert.equal(orgScope('https://127.0.0.2:9443', 'default'), 'https://127.0.0.2:9443/.default');
  });

  test('throws the reason for something that is not an environment', () => {
    assert.throws(() => orgScope('http://contoso.crm.dynamics.com', 'default'), /only accepts https/);
  });
});

describe('sameOrg', () => {
  test('ignores case, paths, trailing slashes and the Web API host', () => {
    assert.ok(sameOrg('https://Contoso.crm.dynamics.com/', 'contoso.crm.dynamics.com'));
    assert.ok(sameOrg('https://contoso.api.crm.dynamics.com/api/data/v9.2', 'https://contoso.crm.dynamics.com'));
  });

  test('tells different environments and ports apart', () => {
    assert.ok(!sameOrg('https://contoso.crm.dynamics.com', 'https://contoso.crm4.dynamics.com'));
    assert.ok(!sameOrg('https://127.0.0.2:9443', 'https://127.0.0.2:9444'));
    assert.ok(!sameOrg('contoso', 'contoso'));
  });
});

describe('expectedHostForms names the host forms of the chosen cloud', () => {
  test('public: the main regional domains, then the others', () => {
    assert.equal(expectedHostForms('public'), '*.crm.dynamics.com, *.crm2.dynamics.com, *.crm3.dynamics.com, *.crm4.dynamics.com or another regional domain');
  });
  test('a cloud with one domain names it alone', () => {
    assert.equal(expectedHostForms('usGovHigh'), '*.crm.microsoftdynamics.us');
  });
});

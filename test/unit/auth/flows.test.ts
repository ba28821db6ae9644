import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SignInFlow } from '../../../src/auth/connection';
import { explainUnsupportedFlow, getFlows, MAX_DETAIL_LENGTH, type FlowEnvironment } from '../../../src/auth/flows';

describe('getFlows', () => {
  const cases: Array<{ label: string; env: FlowEnvironment; expected: SignInFlow[] }> = [
    { label: 'Desktop, local', env: { uiKind: 'desktop' }, expected: ['interactive', 'deviceCode', 'clientSecret', 'certificate'] },
    { label: 'Desktop, SSH remote', env: { uiKind: 'desktop', remoteName: 'ssh-remote' }, expected: ['deviceCode', 'interactive', 'clientSecret', 'certificate'] },
    { label: 'Desktop, WSL', env: { uiKind: 'desktop', remoteName: 'wsl' }, expected: ['deviceCode', 'interactive', 'clientSecret', 'certificate'] },
    { label: 'Desktop, dev container', env: { uiKind: 'desktop', remoteName: 'dev-container' }, expected: ['deviceCode', 'interactive', 'clientSecret', 'certificate'] },
    { label: 'Desktop, tunnel', env: { uiKind: 'desktop', remoteName: 'tunnel' }, expected: ['deviceCode', 'interactive', 'clientSecret', 'certificate'] },
    { label: 'Desktop, Codespaces', env: { uiKind: 'desktop', remoteName: 'codespaces' }, expected: ['deviceCode', 'interactive', 'clientSecret', 'certificate'] },
    { label: 'Browser, Codespaces', env: { uiKind: 'web', remoteName: 'codespaces' }, expected: ['deviceCode', 'clientSecret', 'certificate', 'interactive'] },
    { label: 'Browser, tunnel', env: { uiKind: 'web', remoteName: 'tunnel' }, expected: ['deviceCode', 'clientSecret', 'certificate', 'interactive'] },
    { label: 'Browser, self-hosted (code-server)', env: { uiKind: 'web' }, expected: ['deviceCode', 'clientSecret', 'certificate', 'interactive'] },
  ];

  for (const c of cases) {
    test(`gives the correct flows - ${c.label}`, () => {
      const flows = getFlows(c.env);
      assert.deepEqual(
        flows.map((f) => f.flow),
        c.expected,
      );
      assert.deepEqual(
        flows.filter((f) => f.isDefault).map((f) => f.flow),
        [c.expected[0]],
      );
    });
  }

  test('on the desktop user flows come before app flows, and every option explains itself', () => {
    for (const c of cases.filter((x) => x.env.uiKind === 'desktop')) {
      const identities = getFlows(c.env).map((f) => f.identity);
      assert.equal(identities.join(','), [...identities].sort((a, b) => (a === b ? 0 : a === 'user' ? -1 : 1)).join(','));
      for (const option of getFlows(c.env)) {
        assert.ok(option.label.length > 0 && option.detail.endsWith('.'));
      }
    }
  });

  test('in a browser the browser flow comes last and says when it works', () => {
    const web = getFlows({ uiKind: 'web', remoteName: 'codespaces' });
    assert.match(web.find((f) => f.flow === 'interactive')!.detail, /only if the browser runs where VS Code's server runs/);
  });

  test('every detail fits on the quick pick line, so no caveat is cut off', () => {
    for (const c of cases) {
      for (const option of getFlows(c.env)) assert.ok(option.detail.length <= MAX_DETAIL_LENGTH, `${option.flow}: ${option.detail.length} characters: ${option.detail}`);
    }
  });

  test('username/password is never offered', () => {
    for (const c of cases) {
      assert.ok(!getFlows(c.env).some((f) => (f.flow as string) === 'usernamePassword'));
    }
  });
});

describe('explainUnsupportedFlow', () => {
  test('username/password: no MFA, deprecated, blocked by Conditional Access; alternatives given', () => {
    const e = explainUnsupportedFlow('usernamePassword');
    const why = e.reasons.join(' ');
    assert.match(why, /multi-factor/);
    assert.match(why, /deprecates/);
    assert.match(why, /Conditional Access/);
    assert.ok(e.alternatives.some((a) => /browser/.test(a)));
    assert.ok(e.alternatives.some((a) => /client secret or certificate/.test(a)));
  });

  test('managed identity: belongs to an Azure resource, not an editor', () => {
    const e = explainUnsupportedFlow('managedIdentity');
    assert.match(e.title, /does not apply to an editor/);
    assert.match(e.reasons.join(' '), /Azure resource/);
    assert.ok(e.alternatives.length >= 2);
  });
});

describe('flow details promise only what is asked', () => {
  test('the client-secret option does not say it needs the tenant: the tenant comes from the environment\'s challenge, and is never asked for', () => {
    const detail = getFlows({ uiKind: 'desktop' }).find((f) => f.flow === 'clientSecret')!.detail;
    assert.doesNotMatch(detail, /needs the app id, tenant/);
    assert.match(detail, /tenant is found for you/);
  });
});


import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readDiscoveredEnvironments } from '../../../src/auth/discovery';

function recordingLogger() {
  const warnings: string[] = [];
  const none = () => undefined;
  return { warnings, logger: { trace: none, debug: none, info: none, warn: (m: string) => void warnings.push(m), error: none } };
}

const instance = (Url: unknown, extra: Record<string, unknown> = {}) => ({ Url, FriendlyName: 'Contoso Sales', UniqueName: 'contososales', EnvironmentType: 'Production', ...extra });

describe('environments listed by the Global Discovery Service', () => {
  test('valid environment URLs are kept, normalised', () => {
    const { logger, warnings } = recordingLogger();
    const found = readDiscoveredEnvironments({ value: [instance('https://ContosoSales.crm.dynamics.com/'), instance('https://contosodev.api.crm4.dynamics.com', { FriendlyName: 'Dev', EnvironmentType: 'Sandbox' })] }, logger);
    assert.deepEqual(found, [
      { url: 'https://contososales.crm.dynamics.com', friendlyName: 'Contoso Sales', uniqueName: 'contososales', environmentType: 'Production' },
      { url: 'https://contosodev.crm4.dynamics.com', friendlyName: 'Dev', uniqueName: 'contososales', environmentType: 'Sandbox' },
    ]);
    assert.deepEqual(warnings, []);
  });

  test('hostile URLs never become connections, and each one dropped is logged', () => {
    const hostile = [
      'http://contoso.crm.dynamics.com',
      'HTTP://contoso.crm.dynamics.com',
      'ftp://contoso.crm.dynamics.com',
      'javascript:alert(1)',
      'https://evil.com\\@contoso.crm.dynamics.com',
      'https://@contoso.crm.dynamics.com',
      'https://user:pw@contoso.crm.dynamics.com',
      'https://login.microsoftonline.com',
      'https://crm.dynamics.com',
      'https://contoso crm.dynamics.com',
      '',
      `https://${'x'.repeat(300_000)}.crm.dynamics.com`,
    ];
    const { logger, warnings } = recordingLogger();
    const found = readDiscoveredEnvironments({ value: [...hostile.map((u) => instance(u)), instance('https://contoso.crm.dynamics.com')] }, logger);
    assert.deepEqual(
      found.map((e) => e.url),
      ['https://contoso.crm.dynamics.com'],
    );
    assert.equal(warnings.length, hostile.length);
    for (const w of warnings) {
      assert.match(w, /Global Discovery listed an environment that is left out/);
      assert.ok(w.length < 800, 'a warning quotes at most the start of a huge URL');
    }
    assert.match(warnings[0]!, /http:\/\/.*only accepts https/);
  });

  test('malformed answers give no environments rather than throwing', () => {
    const { logger } = recordingLogger();
    for (const body of [null, undefined, 42, 'text', {}, { value: 'x' }, { value: [null, 1, 'https://a.crm.dynamics.com', { Url: 5 }] }]) {
      assert.deepEqual(readDiscoveredEnvironments(body, logger), []);
    }
  });

  test('the same environment listed twice is offered once', () => {
    const { logger } = recordingLogger();
    assert.equal(readDiscoveredEnvironments({ value: [instance('https://contoso.crm.dynamics.com'), instance('https://CONTOSO.crm.dynamics.com/')] }, logger).length, 1);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  contributes: { configuration: { properties: Record<string, unknown> } };
};
const settingsSource = readFileSync('src/views/connections/settings.ts', 'utf8');

describe('package.json settings', () => {
  // A setting nobody reads is a promise the extension does not keep: people change it and nothing happens.
  for (const key of Object.keys(manifest.contributes.configuration.properties)) {
    test(`${key} is read by the extension`, () => {
      assert.match(key, /^dataverse\./);
      const name = key.slice('dataverse.'.length);
      assert.ok(settingsSource.includes(`'${name}'`), `${key} is contributed but src/views/connections/settings.ts never reads it`);
    });
  }
});

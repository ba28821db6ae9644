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

describe('what a new user reads first', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { description: string; contributes: { commands: Array<{ command: string; title: string }> } };
  const welcome = (JSON.parse(readFileSync('package.nls.json', 'utf8')) as Record<string, string>)['dataverse.welcome']!;

  test('the description and the welcome view promise only what ships (sign-in, connections, tables, token inspector)', () => {
    for (const text of [pkg.description, welcome]) {
      assert.doesNotMatch(text, /\.odata|quer(y|ies)/i, text);
      assert.match(text, /tables/i);
      assert.match(text, /sign/i);
      assert.match(text, /token/i);
    }
  });

  test('on the welcome view, Connect is the only button: Show Log is a link inside a sentence', () => {
    // VS Code draws a line holding only a command link as a button.
    const buttons = welcome.split('\n').filter((line) => /^\[[^\]]+\]\(command:[^)]+\)$/.test(line.trim()));
    assert.deepEqual(buttons, ['[Connect to an Environment](command:dataverse.connection.connect)']);
    assert.match(welcome, /\S \[[^\]]+\]\(command:dataverse\.log\.show\)/);
  });

  test('the username/password command asks the question it answers, instead of sorting as a sign-in option', () => {
    const title = pkg.contributes.commands.find((c) => c.command === 'dataverse.connection.usernamePassword')!.title;
    assert.match(title, /^Why /);
    assert.doesNotMatch(title, /not supported|^Connect/i);
  });
});

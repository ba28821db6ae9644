import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

interface LanguageContribution {
  id: string;
  aliases: string[];
  extensions: string[];
  configuration: string;
}
interface GrammarContribution {
  language: string;
  scopeName: string;
  path: string;
  embeddedLanguages: Record<string, string>;
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  contributes: { languages: LanguageContribution[]; grammars: GrammarContribution[] };
};
const language = manifest.contributes.languages.find((l) => l.id === 'odata');
const grammar = manifest.contributes.grammars.find((g) => g.language === 'odata');
const grammarText = readFileSync('syntaxes/odata.tmLanguage.json', 'utf8');
const config = JSON.parse(readFileSync('language-configuration.json', 'utf8')) as {
  comments: { lineComment: string };
  brackets: string[][];
  autoClosingPairs: Array<{ open: string; close: string; notIn?: string[] }>;
  surroundingPairs: string[][];
  folding: { markers: { start: string; end: string } };
  wordPattern: string;
};

describe('the odata language contribution', () => {
  test('*.odata files are the odata language, with its configuration and grammar', () => {
    assert.ok(language, 'package.json contributes the odata language');
    assert.deepEqual(language.extensions, ['.odata']);
    assert.deepEqual(language.aliases, ['OData', 'odata']);
    assert.ok(existsSync(language.configuration), language.configuration);
    assert.ok(grammar, 'package.json contributes a grammar for odata');
    assert.ok(existsSync(grammar.path), grammar.path);
    assert.equal((JSON.parse(grammarText) as { scopeName: string }).scopeName, grammar.scopeName);
  });

  test('each embedded region of the grammar is mapped to its language, so that it gets that language\'s brackets and comments', () => {
    assert.ok(grammar);
    const embedded = [...new Set([...grammarText.matchAll(/"contentName": "(meta\.embedded\.[^"]+)"/g)].map((m) => m[1]))].sort();
    assert.deepEqual(embedded, Object.keys(grammar.embeddedLanguages).sort());
    assert.deepEqual(grammar.embeddedLanguages, { 'meta.embedded.block.json': 'json', 'meta.embedded.block.xml': 'xml' });
    assert.match(grammarText, /"include": "source\.json"/);
    assert.match(grammarText, /"include": "text\.xml"/);
  });

  test('the packaged extension contains the grammar and the language configuration', () => {
    assert.ok(language && grammar);
    // `vsce ls` lists what `npm run package` puts in the .vsix, after .vscodeignore.
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    const listed = spawnSync(npx, ['vsce', 'ls', '--no-dependencies'], { encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    const files = listed.stdout.split(/\r?\n/).map((f) => f.trim());
    for (const path of [language.configuration, grammar.path]) {
      assert.ok(files.includes(path.replace(/^\.\//, '')), `${path} is not packaged; files: ${files.join(', ')}`);
    }
  });
});

describe('language-configuration.json', () => {
  /** The words VS Code sees in a line (double-click, and the text a completion replaces). */
  const words = (line: string) => line.match(new RegExp(config.wordPattern, 'g')) ?? [];

  test('Toggle Line Comment uses #, and brackets and quotes pair up', () => {
    assert.equal(config.comments.lineComment, '#');
    assert.deepEqual(config.brackets, [['{', '}'], ['[', ']'], ['(', ')']]);
    const closing = Object.fromEntries(config.autoClosingPairs.map((p) => [p.open, p.close]));
    assert.deepEqual(closing, { '{': '}', '[': ']', '(': ')', "'": "'", '"': '"' });
    // Typing ' inside a string is an OData escape (''), not a new string.
    assert.deepEqual(config.autoClosingPairs.find((p) => p.open === "'")?.notIn, ['string', 'comment']);
    assert.deepEqual(config.surroundingPairs.map((p) => p[0]).sort(), ['"', "'", '(', '[', '{']);
  });

  test('a word is an OData name: $ options, @ aliases, qualified names, lookup names and whole GUIDs', () => {
    assert.deepEqual(words('$filter=statecode eq 0'), ['$filter', 'statecode', 'eq', '0']);
    assert.deepEqual(words('&@p1=5'), ['@p1', '5']);
    assert.deepEqual(words('Microsoft.Dynamics.CRM.In(PropertyName='), ['Microsoft.Dynamics.CRM.In', 'PropertyName']);
    assert.deepEqual(words('_parentaccountid_value eq 00000000-0000-0000-0000-000000000001'), ['_parentaccountid_value', 'eq', '00000000-0000-0000-0000-000000000001']);
    assert.deepEqual(words('$select=name,accountnumber&$top={{top}}'), ['$select', 'name', 'accountnumber', '$top', 'top']);
    assert.deepEqual(words('revenue ge -1.5'), ['revenue', 'ge', '-1.5']);
  });

  test('# region / # endregion fold; ### lines are left to the request folding provider', () => {
    const start = new RegExp(config.folding.markers.start);
    const end = new RegExp(config.folding.markers.end);
    assert.match('# region Accounts', start);
    assert.match('// endregion', end);
    assert.doesNotMatch('### Active accounts', start);
    assert.doesNotMatch('### Active accounts', end);
  });
});

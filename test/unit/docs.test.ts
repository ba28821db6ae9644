/**
 * Comments cite what a reader of the repository can open: Microsoft's pages
 * or docs/, never notes kept outside it. A cited section of a docs/ file and
 * a cited item of docs/code-server.md must exist.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.(ts|mts|mjs|cjs|js)$/.test(name) ? [path] : [];
  });
}

/** Every folder of code or tests in the repository: src/, sandbox/, scripts/, bench/ and all of test/. */
const FOLDERS = ['src', 'sandbox', 'scripts', 'bench', 'test'];
const SOURCES = FOLDERS.flatMap((dir) => files(dir));
const SELF = join('test', 'unit', 'docs.test.ts');
/** The GitHub-style anchor of a Markdown heading. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\s-]/g, '').replace(/\s+/g, '-');
const read = (file: string) => readFileSync(file, 'utf8');

describe('citations', () => {
  test('the rule reads every folder it names', () => {
    for (const dir of FOLDERS) assert.ok(SOURCES.some((file) => file.startsWith(dir + '/')), `no source read under ${dir}/`);
    assert.ok(SOURCES.some((file) => file.startsWith(join('test', 'e2e') + '/')), 'test/e2e/ is not read');
  });

  test('no comment in src/, sandbox/, scripts/, bench/ or test/ cites notes outside the repository', () => {
    const outside = /notes [A-Z]\.\d|notes\/|what-users-ask|real-vscode|dataverse-protocol\.md|\.\.\/shared\/|\bthe brief\b/i;
    const offenders = SOURCES.filter((file) => file !== SELF && outside.test(read(file)));
    assert.deepEqual(offenders, []);
  });

  test('every cited section of a docs/ file exists', () => {
    const cited = SOURCES.flatMap((file) => [...read(file).matchAll(/docs\/([\w-]+\.md)#([\w-]+)/g)].map((m) => ({ file, doc: m[1]!, section: m[2]! })));
    assert.ok(cited.some((c) => c.doc === 'protocol.md'));
    for (const { file, doc, section } of cited) {
      const headings = read(join('docs', doc)).split('\n').filter((line) => line.startsWith('#')).map((line) => anchor(line.replace(/^#+/, '')));
      assert.ok(headings.includes(section), `${file} cites docs/${doc}#${section}, which is not a heading there`);
    }
  });

  test('every cited item of docs/code-server.md exists', () => {
    const items = new Set([...read(join('docs', 'code-server.md')).matchAll(/^(\d+)\. /gm)].map((m) => Number(m[1])));
    const cited = SOURCES.flatMap((file) => [...read(file).matchAll(/docs\/code-server\.md items? (\d+)/g)].map((m) => ({ file, item: Number(m[1]) })));
    assert.ok(cited.length > 0);
    for (const { file, item } of cited) assert.ok(items.has(item), `${file} cites docs/code-server.md item ${item}, which is not an item there`);
  });
});

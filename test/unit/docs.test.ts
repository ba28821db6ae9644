/**
 * Comments cite what a reader of the repository can open: Microsoft's pages
 * or docs/, never notes kept outside it. A cited section of docs/protocol.md must exist.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.(ts|mjs)$/.test(name) ? [path] : [];
  });
}

const SOURCES = [...files('src'), ...files(join('test', 'unit'))];
/** The GitHub-style anchor of a Markdown heading. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\s-]/g, '').replace(/\s+/g, '-');

describe('citations', () => {
  test('no comment in src/ or test/unit/ cites notes outside the repository', () => {
    const outside = /notes [A-G]\.\d|what-users-ask|\.\.\/shared\/|\bthe brief\b/i;
    const offenders = SOURCES.filter((file) => file !== join('test', 'unit', 'docs.test.ts') && outside.test(readFileSync(file, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  test('every cited section of docs/protocol.md exists', () => {
    const headings = new Set(
      readFileSync(join('docs', 'protocol.md'), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('#'))
        .map((line) => anchor(line.replace(/^#+/, ''))),
    );
    const cited = SOURCES.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/docs\/protocol\.md#([\w-]+)/g)].map((m) => ({ file, section: m[1]! })));
    assert.ok(cited.length > 0);
    for (const { file, section } of cited) assert.ok(headings.has(section), `${file} cites docs/protocol.md#${section}, which is not a heading there`);
  });
});

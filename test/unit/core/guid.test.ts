import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { GUID, isGuid } from '../../../src/core/guid';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('GUID', () => {
  test('accepts GUIDs in any case, nothing around them', () => {
    assert.ok(isGuid('72f988bf-86f1-41af-91ab-2d7cd011db47'));
    assert.ok(isGuid('72F988BF-86F1-41AF-91AB-2D7CD011DB47'));
    for (const text of ['', '72f988bf86f141af91ab2d7cd011db47', '{72f988bf-86f1-41af-91ab-2d7cd011db47}', ' 72f988bf-86f1-41af-91ab-2d7cd011db47', '72f988bf-86f1-41af-91ab-2d7cd011db4g']) {
      assert.equal(isGuid(text), false, text);
    }
    assert.equal(GUID.test('72f988bf-86f1-41af-91ab-2d7cd011db47'), true);
  });

  test('is defined once in src/', () => {
    // A pattern (or pattern text) that ends with the GUID's last group: a GUID matched on its own.
    const definition = /-\[0-9a-f(?:A-F)?\]\{12\}(?:\$|')/i;
    const defining = sourceFiles('src').filter((file) => definition.test(readFileSync(file, 'utf8')));
    assert.deepEqual(defining, [join('src', 'core', 'guid.ts')]);
  });
});

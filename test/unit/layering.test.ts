import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';

// The layering rule (pure folders import neither vscode nor the glue; see eslint.config.mjs) is enforced by lint; these tests prove the rule bites.
const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImportErrors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering lint', () => {
  for (const folder of ['src/core', 'src/auth', 'src/dataverse', 'src/odata', 'src/webviews/protocol', 'sandbox']) {
    test(`${folder} may not import vscode`, async () => {
      const errors = await restrictedImportErrors(`import * as vscode from 'vscode';\nexport const x = vscode;\n`, `${folder}/example.ts`);
      assert.equal(errors.length, 1);
      assert.match(errors[0], /Pure folders must not import vscode/);
    });
  }

  test('a pure folder may not import the glue', async () => {
    const errors = await restrictedImportErrors(`import { ConnectionsView } from '../views/connections/connectionsView';\nexport const x = ConnectionsView;\n`, 'src/core/example.ts');
    assert.equal(errors.length, 1);
    assert.match(errors[0], /must not import the glue/);
  });

  test('pure auth code may not import the connections glue', async () => {
    const errors = await restrictedImportErrors(`import { readAuthSettings } from '../views/connections/settings';\nexport const x = readAuthSettings;\n`, 'src/auth/example.ts');
    assert.equal(errors.length, 1);
    assert.match(errors[0], /must not import the glue/);
  });

  test('the glue may import vscode', async () => {
    const errors = await restrictedImportErrors(`import * as vscode from 'vscode';\nexport const x = vscode;\n`, 'src/views/example.ts');
    assert.deepEqual(errors, []);
  });

  test('a feature folder of the glue may import vscode', async () => {
    const errors = await restrictedImportErrors(`import * as vscode from 'vscode';\nexport const x = vscode;\n`, 'src/views/explorer/example.ts');
    assert.deepEqual(errors, []);
  });
});

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

  for (const folder of ['src/dataverse', 'src/dataverse/metadata', 'src/odata']) {
    test(`${folder} may not import src/auth/msal (it takes a token provider)`, async () => {
      const depth = folder.split('/').length - 1;
      const up = '../'.repeat(depth);
      for (const target of [`${up}auth/msal/msalTokenSource`, `${up}auth/msal`]) {
        const errors = await restrictedImportErrors(`import { MsalTokenSource } from '${target}';\nexport const x = MsalTokenSource;\n`, `${folder}/example.ts`);
        assert.equal(errors.length, 1, target);
        assert.match(errors[0], /must not import src\/auth\/msal/);
      }
    });
  }

  test('src/dataverse still may not import vscode or the glue under the msal rule', async () => {
    assert.match((await restrictedImportErrors(`import * as vscode from 'vscode';\nexport const x = vscode;\n`, 'src/dataverse/metadata/example.ts'))[0] ?? '', /must not import vscode/);
    assert.match((await restrictedImportErrors(`import { X } from '../../views/explorer/x';\nexport const x = X;\n`, 'src/dataverse/metadata/example.ts'))[0] ?? '', /must not import the glue/);
  });

  test('src/auth may import src/auth/msal, and src/dataverse may import its own http layer', async () => {
    assert.deepEqual(await restrictedImportErrors(`import { MsalTokenSource } from './msal/msalTokenSource';\nexport const x = MsalTokenSource;\n`, 'src/auth/example.ts'), []);
    assert.deepEqual(await restrictedImportErrors(`import { callWithToken } from './http';\nexport const x = callWithToken;\n`, 'src/dataverse/example.ts'), []);
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

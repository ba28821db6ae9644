/**
 * In-editor tests for desktop VS Code, run by `npm run test:desktop` through
 * @vscode/test-electron. They check from inside the extension host what the
 * code-server end-to-end tests check through the UI.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'dataverse-devkit.dataverse-devkit';

async function activationTests(): Promise<void> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed`);
  assert.equal(extension.isActive, false, 'the extension activated before it was used');
  await vscode.commands.executeCommand('workbench.view.extension.dataverse');
  for (let i = 0; i < 100 && !extension.isActive; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(extension.isActive, true, 'opening the Dataverse view did not activate the extension');
  const commands = await vscode.commands.getCommands(true);
  assert.ok(commands.includes('dataverse.log.show'));
  await vscode.commands.executeCommand('dataverse.log.show');
}

/** Entry point called by the test-electron runner. */
export async function run(): Promise<void> {
  const tests: [string, () => Promise<void>][] = [['activation and Show Log', activationTests]];
  let failed = 0;
  for (const [name, fn] of tests) {
    try {
      await fn();
      console.log(`ok - ${name}`);
    } catch (error) {
      failed++;
      console.error(`not ok - ${name}: ${String(error)}`);
    }
  }
  console.log(`${tests.length - failed} passed, ${failed} failed`);
  if (failed > 0) throw new Error(`${failed} desktop test(s) failed`);
}

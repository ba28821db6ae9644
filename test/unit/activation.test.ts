/**
 * Starting the extension loads none of the big libraries: msal-node, jose
 * and node-forge are bundled apart (esbuild.mjs, dist/vendor/) and required
 * only when a token, a signature check or a PFX file first needs them. The
 * `.odata` language (dist/odata.js) loads with the first `.odata` document.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

const root = process.cwd();
const requireFromHere = createRequire(__filename);

describe('activation', () => {
  before(() => {
    const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
  });

  test('require() and activate() load no vendor library and not the .odata language', () => {
    const child = spawnSync(process.execPath, [join(root, 'bench', 'activationProbe.cjs'), join(root, 'dist', 'extension.js')], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const result = JSON.parse(child.stdout) as { vendorLoaded: string[] };
    assert.deepEqual(result.vendorLoaded, []);
  });

  test('each vendor file loads on its own and offers what the extension calls', () => {
    const vendor = (name: string) => requireFromHere(join(root, 'dist', 'vendor', `${name}.js`)) as Record<string, unknown>;
    assert.equal(typeof vendor('msal-node').PublicClientApplication, 'function');
    assert.equal(typeof vendor('msal-node').AuthError, 'function');
    assert.equal(typeof vendor('jose').compactVerify, 'function');
    assert.equal(typeof (vendor('node-forge').pkcs12 as Record<string, unknown>).pkcs12FromAsn1, 'function');
  });

  test('the .odata language is a bundle of its own that offers the class the loader constructs', () => {
    const child = spawnSync(process.execPath, [join(root, 'bench', 'activationProbe.cjs'), join(root, 'dist', 'extension.js'), join(root, 'dist', 'odata.js')], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const result = JSON.parse(child.stdout) as { apart: string[] };
    assert.ok(result.apart.includes('OdataLanguage'), `dist/odata.js exports ${result.apart.join(', ')}`);
  });
});

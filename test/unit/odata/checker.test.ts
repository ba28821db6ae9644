/**
 * FileChecker, what the editor runs after each pause in typing: syntax and
 * metadata diagnostics of the whole file, with a request that did not change
 * answered from what was found before (no metadata asked again), its findings
 * and fixes moved with the text around them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSandbox, type Sandbox } from '../../../sandbox/index';
import { MetadataService } from '../../../src/dataverse/metadata/metadataService';
import type { MetadataLookup } from '../../../src/dataverse/metadata/model';
import { OrgMetadata } from '../../../src/dataverse/metadata/orgMetadata';
import { FileChecker } from '../../../src/odata/checker';
import { parseODataFile, type FileDiagnostic } from '../../../src/odata/file';
import { memoryFileSystem } from '../dataverse/metadata/memoryFileSystem';
import { sandboxClient } from '../dataverse/sandboxClient';

let sandbox: Sandbox;
let org: OrgMetadata;
before(async () => {
  sandbox = await startSandbox();
  const orgUrl = sandbox.orgs[0]!.url;
  org = await OrgMetadata.open({ service: new MetadataService(sandboxClient(sandbox, orgUrl).client), fs: memoryFileSystem(), cache: { folder: '/global-storage', orgUrl, identity: 'app:checker' } });
});
after(async () => {
  org.dispose();
  await sandbox.close();
});

/** The org's metadata, with every call written down (method and arguments). */
function recording(lookup: MetadataLookup): { lookup: MetadataLookup; calls: string[] } {
  const calls: string[] = [];
  const wrapped = new Proxy(lookup, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(`${String(prop)}(${args.filter((a) => typeof a === 'string').join(',')})`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { lookup: wrapped, calls };
}

const CONTACTS = '### Contacts\nGET contacts?$select=fullname&$filter=statecode eq 0\n';
const ACCOUNTS = '### Accounts\nGET accounts?$select=name,primarycontactid&$skip=5\n';
const at = (text: string, d: FileDiagnostic) => text.slice(d.start, d.end);

describe('FileChecker', () => {
  test('finds the syntax and metadata problems of every request, in order', async () => {
    const text = `${CONTACTS}\n${ACCOUNTS}`;
    const found = await new FileChecker().check(parseODataFile(text), org);
    assert.deepEqual(found.map((d) => [at(text, d), d.code ?? d.severity]), [
      ['primarycontactid', 'lookup-name'],
      ['$skip', 'warning'],
    ]);
    assert.ok(found.every((d, i) => i === 0 || found[i - 1]!.start <= d.start));
  });

  test('after a change to one request, only that request is validated again', async () => {
    const { lookup, calls } = recording(org);
    const checker = new FileChecker();
    await checker.check(parseODataFile(`${CONTACTS}\n${ACCOUNTS}`), lookup);
    assert.ok(calls.some((c) => c.includes('account')), 'the first check reads the account table');
    calls.length = 0;
    const edited = `${CONTACTS.replace('fullname', 'fullname,emailaddress1')}\n${ACCOUNTS}`;
    const found = await checker.check(parseODataFile(edited), lookup);
    assert.ok(calls.length > 0, 'the changed request is validated');
    assert.deepEqual(calls.filter((c) => c.includes('account')), [], `the unchanged accounts request asked for nothing: ${calls.join(' ')}`);
    assert.ok(found.some((d) => d.code === 'lookup-name'), 'and its finding is still there');
  });

  test('text added above a request moves its findings and their fixes with it, without asking the metadata again', async () => {
    const { lookup, calls } = recording(org);
    const checker = new FileChecker();
    const before = await checker.check(parseODataFile(ACCOUNTS), lookup);
    calls.length = 0;
    const added = '# Notes above\n\n';
    const text = added + ACCOUNTS;
    const after = await checker.check(parseODataFile(text), lookup);
    assert.deepEqual(calls, []);
    const lookupName = after.find((d) => d.code === 'lookup-name')!;
    assert.equal(at(text, lookupName), 'primarycontactid');
    assert.equal(lookupName.start, before.find((d) => d.code === 'lookup-name')!.start + added.length);
    const edit = lookupName.fix!.edits[0]!;
    assert.equal(text.slice(edit.start, edit.end), 'primarycontactid');
    const fixed = text.slice(0, edit.start) + edit.newText + text.slice(edit.end);
    assert.deepEqual((await checker.check(parseODataFile(fixed), lookup)).filter((d) => d.code === 'lookup-name'), []);
  });

  test('without metadata only what needs none is checked; another org\'s metadata is asked afresh', async () => {
    const checker = new FileChecker();
    const offline = await checker.check(parseODataFile(ACCOUNTS), undefined);
    assert.deepEqual(offline.map((d) => at(ACCOUNTS, d)), ['$skip']);
    const { lookup, calls } = recording(org);
    const online = await checker.check(parseODataFile(ACCOUNTS), lookup);
    assert.ok(calls.length > 0);
    assert.ok(online.some((d) => d.code === 'lookup-name'));
  });
});

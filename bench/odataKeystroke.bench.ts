import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../sandbox/index';
import { MetadataService } from '../src/dataverse/metadata/metadataService';
import { nodeMetadataFileSystem } from '../src/dataverse/metadata/nodeFileSystem';
import { OrgMetadata } from '../src/dataverse/metadata/orgMetadata';
import { FileChecker } from '../src/odata/checker';
import { completeAt } from '../src/odata/complete';
import { parseODataFile } from '../src/odata/file';
import { sandboxClient } from '../test/unit/dataverse/sandboxClient';
import type { BenchCase } from './harness';

/** Request shapes people keep in query files, against real tables of the org. */
const SHAPES = [
  (i: number) => [`### Active accounts ${i}`, 'GET accounts?$select=name,accountnumber,revenue', `    &$filter=statecode eq 0 and contains(name,'contoso ${i}')`, '    &$orderby=name desc', 'Prefer: odata.maxpagesize=50'],
  (i: number) => [`### Contacts with their account ${i}`, 'GET contacts?$select=fullname,emailaddress1', '    &$expand=parentcustomerid_account($select=name)', `    &$filter=createdon gt 2024-01-0${1 + (i % 9)}`],
  (i: number) => [`### Who am I ${i}`, 'GET WhoAmI()'],
  (i: number) => [`### Create a contact ${i}`, 'POST contacts', 'Content-Type: application/json', '', `{ "firstname": "Ada", "lastname": "Lovelace ${i}" }`],
  (i: number) => [`### Accounts by FetchXML ${i}`, 'GET accounts?fetchXml=', `    <fetch top="${1 + (i % 5)}"><entity name="account"><attribute name="name"/></entity></fetch>`],
];

/** A `.odata` file of at least `lines` lines, and the offset of a place in its middle where a person types a column name. */
function buildFile(lines: number): { text: string; cursor: number } {
  const out: string[] = ['# A large query file', '@top = 10', ''];
  let cursorLine = -1;
  for (let i = 0; out.length < lines; i++) {
    const shape = SHAPES[i % SHAPES.length]!(i);
    if (cursorLine < 0 && out.length >= lines / 2 && i % SHAPES.length === 0) cursorLine = out.length + 1;
    out.push(...shape, '');
  }
  const text = out.join('\n');
  const before = out.slice(0, cursorLine).join('\n').length + 1;
  // After "GET accounts?$select=name,acc": a column name being typed.
  return { text, cursor: before + 'GET accounts?$select=name,acc'.length };
}

/**
 * What a keystroke costs in a 1,000-line `.odata` file with the 1,000-table
 * org's metadata loaded: the file parsed again, every request checked (the
 * changed one validated, the others from the checker's cache) and the
 * completion list at the cursor, against parsing the file alone.
 */
export async function odataKeystrokeCases(): Promise<{ cases: BenchCase[]; close: () => Promise<void> }> {
  const sandbox = await startSandbox();
  const orgUrl = sandbox.orgs.find((o) => o.scale === 'full')!.url;
  const { client } = sandboxClient(sandbox, orgUrl);
  const folder = mkdtempSync(join(tmpdir(), 'devkit-odata-bench-'));
  const org = await OrgMetadata.open({ service: new MetadataService(client), fs: nodeMetadataFileSystem, cache: { folder, orgUrl, identity: 'bench' } });
  const { text, cursor } = buildFile(1_000);
  // Two versions of the file that differ by the character typed at the cursor, as when typing and deleting it.
  const versions = [text, `${text.slice(0, cursor)}o${text.slice(cursor)}`];
  const checker = new FileChecker();
  // Metadata of the tables the file uses loaded once, as after the first check of an open file.
  await checker.check(parseODataFile(versions[0]!), org);
  await checker.check(parseODataFile(versions[1]!), org);
  let n = 0;
  const keystroke = async () => {
    const version = n++ % 2;
    const file = parseODataFile(versions[version]!);
    const diagnostics = await checker.check(file, org);
    const completions = await completeAt(file, cursor + version, org);
    return diagnostics.length + (completions?.items.length ?? 0);
  };
  return {
    cases: [
      {
        name: 'diagnostics and completion, 1,000-line file',
        baseline: { label: 'parseODataFile alone (syntax only)', run: () => parseODataFile(versions[n++ % 2]!) },
        subject: { label: 'parse + metadata checks (FileChecker) + completeAt the cursor, 1,000 tables loaded', run: keystroke },
        opsPerRound: 20,
        rounds: 15,
        figures: async () => {
          const file = parseODataFile(versions[0]!);
          const diagnostics = await checker.check(file, org);
          const completions = await completeAt(file, cursor, org);
          const times: number[] = [];
          for (let i = 0; i < 41; i++) {
            const start = performance.now();
            await keystroke();
            times.push(performance.now() - start);
          }
          times.sort((a, b) => a - b);
          return {
            lines: text.split('\n').length,
            requests: file.requests.length,
            tables: (await org.tables()).length,
            'diagnostics in the file': diagnostics.length,
            'completions at the cursor': completions?.items.length ?? 0,
            'ms per keystroke (median of 41; target < 20)': times[20]!.toFixed(2),
          };
        },
      },
    ],
    close: async () => {
      org.dispose();
      rmSync(folder, { recursive: true, force: true });
      await sandbox.close();
    },
  };
}

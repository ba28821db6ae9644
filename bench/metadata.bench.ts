import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { WIDE_TABLE } from '../sandbox/dataverse/generatedSchema';
import { metadataCachePath, type MetadataCacheLocation } from '../src/dataverse/metadata/metadataCache';
import { MetadataService, TABLE_LIST_WITH_STAMP_PATH } from '../src/dataverse/metadata/metadataService';
import { nodeMetadataFileSystem } from '../src/dataverse/metadata/nodeFileSystem';
import { OrgMetadata } from '../src/dataverse/metadata/orgMetadata';
import { sandboxClient } from '../test/unit/dataverse/sandboxClient';
import type { BenchCase } from './harness';

/**
 * The process's CPU time (client and in-process sandbox alike) spent by `subject` over `baseline`: the
 * median of the ratios of `pairs` alternating pairs. Unlike the wall-time ratio it does not count the time
 * spent waiting for a core while other processes run, so it moves less on a busy machine; both are printed.
 */
async function cpuRatio(baseline: () => Promise<unknown>, subject: () => Promise<unknown>, settle: () => Promise<unknown>, pairs: number): Promise<number> {
  const spent = async (run: () => Promise<unknown>): Promise<number> => {
    const start = process.cpuUsage();
    await run();
    const { user, system } = process.cpuUsage(start);
    return user + system;
  };
  const ratios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const base = i % 2 === 0 ? await spent(baseline) : 0;
    const subj = await spent(subject);
    await settle();
    ratios.push(subj / (i % 2 === 0 ? base : await spent(baseline)));
  }
  ratios.sort((a, b) => a - b);
  return ratios[Math.floor(ratios.length / 2)]!;
}

/**
 * The metadata engine against the full-scale sandbox org (contososales,
 * about 1,000 tables): the cold table list and the 420-column table against
 * a bare `fetch` + `JSON.parse` of the same URL with the same token; the warm
 * open from the cache file against a bare read + `JSON.parse` of that file;
 * and a refresh after one added column against a full load (bytes).
 * Needs NODE_EXTRA_CA_CERTS set to the sandbox CA bundle (npm run bench does it).
 */
export async function metadataCases(): Promise<{ cases: BenchCase[]; close: () => Promise<void> }> {
  const sandbox: Sandbox = await startSandbox();
  const orgUrl = sandbox.orgs.find((o) => o.scale === 'full')!.url;
  const { client, tokens } = sandboxClient(sandbox, orgUrl);
  const { accessToken } = await tokens.getToken();
  const folder = mkdtempSync(join(tmpdir(), 'devkit-metadata-bench-'));
  const location: MetadataCacheLocation = { folder, orgUrl, identity: 'bench' };
  const fs = nodeMetadataFileSystem;

  const bare = async (path: string): Promise<unknown> => {
    const response = await fetch(client.url(path), { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json', 'odata-version': '4.0', 'odata-maxversion': '4.0' } });
    return JSON.parse(await response.text());
  };

  // The cold list as a person waits for it: a new OrgMetadata with no cache file, until its list is in memory.
  // The cache file is written after that, in the background: settle waits for that write, then deletes the
  // file so that the next run opens with no cache again (deleting it is the bench's own setup, so it is untimed).
  let cold: OrgMetadata | undefined;
  const coldList = async (): Promise<number> => {
    cold = await OrgMetadata.open({ service: new MetadataService(client), fs, cache: location });
    if (cold.cacheRejection !== 'missing') throw new Error(`the cold open found a cache (${cold.cacheRejection ?? 'valid'})`);
    return (await cold.tables()).length;
  };
  const settleCold = async () => {
    await cold?.flush();
    cold?.dispose();
    cold = undefined; // the baseline keeps nothing from one run to the next either
    await fs.delete(metadataCachePath(location));
  };
  const coldWithWrite = async (): Promise<number> => {
    const start = performance.now();
    await coldList();
    await cold!.flush();
    const ms = performance.now() - start;
    await settleCold();
    return ms;
  };
  await coldList();
  await settleCold();

  // The warm case has its own cache file, written once here.
  const warmLocation: MetadataCacheLocation = { ...location, identity: 'bench-warm' };
  const seed = await OrgMetadata.open({ service: new MetadataService(client), fs, cache: warmLocation });
  await seed.tables();
  await seed.flush();
  const cacheFile = metadataCachePath(warmLocation);
  const warmOpen = async (): Promise<number> => {
    const org = await OrgMetadata.open({ service: new MetadataService(client), fs, cache: warmLocation });
    const n = org.knownTables()?.length;
    if (n === undefined) throw new Error(`the warm cache was not used (${org.cacheRejection})`);
    return n;
  };

  // One column added per operation, so every refresh has exactly one change to download.
  let added = 0;
  const addColumn = () =>
    client.send("EntityDefinitions(LogicalName='new_project')/Attributes", {
      method: 'POST',
      body: { '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata', SchemaName: `new_Bench${++added}`, DisplayName: { LocalizedLabels: [{ Label: `Bench ${added}`, LanguageCode: 1033 }] }, MaxLength: 20 },
    });
  const refreshLocation: MetadataCacheLocation = { ...location, identity: 'bench-refresh' };
  const refreshing = await OrgMetadata.open({ service: new MetadataService(client), fs, cache: refreshLocation });
  await refreshing.refresh();
  await refreshing.columns('new_project');
  const bytes = { incremental: 0, full: 0, incrementalRuns: 0, fullRuns: 0 };

  return {
    cases: [
      {
        name: 'table list, cold',
        baseline: { label: 'bare fetch + JSON.parse of RetrieveMetadataChanges(Query=…) (tables and stamp)', run: () => bare(TABLE_LIST_WITH_STAMP_PATH) },
        subject: { label: 'OrgMetadata.open (no cache) + tables() (cache written after, untimed)', run: coldList, settle: settleCold },
        // Many short rounds: each pair of rounds sees about the same load on a machine shared with other work.
        opsPerRound: 2,
        rounds: 41,
        figures: async () => {
          const withWrite: number[] = [];
          for (let i = 0; i < 7; i++) withWrite.push(await coldWithWrite());
          withWrite.sort((a, b) => a - b);
          const tables = await coldList();
          await settleCold();
          return {
            tables,
            'response bytes': (await client.request(TABLE_LIST_WITH_STAMP_PATH)).bytes,
            'ms until list and cache file written (median of 7)': withWrite[3]!.toFixed(1),
            'CPU time ratio (median of 41 pairs)': (await cpuRatio(() => bare(TABLE_LIST_WITH_STAMP_PATH), coldList, settleCold, 41)).toFixed(2),
          };
        },
      },
      {
        name: 'table list, warm from cache',
        baseline: { label: 'bare readFile + JSON.parse of the cache file', run: async () => {
            const text = await readFile(cacheFile, 'utf8');
            return JSON.parse(text.slice(text.indexOf('\n') + 1));
          },
        },
        subject: { label: 'OrgMetadata.open + knownTables() (no network)', run: warmOpen },
        opsPerRound: 10,
        rounds: 9,
        figures: async () => {
          const start = performance.now();
          const n = await warmOpen();
          return { tables: n, 'first level ready ms (one open)': (performance.now() - start).toFixed(1), 'cache file bytes': statSync(cacheFile).size };
        },
      },
      {
        name: 'columns of the 420-column table',
        baseline: { label: `bare fetch + JSON.parse of ${WIDE_TABLE}/Attributes`, run: () => bare(`EntityDefinitions(LogicalName='${WIDE_TABLE}')/Attributes`) },
        subject: { label: 'MetadataService.columns', run: () => new MetadataService(client).columns(WIDE_TABLE) },
        opsPerRound: 3,
        rounds: 15,
        figures: async () => ({ columns: (await new MetadataService(client).columns(WIDE_TABLE)).length }),
      },
      {
        name: 'refresh after one change',
        baseline: {
          label: 'add a column + full load',
          run: async () => {
            await addColumn();
            bytes.full += (await refreshing.refresh({ full: true })).bytes;
            bytes.fullRuns++;
            await refreshing.columns('new_project');
          },
        },
        subject: {
          label: 'add a column + incremental refresh (RetrieveMetadataChanges)',
          run: async () => {
            await addColumn();
            const result = await refreshing.refresh();
            if (result.kind !== 'incremental') throw new Error(`expected an incremental refresh, got ${result.kind} (${result.reason})`);
            bytes.incremental += result.bytes;
            bytes.incrementalRuns++;
          },
        },
        opsPerRound: 2,
        rounds: 5,
        figures: () => {
          const full = Math.round(bytes.full / bytes.fullRuns);
          const incremental = Math.round(bytes.incremental / bytes.incrementalRuns);
          return { 'bytes, full load': full, 'bytes, refresh': incremental, 'bytes ratio (refresh/full)': (incremental / full).toFixed(4) };
        },
      },
    ],
    close: async () => {
      refreshing.dispose();
      rmSync(folder, { recursive: true, force: true });
      await sandbox.close();
    },
  };
}

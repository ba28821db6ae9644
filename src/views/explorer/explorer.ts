import * as vscode from 'vscode';
import type { Connection } from '../../auth/connection';
import type { ConnectionManager } from '../../auth/connectionManager';
import type { Logger } from '../../core/logger';
import type { FetchLike } from '../../dataverse/http';
import { nodeMetadataFileSystem } from '../../dataverse/metadata/nodeFileSystem';
import { registerExplorerCommands, type SolutionChoice } from './explorerCommands';
import { MetadataSessions } from './metadataSessions';
import { TablesView } from './tablesView';
import type { Explain } from './tableTree';

/** What the Tables view is built from. */
export interface ExplorerDeps {
  readonly manager: ConnectionManager;
  readonly globalStorage: vscode.Uri;
  readonly fetch: FetchLike;
  readonly log: Logger;
  readonly explain: Explain;
  readonly reportError: (error: unknown, what: string) => Promise<void>;
}

/**
 * The solutions a person can limit the list to, and the tables of one.
 * https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/solution and
 * https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/solutioncomponent
 * (componenttype 1 is a table; objectid is its MetadataId).
 */
async function solutions(sessions: MetadataSessions, connection: Connection, signal?: AbortSignal): Promise<SolutionChoice[]> {
  const rows = await sessions
    .client(connection)
    .get<{ value?: Array<Record<string, unknown>> }>('solutions?$select=solutionid,friendlyname,uniquename&$filter=isvisible eq true', signal ? { signal } : {});
  return (rows.value ?? []).map((r) => ({ id: String(r.solutionid), uniqueName: String(r.uniquename ?? ''), friendlyName: String(r.friendlyname ?? r.uniquename ?? '') }));
}

async function solutionTables(sessions: MetadataSessions, connection: Connection, solutionId: string, signal?: AbortSignal): Promise<ReadonlySet<string>> {
  if (!/^[0-9a-f-]{36}$/i.test(solutionId)) throw new Error(`"${solutionId}" is not a solution id (a GUID).`);
  const ids = new Set<string>();
  const client = sessions.client(connection);
  for await (const page of client.pages<Record<string, unknown>>(`solutioncomponents?$select=objectid&$filter=_solutionid_value eq ${solutionId} and componenttype eq 1`, signal ? { signal } : {})) {
    for (const row of page.value) if (typeof row.objectid === 'string') ids.add(row.objectid.toLowerCase());
  }
  return ids;
}

/** Builds the Tables view and its commands; returns what to dispose. */
export function registerExplorer(deps: ExplorerDeps): vscode.Disposable[] {
  const { manager } = deps;
  const sessions = new MetadataSessions({ connections: manager, folder: deps.globalStorage.fsPath, fs: nodeMetadataFileSystem, fetch: deps.fetch, log: deps.log });
  const view = new TablesView({
    connections: manager,
    session: (connection) => sessions.open(connection),
    explain: deps.explain,
    logWarning: (message) => deps.log.warn(message),
  });
  return [
    sessions,
    view,
    ...registerExplorerCommands({
      view,
      active: () => manager.active(),
      setActive: (id) => manager.setActive(id),
      solutions: (connection, signal) => solutions(sessions, connection, signal),
      solutionTables: (connection, id, signal) => solutionTables(sessions, connection, id, signal),
      environmentId: async (connection) => {
        const environments = await manager.discoverEnvironments(connection);
        const org = connection.orgUrl.replace(/\/+$/, '').toLowerCase();
        return environments.find((e) => e.url.toLowerCase() === org)?.environmentId;
      },
      reportError: deps.reportError,
    }),
  ];
}

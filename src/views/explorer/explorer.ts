import * as vscode from 'vscode';
import type { ConnectionManager } from '../../auth/connectionManager';
import type { Logger } from '../../core/logger';
import type { FetchLike } from '../../dataverse/http';
import { MetadataService } from '../../dataverse/metadata/metadataService';
import { registerExplorerCommands } from './explorerCommands';
import type { MetadataSessions } from './metadataSessions';
import { TablesView } from './tablesView';
import type { Explain } from './tableTree';

/** What the Tables view is built from. */
export interface ExplorerDeps {
  readonly manager: ConnectionManager;
  readonly fetch: FetchLike;
  readonly log: Logger;
  readonly explain: Explain;
  readonly reportError: (error: unknown, what: string) => Promise<void>;
  /** The metadata of each connection, shared with the query files. */
  readonly sessions: MetadataSessions;
}

/** Builds the Tables view and its commands; returns what to dispose. */
export function registerExplorer(deps: ExplorerDeps): vscode.Disposable[] {
  const { manager, sessions } = deps;
  const view = new TablesView({
    connections: manager,
    session: (connection) => sessions.open(connection),
    explain: deps.explain,
    logWarning: (message) => deps.log.warn(message),
  });
  return [
    view,
    ...registerExplorerCommands({
      view,
      active: () => manager.active(),
      setActive: (id) => manager.setActive(id),
      solutions: (connection, signal) => new MetadataService(sessions.client(connection)).solutions(signal),
      solutionTables: (connection, id, signal) => new MetadataService(sessions.client(connection)).solutionTableIds(id, signal),
      environmentId: async (connection) => {
        const environments = await manager.discoverEnvironments(connection);
        const org = connection.orgUrl.replace(/\/+$/, '').toLowerCase();
        return environments.find((e) => e.url.toLowerCase() === org)?.environmentId;
      },
      reportError: deps.reportError,
    }),
  ];
}

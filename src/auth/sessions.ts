/**
 * The sessions the `dataverse` authentication provider hands to other
 * extensions, decided without VS Code so that they can be tested: which
 * saved connections may answer a request, which scopes their token is
 * requested for, and which scopes a session reports.
 */
import { connectionLabel, type Connection } from './connection';
import type { AccessToken, GetTokenOptions } from './msal/msalTokenSource';
import { sameOrg } from './orgUrl';
import type { ScopeData } from './scopes';

/** What sessions need from the connection manager. */
export interface SessionConnections {
  list(): Connection[];
  isSignedIn(id: string): Promise<boolean>;
  getToken(id: string, options?: GetTokenOptions): Promise<AccessToken>;
}

/** An authentication session, shaped as `vscode.AuthenticationSession`. */
export interface SessionData {
  readonly id: string;
  readonly accessToken: string;
  readonly account: { readonly id: string; readonly label: string };
  /** The scopes of the token the session carries. */
  readonly scopes: readonly string[];
}

/**
 * The saved connections that may answer a request: those of the environment
 * asked for, and, when a `connection:<id>` scope pins one, that connection only
 * if it is for that environment. A pin to another environment matches nothing:
 * its token would be for another resource than the caller named.
 */
export function connectionsFor(connections: readonly Connection[], data: ScopeData | undefined): Connection[] {
  if (!data) return [...connections];
  return connections.filter((c) => (data.connectionId === undefined || c.id === data.connectionId) && sameOrg(c.orgUrl, data.orgUrl));
}

/** Why a pinned connection cannot answer a request, or undefined when it can. */
export function pinMismatch(connection: Connection, data: ScopeData): string | undefined {
  return sameOrg(connection.orgUrl, data.orgUrl)
    ? undefined
    : `Connection ${connection.id} ("${connection.name}") is for ${connection.orgUrl}, but the scopes ask for a token for ${data.orgUrl}. Ask for ${connection.orgUrl}/.default with this connection, or pin a connection of ${data.orgUrl}.`;
}

/** The token options that honour the request: its scopes, or the connection's own when nothing was asked. */
export function tokenOptionsFor(data: ScopeData | undefined): GetTokenOptions {
  return data ? { scopes: data.scopesToSend } : {};
}

/** A session carrying `token`; it reports the scopes the token was issued for, else those requested. */
export function sessionFrom(connection: Connection, token: AccessToken, data: ScopeData | undefined): SessionData {
  const requested = data ? [data.resourceScope] : [`${connection.orgUrl}/.default`];
  return {
    id: connection.id,
    accessToken: token.accessToken,
    account: { id: connection.homeAccountId ?? connection.accountHint ?? connection.clientId, label: connectionLabel(connection) },
    scopes: token.scopes?.length ? [...token.scopes] : requested,
  };
}

/**
 * The sessions that answer `data` (every signed-in connection when undefined),
 * each with a token requested for the scopes asked. A connection whose silent
 * renewal needs the person is reported through `onSkipped` and left out.
 */
export async function findSessions(
  connections: SessionConnections,
  data: ScopeData | undefined,
  onSkipped: (connection: Connection, error: unknown) => void,
): Promise<SessionData[]> {
  const sessions: SessionData[] = [];
  for (const connection of connectionsFor(connections.list(), data)) {
    if (!(await connections.isSignedIn(connection.id))) continue;
    try {
      sessions.push(sessionFrom(connection, await connections.getToken(connection.id, tokenOptionsFor(data)), data));
    } catch (error) {
      onSkipped(connection, error);
    }
  }
  return sessions;
}

/**
 * When two connections are the same one (an org and an identity), and how to
 * keep the labels of those that must differ apart. Pure.
 */
import { connectionLabel, type Connection, type SignInFlow } from './connection';
import { sameOrg } from './orgUrl';

/** Who a new sign-in is, as far as telling connections apart goes. */
export interface SignInIdentity {
  readonly orgUrl: string;
  readonly flow: SignInFlow;
  /** The app registration that signed in (the public client for people). */
  readonly clientId: string;
  /** MSAL's `oid.tid` of the person (user flows). */
  readonly homeAccountId?: string;
  /** The person's user name (user flows). */
  readonly username?: string;
}

const isUserFlow = (flow: SignInFlow) => flow === 'interactive' || flow === 'deviceCode';

/**
 * True when `connection` is for the same org and the same identity: the same
 * person through the same app registration (browser or code alike), or the
 * same application (secret or certificate alike).
 */
export function isSameIdentity(connection: Connection, identity: SignInIdentity): boolean {
  if (!sameOrg(connection.orgUrl, identity.orgUrl)) return false;
  if (connection.clientId.toLowerCase() !== identity.clientId.toLowerCase()) return false;
  if (isUserFlow(connection.flow) !== isUserFlow(identity.flow)) return false;
  if (!isUserFlow(identity.flow)) return true;
  if (connection.homeAccountId && identity.homeAccountId) return connection.homeAccountId === identity.homeAccountId;
  return Boolean(connection.accountHint && identity.username && connection.accountHint.toLowerCase() === identity.username.toLowerCase());
}

/** The saved connection a new sign-in is the same as, if any. */
export function findSameConnection(connections: readonly Connection[], identity: SignInIdentity): Connection | undefined {
  return connections.find((c) => isSameIdentity(c, identity));
}

/** The label the tree, Remove and the inspector's lists show: "name (account)". */
function labelOf(name: string, account: string | undefined): string {
  return connectionLabel({ name, accountName: account } as Connection).toLowerCase();
}

/** True when another connection already shows this label, so the two could not be told apart. */
export function isLabelTaken(name: string, account: string | undefined, connections: readonly Connection[]): boolean {
  const wanted = labelOf(name.trim(), account);
  return connections.some((c) => connectionLabel(c).toLowerCase() === wanted);
}

/** `name`, or `name (2)`, `name (3)`... : the first whose label no other connection shows. */
export function distinctName(name: string, account: string | undefined, connections: readonly Connection[]): string {
  if (!isLabelTaken(name, account, connections)) return name;
  for (let n = 2; ; n++) {
    const candidate = `${name} (${n})`;
    if (!isLabelTaken(candidate, account, connections)) return candidate;
  }
}

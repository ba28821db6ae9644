import type { Connection } from './connection';

/** The subset of `vscode.Memento` the store needs. */
export interface MementoLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

const CONNECTIONS_KEY = 'dataverse.connections';
const ACTIVE_KEY = 'dataverse.activeConnection';

/** Fields that are allowed in globalState: a guard against a secret slipping into plain state. */
const ALLOWED_FIELDS = new Set<keyof Connection>([
  'id',
  'name',
  'orgUrl',
  'tenantId',
  'authorityHost',
  'flow',
  'clientId',
  'accountHint',
  'accountName',
  'tags',
  'certificateThumbprint',
  'homeAccountId',
]);

function sanitize(connection: Connection): Connection {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(connection)) {
    if (ALLOWED_FIELDS.has(key as keyof Connection) && value !== undefined) out[key] = value;
  }
  return out as unknown as Connection;
}

function isConnection(value: unknown): value is Connection {
  const c = value as Connection;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.id === 'string' &&
    typeof c.name === 'string' &&
    typeof c.orgUrl === 'string' &&
    typeof c.tenantId === 'string' &&
    typeof c.authorityHost === 'string' &&
    typeof c.clientId === 'string' &&
    ['interactive', 'deviceCode', 'clientSecret', 'certificate'].includes(c.flow) &&
    Array.isArray(c.tags)
  );
}

/** The list of saved connections and the active one, in globalState. No secrets. */
export class ConnectionStore {
  constructor(private readonly state: MementoLike) {}

  /** Saved connections, in the order they were added; malformed entries are skipped. */
  list(): Connection[] {
    const raw = this.state.get<unknown[]>(CONNECTIONS_KEY) ?? [];
    return Array.isArray(raw) ? raw.filter(isConnection) : [];
  }

  get(id: string): Connection | undefined {
    return this.list().find((c) => c.id === id);
  }

  /** Adds or replaces a connection (matched by id). */
  async save(connection: Connection): Promise<void> {
    const list = this.list();
    const index = list.findIndex((c) => c.id === connection.id);
    const clean = sanitize(connection);
    if (index >= 0) list[index] = clean;
    else list.push(clean);
    await this.state.update(CONNECTIONS_KEY, list);
  }

  async remove(id: string): Promise<void> {
    await this.state.update(
      CONNECTIONS_KEY,
      this.list().filter((c) => c.id !== id),
    );
    if (this.activeId() === id) await this.state.update(ACTIVE_KEY, undefined);
  }

  activeId(): string | undefined {
    const id = this.state.get<string>(ACTIVE_KEY);
    return id && this.get(id) ? id : undefined;
  }

  active(): Connection | undefined {
    const id = this.activeId();
    return id ? this.get(id) : undefined;
  }

  async setActive(id: string | undefined): Promise<void> {
    await this.state.update(ACTIVE_KEY, id);
  }
}

/** Shared by the connection tests: an in-memory globalState and a saved app connection. */
import type { Connection } from '../../../src/auth/connection';
import type { MementoLike } from '../../../src/auth/connectionStore';

/** In-memory stand-in for `ExtensionContext.globalState`; share one between managers to play several windows. */
export class MemoryMemento implements MementoLike {
  private readonly data = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.data.set(key, value);
  }
}

/** A client-secret connection to a fictional org. */
export const sampleConnection: Connection = {
  id: 'c1',
  name: 'Contoso Dev',
  orgUrl: 'https://contosodev.crm.dynamics.com',
  tenantId: 't1',
  authorityHost: 'https://login.microsoftonline.com',
  flow: 'clientSecret',
  clientId: 'app-1',
  tags: [],
};

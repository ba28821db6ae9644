/**
 * Reads an org's metadata through the Web API client and turns Dataverse's
 * shapes (EntityMetadata, AttributeMetadata, relationship, key and option set
 * metadata) into the model of model.ts, labels resolved to one language.
 * Every method is one or a few requests with only the properties needed;
 * nothing is kept here (orgMetadata.ts caches).
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api
 * https://learn.microsoft.com/power-apps/developer/data-platform/query-schema-definitions
 */
import type { WebApiClient } from '../webApiClient';
import type { AlternateKey, ChoiceSet, Column, MetadataId, Relationship, TableSummary } from './model';

/** How the service chooses labels. */
export interface MetadataServiceOptions {
  /** The language (LCID) wanted; when omitted, the language of the signed-in user (Dataverse's UserLocalizedLabel). */
  readonly languageCode?: number;
  /** The org's base language, when already known; read from the organization table otherwise. */
  readonly baseLanguageCode?: number;
}

/** What changed since a version stamp, from RetrieveMetadataChanges. */
export interface MetadataChanges {
  /** The new stamp to store (ServerVersionStamp). */
  readonly stamp: string;
  /** Tables added or changed (their summary properties). */
  readonly tables: readonly TableSummary[];
  /** Columns added or changed, of any table. */
  readonly columns: readonly Column[];
  /** Alternate keys added or changed, with the table they belong to. */
  readonly keys: ReadonlyArray<AlternateKey & { readonly tableLogicalName: string }>;
  /** Logical names of tables whose columns or keys changed (their relationships and choices may have too). */
  readonly touchedTables: readonly string[];
  /** Metadata ids deleted since the stamp, by kind. */
  readonly deleted: {
    readonly tables: readonly MetadataId[];
    readonly columns: readonly MetadataId[];
    readonly relationships: readonly MetadataId[];
    readonly choices: readonly MetadataId[];
  };
  /** Bytes of the response body. */
  readonly bytes: number;
}

/** The stored version stamp is too old for Dataverse to tell what changed (0x80044352): a full load is needed. */
export class ExpiredVersionStampError extends Error {
  override readonly name = 'ExpiredVersionStampError';
}

/** An org's metadata, read through the Web API. */
export class MetadataService {
  constructor(
    /** The client of the org. */
    readonly client: WebApiClient,
    private readonly options: MetadataServiceOptions = {},
  ) {}

  /** The language labels are wanted in, or undefined for the user's own. */
  get languageCode(): number | undefined {
    return this.options.languageCode;
  }

  /** The org's base language (organization.languagecode), read once. */
  async baseLanguageCode(signal?: AbortSignal): Promise<number> {
    void signal;
    throw new Error('not implemented yet');
  }

  /** Every table, in one request with only the properties the list needs, sorted by logical name. */
  async tables(signal?: AbortSignal): Promise<TableSummary[]> {
    void signal;
    throw new Error('not implemented yet');
  }

  /** The columns of a table, sorted by logical name, with type-specific properties (max length, format, targets...). */
  async columns(tableLogicalName: string, signal?: AbortSignal): Promise<Column[]> {
    void tableLogicalName;
    void signal;
    throw new Error('not implemented yet');
  }

  /** The 1:N, N:1 and N:N relationships of a table, sorted by schema name. */
  async relationships(tableLogicalName: string, signal?: AbortSignal): Promise<Relationship[]> {
    void tableLogicalName;
    void signal;
    throw new Error('not implemented yet');
  }

  /** The alternate keys of a table, sorted by logical name. */
  async keys(tableLogicalName: string, signal?: AbortSignal): Promise<AlternateKey[]> {
    void tableLogicalName;
    void signal;
    throw new Error('not implemented yet');
  }

  /** The options of every choice column of a table (choice, multi-select, status, state, yes/no), by column. */
  async choices(tableLogicalName: string, signal?: AbortSignal): Promise<Record<string, ChoiceSet>> {
    void tableLogicalName;
    void signal;
    throw new Error('not implemented yet');
  }

  /** The options of one choice column; undefined when the column has none. */
  async columnChoices(tableLogicalName: string, column: Pick<Column, 'logicalName' | 'metadataType'>, signal?: AbortSignal): Promise<ChoiceSet | undefined> {
    void tableLogicalName;
    void column;
    void signal;
    throw new Error('not implemented yet');
  }

  /** The current ServerVersionStamp, to store with a full load. */
  async versionStamp(signal?: AbortSignal): Promise<string> {
    void signal;
    throw new Error('not implemented yet');
  }

  /** What changed since `stamp`, deleted items included; throws ExpiredVersionStampError when the stamp is too old. */
  async changesSince(stamp: string, signal?: AbortSignal): Promise<MetadataChanges> {
    void stamp;
    void signal;
    throw new Error('not implemented yet');
  }
}

/**
 * The on-disk cache of one org's metadata for one identity: a versioned,
 * checksummed file, written atomically (temp file + rename) through an
 * injected file system. Anything that does not validate (an older format,
 * a wrong checksum, a truncated or corrupted file) is discarded, never
 * trusted. See docs/metadata.md.
 */
import type { TableDetails, TableSummary } from './model';

/** The file operations the cache needs; the glue passes Node's, tests may pass a fake. */
export interface MetadataFileSystem {
  /** The file's bytes, or undefined when it does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /** Writes (creating or replacing) a file. */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  /** Renames a file over another, atomically on one volume. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file; no error when it does not exist. */
  delete(path: string): Promise<void>;
  /** Creates a folder and its parents; no error when it exists. */
  mkdir(path: string): Promise<void>;
}

/** Where a cache lives and whose it is. */
export interface MetadataCacheLocation {
  /** The folder of all caches (the extension's global storage). */
  readonly folder: string;
  /** The environment URL. */
  readonly orgUrl: string;
  /** A stable id of the signed-in identity (an account's home account id, an app's client id). */
  readonly identity: string;
}

/** What a cache file holds. */
export interface MetadataSnapshot {
  /** The environment URL it was read from. */
  readonly orgUrl: string;
  /** The language labels were resolved in (LCID), or null for the user's own. */
  readonly languageCode: number | null;
  /** The ServerVersionStamp of the last full load or refresh, or null when none was obtained. */
  readonly stamp: string | null;
  /** When it was last refreshed (ms since epoch). */
  readonly refreshedAt: number;
  /** Every table, sorted by logical name. */
  readonly tables: readonly TableSummary[];
  /** The parts of tables that were opened, by logical name. */
  readonly details: Readonly<Record<string, Partial<TableDetails>>>;
}

/** Why a cache file was not used. */
export type CacheRejection = 'missing' | 'otherFormat' | 'corrupted' | 'truncated' | 'otherOrg';

/** The format version; a file with another is discarded. */
export const METADATA_CACHE_FORMAT = 1;

/** The cache file's path for an org and identity (names are hashed: no URL or account id in file names). */
export function metadataCachePath(location: MetadataCacheLocation): string {
  void location;
  throw new Error('not implemented yet');
}

/** The file's bytes for a snapshot. */
export function encodeMetadataCache(snapshot: MetadataSnapshot): Uint8Array {
  void snapshot;
  throw new Error('not implemented yet');
}

/** A snapshot from a file's bytes, or why it cannot be trusted. */
export function decodeMetadataCache(bytes: Uint8Array): { ok: true; snapshot: MetadataSnapshot } | { ok: false; reason: CacheRejection; detail: string } {
  void bytes;
  throw new Error('not implemented yet');
}

/** Reads the cache of an org and identity; a file that does not validate is deleted. */
export async function readMetadataCache(fs: MetadataFileSystem, location: MetadataCacheLocation): Promise<{ ok: true; snapshot: MetadataSnapshot } | { ok: false; reason: CacheRejection; detail: string }> {
  void fs;
  void location;
  throw new Error('not implemented yet');
}

/** Writes the cache atomically: a temp file beside it, then a rename over it. */
export async function writeMetadataCache(fs: MetadataFileSystem, location: MetadataCacheLocation, snapshot: MetadataSnapshot): Promise<void> {
  void fs;
  void location;
  void snapshot;
  throw new Error('not implemented yet');
}

/** Deletes the cache of an org and identity (sign-out). */
export async function deleteMetadataCache(fs: MetadataFileSystem, location: MetadataCacheLocation): Promise<void> {
  void fs;
  void location;
  throw new Error('not implemented yet');
}

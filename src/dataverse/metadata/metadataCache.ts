/**
 * The on-disk cache of one org's metadata for one identity: a versioned,
 * checksummed file, written atomically (temp file + rename) through an
 * injected file system. Anything that does not validate (an older format,
 * a wrong checksum, a truncated or corrupted file) is discarded, never
 * trusted. See docs/metadata.md.
 */
import { createHash, randomBytes } from 'node:crypto';
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
export type CacheRejection = 'missing' | 'otherFormat' | 'corrupted' | 'truncated' | 'otherOrg' | 'otherLanguage';

/** The format version; a file with another is discarded. */
export const METADATA_CACHE_FORMAT = 1;

/** What the first line of a cache file says. */
const FORMAT_NAME = 'dataverse-devkit/metadata-cache';

/** The first line is a small JSON header; more than this is not a header. */
const MAX_HEADER_BYTES = 512;

type Decoded = { ok: true; snapshot: MetadataSnapshot } | { ok: false; reason: CacheRejection; detail: string };

/** The cache file's path for an org and identity (names are hashed: no URL or account id in file names). */
export function metadataCachePath(location: MetadataCacheLocation): string {
  const org = location.orgUrl.trim().replace(/\/+$/, '').toLowerCase();
  const name = createHash('sha256').update(`${org}\n${location.identity}`).digest('hex').slice(0, 32);
  return `${location.folder.replace(/[\\/]+$/, '')}/metadata-${name}.json`;
}

/** The file's bytes for a snapshot: a header line (format, version, length and SHA-256 of the body), then the body. */
export function encodeMetadataCache(snapshot: MetadataSnapshot): Uint8Array {
  const body = Buffer.from(JSON.stringify(snapshot), 'utf8');
  const header = { format: FORMAT_NAME, version: METADATA_CACHE_FORMAT, bytes: body.byteLength, sha256: createHash('sha256').update(body).digest('hex') };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), body]);
}

/** A snapshot from a file's bytes, or why it cannot be trusted. */
export function decodeMetadataCache(bytes: Uint8Array): Decoded {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const newline = data.subarray(0, MAX_HEADER_BYTES).indexOf(0x0a);
  if (newline < 0) return { ok: false, reason: data.byteLength < MAX_HEADER_BYTES ? 'truncated' : 'otherFormat', detail: 'no header line' };
  let header: { format?: unknown; version?: unknown; bytes?: unknown; sha256?: unknown };
  try {
    header = JSON.parse(data.subarray(0, newline).toString('utf8')) as typeof header;
  } catch {
    return { ok: false, reason: 'otherFormat', detail: 'the header line is not JSON' };
  }
  if (!header || header.format !== FORMAT_NAME) return { ok: false, reason: 'otherFormat', detail: 'not a metadata cache' };
  if (header.version !== METADATA_CACHE_FORMAT) return { ok: false, reason: 'otherFormat', detail: `format ${String(header.version)}, expected ${METADATA_CACHE_FORMAT}` };
  if (typeof header.bytes !== 'number' || typeof header.sha256 !== 'string') return { ok: false, reason: 'corrupted', detail: 'the header has no length or checksum' };
  const body = data.subarray(newline + 1);
  if (body.byteLength < header.bytes) return { ok: false, reason: 'truncated', detail: `${body.byteLength} of ${header.bytes} bytes` };
  if (body.byteLength > header.bytes) return { ok: false, reason: 'corrupted', detail: `${body.byteLength} bytes where ${header.bytes} were written` };
  if (createHash('sha256').update(body).digest('hex') !== header.sha256) return { ok: false, reason: 'corrupted', detail: 'the checksum does not match' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'corrupted', detail: 'the body is not JSON' };
  }
  const problem = snapshotProblem(parsed);
  return problem ? { ok: false, reason: 'corrupted', detail: problem } : { ok: true, snapshot: parsed as MetadataSnapshot };
}

/** Reads the cache of an org and identity; a file that does not validate is deleted. */
export async function readMetadataCache(fs: MetadataFileSystem, location: MetadataCacheLocation): Promise<Decoded> {
  const path = metadataCachePath(location);
  const bytes = await fs.readFile(path);
  if (!bytes) return { ok: false, reason: 'missing', detail: 'no cache yet' };
  const decoded = decodeMetadataCache(bytes);
  let result: Decoded = decoded;
  if (decoded.ok && decoded.snapshot.orgUrl.replace(/\/+$/, '').toLowerCase() !== location.orgUrl.replace(/\/+$/, '').toLowerCase()) {
    result = { ok: false, reason: 'otherOrg', detail: 'the file belongs to another environment' };
  }
  if (!result.ok) await fs.delete(path);
  return result;
}

/** Writes the cache atomically: a temp file beside it, then a rename over it. */
export async function writeMetadataCache(fs: MetadataFileSystem, location: MetadataCacheLocation, snapshot: MetadataSnapshot): Promise<void> {
  const path = metadataCachePath(location);
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.mkdir(location.folder);
  try {
    await fs.writeFile(temp, encodeMetadataCache(snapshot));
    await fs.rename(temp, path);
  } catch (e) {
    await fs.delete(temp).catch(() => undefined);
    throw e;
  }
}

/** Deletes the cache of an org and identity (sign-out). */
export async function deleteMetadataCache(fs: MetadataFileSystem, location: MetadataCacheLocation): Promise<void> {
  await fs.delete(metadataCachePath(location));
}

// ---- strict validation: a file that passed the checksum is still checked for shape -------------

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const TABLE_STRINGS = ['metadataId', 'logicalName', 'schemaName', 'displayName', 'displayCollectionName', 'description', 'kind', 'ownershipType', 'primaryIdAttribute'] as const;
const TABLE_BOOLEANS = ['isCustom', 'isActivity', 'isIntersect', 'isManaged'] as const;

function tableProblem(t: unknown, i: number): string | undefined {
  if (!isObject(t)) return `table ${i} is not an object`;
  for (const k of TABLE_STRINGS) if (typeof t[k] !== 'string') return `table ${i} has no ${k}`;
  for (const k of TABLE_BOOLEANS) if (typeof t[k] !== 'boolean') return `table ${i} has no ${k}`;
  if (t.entitySetName !== null && typeof t.entitySetName !== 'string') return `table ${i} has a bad entitySetName`;
  if (t.primaryNameAttribute !== null && typeof t.primaryNameAttribute !== 'string') return `table ${i} has a bad primaryNameAttribute`;
  if (typeof t.objectTypeCode !== 'number') return `table ${i} has no objectTypeCode`;
  return undefined;
}

function listProblem(list: unknown, what: string, needs: readonly string[]): string | undefined {
  if (!Array.isArray(list)) return `${what} is not a list`;
  for (const item of list) {
    if (!isObject(item)) return `${what} holds something that is not an object`;
    for (const k of needs) if (typeof item[k] !== 'string') return `${what} holds an item without ${k}`;
  }
  return undefined;
}

function detailsProblem(name: string, d: unknown): string | undefined {
  if (!isObject(d)) return `the details of ${name} are not an object`;
  if (d.columns !== undefined) {
    const p = listProblem(d.columns, `the columns of ${name}`, ['metadataId', 'logicalName', 'type', 'metadataType']);
    if (p) return p;
  }
  if (d.relationships !== undefined) {
    const p = listProblem(d.relationships, `the relationships of ${name}`, ['metadataId', 'schemaName', 'kind', 'relatedTable']);
    if (p) return p;
  }
  if (d.keys !== undefined) {
    const p = listProblem(d.keys, `the keys of ${name}`, ['metadataId', 'logicalName']);
    if (p) return p;
  }
  if (d.choices !== undefined) {
    if (!isObject(d.choices)) return `the choices of ${name} are not an object`;
    for (const set of Object.values(d.choices)) {
      if (!isObject(set) || typeof set.kind !== 'string') return `the choices of ${name} hold a bad set`;
      if (!Array.isArray(set.options) || set.options.some((o) => !isObject(o) || typeof o.value !== 'number' || typeof o.label !== 'string')) return `the choices of ${name} hold a bad option`;
    }
  }
  return undefined;
}

function snapshotProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'the body is not an object';
  if (typeof v.orgUrl !== 'string') return 'no orgUrl';
  if (v.languageCode !== null && typeof v.languageCode !== 'number') return 'a bad languageCode';
  if (v.stamp !== null && typeof v.stamp !== 'string') return 'a bad stamp';
  if (typeof v.refreshedAt !== 'number') return 'no refreshedAt';
  if (!Array.isArray(v.tables)) return 'no table list';
  for (let i = 0; i < v.tables.length; i++) {
    const p = tableProblem(v.tables[i], i);
    if (p) return p;
  }
  if (!isObject(v.details)) return 'no details';
  for (const [name, d] of Object.entries(v.details)) {
    const p = detailsProblem(name, d);
    if (p) return p;
  }
  return undefined;
}

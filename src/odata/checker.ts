/**
 * Everything that is checked in a `.odata` file as it is typed: the file's
 * syntax diagnostics and, per request, `validateRequest` against the org's
 * metadata. A keystroke changes one request, so each request's findings are
 * kept, keyed by its text, and only changed requests are validated again.
 */
import type { MetadataLookup } from '../dataverse/metadata/model';
import type { FileDiagnostic, ODataFile, ODataRequest } from './file';
import { validateRequest } from './validate';

/** The diagnostic moved by `delta` characters, its fix included. */
export function shiftDiagnostic(d: FileDiagnostic, delta: number): FileDiagnostic {
  if (delta === 0) return d;
  const moved: FileDiagnostic = { ...d, start: d.start + delta, end: d.end + delta };
  if (d.fix) moved.fix = { title: d.fix.title, edits: d.fix.edits.map((e) => ({ ...e, start: e.start + delta, end: e.end + delta })) };
  return moved;
}

/** The text a request's findings depend on: its own text and its URL after variables are substituted. */
function requestKey(file: ODataFile, request: ODataRequest): string {
  return `${file.text.slice(request.start, request.end)}\u0000${request.url}`;
}

export class FileChecker {
  /** Findings per request key, relative to the request's start. */
  private _cache = new Map<string, FileDiagnostic[]>();
  private _lookup: MetadataLookup | undefined;

  /** Forgets what was found, e.g. after the metadata was refreshed. */
  clear(): void {
    this._cache.clear();
  }

  /**
   * All diagnostics of the file, sorted by position. Without a lookup, only
   * the checks that need no metadata run. When the signal is aborted, resolves
   * with what is known (the caller discards it) and keeps the cache as it was.
   */
  async check(file: ODataFile, lookup: MetadataLookup | undefined, signal?: AbortSignal): Promise<FileDiagnostic[]> {
    if (lookup !== this._lookup) {
      this._cache.clear();
      this._lookup = lookup;
    }
    const next = new Map<string, FileDiagnostic[]>();
    const found = await Promise.all(file.requests.map(async (request) => {
      const key = requestKey(file, request);
      let relative = next.get(key) ?? this._cache.get(key);
      if (!relative) {
        const diagnostics = await validateRequest(request, lookup, signal);
        relative = diagnostics.map((d) => shiftDiagnostic(d, -request.start));
      }
      next.set(key, relative);
      return relative.map((d) => shiftDiagnostic(d, request.start));
    }));
    if (!signal?.aborted) this._cache = next;
    const all = [...file.diagnostics, ...found.flat()];
    all.sort((a, b) => a.start - b.start || a.end - b.end);
    return all;
  }
}

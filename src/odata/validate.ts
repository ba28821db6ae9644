/**
 * Checks of a request against the connected org's metadata and Dataverse's
 * documented limits: unknown entity sets, columns and navigation properties
 * (with "did you mean"), lookups filtered by name instead of `_x_value`,
 * choice values the column does not have, `odata.maxpagesize` above 5,000,
 * `$top` beside `maxpagesize`, and FetchXML that is not well-formed or names
 * an unknown entity or attribute. Pure: metadata comes through MetadataLookup.
 */
import type { MetadataLookup } from '../dataverse/metadata/model';
import type { FileDiagnostic, ODataRequest } from './file';

/**
 * The metadata and limit diagnostics of one request, in file offsets (map URL
 * offsets with `urlToDoc`). Syntax diagnostics are not repeated here: they are
 * in `request.parsed.diagnostics`. Never rejects; an aborted signal resolves to [].
 */
export async function validateRequest(request: ODataRequest, lookup: MetadataLookup | undefined, signal?: AbortSignal): Promise<FileDiagnostic[]> {
  // Implemented in the validator change.
  void request; void lookup; void signal;
  return [];
}

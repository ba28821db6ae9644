/** The text of a GUID (8-4-4-4-12 hex digits), without anchors, for building larger patterns. */
export const GUID_SOURCE = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** A whole string that is a GUID, any case (tenant, client and record ids). */
export const GUID = new RegExp(`^${GUID_SOURCE}$`, 'i');

/** True when `text` is exactly a GUID. */
export function isGuid(text: string): boolean {
  return GUID.test(text);
}

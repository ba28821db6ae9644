/**
 * Completion inside a `fetchXml=` value written as raw XML: table names in
 * `<entity name="` and `<link-entity name="`, and column names in
 * `<attribute name="`, `<order attribute="`, `<condition attribute="` and a
 * link-entity's `from`/`to`, for the entity that encloses them. FetchXML names
 * tables and columns by logical name (lookups included), see
 * https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/overview.
 * Offsets are URL offsets.
 */
import type { QueryOption } from './ast';
import type { CompletionItem } from './complete';
import type { UrlCompletions } from './completeUrl';
import { columnMarkdown, columnType, tableMarkdown } from './describe';
import { plain } from './markdown';
import type { Resolver } from './metadataPath';

/** The attribute value the cursor is in: `<element ... attr="partial|`. */
const OPEN_VALUE = /<(entity|link-entity|attribute|condition|order)\b[^<>]*?\s(name|attribute|from|to)\s*=\s*(["'])([^"'<>]*)$/;
const TAG = /<(\/?)(entity|link-entity)\b([^<>]*?)(\/?)>/g;
const NAME = /\bname\s*=\s*["']([^"'<>]*)["']/;

/** What the cursor is naming in FetchXML, with the table it belongs to. */
export interface FetchXmlSlot {
  kind: 'entity' | 'attribute';
  /** For attributes: the logical name of the table (undefined when not known). */
  table?: string;
  /** The value range, in offsets into the text given. */
  start: number;
  end: number;
}

/** The FetchXML slot at `offset` of `text` (the raw XML up to its end), or undefined. */
export function fetchXmlSlotAt(xml: string, offset: number): FetchXmlSlot | undefined {
  const prefix = xml.slice(0, offset);
  const m = OPEN_VALUE.exec(prefix);
  if (!m) return undefined;
  const [, element, attr, , partial] = m;
  const start = offset - partial.length;
  const rest = /^[^"'<>\s]*/.exec(xml.slice(offset))?.[0] ?? '';
  const end = offset + rest.length;
  if ((element === 'entity' || element === 'link-entity') && attr === 'name') return { kind: 'entity', start, end };
  const stack = enclosingEntities(prefix.slice(0, m.index));
  if (element === 'link-entity') {
    if (attr === 'from') {
      // `from` names a column of the link-entity itself.
      const tagEnd = xml.indexOf('>', offset);
      const tag = xml.slice(m.index, tagEnd < 0 ? xml.length : tagEnd);
      const own = NAME.exec(tag.replace(/\bfrom\s*=\s*["'][^"'<>]*["']?/, ''));
      return { kind: 'attribute', table: own?.[1], start, end };
    }
    if (attr === 'to') return { kind: 'attribute', table: stack[stack.length - 1], start, end };
    return undefined;
  }
  if (attr === 'name' && element !== 'attribute') return undefined;
  if (attr === 'attribute' && element === 'attribute') return undefined;
  return { kind: 'attribute', table: stack[stack.length - 1], start, end };
}

/** The logical names of the open `<entity>` and `<link-entity>` elements, outermost first. */
function enclosingEntities(xml: string): string[] {
  const stack: string[] = [];
  TAG.lastIndex = 0;
  for (let m = TAG.exec(xml); m; m = TAG.exec(xml)) {
    const [, closing, , attrs, selfClosing] = m;
    if (closing) stack.pop();
    else if (!selfClosing) stack.push(NAME.exec(attrs)?.[1] ?? '');
  }
  return stack;
}

/** Completion in the FetchXML value of `option`. */
export async function completeFetchXml(url: string, option: QueryOption, offset: number, r: Resolver | undefined): Promise<UrlCompletions | undefined> {
  const base = option.valueSpan.start;
  const xml = url.slice(base, option.valueSpan.end);
  const slot = fetchXmlSlotAt(xml, offset - base);
  if (!slot) return undefined;
  const out = (items: CompletionItem[]): UrlCompletions => ({ items, replaceStart: base + slot.start, replaceEnd: base + slot.end, slot: 'queryOptionValue' });
  if (!r) return out([]);
  if (slot.kind === 'entity') {
    const tables = await r.lookup.tables(r.signal);
    return out(tables.map((t) => ({ label: t.logicalName, kind: 'fetchEntity', detail: plain(t.displayName) || t.logicalName, documentation: tableMarkdown(t) })));
  }
  if (!slot.table) return out([]);
  const columns = await r.lookup.columns(slot.table, r.signal);
  return out(columns.filter((c) => !c.attributeOf).map((c) => ({
    label: c.logicalName, kind: 'fetchAttribute', detail: plain(c.displayName) ? `${columnType(c)} · ${plain(c.displayName)}` : columnType(c),
    documentation: columnMarkdown(c), sortText: `${c.isPrimaryName ? '0' : '1'}${c.logicalName}`,
  })));
}

/**
 * Completion and hover in a `.odata` file: methods, entity sets, columns,
 * navigation properties (nested `$expand` included), query options, operators
 * and functions, choice values, header names and values, variables, and
 * FetchXML entity and attribute names. Pure: metadata comes through
 * MetadataLookup, and without one only what needs no metadata is offered.
 */
import type { MetadataLookup } from '../dataverse/metadata/model';
import type { ODataFile } from './file';

export type CompletionKind =
  | 'method' | 'entitySet' | 'column' | 'navigation' | 'option' | 'operator' | 'function' | 'keyword'
  | 'choice' | 'header' | 'headerValue' | 'variable' | 'fetchEntity' | 'fetchAttribute' | 'value';

export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  /** Short text beside the label, e.g. the display name or the column type. */
  detail?: string;
  /** Longer text, markdown. */
  documentation?: string;
  /** What is inserted, when not the label. */
  insertText?: string;
  sortText?: string;
  filterText?: string;
}

export interface Completions {
  items: CompletionItem[];
  /** The file range the chosen item replaces. */
  replaceStart: number;
  replaceEnd: number;
}

export interface Hover {
  start: number;
  end: number;
  /** Markdown; names from the org are escaped. */
  markdown: string;
}

/** Completions at a file offset; undefined when nothing belongs there. Never rejects. */
export async function completeAt(file: ODataFile, offset: number, lookup: MetadataLookup | undefined, signal?: AbortSignal): Promise<Completions | undefined> {
  // Implemented in the completion change.
  void file; void offset; void lookup; void signal;
  return undefined;
}

/** The hover at a file offset: a column's type, description and lookup target; a table's display name and entity set. */
export async function hoverAt(file: ODataFile, offset: number, lookup: MetadataLookup | undefined, signal?: AbortSignal): Promise<Hover | undefined> {
  // Implemented in the completion change.
  void file; void offset; void lookup; void signal;
  return undefined;
}

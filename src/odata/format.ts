/**
 * Formatting of `.odata` files: a long URL split into one query option per
 * line (indented continuation lines starting with `?` or `&`), and joined back
 * into one line. Only URLs change; comments, headers and bodies are kept.
 */
import type { Edit, ODataFile } from './file';

export interface FormatOptions {
  /** 'split': one query option per line; 'join': each URL on one line. */
  mode: 'split' | 'join';
  /** Indentation of continuation lines, e.g. 4 spaces or a tab. */
  indent: string;
}

/** The edits that format the file, in file offsets, not overlapping, in order. */
export function formatFile(file: ODataFile, options: FormatOptions): Edit[] {
  // Implemented in the file-parser change.
  void file; void options;
  return [];
}

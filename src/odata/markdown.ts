/**
 * Text from the org (display names, descriptions, option labels) is not
 * trusted: a customizer can name a column `<img src=x onerror=...>` or
 * `[click](command:...)`. Everything shown in hover and completion
 * documentation goes through these helpers, so org text is always read as
 * plain characters.
 */

// Control characters and the bidirectional overrides that can reorder what is shown (e.g. U+202E).
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;

/** Plain text for a detail line: invisible and reordering characters become one space. */
export function plain(text: string): string {
  return text.replace(INVISIBLE, ' ').trim();
}

/** Org text as literal markdown: every markdown and HTML special character is escaped. */
export function escapeMarkdown(text: string): string {
  return plain(text)
    .replace(/[\\`*_{}[\]()#+\-.!|~>:]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;');
}

/** A name in an inline code span (no markup is read inside one; backticks cannot end it early). */
export function code(name: string): string {
  return '`' + plain(name).replace(/`/g, "'") + '`';
}

/** A short text cut to `max` characters with an ellipsis. */
export function shorten(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

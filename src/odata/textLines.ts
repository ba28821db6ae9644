/** Line arithmetic on file text, for completion and hover. */

/** The line around `offset`: where it starts and ends (without its line break). */
export function lineAround(text: string, offset: number): { start: number; end: number } {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  let end = text.indexOf('\n', offset);
  if (end < 0) end = text.length;
  if (end > start && text[end - 1] === '\r') end--;
  return { start, end: Math.max(end, Math.min(offset, text.length)) };
}

/** True when only blanks stand between the start of the line and `offset`. */
export function atLineStart(text: string, offset: number): boolean {
  return text.slice(lineAround(text, offset).start, offset).trim() === '';
}

/**
 * Percent-decoding that keeps every decoded character mapped to its offset in
 * the original text, so that diagnostics and completion point at what the user
 * typed. OData reads `%27` and `'` alike inside literals (OASIS OData ABNF,
 * "Overview"), so the parser works on decoded text; the structural delimiters
 * of the URL (`?`, `&`, the first `=` and path `/`) are found on the raw text
 * before decoding, so an encoded `%26` never splits a query option.
 */
import type { Diagnostic } from './ast';

/**
 * Units of work done by the parser (characters decoded, tokens made, tokens
 * looked at). Only read by the linearity test and the benchmark: counting
 * steps shows how work grows with input size without measuring time.
 */
export const parseWork = { steps: 0 };

/** A decoded slice of the original text. */
export interface Segment {
  /** The decoded characters. */
  readonly s: string;
  /** Offset in the original text of the slice start. */
  readonly base: number;
  /** Original offset of each decoded character, plus one entry for the end; null when nothing was decoded. */
  readonly map: Int32Array | null;
}

/** Original offset of decoded position `i` (0..s.length). */
export function origin(seg: Segment, i: number): number {
  return seg.map ? seg.map[i] : seg.base + i;
}

const utf8 = new TextDecoder();
const HEX = /^[0-9a-fA-F]{2}$/;

/** Decodes `text[start, end)`; an invalid escape is kept as typed and reported. */
export function decodeSegment(text: string, start: number, end: number, diagnostics: Diagnostic[]): Segment {
  const raw = text.slice(start, end);
  parseWork.steps += raw.length;
  if (raw.indexOf('%') < 0) return { s: raw, base: start, map: null };
  let out = '';
  const map: number[] = [];
  let i = 0;
  while (i < raw.length) {
    if (raw[i] !== '%') {
      out += raw[i];
      map.push(start + i);
      i++;
      continue;
    }
    const runStart = i;
    const bytes: number[] = [];
    while (i < raw.length && raw[i] === '%' && HEX.test(raw.slice(i + 1, i + 3))) {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 3;
    }
    if (bytes.length === 0) {
      diagnostics.push({
        start: start + i,
        end: start + Math.min(i + 3, raw.length),
        message: `Invalid percent-encoding '${raw.slice(i, i + 3)}': '%' must be followed by two hexadecimal digits (write %25 for a literal '%').`,
        severity: 'error',
      });
      out += '%';
      map.push(start + i);
      i++;
      continue;
    }
    const decoded = utf8.decode(Uint8Array.from(bytes));
    for (let j = 0; j < decoded.length; j++) {
      out += decoded[j];
      map.push(start + runStart + Math.min(j, bytes.length - 1) * 3);
    }
  }
  map.push(end);
  return { s: out, base: start, map: Int32Array.from(map) };
}

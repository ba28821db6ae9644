/**
 * A FetchXML query read into its elements, with the position of every
 * element name and attribute value, for the validator. Well-formedness is
 * judged by saxes, a conforming XML parser; FetchXML's own schema is
 * described at https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/reference/.
 */
import { SaxesParser } from 'saxes';

/** An attribute of an element, with the span of its value (offsets into the XML). */
export interface XmlAttribute {
  value: string;
  start: number;
  end: number;
}

/** An element of the query; `start`/`end` span its name in the start tag. */
export interface XmlElement {
  name: string;
  start: number;
  end: number;
  attributes: Map<string, XmlAttribute>;
  children: XmlElement[];
}

/** The first well-formedness error: a message and the offset where the parser stopped. */
export interface XmlError {
  message: string;
  offset: number;
  /** The element open when the error was found, e.g. the one a stray close tag should have closed first. */
  open?: string;
}

/** What `readFetchXml` found. */
export interface FetchXmlDocument {
  /** The root element, when the text has one. */
  root?: XmlElement;
  error?: XmlError;
}

/** Reads `xml`; never throws. Elements read before an error are kept. */
export function readFetchXml(xml: string): FetchXmlDocument {
  const parser = new SaxesParser({ position: true });
  const doc: FetchXmlDocument = {};
  const stack: XmlElement[] = [];
  let pending: XmlElement | undefined;
  parser.on('error', (e) => {
    // saxes prefixes "line:column: "; the offset says the same, more usefully for an editor.
    if (!doc.error) {
      doc.error = { message: e.message.replace(/^\d+:\d+:\s*/, ''), offset: parser.position };
      // A stray close tag first closes the elements still open inside its own (saxes emits their closetag before the error).
      const open = lastClosed?.at === parser.position ? lastClosed.name : stack[stack.length - 1]?.name;
      if (open) doc.error.open = open;
    }
  });
  parser.on('opentagstart', (tag) => {
    const end = parser.position;
    pending = { name: tag.name, start: end - tag.name.length, end, attributes: new Map(), children: [] };
  });
  parser.on('attribute', (a) => {
    if (!pending) return;
    // The parser stands just past the closing quote; the value runs back to the opening one.
    const close = parser.position - 1;
    const quote = xml[close];
    if (quote !== '"' && quote !== "'") return;
    const open = xml.lastIndexOf(quote, close - 1);
    pending.attributes.set(a.name, { value: a.value, start: open + 1, end: close });
  });
  parser.on('opentag', () => {
    if (!pending) return;
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(pending);
    else doc.root ??= pending;
    stack.push(pending);
    pending = undefined;
  });
  let lastClosed: { name: string; at: number } | undefined;
  parser.on('closetag', (tag) => {
    stack.pop();
    lastClosed = { name: tag.name, at: parser.position };
  });
  try {
    parser.write(xml).close();
  } catch (e) {
    doc.error ??= { message: (e as Error).message, offset: parser.position };
  }
  return doc;
}

/**
 * A small strict XML parser for the FetchXML the stand-in receives: elements,
 * attributes, text, comments, CDATA and the five predefined entities plus
 * character references. DOCTYPE and entity declarations are refused (no
 * entity expansion, no external resources). Anything malformed throws
 * XmlSyntaxError with the offset, so callers can map it to their own error.
 */

/** One element: name, attributes in document order, child elements and text. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** Concatenated text content (not of children). */
  readonly text: string;
}

/** The XML is not well-formed (or uses a refused construct such as DOCTYPE). */
export class XmlSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at offset ${offset})`);
    this.name = 'XmlSyntaxError';
  }
}

const NAME = /[A-Za-z_:][A-Za-z0-9_:.-]*/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

interface MutableElement {
  name: string;
  attributes: Map<string, string>;
  children: MutableElement[];
  text: string;
}

/** Parses a document with exactly one root element. */
export function parseXml(source: string): XmlElement {
  return new Parser(source).document();
}

class Parser {
  private pos = 0;
  constructor(private readonly s: string) {}

  private fail(message: string): never {
    throw new XmlSyntaxError(message, this.pos);
  }

  private startsWith(token: string): boolean {
    return this.s.startsWith(token, this.pos);
  }

  private skipSpace(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }

  private name(): string {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.s);
    if (!m) this.fail('A name was expected');
    this.pos += m[0].length;
    return m[0];
  }

  /** Skips comments, processing instructions and white space between markup; refuses DOCTYPE. */
  private misc(allowDeclaration: boolean): void {
    for (;;) {
      this.skipSpace();
      if (this.startsWith('<?')) {
        const isDeclaration = this.startsWith('<?xml') && /[\s?]/.test(this.s[this.pos + 5] ?? '');
        if (isDeclaration && !allowDeclaration) this.fail('The XML declaration must come first');
        const end = this.s.indexOf('?>', this.pos + 2);
        if (end < 0) this.fail('Unterminated processing instruction');
        this.pos = end + 2;
      } else if (this.startsWith('<!--')) {
        this.comment();
      } else if (this.startsWith('<!')) {
        this.fail('DOCTYPE and entity declarations are not allowed');
      } else return;
      allowDeclaration = false;
    }
  }

  private comment(): void {
    const end = this.s.indexOf('-->', this.pos + 4);
    if (end < 0) this.fail('Unterminated comment');
    this.pos = end + 3;
  }

  document(): XmlElement {
    if (this.s.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.misc(true);
    if (!this.startsWith('<')) this.fail('The root element is missing');
    const root = this.element();
    this.misc(false);
    if (this.pos < this.s.length) this.fail('Content after the root element');
    return root;
  }

  private element(): MutableElement {
    this.pos++; // '<'
    const el: MutableElement = { name: this.name(), attributes: new Map(), children: [], text: '' };
    for (;;) {
      const before = this.pos;
      this.skipSpace();
      if (this.startsWith('/>')) { this.pos += 2; return el; }
      if (this.startsWith('>')) { this.pos++; break; }
      if (this.pos === before) this.fail(`White space or '>' expected in <${el.name}>`);
      const attr = this.name();
      this.skipSpace();
      if (this.s[this.pos] !== '=') this.fail(`'=' expected after attribute '${attr}'`);
      this.pos++;
      this.skipSpace();
      const quote = this.s[this.pos];
      if (quote !== '"' && quote !== "'") this.fail(`The value of attribute '${attr}' must be quoted`);
      const end = this.s.indexOf(quote, this.pos + 1);
      if (end < 0) this.fail(`Unterminated value of attribute '${attr}'`);
      const raw = this.s.slice(this.pos + 1, end);
      if (raw.includes('<')) this.fail(`'<' is not allowed in the value of attribute '${attr}'`);
      if (el.attributes.has(attr)) this.fail(`Duplicate attribute '${attr}'`);
      el.attributes.set(attr, this.decode(raw, this.pos + 1));
      this.pos = end + 1;
    }
    // Content.
    for (;;) {
      if (this.pos >= this.s.length) this.fail(`Element <${el.name}> is not closed`);
      if (this.startsWith('</')) {
        this.pos += 2;
        const closing = this.name();
        if (closing !== el.name) this.fail(`</${closing}> does not close <${el.name}>`);
        this.skipSpace();
        if (this.s[this.pos] !== '>') this.fail(`'>' expected in </${closing}>`);
        this.pos++;
        return el;
      }
      if (this.startsWith('<!--')) { this.comment(); continue; }
      if (this.startsWith('<![CDATA[')) {
        const end = this.s.indexOf(']]>', this.pos + 9);
        if (end < 0) this.fail('Unterminated CDATA section');
        el.text += this.s.slice(this.pos + 9, end);
        this.pos = end + 3;
        continue;
      }
      if (this.startsWith('<!')) this.fail('DOCTYPE and entity declarations are not allowed');
      if (this.startsWith('<?')) {
        const end = this.s.indexOf('?>', this.pos + 2);
        if (end < 0) this.fail('Unterminated processing instruction');
        this.pos = end + 2;
        continue;
      }
      if (this.startsWith('<')) { el.children.push(this.element()); continue; }
      const next = this.s.indexOf('<', this.pos);
      const end = next < 0 ? this.s.length : next;
      el.text += this.decode(this.s.slice(this.pos, end), this.pos);
      this.pos = end;
    }
  }

  /** Replaces entity and character references; an unknown entity is an error (no DTD, so none can be declared). */
  private decode(raw: string, offset: number): string {
    if (!raw.includes('&')) return raw;
    return raw.replace(/&([^;&\s]*);?/g, (whole, ref: string, index: number) => {
      if (!whole.endsWith(';')) throw new XmlSyntaxError(`'&' must start a reference such as &amp;`, offset + index);
      if (ref.startsWith('#')) {
        const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        if (!Number.isInteger(code) || code <= 0 || code > 0x10ffff || !/^#(x[0-9A-Fa-f]+|[0-9]+)$/.test(ref)) {
          throw new XmlSyntaxError(`Invalid character reference '&${ref};'`, offset + index);
        }
        return String.fromCodePoint(code);
      }
      const value = PREDEFINED[ref];
      if (value === undefined) throw new XmlSyntaxError(`Undeclared entity '&${ref};'`, offset + index);
      return value;
    });
  }
}

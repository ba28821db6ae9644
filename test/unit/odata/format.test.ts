import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseODataFile, type Edit } from '../../../src/odata/file';
import { formatFile, type FormatOptions } from '../../../src/odata/format';
import { prng } from './prng';

const SPLIT: FormatOptions = { mode: 'split', indent: '    ' };
const JOIN: FormatOptions = { mode: 'join', indent: '    ' };

function apply(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].reverse()) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

function format(text: string, options: FormatOptions): string {
  const edits = formatFile(parseODataFile(text), options);
  for (let i = 1; i < edits.length; i++) assert.ok(edits[i - 1].end <= edits[i].start, 'edits are in order and do not overlap');
  return apply(text, edits);
}

const ONE_LINE = `@top = 10

### Active accounts
GET accounts?$select=name,accountnumber&$filter=statecode eq 0 and contains(name,'contoso')&$top={{top}}
Prefer: odata.include-annotations="*"

### Who am I
GET WhoAmI()

### Create a contact
POST contacts
Content-Type: application/json

{ "firstname": "Ada" }
`;

/** ONE_LINE with its long URL split. */
const SPLIT_TEXT = ONE_LINE.replace(
  "GET accounts?$select=name,accountnumber&$filter=statecode eq 0 and contains(name,'contoso')&$top={{top}}\n",
  "GET accounts\n    ?$select=name,accountnumber\n    &$filter=statecode eq 0 and contains(name,'contoso')\n    &$top={{top}}\n",
);

describe('formatFile', () => {
  test('split: one query option per indented line, ? first then &, the path on the request line, {{top}} as typed', () => {
    assert.equal(format(ONE_LINE, SPLIT), SPLIT_TEXT);
  });

  test('join: each URL back on one line', () => {
    assert.equal(format(SPLIT_TEXT, JOIN), ONE_LINE);
  });

  test('the URL means the same after formatting', () => {
    const before = parseODataFile(ONE_LINE).requests.map((r) => r.url);
    assert.deepEqual(parseODataFile(format(ONE_LINE, SPLIT)).requests.map((r) => r.url), before);
    assert.deepEqual(parseODataFile(format(format(ONE_LINE, SPLIT), JOIN)).requests.map((r) => r.url), before);
  });

  test('formatting twice gives no edits', () => {
    assert.deepEqual(formatFile(parseODataFile(SPLIT_TEXT), SPLIT), []);
    assert.deepEqual(formatFile(parseODataFile(ONE_LINE), JOIN), []);
  });

  test('edits touch only the URLs: headers, comments and bodies keep their offsets and text', () => {
    const edits = formatFile(parseODataFile(ONE_LINE), SPLIT);
    assert.equal(edits.length, 1);
    const line = ONE_LINE.indexOf('GET accounts');
    assert.ok(edits[0].start > line && edits[0].end < ONE_LINE.indexOf('Prefer'));
  });

  test('CRLF files get CRLF line breaks, and a tab indentation when asked', () => {
    const crlf = ONE_LINE.replace(/\n/g, '\r\n');
    const split = format(crlf, { mode: 'split', indent: '\t' });
    assert.equal(split, SPLIT_TEXT.replace(/ {4}([?&])/g, '\t$1').replace(/\n/g, '\r\n'));
    assert.equal(format(split, JOIN), crlf);
  });

  test('raw FetchXML over several lines stays as it is; the options around it are split and joined', () => {
    const text = 'GET accounts?fetchXml=\n    <fetch top="5">\n      <entity name="account"/>\n    </fetch>&$count=true\n';
    const split = format(text, SPLIT);
    assert.equal(split, 'GET accounts\n    ?fetchXml=\n    <fetch top="5">\n      <entity name="account"/>\n    </fetch>\n    &$count=true\n');
    assert.equal(format(split, SPLIT), split);
    assert.equal(format(split, JOIN), 'GET accounts?fetchXml=\n    <fetch top="5">\n      <entity name="account"/>\n    </fetch>&$count=true\n');
    assert.equal(parseODataFile(split).requests[0].url, parseODataFile(text).requests[0].url);
  });

  test('an HTTP/1.1 after the URL stays after it', () => {
    const text = 'GET [Organization URI]/api/data/v9.2/accounts?$select=name&$top=3 HTTP/1.1\nAccept: application/json\n';
    const split = format(text, SPLIT);
    assert.equal(split, 'GET [Organization URI]/api/data/v9.2/accounts\n    ?$select=name\n    &$top=3 HTTP/1.1\nAccept: application/json\n');
    assert.equal(format(split, JOIN), text);
  });

  test('a URL with a comment line between its lines is left alone (formatting would drop the comment)', () => {
    const text = 'GET accounts?$select=name\n# &$top=5\n    &$count=true\n';
    assert.deepEqual(formatFile(parseODataFile(text), JOIN), []);
  });

  test('trailing blanks after the URL go; a URL without a query and half-typed files get no edits or sane ones', () => {
    assert.equal(format('GET accounts?$top=1   \n', SPLIT), 'GET accounts\n    ?$top=1\n');
    for (const text of ['', 'GET ', '###\n', 'GET accounts?', 'accounts?$top=1&', '# only a comment\n']) {
      const once = format(text, SPLIT);
      assert.equal(format(once, SPLIT), once, JSON.stringify(text));
      assert.equal(parseODataFile(once).requests.map((r) => r.url).join(), parseODataFile(text).requests.map((r) => r.url).join(), JSON.stringify(text));
    }
  });
});

describe('formatFile on half-typed files', () => {
  /** The URLs of a file, ignoring blanks before `&`, `?` and the end (formatting drops those). */
  const urls = (text: string) => parseODataFile(text).requests.map((r) => r.url.replace(/\s+(?=[&?]|$)/g, ''));
  const PIECES = [' HTTP/1.1', '[Organization URI]', '\n', '\r\n', '###', '#', '@', '{{', '}}', '{{top}}', ' ', '\t', '    &', '?', '&', ':', 'GET ', '<', '>', 'fetchXml=', '$filter=', '=', 'x'];
  const BASE = 'GET accounts?fetchXml=\n    <fetch top="5">\n    <entity name="account"/></fetch>&$top=1\n' + ONE_LINE;

  test('2,000 mutated files: split and join keep every URL, and a second pass finds nothing to do', () => {
    const rand = prng(5);
    for (let n = 0; n < 2000; n++) {
      let s = BASE;
      for (let e = 1 + Math.floor(rand() * 4); e > 0; e--) {
        const at = Math.floor(rand() * (s.length + 1));
        if (rand() < 0.5) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 8));
        else s = s.slice(0, at) + PIECES[Math.floor(rand() * PIECES.length)] + s.slice(at);
      }
      for (const options of [SPLIT, JOIN]) {
        const once = format(s, options);
        assert.deepEqual(urls(once), urls(s), JSON.stringify([options.mode, s]));
        assert.deepEqual(formatFile(parseODataFile(once), options), [], JSON.stringify([options.mode, s]));
      }
    }
  });
});

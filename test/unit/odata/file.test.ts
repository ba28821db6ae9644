import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { docToUrl, parseODataFile, requestAt, urlToDoc, type ODataFile } from '../../../src/odata/file';
import { prng } from './prng';
import { EXAMPLE_FILE } from './exampleFile';

const EXAMPLE = EXAMPLE_FILE;

/** `⟪` and `⟫` mark an expected range; returns the text without them and the range. */
function marked(source: string): { text: string; start: number; end: number } {
  const start = source.indexOf('⟪');
  const end = source.indexOf('⟫') - 1;
  return { text: source.replace('⟪', '').replace('⟫', ''), start, end };
}

/** Every character of every text piece reads the same in the URL and in the file, both ways. */
function assertMapsBack(file: ODataFile): void {
  for (const r of file.requests) {
    let covered = 0;
    for (const p of r.pieces) {
      assert.equal(p.urlStart, covered, 'pieces are contiguous in the URL');
      covered += p.urlLength;
      if (p.variable !== undefined) {
        assert.match(file.text.slice(p.docStart, p.docStart + p.docLength), /^\{\{.*\}\}$/);
        continue;
      }
      for (let u = p.urlStart; u < p.urlStart + p.urlLength; u++) {
        const d = urlToDoc(r, u);
        assert.equal(file.text[d], r.url[u], `URL offset ${u} of ${JSON.stringify(r.url)}`);
        assert.equal(docToUrl(r, d), u);
      }
    }
    assert.equal(covered, r.url.length);
  }
}

describe('parseODataFile: the example of the issue', () => {
  const file = parseODataFile(EXAMPLE);

  test('reads three requests with their titles, methods, URLs, headers and body, and no diagnostics', () => {
    assert.deepEqual(file.diagnostics, []);
    assert.deepEqual(file.requests.map((r) => [r.title, r.method]), [['Active accounts', 'GET'], ['Accounts by FetchXML', 'GET'], ['Create a contact', 'POST']]);
    const [active, fetch, create] = file.requests;
    assert.equal(active.url, "accounts?$select=name,accountnumber&$filter=statecode eq 0 and contains(name,'contoso')&$top=10");
    assert.deepEqual(active.headers.map((h) => [h.name, h.value]), [['Prefer', 'odata.include-annotations="*"']]);
    assert.equal(active.body, undefined);
    assert.equal(fetch.url, 'accounts?fetchXml=<fetch top="5"><entity name="account"><attribute name="name"/></entity></fetch>');
    assert.deepEqual(fetch.parsed.tree.options.map((o) => o.value.kind), ['fetchXml']);
    assert.equal(create.url, 'contacts');
    assert.deepEqual(create.headers.map((h) => [h.name, h.value]), [['Content-Type', 'application/json']]);
    assert.equal(create.body?.text, '{ "firstname": "Ada", "lastname": "Lovelace" }');
  });

  test('binds the file to its connection and defines the variable', () => {
    assert.equal(file.connection?.name, 'Contoso Dev');
    assert.equal(EXAMPLE.slice(file.connection!.nameSpan.start, file.connection!.nameSpan.end), 'Contoso Dev');
    assert.deepEqual(file.variables.map((v) => [v.name, v.value]), [['top', '10']]);
    const v = file.variables[0];
    assert.equal(EXAMPLE.slice(v.nameSpan.start, v.nameSpan.end), 'top');
    assert.equal(EXAMPLE.slice(v.valueSpan.start, v.valueSpan.end), '10');
  });

  test('spans: each request runs from its ### line to before the next, with title and method where typed', () => {
    const [active, fetch, create] = file.requests;
    assert.equal(EXAMPLE.slice(active.start, active.end), EXAMPLE.slice(EXAMPLE.indexOf('### Active'), EXAMPLE.indexOf('\n### Accounts')));
    assert.equal(EXAMPLE.slice(fetch.titleSpan!.start, fetch.titleSpan!.end), 'Accounts by FetchXML');
    assert.equal(EXAMPLE.slice(create.methodSpan!.start, create.methodSpan!.end), 'POST');
    assert.equal(create.end, EXAMPLE.length);
    assert.equal(requestAt(file, EXAMPLE.indexOf('$filter'))?.title, 'Active accounts');
    assert.equal(requestAt(file, EXAMPLE.indexOf('Lovelace'))?.title, 'Create a contact');
    assert.equal(requestAt(file, 5), undefined, 'the comments before the first request belong to no request');
  });

  test('the substituted variable maps to the whole {{top}}, and every other URL character to itself', () => {
    const active = file.requests[0];
    const piece = active.pieces.find((p) => p.variable === 'top')!;
    assert.equal(EXAMPLE.slice(piece.docStart, piece.docStart + piece.docLength), '{{top}}');
    assert.equal(active.url.slice(piece.urlStart, piece.urlStart + piece.urlLength), '10');
    assertMapsBack(file);
  });
});

describe('docs/odata-file.md', () => {
  const blocks = [...readFileSync('docs/odata-file.md', 'utf8').matchAll(/^```\n([\s\S]*?)^```$/gm)].map((m) => m[1]);

  test('opens with the example of the issue', () => {
    assert.equal(blocks[0], EXAMPLE);
  });

  test('every example in it, and the one in the README, parses without a diagnostic', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## The .odata file format'));
    const example = /^```\n([\s\S]*?)^```$/m.exec(section)?.[1] ?? '';
    assert.match(example, /### Active accounts/);
    assert.ok(blocks.length >= 4);
    for (const block of [...blocks, example]) assert.deepEqual(parseODataFile(block).diagnostics, [], block);
  });
});

describe('parseODataFile: requests, lines and spans', () => {
  test('a first request needs no ###, the method defaults to GET, and is case-insensitive', () => {
    const file = parseODataFile('accounts?$top=1\n###\npatch contacts(00000000-0000-0000-0000-000000000001)\n');
    assert.deepEqual(file.requests.map((r) => [r.method, r.url, r.methodSpan === undefined]), [
      ['GET', 'accounts?$top=1', true],
      ['PATCH', 'contacts(00000000-0000-0000-0000-000000000001)', false],
    ]);
    assert.equal(file.requests[0].separator, undefined);
    assert.equal(file.requests[0].start, 0);
    assert.equal(file.requests[1].title, '');
  });

  test("a request pasted from Microsoft's Web API pages reads as written there", () => {
    const text = 'GET [Organization URI]/api/data/v9.2/accounts?$select=name\n&$top=3 HTTP/1.1\nAccept: application/json\nOData-MaxVersion: 4.0\nOData-Version: 4.0\n';
    const file = parseODataFile(text);
    assert.deepEqual(file.diagnostics, []);
    const r = file.requests[0];
    assert.equal(r.url, '/api/data/v9.2/accounts?$select=name&$top=3');
    assert.equal(r.parsed.tree.path.entitySet?.name, 'accounts');
    assert.equal(text.slice(r.httpVersion!.start, r.httpVersion!.end), 'HTTP/1.1');
    assert.deepEqual(r.headers.map((h) => h.name), ['Accept', 'OData-MaxVersion', 'OData-Version']);
    assertMapsBack(file);
    assert.equal(parseODataFile('accounts HTTP/1.1').requests[0].url, 'accounts', 'no method: the URL, not a misspelt method');
  });

  test('comments are skipped before, between and after headers; // comments too', () => {
    const file = parseODataFile('// a query\n# another\nGET accounts\n# a comment between headers\nPrefer: return=representation\n// and another\nIf-Match: *\n');
    assert.deepEqual(file.requests[0].headers.map((h) => h.name), ['Prefer', 'If-Match']);
    assert.deepEqual(file.diagnostics, []);
  });

  test('continuation lines start with & or ?, indented or not, and join without their indentation', () => {
    const file = parseODataFile('GET accounts\n\t?$select=name\n&$top=2\n      &$count=true\n');
    assert.equal(file.requests[0].url, 'accounts?$select=name&$top=2&$count=true');
    assertMapsBack(file);
  });

  test('raw FetchXML on indented lines joins as typed, keeping a space where the line break separated two words', () => {
    const text = 'GET accounts?fetchXml=\n  <fetch top="5">\n    <entity name="account">\n      <attribute\n        name="name"/>\n    </entity>\n  </fetch>\n  &$top=1\n';
    const r = parseODataFile(text).requests[0];
    assert.equal(r.url, 'accounts?fetchXml=<fetch top="5"><entity name="account"><attribute name="name"/></entity></fetch>&$top=1');
    assert.deepEqual(r.parsed.diagnostics, []);
    assert.deepEqual(r.parsed.tree.options.map((o) => o.key), ['fetchXml', '$top']);
    assertMapsBack(parseODataFile(text));
  });

  test("a '%' in raw FetchXML is a character (a like pattern), not percent-encoding; encoded FetchXML is still decoded", () => {
    const raw = parseODataFile('GET accounts?fetchXml=\n  <fetch><entity name="account"><filter><condition attribute="name" operator="like" value="Con%toso%"/></filter></entity></fetch>\n');
    assert.deepEqual(raw.diagnostics, []);
    assert.deepEqual(raw.requests[0].parsed.tree.options[0].value, { kind: 'fetchXml', xml: '<fetch><entity name="account"><filter><condition attribute="name" operator="like" value="Con%toso%"/></filter></entity></fetch>' });
    const encoded = parseODataFile('GET accounts?fetchXml=%3Cfetch%3E%3Centity%20name%3D%22account%22%2F%3E%3C%2Ffetch%3E\n');
    assert.deepEqual(encoded.requests[0].parsed.tree.options[0].value, { kind: 'fetchXml', xml: '<fetch><entity name="account"/></fetch>' });
  });

  test('FetchXML on the line after fetchXml= starts right after the =, encoded or not', () => {
    const r = parseODataFile('GET accounts?fetchXml=\n    %3Cfetch%3E%3Centity%20name%3D%22account%22%2F%3E%3C%2Ffetch%3E\n').requests[0];
    assert.deepEqual(r.parsed.tree.options[0].value, { kind: 'fetchXml', xml: '<fetch><entity name="account"/></fetch>' });
  });

  test('&amp; inside raw FetchXML stays in the XML', () => {
    const r = parseODataFile('GET accounts?fetchXml=\n  <fetch><entity name="account"><filter><condition attribute="name" operator="eq" value="A\n  &amp; B"/></filter></entity></fetch>\n').requests[0];
    assert.match(r.url, /value="A &amp; B"/);
    assert.deepEqual(r.parsed.tree.options.map((o) => o.key), ['fetchXml']);
  });

  test('the body runs from after the blank line to the end of the request, without trailing blank and comment lines', () => {
    const text = 'POST contacts\n\n{\n  "firstname": "Ada"\n}\n\n# next: the accounts\n\n### next\nGET accounts\n';
    const file = parseODataFile(text);
    assert.equal(file.requests[0].body?.text, '{\n  "firstname": "Ada"\n}');
    assert.deepEqual(file.diagnostics, []);
    assert.equal(file.requests[1].title, 'next');
  });

  test('a byte order mark does not hide the first line', () => {
    const file = parseODataFile('\ufeff@top = 3\nGET accounts?$top={{top}}\n');
    assert.deepEqual(file.diagnostics, []);
    assert.equal(file.requests[0].url, 'accounts?$top=3');
    assert.equal(parseODataFile('\ufeff# @connection Dev\n').connection?.name, 'Dev');
  });

  test('an empty file, a file of comments and a lone ### have no diagnostics', () => {
    for (const text of ['', '\n\n', '# only\n// comments\n', '# @connection Dev\n', '###\n', '### Untitled yet\n\n']) {
      const file = parseODataFile(text);
      assert.deepEqual(file.diagnostics, [], JSON.stringify(text));
    }
    assert.equal(parseODataFile('').requests.length, 0);
    assert.equal(parseODataFile('# only\n// comments\n').requests.length, 0);
  });

  test('a ### block with nothing typed yet is a request whose empty URL sits on its first blank line', () => {
    const text = '### To do\n\n';
    const r = parseODataFile(text).requests[0];
    assert.equal(r.title, 'To do');
    assert.equal(r.url, '');
    assert.equal(docToUrl(r, text.indexOf('\n') + 1), 0);
  });

  test('`GET ` alone: the URL is empty and starts after the method', () => {
    const text = '### A\nGET ';
    const r = parseODataFile(text).requests[0];
    assert.equal(r.url, '');
    assert.equal(docToUrl(r, text.length), 0);
  });

  test('CRLF files read like LF files, with no \\r in titles, URLs, headers or bodies', () => {
    const crlf = EXAMPLE.replace(/\n/g, '\r\n');
    const file = parseODataFile(crlf);
    const lf = parseODataFile(EXAMPLE);
    assert.deepEqual(file.diagnostics, []);
    assert.deepEqual(file.requests.map((r) => [r.title, r.url, r.headers.map((h) => h.value), r.body?.text]), lf.requests.map((r) => [r.title, r.url, r.headers.map((h) => h.value), r.body?.text?.replace(/\n/g, '\r\n')]));
    assert.equal(file.connection?.name, 'Contoso Dev');
    assertMapsBack(file);
  });

  test('headers: name and value spans; a value being typed has an empty span at the end of the line', () => {
    const text = 'GET accounts\nPrefer:  odata.maxpagesize=5  \nAccept: ';
    const [prefer, accept] = parseODataFile(text).requests[0].headers;
    assert.equal(text.slice(prefer.nameSpan.start, prefer.nameSpan.end), 'Prefer');
    assert.equal(text.slice(prefer.valueSpan.start, prefer.valueSpan.end), 'odata.maxpagesize=5');
    assert.deepEqual(accept.valueSpan, { start: text.length, end: text.length });
    assert.equal(accept.value, '');
  });

  test('variables: used in URLs, header values and bodies; may use each other; later lines may define them', () => {
    const text = '@org = contoso\nPOST accounts?$top={{n}}\nPrefer: odata.maxpagesize={{ n }}\n\n{ "name": "{{org}} {{n}}" }\n###\n@n = {{base}}0\n@base = 5\nGET accounts\n';
    const file = parseODataFile(text);
    assert.deepEqual(file.diagnostics, []);
    const r = file.requests[0];
    assert.equal(r.url, 'accounts?$top=50');
    assert.equal(r.headers[0].value, 'odata.maxpagesize={{ n }}', 'value is as typed');
    assert.equal(r.headers[0].resolvedValue, 'odata.maxpagesize=50');
    assert.equal(r.body?.resolvedText, '{ "name": "contoso 50" }');
  });

  test('the last definition of a variable applies to the whole file, and the earlier one is flagged', () => {
    const text = '@top = 1\n@top = 2\nGET accounts?$top={{top}}\n';
    const file = parseODataFile(text);
    assert.equal(file.requests[0].url, 'accounts?$top=2');
    assert.deepEqual(file.diagnostics.map((d) => [d.code, d.severity, text.slice(d.start, d.end)]), [['duplicate-variable', 'warning', 'top']]);
  });

  test('an undefined variable stays in the URL as typed, with one diagnostic (not the URL parser\'s echoes)', () => {
    const text = '@top = 10\nGET accounts?$top={{tpo}}&$filter=name eq {{nothing}}\n';
    const file = parseODataFile(text);
    assert.equal(file.requests[0].url, 'accounts?$top={{tpo}}&$filter=name eq {{nothing}}');
    assert.deepEqual(file.diagnostics.map((d) => [d.code, text.slice(d.start, d.end), d.message]), [
      ['undefined-variable', '{{tpo}}', "The variable 'tpo' is not defined; did you mean {{top}}?"],
      ['undefined-variable', '{{nothing}}', "The variable 'nothing' is not defined: define it on its own line, @nothing = value."],
    ]);
    assertMapsBack(file);
  });

  test('the "did you mean" of an undefined variable comes with its fix, which makes the diagnostic go away', () => {
    const text = '@top = 10\nGET accounts?$top={{ tpo }}\n';
    const [d] = parseODataFile(text).diagnostics;
    assert.equal(d.fix?.title, 'Change to {{top}}');
    const fixed = text.slice(0, d.fix!.edits[0].start) + d.fix!.edits[0].newText + text.slice(d.fix!.edits[0].end);
    assert.deepEqual(parseODataFile(fixed).diagnostics, []);
    assert.equal(parseODataFile(fixed).requests[0].url, 'accounts?$top=10');
    assert.equal(parseODataFile('GET accounts?$top={{nothing}}').diagnostics[0].fix, undefined, 'no fix without a close name');
  });

  test('a misspelt method comes with the fix to the closest one', () => {
    const [d] = parseODataFile('PTACH contacts(00000000-0000-0000-0000-000000000001)\n').diagnostics;
    assert.match(d.message, /did you mean PATCH\?/);
    assert.deepEqual(d.fix?.edits, [{ start: 0, end: 5, newText: 'PATCH' }]);
  });

  test('performance shape: 1,000 lines of requests parse into 250 requests', () => {
    const block = '### Query\nGET accounts?$select=name\n    &$filter=statecode eq {{s}}\n\n';
    const file = parseODataFile('@s = 0\n' + block.repeat(250));
    assert.equal(file.requests.length, 250);
    assert.deepEqual(file.diagnostics, []);
  });
});

/** Each row: a file with the expected diagnostic's range marked ⟪...⟫, and its code (undefined: a URL syntax error). */
const DIAGNOSTICS: { name: string; source: string; code: string | undefined; severity?: string; message?: RegExp }[] = [
  { name: 'URL syntax error on a continuation line, in file offsets', source: 'GET accounts?$select=name\n    &$filter=name eq ⟪)⟫\n', code: undefined },
  { name: 'unknown query option after a variable', source: '@t = 5\nGET accounts?$top={{t}}&⟪$tpo⟫=1\n', code: undefined },
  { name: 'undefined variable', source: 'GET accounts?$top=⟪{{top}}⟫\n', code: 'undefined-variable' },
  { name: 'undefined variable in a header', source: 'GET accounts\nPrefer: odata.maxpagesize=⟪{{size}}⟫\n', code: 'undefined-variable' },
  { name: 'unclosed {{', source: 'GET accounts?$top=⟪{{top⟫\n', code: 'variable-syntax' },
  { name: 'a {{ closed only after another {{', source: '@top = 1\nGET ac⟪{{counts?$top=⟫{{top}}\n', code: 'variable-syntax' },
  { name: 'empty {{}}', source: 'GET accounts?$top=⟪{{}}⟫\n', code: 'variable-syntax' },
  { name: 'a variable using itself', source: '@a = x{{b}}\n@b = ⟪{{a}}⟫\nGET accounts\n', code: 'variable-cycle' },
  { name: 'variable without =', source: '@⟪top⟫\nGET accounts\n', code: 'variable-syntax' },
  { name: 'variable with a bad name', source: '@⟪1x⟫ = 3\nGET accounts\n', code: 'variable-syntax' },
  { name: 'header being typed', source: 'GET accounts\n⟪Prefer⟫\n', code: 'header-syntax' },
  { name: 'indented line that is neither a continuation nor a header', source: 'GET accounts?$select=name\n    ⟪$top=1⟫\n', code: 'header-syntax', message: /start with & or \?/ },
  { name: 'a body without the blank line before it', source: 'POST contacts\nContent-Type: application/json\n⟪{ "a": 1 }⟫\n', code: 'header-syntax', message: /blank line/ },
  { name: 'a URL continuation after the headers', source: 'GET accounts?$select=name\nPrefer: return=representation\n    ⟪&$top=1⟫\n', code: 'header-syntax', message: /move this line up/ },
  { name: 'header name with a space', source: 'GET accounts\n⟪Content Type⟫: application/json\n', code: 'header-syntax' },
  { name: 'header without a name', source: 'GET accounts\n⟪:⟫ x\n', code: 'header-syntax' },
  { name: 'misspelt method', source: '⟪GETT⟫ accounts\n', code: 'unknown-method' },
  { name: 'second connection binding', source: '# @connection Dev\n⟪# @connection Test⟫\nGET accounts\n', code: 'duplicate-connection' },
  { name: 'connection binding after the first request', source: 'GET accounts\n###\n⟪# @connection Dev⟫\nGET contacts\n', code: 'misplaced-connection', severity: 'warning' },
  { name: 'connection binding without a name', source: '⟪# @connection⟫\nGET accounts\n', code: 'connection-syntax' },
  { name: 'body that is not JSON: trailing comma', source: 'POST contacts\n\n{ "firstname": "Ada", ⟪}⟫\n', code: 'invalid-json' },
  { name: 'body that is not JSON: unquoted name, on the third line', source: 'POST contacts\nContent-Type: application/json\n\n{\n  "a": 1,\n  ⟪b⟫: 2\n}\n', code: 'invalid-json' },
  { name: 'body that is not JSON after substitution', source: '@n = 1\nPOST contacts\n\n{ "a": {{n}}, "b": t⟪ ⟫}\n', code: 'invalid-json' },
  { name: 'error inside a substituted variable points at the whole {{x}}', source: '@n = 1 2\nPOST contacts\n\n{ "a": ⟪{{n}}⟫ }\n', code: 'invalid-json' },
  { name: 'body of a GET', source: 'GET accounts\n\n⟪GET contacts⟫\n', code: 'body-ignored', severity: 'warning' },
];

describe('parseODataFile: diagnostics at their positions', () => {
  for (const row of DIAGNOSTICS) {
    test(row.name, () => {
      const { text, start, end } = marked(row.source);
      const file = parseODataFile(text);
      const found = file.diagnostics.filter((d) => d.code === row.code);
      assert.ok(found.length, `no ${row.code ?? 'URL'} diagnostic in ${JSON.stringify(file.diagnostics)}`);
      assert.deepEqual([found[0].start, found[0].end], [start, end], `${text.slice(found[0].start, found[0].end)} / ${found[0].message}`);
      assert.equal(found[0].severity, row.severity ?? 'error');
      if (row.message) assert.match(found[0].message, row.message);
    });
  }

  test('a body is not checked as JSON when its Content-Type is not JSON', () => {
    const file = parseODataFile('POST $batch\nContent-Type: multipart/mixed; boundary=b\n\n--b\n--b--\n');
    assert.deepEqual(file.diagnostics, []);
  });

  test('a URL with a syntax error keeps its tree, and its diagnostic is in file offsets', () => {
    const text = '### A\nGET accounts?$filter=name eq\n';
    const file = parseODataFile(text);
    assert.equal(file.diagnostics.length, 1);
    assert.equal(file.diagnostics[0].start, text.indexOf(' eq') + 3);
    assert.equal(file.requests[0].parsed.tree.options[0].key, '$filter');
  });
});

const PIECES = [' HTTP/1.1', '[Organization URI]', '\n', '\r\n', '###', '#', '//', '@', '=', '{{', '}}', '{{top}}', ' ', '\t', '    &', '?', '&', ':', 'GET ', 'POST ', '<', '>', '"', '{', '}', 'fetchXml=', '$filter=', 'Prefer: ', '# @connection ', '\u00e9', '\ud83d'];

describe('parseODataFile: never throws on half-typed text', () => {
  test('10,000 mutated files: no exception, spans inside the text, requests in order, URLs mapping back', () => {
    const rand = prng(14);
    const bases = [EXAMPLE, EXAMPLE.replace(/\n/g, '\r\n'), ...DIAGNOSTICS.map((r) => marked(r.source).text)];
    for (let n = 0; n < 10000; n++) {
      let s = bases[Math.floor(rand() * bases.length)];
      for (let e = 1 + Math.floor(rand() * 4); e > 0; e--) {
        const at = Math.floor(rand() * (s.length + 1));
        const kind = Math.floor(rand() * 3);
        if (kind === 0) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 8));
        else if (kind === 1) s = s.slice(0, at) + PIECES[Math.floor(rand() * PIECES.length)] + s.slice(at);
        else s = s.slice(0, at);
      }
      const file = parseODataFile(s);
      let previousEnd = -1;
      for (const r of file.requests) {
        assert.ok(r.start > previousEnd && r.start <= r.end && r.end <= s.length, JSON.stringify(s));
        previousEnd = r.end;
      }
      for (const d of file.diagnostics) assert.ok(d.start >= 0 && d.start <= d.end && d.end <= s.length, JSON.stringify([s, d]));
      assertMapsBack(file);
    }
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';
import { BUILT_IN_FUNCTIONS, DATAVERSE_OPTIONS, DATAVERSE_QUERY_FUNCTIONS, SYSTEM_OPTIONS } from '../../../src/odata/vocabulary';
import { EXAMPLE_FILE } from './exampleFile';

/*
 * The .odata TextMate grammar, run by vscode-textmate and vscode-oniguruma: the
 * engine VS Code itself tokenizes with. JSON bodies and FetchXML are embedded
 * from VS Code's own `source.json` and `text.xml` grammars, which are not on
 * npm; the two small stand-ins below have the shape that matters here (objects
 * and strings are begin/end rules, so an unclosed `{` or tag stays open across
 * lines, as it does with the real grammars). The tests check that the embedded
 * grammar runs, in its embedded scope, and where it stops; they do not test
 * the real JSON and XML grammars themselves.
 */
const JSON_STAND_IN = {
  scopeName: 'source.json',
  patterns: [{ include: '#value' }],
  repository: {
    value: {
      patterns: [
        { begin: '\\{', end: '\\}', name: 'meta.structure.dictionary.json', patterns: [{ include: '#value' }] },
        { begin: '"', end: '"', name: 'string.quoted.double.json' },
        { match: '-?\\d+', name: 'constant.numeric.json' },
      ],
    },
  },
};
const XML_STAND_IN = {
  scopeName: 'text.xml',
  patterns: [
    {
      begin: '(</?)([\\w:.-]+)',
      end: '/?>',
      name: 'meta.tag.xml',
      beginCaptures: { 2: { name: 'entity.name.tag.xml' } },
      patterns: [{ begin: '"', end: '"', name: 'string.quoted.double.xml' }],
    },
  ],
};

interface Token {
  line: number;
  text: string;
  scopes: string;
}

let grammar: textmate.IGrammar;

before(async () => {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName === 'source.odata') return textmate.parseRawGrammar(readFileSync('syntaxes/odata.tmLanguage.json', 'utf8'), 'odata.tmLanguage.json');
      if (scopeName === 'source.json') return JSON_STAND_IN as unknown as textmate.IRawGrammar;
      if (scopeName === 'text.xml') return XML_STAND_IN as unknown as textmate.IRawGrammar;
      return null;
    },
  });
  const loaded = await registry.loadGrammar('source.odata');
  assert.ok(loaded, 'the grammar loads');
  grammar = loaded;
});

/** Every token of a file, line by line, with its scopes (the root `source.odata` left out). */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let stack = textmate.INITIAL;
  text.split('\n').forEach((lineText, line) => {
    const result = grammar.tokenizeLine(lineText, stack);
    for (const t of result.tokens) {
      tokens.push({ line, text: lineText.slice(t.startIndex, t.endIndex), scopes: t.scopes.slice(1).join(' ') });
    }
    stack = result.ruleStack;
  });
  return tokens;
}

/**
 * The scopes of the token whose text is exactly `text` (its `nth` such token,
 * counting from 0, optionally on one line only): a token that does not exist,
 * or that the grammar split or merged differently, fails the test.
 */
function scopesOf(tokens: Token[], text: string, nth = 0, line?: number): string {
  const found = tokens.filter((t) => t.text === text && (line === undefined || t.line === line));
  const token = found[nth];
  assert.ok(token, `no token "${text}" (#${nth}${line === undefined ? '' : ` on line ${line}`}); tokens: ${tokens.map((t) => JSON.stringify(t.text)).join(' ')}`);
  return token.scopes;
}

/** Asserts that the token `text` in `source` carries a scope matching `scope`. */
function expectScope(source: string, text: string, scope: RegExp, nth = 0): void {
  const scopes = scopesOf(tokenize(source), text, nth);
  assert.match(scopes, scope, `"${text}" in ${JSON.stringify(source)} has scopes "${scopes}"`);
}

/** A source, one of its tokens (the `nth` with that text) and the scope it must carry. */
type ScopeRow = [source: string, token: string, scope: RegExp, nth?: number];

/** One test per row. */
function scopeTable(rows: ScopeRow[]): void {
  for (const [source, token, scope, nth] of rows) {
    test(`${JSON.stringify(source)}: ${JSON.stringify(token)}${nth ? ` #${nth}` : ''} is ${scope.source.replace(/\\/g, '')}`, () => {
      expectScope(source, token, scope, nth);
    });
  }
}

const ISSUE_EXAMPLE = EXAMPLE_FILE;

describe('the .odata grammar on the example of the file format', () => {
  const tokens = () => tokenize(ISSUE_EXAMPLE);

  test('comments, the connection binding and a variable definition', () => {
    const t = tokens();
    assert.match(scopesOf(t, ' comments start with # or //'), /^comment\.line\.number-sign\.odata$/);
    assert.match(scopesOf(t, '@connection'), /^comment\.line\.\S+ keyword\.other\.directive\.connection\.odata$/);
    assert.match(scopesOf(t, 'Contoso Dev'), /^comment\.line\.\S+ string\.unquoted\.connection-name\.odata$/);
    assert.match(scopesOf(t, 'top', 0, 2), /variable\.other\.definition\.odata$/);
    assert.match(scopesOf(t, '10'), /string\.unquoted\.variable-value\.odata$/);
  });

  test('each ### line is a heading whose title is a section name', () => {
    const t = tokens();
    assert.match(scopesOf(t, '###', 0), /^markup\.heading\.request\.odata punctuation\.definition\.heading\.odata$/);
    for (const title of ['Active accounts', 'Accounts by FetchXML', 'Create a contact']) {
      assert.match(scopesOf(t, title), /^markup\.heading\.request\.odata entity\.name\.section\.odata$/);
    }
  });

  test('the request line: method, entity set, query options, operators, a function, a string and a variable', () => {
    const t = tokens();
    assert.match(scopesOf(t, 'GET'), /keyword\.control\.method\.odata$/);
    assert.match(scopesOf(t, 'accounts'), /entity\.name\.type\.entity-set\.odata$/);
    for (const option of ['$select', '$filter', '$top']) assert.match(scopesOf(t, option), /keyword\.other\.query-option\.odata$/);
    assert.match(scopesOf(t, 'name'), /variable\.other\.property\.odata$/);
    assert.match(scopesOf(t, 'eq'), /keyword\.operator\.comparison\.odata keyword\.operator\.wordlike\.odata$/);
    assert.match(scopesOf(t, 'and'), /keyword\.operator\.logical\.odata/);
    assert.match(scopesOf(t, '0', 0, 6), /constant\.numeric\.odata$/);
    assert.match(scopesOf(t, 'contains'), /support\.function\.builtin\.odata$/);
    assert.match(scopesOf(t, 'contoso'), /string\.quoted\.single\.odata$/);
    assert.match(scopesOf(t, "'", 0, 6), /string\.quoted\.single\.odata punctuation\.definition\.string\.begin\.odata$/);
    assert.match(scopesOf(t, 'top', 0, 7), /meta\.template\.expression\.odata variable\.other\.readwrite\.odata$/);
    assert.match(scopesOf(t, '{{'), /punctuation\.definition\.template-expression\.begin\.odata$/);
  });

  test('continuation lines belong to the URL of the request above them', () => {
    const t = tokens();
    assert.match(scopesOf(t, '$filter'), /^meta\.request\.odata meta\.request-line\.odata meta\.query\.odata /);
    assert.match(scopesOf(t, '$top'), /^meta\.request\.odata meta\.request-line\.odata meta\.query\.odata /);
  });

  test('headers: name and value', () => {
    const t = tokens();
    assert.match(scopesOf(t, 'Prefer'), /meta\.header\.odata support\.type\.property-name\.header\.odata$/);
    assert.match(scopesOf(t, 'odata.include-annotations="*"'), /string\.unquoted\.header-value\.odata$/);
    assert.match(scopesOf(t, 'Content-Type'), /support\.type\.property-name\.header\.odata$/);
  });

  test('FetchXML after fetchXml= is embedded XML', () => {
    const t = tokens();
    assert.match(scopesOf(t, 'fetchXml'), /keyword\.other\.query-option\.dataverse\.odata$/);
    assert.match(scopesOf(t, 'fetch', 0, 12), /meta\.query\.odata meta\.embedded\.block\.xml meta\.tag\.xml entity\.name\.tag\.xml$/);
    assert.match(scopesOf(t, 'account'), /meta\.embedded\.block\.xml .*string\.quoted\.double\.xml$/);
  });

  test('the body after the blank line is embedded JSON', () => {
    const t = tokens();
    assert.match(scopesOf(t, 'POST'), /keyword\.control\.method\.odata$/);
    assert.match(scopesOf(t, 'contacts'), /entity\.name\.type\.entity-set\.odata$/);
    assert.match(scopesOf(t, 'firstname'), /^meta\.request\.odata meta\.body\.odata meta\.embedded\.block\.json meta\.structure\.dictionary\.json string\.quoted\.double\.json$/);
  });
});

describe('each construct of the language', () => {
  const rows: ScopeRow[] = [
    // Comments: # and //, also between continuation lines; # inside a URL is not one.
    ['// slash comment', '// slash comment'.slice(2), /^comment\.line\.double-slash\.odata$/],
    ['  # indented', ' indented', /^comment\.line\.number-sign\.odata$/],
    ['// @connection Contoso Dev', '@connection', /keyword\.other\.directive\.connection\.odata$/],
    ['GET accounts\n    // only the top ones\n    ?$top=5', ' only the top ones', /meta\.request-line\.odata comment\.line\.double-slash\.odata$/],
    ['GET accounts\n    # only the top ones\n    ?$top=5', '$top', /keyword\.other\.query-option\.odata$/],
    // Variables
    ['@org = https://org.crm.dynamics.com', 'org', /variable\.other\.definition\.odata$/],
    ['@name = {{first}} {{last}}', 'last', /string\.unquoted\.variable-value\.odata meta\.template\.expression\.odata variable\.other\.readwrite\.odata$/],
    ["GET accounts?$filter=name eq '{{q}}'", 'q', /string\.quoted\.single\.odata meta\.template\.expression\.odata variable\.other\.readwrite\.odata$/],
    ['GET accounts\nMSCRMCallerID: {{caller}}', 'caller', /string\.unquoted\.header-value\.odata meta\.template\.expression\.odata variable\.other\.readwrite\.odata$/],
    ['GET accounts({{id}})/name', 'id', /variable\.other\.readwrite\.odata$/],
    ['POST contacts\n\n{ "lastname": "{{last}}" }', 'last', /meta\.embedded\.block\.json .*string\.quoted\.double\.json meta\.template\.expression\.odata variable\.other\.readwrite\.odata$/],
    ['GET accounts?fetchXml=<fetch top="{{top}}"/>', 'top', /meta\.embedded\.block\.xml .*variable\.other\.readwrite\.odata$/],
    ['# not {{here}}', ' not {{here}}', /^comment\.line\.number-sign\.odata$/],
    // Methods, with or without one
    ['PATCH accounts(00000000-0000-0000-0000-000000000001)', 'PATCH', /keyword\.control\.method\.odata$/],
    ['DELETE accounts(00000000-0000-0000-0000-000000000001)', 'DELETE', /keyword\.control\.method\.odata$/],
    ['PUT accounts(00000000-0000-0000-0000-000000000001)/name', 'PUT', /keyword\.control\.method\.odata$/],
    ['accounts?$top=1', 'accounts', /entity\.name\.type\.entity-set\.odata$/],
    // The path
    ['GET https://org.crm.dynamics.com/api/data/v9.2/accounts', 'https://org.crm.dynamics.com/api/data/v9.2', /markup\.underline\.link\.service-root\.odata$/],
    ['GET https://org.crm.dynamics.com/api/data/v9.2/accounts', 'accounts', /entity\.name\.type\.entity-set\.odata$/],
    ['GET /api/data/v9.2/contacts', 'contacts', /entity\.name\.type\.entity-set\.odata$/],
    ['GET accounts(00000000-0000-0000-0000-000000000001)', '00000000-0000-0000-0000-000000000001', /constant\.numeric\.guid\.odata$/],
    ['GET accounts(00000000-0000-0000-0000-000000000001)/primarycontactid/$ref', 'primarycontactid', /variable\.other\.property\.odata$/],
    ['GET accounts(00000000-0000-0000-0000-000000000001)/primarycontactid/$ref', '$ref', /keyword\.other\.segment\.odata$/],
    ['GET accounts/$count', '$count', /keyword\.other\.segment\.odata$/],
    ["GET accounts(accountnumber='A1')", 'accountnumber', /variable\.other\.property\.odata$/],
    ['GET WhoAmI()', 'WhoAmI', /entity\.name\.function\.odata$/],
    ['GET systemusers(00000000-0000-0000-0000-000000000001)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()', 'Microsoft.Dynamics.CRM.RetrieveUserPrivileges', /support\.function\.dataverse\.odata$/],
    ["GET EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata", 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata', /entity\.name\.type\.qualified\.odata$/],
    // Query options
    ['GET accounts?savedQuery=00000000-0000-0000-0000-000000000001', 'savedQuery', /keyword\.other\.query-option\.dataverse\.odata$/],
    ['GET accounts?$filter=name eq @p1&@p1=\'x\'', '@p1', /variable\.parameter\.alias\.odata$/, 1],
    ['GET accounts?$filter=name eq @p1&@p1=\'x\'', '@p1', /variable\.parameter\.alias\.odata$/, 0],
    ['GET accounts?$expand=primarycontactid($select=fullname;$filter=statecode eq 0)', '$filter', /keyword\.other\.query-option\.odata$/],
    ['GET accounts?$expand=primarycontactid($select=fullname;$filter=statecode eq 0)', ';', /punctuation\.separator\.query-option\.odata$/],
    ['GET accounts?$orderby=name desc,revenue asc', 'desc', /keyword\.other\.order\.odata$/],
    ['GET accounts?$orderby=name desc,revenue asc', 'asc', /keyword\.other\.order\.odata$/],
    ['GET accounts?$apply=groupby((statecode),aggregate(revenue with sum as total))', 'groupby', /support\.function\.apply\.odata$/],
    ['GET accounts?$apply=groupby((statecode),aggregate(revenue with sum as total))', 'sum', /support\.function\.aggregate\.odata$/],
    ['GET accounts?$apply=groupby((statecode),aggregate(revenue with sum as total))', 'with', /keyword\.other\.apply\.odata$/],
    // Expressions
    ["GET accounts?$filter=contact_customer_accounts/any(c:c/fullname eq 'x')", 'any', /keyword\.control\.lambda\.odata$/],
    ["GET accounts?$filter=contact_customer_accounts/all(c:c/statecode eq 0)", 'all', /keyword\.control\.lambda\.odata$/],
    ["GET accounts?$filter=contact_customer_accounts/any(c:c/fullname eq 'x')", 'c', /variable\.parameter\.lambda\.odata$/],
    ['GET accounts?$filter=not (statecode eq 1)', 'not', /keyword\.operator\.logical\.odata/],
    ['GET accounts?$filter=revenue div 2 gt 10', 'div', /keyword\.operator\.arithmetic\.odata/],
    ["GET accounts?$filter=statecode in (0,1) or name ne 'x'", 'in', /keyword\.operator\.comparison\.odata/],
    ['GET accounts?$filter=statecode%20eq%200', 'eq', /keyword\.operator\.comparison\.odata/],
    ["GET accounts?$filter=Microsoft.Dynamics.CRM.Between(PropertyName='revenue',PropertyValues=['1','2'])", 'Microsoft.Dynamics.CRM.Between', /support\.function\.dataverse\.odata$/],
    ["GET accounts?$filter=name eq 'O''Neil'", "''", /string\.quoted\.single\.odata constant\.character\.escape\.odata$/],
    ["GET accounts?$filter=name eq 'O''Neil'", 'Neil', /string\.quoted\.single\.odata$/],
    ['GET accounts?$filter=createdon ge 2024-01-31T08:00:00Z', '2024-01-31T08:00:00Z', /constant\.numeric\.datetime\.odata$/],
    ['GET accounts?$filter=createdon ge 2024-01-31', '2024-01-31', /constant\.numeric\.datetime\.odata$/],
    ['GET accounts?$filter=revenue ge -1.5e3', '-1.5e3', /constant\.numeric\.odata$/],
    ['GET accounts?$filter=_primarycontactid_value eq 5e3b2a52-1a36-4f7b-9d62-6f2d1b0c9e11', '5e3b2a52-1a36-4f7b-9d62-6f2d1b0c9e11', /constant\.numeric\.guid\.odata$/],
    ['GET accounts?$filter=donotemail eq true', 'true', /constant\.language\.odata$/],
    ['GET accounts?$filter=telephone1 ne null', 'null', /constant\.language\.odata$/],
    ["GET accounts?$filter=duration'P1D' eq x", 'duration', /storage\.type\.literal\.odata$/],
    // Headers and bodies
    ['GET accounts\nPrefer: odata.maxpagesize=10\nIf-None-Match: null', 'If-None-Match', /support\.type\.property-name\.header\.odata$/],
    ['POST accounts\nContent-Type: application/json\n\n{ "name": 1 }', '1', /meta\.embedded\.block\.json .*constant\.numeric\.json$/],
    ['POST accounts\n\n# a comment in the body\n{}', ' a comment in the body', /meta\.body\.odata meta\.embedded\.block\.json comment\.line\.number-sign\.odata$/],
  ];
  scopeTable(rows);

  test('every OData built-in function the parser knows is highlighted as a function', () => {
    for (const name of BUILT_IN_FUNCTIONS.keys()) expectScope(`GET accounts?$filter=${name}(x) eq 1`, name, /support\.function\.builtin\.odata$/);
  });

  test('every Dataverse query function is highlighted as a function', () => {
    for (const name of DATAVERSE_QUERY_FUNCTIONS.keys()) {
      expectScope(`GET accounts?$filter=Microsoft.Dynamics.CRM.${name}(PropertyName='x')`, `Microsoft.Dynamics.CRM.${name}`, /support\.function\.dataverse\.odata$/);
    }
  });

  test('every query option the parser knows is a keyword, after ? and after &', () => {
    for (const name of [...SYSTEM_OPTIONS, ...DATAVERSE_OPTIONS]) {
      expectScope(`GET accounts?${name}=1`, name, /keyword\.other\.query-option(\.dataverse)?\.odata$/);
      expectScope(`GET accounts?$top=1\n    &${name}=1`, name, /keyword\.other\.query-option(\.dataverse)?\.odata$/);
    }
  });

  test('every comparison, logical and arithmetic operator is a word-like operator', () => {
    for (const op of ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'has', 'in', 'and', 'or', 'not', 'add', 'sub', 'mul', 'div', 'divby', 'mod']) {
      expectScope(`GET accounts?$filter=a ${op} b`, op, /keyword\.operator\.(comparison|logical|arithmetic)\.odata keyword\.operator\.wordlike\.odata$/);
    }
  });

  test('operator words inside names are not operators', () => {
    const t = tokenize('GET accounts?$filter=new_eq eq indexed');
    assert.match(scopesOf(t, 'new_eq'), /variable\.other\.property\.odata$/);
    assert.match(scopesOf(t, 'indexed'), /variable\.other\.property\.odata$/);
  });
});

describe('half-typed text', () => {
  const rows: ScopeRow[] = [
    ['GET acc', 'acc', /entity\.name\.type\.entity-set\.odata$/],
    ['GET', 'GET', /keyword\.control\.method\.odata$/],
    ['acc', 'acc', /entity\.name\.type\.entity-set\.odata$/],
    ['GET accounts?$sel', '$sel', /keyword\.other\.query-option\.odata$/],
    ['GET accounts?$select=name\n    &', '&', /meta\.query\.odata punctuation\.separator\.query-option\.odata$/],
    ['GET accounts?$top={{to', 'to', /meta\.template\.expression\.odata variable\.other\.readwrite\.odata$/],
    ['GET accounts?$filter=contains(name,', 'contains', /support\.function\.builtin\.odata$/],
    ['@to', 'to', /variable\.other\.definition\.odata$/],
    ['@top =', '=', /keyword\.operator\.assignment\.odata$/],
    ['GET accounts\nPref', 'Pref', /support\.type\.property-name\.header\.odata$/],
    ['### ', '###', /punctuation\.definition\.heading\.odata$/],
  ];
  scopeTable(rows);

  test('an unclosed string ends with its line: the next continuation line is read as options again', () => {
    const t = tokenize("GET accounts?$filter=name eq 'cont\n    &$top=5");
    assert.match(scopesOf(t, 'cont'), /string\.quoted\.single\.odata$/);
    assert.match(scopesOf(t, '$top'), /keyword\.other\.query-option\.odata$/);
    assert.doesNotMatch(scopesOf(t, '$top'), /string/);
  });

  test('an unclosed JSON object ends at the next ### line', () => {
    const t = tokenize('POST contacts\n\n{ "firstname": "Ada",\n### Next\nGET accounts');
    assert.match(scopesOf(t, 'firstname'), /meta\.structure\.dictionary\.json/);
    assert.match(scopesOf(t, 'Next'), /^markup\.heading\.request\.odata entity\.name\.section\.odata$/);
    assert.match(scopesOf(t, 'GET'), /^meta\.request\.odata meta\.request-line\.odata keyword\.control\.method\.odata$/);
  });

  test('unclosed FetchXML ends with the indented lines: a header after it is a header', () => {
    const t = tokenize('GET accounts?fetchXml=\n    <fetch top="5"\nPrefer: odata.include-annotations="*"');
    assert.match(scopesOf(t, 'fetch'), /meta\.embedded\.block\.xml/);
    assert.match(scopesOf(t, 'Prefer'), /^meta\.request\.odata meta\.header\.odata support\.type\.property-name\.header\.odata$/);
  });

  test('FetchXML ends where the next query option starts', () => {
    const t = tokenize('GET accounts?fetchXml=<fetch/>&$top=1');
    assert.match(scopesOf(t, 'fetch'), /meta\.embedded\.block\.xml/);
    assert.match(scopesOf(t, '$top'), /keyword\.other\.query-option\.odata$/);
    assert.doesNotMatch(scopesOf(t, '$top'), /embedded/);
  });

  test('an indented header after an indented & line (Enter keeps the indentation) is a header, as the parser reads it', () => {
    const t = tokenize("GET accounts?$top=10\n    &$filter=name eq 'x'\n    Prefer: odata.maxpagesize=100\n    Content-Type: application/json");
    assert.match(scopesOf(t, '$filter'), /meta\.request-line\.odata/);
    assert.match(scopesOf(t, 'Prefer'), /^meta\.request\.odata meta\.header\.odata support\.type\.property-name\.header\.odata$/);
    assert.match(scopesOf(t, 'Content-Type'), /support\.type\.property-name\.header\.odata$/);
  });

  test('an unindented line after the request line is a header, not more URL', () => {
    const t = tokenize('GET accounts?$select=name\nPrefer: return=representation');
    assert.doesNotMatch(scopesOf(t, 'Prefer'), /meta\.request-line/);
  });
});

describe('the grammar file', () => {
  const raw = JSON.parse(readFileSync('syntaxes/odata.tmLanguage.json', 'utf8')) as unknown;

  /** Every scope name the grammar assigns (name, contentName and capture names). */
  function scopeNames(node: unknown, out: string[] = []): string[] {
    if (Array.isArray(node)) node.forEach((n) => scopeNames(n, out));
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'name' || key === 'contentName') && typeof value === 'string') out.push(...value.split(' '));
        else scopeNames(value, out);
      }
    }
    return out;
  }

  test('uses only the standard TextMate scope roots, so that every theme colours it', () => {
    const roots = new Set(['comment', 'constant', 'entity', 'invalid', 'keyword', 'markup', 'meta', 'punctuation', 'storage', 'string', 'support', 'variable']);
    const names = scopeNames((raw as { repository: unknown }).repository);
    assert.ok(names.length > 50, `${names.length} scope names`);
    for (const name of names) {
      assert.ok(roots.has(name.split('.')[0]), `${name} does not start with a standard scope root`);
      assert.ok(name.endsWith('.odata') || /^meta\.embedded\.block\.(json|xml)$/.test(name), `${name} should end with .odata`);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeToken, looksLikeJwt, MAX_TOKEN_LENGTH } from '../../../../src/auth/token/decode';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const HEADER = b64({ typ: 'JWT', alg: 'RS256', kid: 'abc' });
const PAYLOAD = b64({ aud: 'https://org.crm.dynamics.com', tid: '8f0c9a3e-5b2d-4c1e-9a7f-3d6e2b1c4a50', scp: 'user_impersonation' });
const SIG = 'c2lnbmF0dXJlLWJ5dGVz';
const TOKEN = `${HEADER}.${PAYLOAD}.${SIG}`;

/** Cuts a part to a length (4n+1) that no base64 text has, as a copy cut short can. */
function lengthOneMod4(part: string): string {
  let s = part;
  while (s.length % 4 !== 1) s = s.slice(0, -1);
  return s;
}

function failure(input: string): { part: string; message: string } {
  const r = decodeToken(input);
  assert.equal(r.ok, false, 'expected the token to be refused');
  if (r.ok) throw new Error('unreachable');
  return r;
}

describe('decodeToken reads a token', () => {
  test('header and payload come back as objects; raw is the compact token', () => {
    const r = decodeToken(TOKEN);
    assert.ok(r.ok);
    assert.equal(r.token.raw, TOKEN);
    assert.equal(r.token.header.kid, 'abc');
    assert.equal(r.token.payload.scp, 'user_impersonation');
  });

  for (const [label, input] of [
    ['Bearer prefix', `Bearer ${TOKEN}`],
    ['lower-case bearer and spaces', `  bearer   ${TOKEN}\n`],
    ['double quotes', `"${TOKEN}"`],
    ['single quotes around Bearer', `'Bearer ${TOKEN}'`],
    ['an Authorization header line', `Authorization: Bearer ${TOKEN}`],
    ['a token wrapped over lines', `${TOKEN.slice(0, 20)}\n${TOKEN.slice(20)}`],
  ] as const) {
    test(`strips ${label}`, () => {
      const r = decodeToken(input);
      assert.ok(r.ok, r.ok ? '' : r.message);
      assert.equal(r.token.raw, TOKEN);
    });
  }

  test('an empty signature decodes (the checks flag it)', () => {
    const r = decodeToken(`${HEADER}.${PAYLOAD}.`);
    assert.ok(r.ok);
  });

  test('a payload with no claims is allowed', () => {
    const r = decodeToken(`${HEADER}.${b64({})}.${SIG}`);
    assert.ok(r.ok);
    assert.deepEqual(r.token.payload, {});
  });

  test('non-ASCII claims decode as UTF-8', () => {
    const r = decodeToken(`${HEADER}.${b64({ name: 'Zoë Ångström' })}.${SIG}`);
    assert.ok(r.ok);
    assert.equal(r.token.payload.name, 'Zoë Ångström');
  });
});

describe('decodeToken says which part is wrong and how', () => {
  test('every malformed input has its own message', () => {
    const cases: Array<{ label: string; input: string; part: string; match: RegExp }> = [
      { label: 'empty', input: '  ', part: 'input', match: /empty/ },
      { label: 'only Bearer', input: 'Bearer ', part: 'input', match: /empty/ },
      { label: 'JWE', input: `${HEADER}.a.b.c.d`, part: 'input', match: /encrypted.*JWE.*five parts.*not encrypted/s },
      { label: 'opaque', input: 'AwABAAAAvPM1KaPlrEqdFSBzjqfTGAMxZGUTdM0t4B4', part: 'input', match: /opaque token, not a JWT.*no dots/s },
      { label: 'two parts', input: `${HEADER}.${PAYLOAD}`, part: 'signature', match: /Found 2 parts.*three.*signature part.*missing/s },
      { label: 'four parts', input: `${HEADER}.${PAYLOAD}.${SIG}.x`, part: 'input', match: /Found 4 parts.*three/s },
      { label: 'empty header', input: `.${PAYLOAD}.${SIG}`, part: 'header', match: /header part is empty/ },
      { label: 'empty payload', input: `${HEADER}..${SIG}`, part: 'payload', match: /payload part is empty/ },
      { label: 'bad character in payload', input: `${HEADER}.${PAYLOAD.slice(0, 5)}*${PAYLOAD.slice(6)}.${SIG}`, part: 'payload', match: /payload part is not base64url.*character 6 is '\*'/s },
      { label: 'standard base64 in header', input: `${HEADER.slice(0, 4)}+${HEADER.slice(5)}.${PAYLOAD}.${SIG}`, part: 'header', match: /header part is not base64url.*character 5 is '\+' \(standard base64/s },
      { label: 'truncated header', input: `${lengthOneMod4(HEADER)}.${PAYLOAD}.${SIG}`, part: 'header', match: /header part .* length no base64url text can have/s },
      { label: 'payload not JSON', input: `${HEADER}.${b64('hello, world')}.${SIG}`, part: 'payload', match: /payload part .* does not decode to JSON/s },
      { label: 'header not JSON', input: `${b64('<xml/>')}.${PAYLOAD}.${SIG}`, part: 'header', match: /header part .* does not decode to JSON/s },
      { label: 'payload is an array', input: `${HEADER}.${b64([1, 2])}.${SIG}`, part: 'payload', match: /payload part decodes to JSON, but to an array/ },
      { label: 'header is a string', input: `${b64('"RS256"')}.${PAYLOAD}.${SIG}`, part: 'header', match: /header part decodes to JSON, but to a string/ },
      { label: 'words after the token', input: `${TOKEN} and more`, part: 'signature', match: /signature part is not base64url.*' '/s },
      { label: 'bad signature characters', input: `${HEADER}.${PAYLOAD}.ab$cd`, part: 'signature', match: /signature part is not base64url.*character 3 is '\$'/s },
    ];
    const messages = new Set<string>();
    for (const c of cases) {
      const f = failure(c.input);
      assert.equal(f.part, c.part, c.label);
      assert.match(f.message, c.match, c.label);
      messages.add(f.message);
    }
    // "only Bearer" and "empty" are the same case; all others differ.
    assert.equal(messages.size, cases.length - 1);
  });

  test('text that is not a token is called "not a token", never an opaque token', () => {
    for (const [input, why] of [
      ['hello world', /contains spaces/],
      ['Adele Vance', /contains spaces/],
      ['https://contoso.crm.dynamics.com/', /character 6 is ':'/],
      ['password1', /9 characters long/],
      ['a.b.c.d.e', /9 characters long/],
    ] as const) {
      const f = failure(input);
      assert.equal(f.part, 'input', input);
      assert.match(f.message, /^This is not a token: /, input);
      assert.match(f.message, why, input);
      assert.doesNotMatch(f.message, /opaque|refresh/i, input);
    }
  });

  test('a long run of token characters without dots is still an opaque token (a refresh token)', () => {
    assert.match(failure('0.AXoAxyz-Refresh_Token+MSA/like=text!*').message, /Found 2 parts/);
    assert.match(failure('AwABAAAAvPM1KaPlrEqdFSBzjqfTGAMxZGUTdM0t4B4').message, /opaque token, not a JWT/);
  });

  test('messages never contain a whole part of the token', () => {
    const longPayload = b64({ secret: 'x'.repeat(200) });
    for (const input of [`${HEADER}.${longPayload}`, `${HEADER}.${longPayload}.${SIG}.x`, `${HEADER}.${longPayload.slice(0, -1)}*.${SIG}`, `${HEADER}.${b64('not json '.repeat(20))}.${SIG}`]) {
      const f = failure(input);
      assert.ok(!f.message.includes(longPayload.slice(0, 20)), f.message);
      assert.ok(!f.message.includes(HEADER), f.message);
    }
  });
});

describe('looksLikeJwt', () => {
  test('recognises tokens, with or without Bearer and quotes', () => {
    assert.equal(looksLikeJwt(TOKEN), true);
    assert.equal(looksLikeJwt(`Bearer ${TOKEN}`), true);
    assert.equal(looksLikeJwt(`"${TOKEN}"`), true);
    assert.equal(looksLikeJwt(`${HEADER}.${PAYLOAD}.`), true);
  });
  test('rejects ordinary text, opaque tokens, JWE and partial tokens', () => {
    for (const text of ['', 'hello world', 'https://org.crm.dynamics.com', 'eyJ.eyJ.x', `${HEADER}.${PAYLOAD}`, `${HEADER}.a.b.c.d`, 'AwABAAAAvPM1KaPlrEqdFSBzjqfTGAMxZGU', 'a.b.c', `${TOKEN} and more words`]) {
      assert.equal(looksLikeJwt(text), false, text);
    }
  });
});

describe('a pasted text above the size cap', () => {
  // A well-formed JWT of about 2 MB: before the cap, it was decoded in full on every keystroke of the input box.
  const huge = `${HEADER}.${b64({ aud: 'https://org.crm.dynamics.com', filler: 'a'.repeat(1_500_000) })}.${SIG}`;

  test('is refused without decoding, with a message naming the cap and what to do', () => {
    const f = failure(huge);
    assert.equal(f.part, 'input');
    assert.match(f.message, new RegExp(`${MAX_TOKEN_LENGTH / 1024} KB`));
    assert.match(f.message, /1,954 KB/);
    assert.match(f.message, /copied only the token/);
    assert.ok(!f.message.includes(HEADER), 'the message quotes the token');
  });

  test('the cap is far above any Entra token, so a large real one still decodes', () => {
    assert.equal(MAX_TOKEN_LENGTH, 256 * 1024);
    const big = `${HEADER}.${b64({ aud: 'https://org.crm.dynamics.com', groups: Array.from({ length: 200 }, (_, i) => `8f0c9a3e-5b2d-4c1e-9a7f-${String(i).padStart(12, '0')}`) })}.${SIG}`;
    assert.ok(big.length > 10_000);
    assert.ok(decodeToken(big).ok);
  });
});

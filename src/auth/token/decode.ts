/**
 * Reads a pasted access token into its header and payload with `jwt-decode`,
 * and says precisely what is wrong when it cannot: which part, what, and what
 * to do. Messages never quote the token (at most the first 12 characters of a part).
 */
import { InvalidTokenError, jwtDecode } from 'jwt-decode';

/** Where a decoding problem lies. */
export type TokenPart = 'input' | 'header' | 'payload' | 'signature';

/** A JWS compact token, split and parsed; nothing is verified. */
export interface DecodedToken {
  /** The compact JWT, trimmed, without "Bearer ". */
  readonly raw: string;
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** The decoded token, or the part that is wrong and a message a person can act on. */
export type DecodeResult = { ok: true; token: DecodedToken } | { ok: false; part: TokenPart; message: string };

/**
 * How deep objects and arrays may nest in the header or payload. Entra's
 * claims nest a level or two; showing a value walks it recursively, so a
 * crafted token thousands of levels deep would overflow the stack.
 */
export const MAX_NESTING = 32;

/** True when `value` nests objects or arrays deeper than `limit` levels; iterative, so any depth is safe to measure. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;
const PART_NAMES = ['header', 'payload', 'signature'] as const;
const QUOTES = /^(["'`])([\s\S]*)\1$/;

/** Strips what surrounds a token when it is copied from a header, a log or JSON. */
function normalise(input: string): string {
  let text = input.trim();
  for (let i = 0; i < 3; i++) {
    const before = text;
    const quoted = QUOTES.exec(text);
    if (quoted) text = quoted[2]!.trim();
    text = text.replace(/^(?:authorization\s*:\s*)?bearer(?:\s+|$)/i, '').trim();
    if (text === before) break;
  }
  // A compact JWT holds no whitespace; line breaks inside come from wrapped logs and terminals.
  return text.replace(/[ \t]*[\r\n]+[ \t]*/g, '');
}

/** The first characters of a part, enough to recognise it, never the whole. */
function preview(part: string): string {
  return part.length > 12 ? `${part.slice(0, 12)}…` : part;
}

function fail(part: TokenPart, message: string): DecodeResult {
  return { ok: false, part, message };
}

/** Names the first character that is not base64url, with its position (1-based) in the part. */
function badCharacter(part: string): { char: string; position: number } | undefined {
  const body = part.replace(/={1,2}$/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (!/[A-Za-z0-9_-]/.test(c)) return { char: c, position: i + 1 };
  }
  return undefined;
}

function describeChar(c: string): string {
  if (c === '+' || c === '/') return `'${c}' (standard base64, not the base64url a JWT uses)`;
  if (c === '=') return `'=' (padding in the middle of the part)`;
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 || code > 0x7e ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`;
}

function base64Problem(name: 'header' | 'payload' | 'signature', part: string): string | undefined {
  if (BASE64URL.test(part)) {
    if (part.replace(/=+$/, '').length % 4 === 1) {
      return `The ${name} part (${part.length} characters, starting "${preview(part)}") has a length no base64url text can have: it was probably cut short or has a stray character. Copy the whole token again.`;
    }
    return undefined;
  }
  const bad = badCharacter(part);
  const where = bad ? `: character ${bad.position} is ${describeChar(bad.char)}` : '';
  return `The ${name} part is not base64url text${where}. A token is made of letters, digits, '-' and '_' only; it was probably altered while copying (quotes, ellipsis, escaping). Copy the whole token again.`;
}

/** Turns jwt-decode's "missing part #N / invalid base64 / invalid json" into a message about that part. */
function mapJwtDecodeError(e: unknown, name: 'header' | 'payload', part: string): string {
  const text = e instanceof InvalidTokenError ? e.message : String(e);
  if (/missing part/.test(text)) {
    return `The ${name} part is missing. A JWT has three parts separated by dots: header.payload.signature.`;
  }
  if (/invalid base64/.test(text)) {
    return (
      base64Problem(name, part) ??
      `The ${name} part (starting "${preview(part)}") is not valid base64url. Copy the whole token again.`
    );
  }
  if (/invalid json/.test(text)) {
    return `The ${name} part (starting "${preview(part)}") is base64url but does not decode to JSON, so this is not a JWT or it was altered. Copy the whole token again.`;
  }
  return `The ${name} part could not be read. Copy the whole token again.`;
}

function kindOfJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function decodePart(token: string, index: 0 | 1, part: string): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  const name = PART_NAMES[index] as 'header' | 'payload';
  if (part === '') {
    return { ok: false, message: `The ${name} part is empty (nothing between the dots). A JWT has three parts: header.payload.signature, and only the signature may be empty.` };
  }
  let value: unknown;
  try {
    value = index === 0 ? jwtDecode(token, { header: true }) : jwtDecode(token);
  } catch (e) {
    return { ok: false, message: mapJwtDecodeError(e, name, part) };
  }
  // jwt-decode also accepts standard base64 ('+', '/'); a JWT is base64url only.
  const problem = base64Problem(name, part);
  if (problem) return { ok: false, message: problem };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: `The ${name} part decodes to JSON, but to ${kindOfJson(value)} instead of an object of claims, so this is not a JWT.` };
  }
  if (nestedDeeperThan(value, MAX_NESTING)) {
    return {
      ok: false,
      message: `The ${name} part holds objects or arrays nested more than ${MAX_NESTING} levels deep. No Microsoft Entra token does (its claims are at most a few levels deep), so this token was crafted or damaged; it is not shown.`,
    };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * The longest text read as a token: 256 KB. Entra access tokens are a few KB
 * (large group claims are replaced by an overage claim well before 10 KB, see
 * docs/protocol.md); anything this long is not a token, and decoding it on
 * every keystroke of the input box froze the window for seconds.
 */
export const MAX_TOKEN_LENGTH = 256 * 1024;

/** Characters of the opaque tokens Entra and Microsoft accounts issue (base64, base64url and a few separators). */
const OPAQUE_TOKEN_CHARS = /^[A-Za-z0-9._~+/=!*$-]*$/;
/** Shorter than any token Entra issues (refresh tokens and authorization codes run to hundreds of characters). */
const MIN_OPAQUE_LENGTH = 20;

/**
 * Why text that does not start like a JWT cannot be an opaque token either
 * (prose, a name, a URL), or undefined when it could be one. Without this,
 * "hello world" was called an opaque token, like a refresh token.
 */
function whyNotAToken(text: string): string | undefined {
  if (/\s/.test(text)) return 'it contains spaces, and a token has none.';
  if (!OPAQUE_TOKEN_CHARS.test(text)) {
    const bad = [...text].findIndex((c) => !OPAQUE_TOKEN_CHARS.test(c));
    return `character ${bad + 1} is ${describeChar([...text][bad]!)}, which no token contains.`;
  }
  if (text.length < MIN_OPAQUE_LENGTH) return `it is ${text.length} characters long, and a token has hundreds.`;
  return undefined;
}

/** Decodes a JWT (JWS compact form) without verifying it. */
export function decodeToken(input: string): DecodeResult {
  if (input.length > MAX_TOKEN_LENGTH) {
    const kb = (n: number) => `${Math.ceil(n / 1024).toLocaleString('en-US')} KB`;
    return fail(
      'input',
      `The text is ${kb(input.length)}, more than the ${kb(MAX_TOKEN_LENGTH)} a token may have here (Microsoft Entra access tokens are a few KB). Check that you copied only the token, not a whole log or file.`,
    );
  }
  const token = normalise(input);
  if (token === '') {
    return fail('input', 'There is no token to read: the text is empty. Paste an access token (three base64url parts separated by dots, starting "eyJ").');
  }
  const notToken = token.startsWith('eyJ') ? undefined : whyNotAToken(token);
  if (notToken) return fail('input', `This is not a token: ${notToken} Paste an access token (three parts separated by dots, starting "eyJ").`);
  const parts = token.split('.');
  const looksLikeHeader = parts[0]!.startsWith('eyJ');
  if (parts.length === 1) {
    return fail(
      'input',
      'This is an opaque token, not a JWT: it has no dots, so there is nothing to decode. Refresh tokens and tokens for Microsoft personal accounts look like this. Paste the access token instead (three parts separated by dots, starting "eyJ").',
    );
  }
  if (parts.length === 5) {
    return fail(
      'input',
      'This is an encrypted token (JWE: five parts separated by dots). It can only be read by the service holding the decryption key. Dataverse access tokens are not encrypted: you probably copied an ID token for another app or a token for a different resource. Copy the access token requested for your environment (scope https://<org>.crm.dynamics.com/.default).',
    );
  }
  if (parts.length !== 3) {
    const opaque = looksLikeHeader ? '' : ' Its first part does not start like a JWT header ("eyJ"), so it may be an opaque token such as a refresh token.';
    const hint = parts.length === 2 && looksLikeHeader ? ' The signature part and its dot are missing: the copy was probably cut short.' : '';
    return fail(
      parts.length === 2 ? 'signature' : 'input',
      `Found ${parts.length} parts separated by dots; a JWT has three (header.payload.signature).${hint}${opaque} Copy the whole token again.`,
    );
  }
  const header = decodePart(token, 0, parts[0]!);
  if (!header.ok) return fail('header', header.message);
  const payload = decodePart(token, 1, parts[1]!);
  if (!payload.ok) return fail('payload', payload.message);
  const signatureProblem = parts[2] === '' ? undefined : base64Problem('signature', parts[2]!);
  if (signatureProblem) return fail('signature', signatureProblem);
  return { ok: true, token: { raw: token, header: header.value, payload: payload.value } };
}

const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$/;

/** A cheap test for "is this text (clipboard, selection) a JWT?": shape only, nothing decoded. */
export function looksLikeJwt(text: string): boolean {
  if (text.length > 100_000) return false;
  return JWT_SHAPE.test(normalise(text));
}

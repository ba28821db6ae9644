/**
 * The logging port used by pure code. The glue adapts it to a
 * `vscode.LogOutputChannel`; tests pass a recording fake.
 * Log lines name the org and the operation, never a token or a secret:
 * every message goes through `redact` before it is written.
 */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
}

const MASK = '[redacted]';
const TOKEN_MASK = '[redacted token]';
const KEY_MASK = '[redacted private key]';

/** Registered values shorter than this are not masked: they would hide ordinary words. */
const MIN_SECRET_LENGTH = 6;
/** Base64 fragments shorter than this are not masked: they match by chance. */
const MIN_FRAGMENT_LENGTH = 8;
/** Long-lived secrets kept (client secrets, keys, passwords). */
const MAX_SECRETS = 256;
/** Tokens kept, newest first; older ones have expired long before they fall out. */
const MAX_TOKENS = 64;

/** The base64 text of `bytes` shifted by 0, 1 and 2 bytes, without the characters the neighbours would change. */
function base64Fragments(bytes: Buffer): string[] {
  const out: string[] = [];
  for (const shift of [0, 1, 2]) {
    const total = shift + bytes.length;
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const fragment = b64.slice(Math.ceil((shift * 8) / 6), Math.floor((total * 8) / 6));
    if (fragment.length >= MIN_FRAGMENT_LENGTH) out.push(fragment, fragment.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/** The forms a secret takes in a log: verbatim, URL-encoded, JSON-escaped (once and twice), base64 and base64url, and the parts of a token or key. */
function formsOf(secret: string): string[] {
  const forms = new Set<string>([secret]);
  const uri = encodeURIComponent(secret);
  forms.add(uri).add(uri.replace(/%20/g, '+'));
  const json = JSON.stringify(secret).slice(1, -1);
  forms.add(json).add(JSON.stringify(json).slice(1, -1));
  for (const fragment of base64Fragments(Buffer.from(secret, 'utf8'))) forms.add(fragment);
  if (/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){1,4}$/.test(secret)) {
    // A JWT or JWE is also logged in parts: its payload or signature alone.
    for (const part of secret.split('.')) if (part.length >= 16) forms.add(part);
  }
  if (secret.includes('-----BEGIN')) {
    // A key is also logged in pieces: its base64 body in one run, or line by line.
    const body = secret.replace(/-----[^-\n]*-----/g, '');
    const lines = body.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length >= 16);
    forms.add(lines.join(''));
    for (const line of lines) forms.add(line);
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/**
 * The values the extension knows to be secret, registered when they enter
 * the process (typed, read from SecretStorage or a file, received from Entra
 * ID), and masked in every log line in each form they may take, the way CI
 * systems mask registered secrets. Patterns are the second line of defence.
 */
export class SecretRegistry {
  private readonly _secrets = new Map<string, readonly string[]>();
  private readonly _tokens = new Map<string, readonly string[]>();
  /** Every form, longest first, so a longer form is masked before a shorter one inside it. */
  private _forms: string[] | undefined;

  /** A long-lived secret: a client secret, a private key, a PFX password. */
  registerSecret(value: string | undefined): void {
    this._add(this._secrets, value, MAX_SECRETS);
  }

  /** A token received (access, refresh or ID token); only the newest are kept. */
  registerToken(value: string | undefined): void {
    this._add(this._tokens, value, MAX_TOKENS);
  }

  /** Replaces every registered secret, in any of its forms, with a placeholder. */
  mask(text: string): string {
    if (this._secrets.size === 0 && this._tokens.size === 0) return text;
    this._forms ??= [...new Set([...this._secrets.values(), ...this._tokens.values()].flat())].sort((a, b) => b.length - a.length);
    let out = text;
    for (const form of this._forms) if (out.includes(form)) out = out.split(form).join(MASK);
    return out;
  }

  /** Forgets every registered value (tests). */
  clear(): void {
    this._secrets.clear();
    this._tokens.clear();
    this._forms = undefined;
  }

  private _add(into: Map<string, readonly string[]>, value: string | undefined, max: number): void {
    if (typeof value !== 'string') return;
    const trimmed = value.trim();
    if (trimmed.length < MIN_SECRET_LENGTH) return;
    // Re-registering moves the value to the newest end.
    into.delete(trimmed);
    into.set(trimmed, trimmed === value ? formsOf(value) : [...formsOf(value), ...formsOf(trimmed)]);
    while (into.size > max) into.delete(into.keys().next().value as string);
    this._forms = undefined;
  }
}

/** The registry of this extension host process, as CI runners keep one per job. */
export const secretRegistry = new SecretRegistry();

/** Registers a long-lived secret (client secret, private key, PFX password) with the process-wide registry. */
export function registerSecret(value: string | undefined): void {
  secretRegistry.registerSecret(value);
}

/** Registers a token received from Entra ID with the process-wide registry. */
export function registerToken(value: string | undefined): void {
  secretRegistry.registerToken(value);
}

// --- Patterns: the second line of defence, for secrets nobody registered. ---
// Every pattern is linear: scanners move forward only, and each regular expression has a literal or a
// word boundary to start at and no nested or overlapping repetition.

const B64URL = /[A-Za-z0-9_-]/;
const isB64Url = (c: string | undefined) => c !== undefined && B64URL.test(c);

/** A line break inside a token: a real one or its JSON escape, then indentation. Returns the index after it, or -1. */
function lineBreakAt(text: string, i: number): number {
  let j = i;
  if (text[j] === '\r') j++;
  if (text[j] === '\n') j++;
  else if (text.startsWith('\\r\\n', j)) j += 4;
  else if (text.startsWith('\\n', j)) j += 2;
  if (j === i) return -1;
  while (text[j] === ' ' || text[j] === '\t') j++;
  return j;
}

/** JWTs and JWEs (header `eyJ`, two to five parts), also when wrapped across lines. */
function redactJwts(text: string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  for (;;) {
    const start = text.indexOf('eyJ', from);
    if (start < 0) break;
    // Inside a longer run it is not a token's start, unless a percent-escape (%20, %3D) ends right before it.
    if (isB64Url(text[start - 1]) && text[start - 3] !== '%') {
      from = start + 3;
      continue;
    }
    let i = start;
    let dots = 0;
    let lineLength = 0;
    for (;;) {
      const c = text[i];
      if (c === '.') dots++;
      if (c === '.' || isB64Url(c)) {
        i++;
        lineLength++;
        continue;
      }
      // Tokens wrapped at a fixed width (64, 76 characters...) continue on the next line.
      const next = lineLength >= 40 ? lineBreakAt(text, i) : -1;
      if (next > i && (text[next] === '.' || isB64Url(text[next]))) {
        i = next;
        lineLength = 0;
        continue;
      }
      break;
    }
    if (dots >= 1 && i - start >= 20) {
      out += text.slice(copied, start) + TOKEN_MASK;
      copied = i;
    }
    from = i;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

const PRIVATE_KEY_LABEL = /^[A-Z0-9 ]{0,30}PRIVATE KEY$/;
/** Longest text between BEGIN and END that is taken as one key block (an RSA 8192 key is about 6.5 KB as PEM). */
const MAX_PEM_BLOCK = 16_384;
const PEM_BODY = /[A-Za-z0-9+/=\s\\:,-]/;

/** PEM private key blocks (plain, RSA, EC, encrypted), also JSON-escaped, also cut short. Certificates are public and stay. */
function redactPrivateKeys(text: string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  let nextEnd = -1;
  for (;;) {
    const start = text.indexOf('-----BEGIN ', from);
    if (start < 0) break;
    const labelEnd = text.indexOf('-----', start + 11);
    if (labelEnd < 0 || labelEnd - start > 60) {
      from = start + 11;
      continue;
    }
    if (!PRIVATE_KEY_LABEL.test(text.slice(start + 11, labelEnd))) {
      from = labelEnd + 5;
      continue;
    }
    if (nextEnd !== -2 && nextEnd < labelEnd) {
      const found = text.indexOf('-----END ', labelEnd);
      nextEnd = found < 0 ? -2 : found;
    }
    let stop: number;
    if (nextEnd >= 0 && nextEnd - start <= MAX_PEM_BLOCK) {
      const close = text.indexOf('-----', nextEnd + 9);
      stop = close >= 0 && close - nextEnd <= 60 ? close + 5 : nextEnd + 9;
    } else {
      stop = labelEnd + 5;
      while (stop < text.length && PEM_BODY.test(text[stop]!)) stop++;
    }
    out += text.slice(copied, start) + KEY_MASK;
    copied = stop;
    from = stop;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

// Authorization headers: the scheme stays readable, the credential goes.
const AUTHORIZATION = /\b((?:proxy-)?authorization)(\\?["']?\s*(?:[:=]|%3[AaDd])(?:\s|%20)*\\?["']?)(?:([A-Za-z][A-Za-z0-9-]{0,20})(?:\s|%20)+)?((?:[^\s"'\\,;%&]|%(?!2[06]))+)/gi;
// Credentials after an auth scheme anywhere else. A challenge parameter (Bearer error="...") is not one.
const SCHEME_CREDENTIAL = /\b(Bearer|Basic)(\s+)([A-Za-z0-9._~+/-]{8,}=*)(?![A-Za-z0-9._~+/=-]|")/gi;
const COOKIE = /\b(set-cookie|cookie)(\\?["']?\s*:\s*\\?["']?)([^\r\n"\\]+)/gi;
// User info in a URL: //user:secret@host, //token@host.
const USER_INFO = /\/\/([^\s/?#@"'<>\\]+)@/g;
// The shape of an Entra ID client secret value: three characters, a version digit, Q~, then 31 to 40 more.
const ENTRA_CLIENT_SECRET = /\b[A-Za-z0-9_.-]{3}\dQ~[A-Za-z0-9_.~-]{31,40}/g;

// key=value, key: value, "key": "value", \"key\":\"value\", key%3Dvalue, where the key names a secret:
// client_secret, clientSecret, refresh_token, refreshToken, accessToken, privateKey, deviceCode, password, pwd...
const SECRET_KEY = String.raw`\b([A-Za-z0-9_]*?(?:secret|password|passwd|pwd|passphrase|token|assertion|code|verifier|private[_-]?key|api[_-]?key|account[_-]?key|sig))`;
const SEPARATOR = String.raw`(\\?["']?\s*(?:[:=]|%3[Dd]|%3[Aa])\s*)`;
const VALUE = [
  String.raw`\\"((?:[^\\"]|\\[^"])*)(?:\\")?`, // JSON escaped inside JSON
  String.raw`"((?:[^"\\\r\n]|\\.)*)"?`, // double-quoted, spaces allowed
  String.raw`'([^'\r\n]*)'?`, // single-quoted
  String.raw`((?:[^\s"'&,;}\][{(<>\\%]|%(?!26|22|2[Cc]))(?:[^\s"'&,;}\]<>\\%]|%(?!26|22|2[Cc]))*)`, // bare, up to the next delimiter
].join('|');
const SECRET_PAIR = new RegExp(`${SECRET_KEY}${SEPARATOR}(?:${VALUE})`, 'gi');

/** Keys whose value is shown to the person (the device code's user code), never a secret. */
const SHOWN_KEYS = /^(?:user_?code|error_?code|status_?code|hresult)$/i;
/** The value of a plain `code` key that is an error code: 0x80072560, 50076, AADSTS50076, invalid_grant. */
const ERROR_CODE_VALUE = /^(?:0x[0-9a-f]{1,8}|-?\d{1,12}|AADSTS\d{1,10}|[a-z]+(?:_[a-z]+)*)$/i;

function redactSecretPair(match: string, key: string, separator: string, escaped?: string, double?: string, single?: string, bare?: string): string {
  const value = escaped ?? double ?? single ?? bare ?? '';
  if (value === '' || value.startsWith('[redacted')) return match;
  const name = key.toLowerCase();
  if (SHOWN_KEYS.test(name)) return match;
  if (name === 'code' && ERROR_CODE_VALUE.test(value.replace(/[).:]+$/, ''))) return match;
  const at = match.indexOf(value, key.length + separator.length);
  return `${match.slice(0, at)}${MASK}${match.slice(at + value.length)}`;
}

/** Whether a Basic credential looks like base64 rather than a word ("Basic authentication"). */
function looksEncoded(value: string): boolean {
  return /[0-9+/=]/.test(value) || /[A-Z]/.test(value.slice(1));
}

/** Replaces anything that looks like a credential with a placeholder: registered secrets first, then patterns. */
export function redact(text: string): string {
  let out = secretRegistry.mask(text);
  out = redactPrivateKeys(out);
  out = redactJwts(out);
  out = out.replace(AUTHORIZATION, (match, _name: string, _separator: string, _scheme: string | undefined, value: string) =>
    value.startsWith('[redacted') ? match : `${match.slice(0, match.length - value.length)}${MASK}`,
  );
  out = out.replace(SCHEME_CREDENTIAL, (match, scheme: string, space: string, value: string) =>
    scheme.toLowerCase() === 'basic' && !looksEncoded(value) ? match : `${scheme}${space}${MASK}`,
  );
  out = out.replace(COOKIE, (_match, name: string, separator: string) => `${name}${separator}${MASK}`);
  out = out.replace(USER_INFO, (match, userInfo: string) => (userInfo === MASK ? match : `//${MASK}@`));
  out = out.replace(ENTRA_CLIENT_SECRET, MASK);
  return out.replace(SECRET_PAIR, redactSecretPair);
}

// Characters that end a line or reorder text in a log viewer: C0 controls but tab, DEL, C1 controls
// (NEL among them), the Unicode line and paragraph separators, and the bidirectional overrides.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r' };

/**
 * Makes a log message one line that says what it holds: a newline in a value
 * (an `iss` claim, a server message) becomes the two characters `\n`, so no
 * value can write a line of its own that looks like one the extension wrote.
 */
export function singleLine(text: string): string {
  return text.replace(CONTROL, (c) => NAMED_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The minimal channel surface the logger needs; `vscode.LogOutputChannel` satisfies it. */
export interface LogSink {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that redacts every message and writes it as one line. */
export function createRedactingLogger(sink: LogSink): Logger {
  const text = (message: string | Error) =>
    singleLine(redact(message instanceof Error ? `${message.name}: ${message.message}` : message));
  return {
    trace: (m) => sink.trace(text(m)),
    debug: (m) => sink.debug(text(m)),
    info: (m) => sink.info(text(m)),
    warn: (m) => sink.warn(text(m)),
    error: (m) => sink.error(text(m)),
  };
}

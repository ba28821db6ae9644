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

// JWTs (three base64url parts), bearer headers, and key=value pairs whose key names a secret.
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const SECRET_PAIR =
  /\b(client_secret|client_assertion|refresh_token|access_token|id_token|code|code_verifier|password|secret)(["']?\s*[:=]\s*["']?)[^\s"'&,}]+/gi;

/** Replaces anything that looks like a credential with a placeholder. */
export function redact(text: string): string {
  return text
    .replace(JWT, '[redacted token]')
    .replace(BEARER, '$1 [redacted]')
    .replace(SECRET_PAIR, '$1$2[redacted]');
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

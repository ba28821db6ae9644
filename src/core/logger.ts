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

/** The minimal channel surface the logger needs; `vscode.LogOutputChannel` satisfies it. */
export interface LogSink {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that redacts every line before handing it to the sink. */
export function createRedactingLogger(sink: LogSink): Logger {
  const text = (message: string | Error) =>
    redact(message instanceof Error ? `${message.name}: ${message.message}` : message);
  return {
    trace: (m) => sink.trace(text(m)),
    debug: (m) => sink.debug(text(m)),
    info: (m) => sink.info(text(m)),
    warn: (m) => sink.warn(text(m)),
    error: (m) => sink.error(text(m)),
  };
}

/**
 * Network failures explained: Node.js system and TLS error codes, found on
 * the error, its `cause` chain or an AggregateError's members, or named in
 * its message. Used for sign-in and Dataverse calls alike.
 */
import { cleanDescription, fromEntry, messageOf, type ErrorExplanation, type ExplanationEntry } from './errorExplanation';

const CERT_FIX =
  'If your network inspects TLS (a corporate proxy), install its root certificate in the system store and keep http.systemCertificates on, or point NODE_EXTRA_CA_CERTS at it. Do not turn off certificate checks.';

// Node.js system and TLS error codes, found on the error or on its `cause` chain.
const NODE: Readonly<Record<string, ExplanationEntry>> = {
  ECONNREFUSED: {
    title: 'The connection was refused.',
    cause: 'Nothing is listening at that address, or a firewall rejected the connection.',
    fix: 'Check the URL and port, and your proxy settings (http.proxy).',
    category: 'network',
  },
  ENOTFOUND: {
    title: 'The host name could not be found.',
    cause: 'The host name is misspelt, the environment was deleted or renamed, or DNS is unreachable.',
    fix: 'Check the environment URL and your network connection.',
    category: 'network',
  },
  EAI_AGAIN: {
    title: 'The host name could not be looked up right now.',
    cause: 'DNS did not answer in time, often while offline or on a VPN that is connecting.',
    fix: 'Check your network connection and try again.',
    category: 'network',
  },
  ETIMEDOUT: {
    title: 'The connection timed out.',
    cause: 'The server did not answer in time: a slow network, a proxy or a firewall.',
    fix: 'Check your network and proxy settings, then try again.',
    category: 'network',
  },
  ECONNRESET: {
    title: 'The connection was closed unexpectedly.',
    cause: 'A proxy, firewall or the server closed the connection mid-request.',
    fix: 'Try again; if it repeats, check your proxy settings.',
    category: 'network',
  },
  SELF_SIGNED_CERT_IN_CHAIN: {
    title: 'The server\'s certificate is not trusted.',
    cause: 'A self-signed certificate is in the chain, usually because a corporate proxy re-signs HTTPS traffic.',
    fix: CERT_FIX,
    category: 'network',
  },
  DEPTH_ZERO_SELF_SIGNED_CERT: {
    title: 'The server\'s certificate is self-signed.',
    cause: 'The server presented a self-signed certificate.',
    fix: CERT_FIX,
    category: 'network',
  },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
    title: 'The server\'s certificate could not be verified.',
    cause: 'Its issuing certificate is missing from the trusted store, often because of a TLS-inspecting proxy.',
    fix: CERT_FIX,
    category: 'network',
  },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: {
    title: 'The server\'s certificate could not be verified.',
    cause: 'The issuer of its certificate is not in the trusted store, often because of a TLS-inspecting proxy.',
    fix: CERT_FIX,
    category: 'network',
  },
  CERT_HAS_EXPIRED: {
    title: 'The server\'s certificate has expired.',
    cause: 'The certificate presented by the server (or a proxy) is past its end date, or this computer\'s clock is wrong.',
    fix: 'Check the system clock; if it is right, report the certificate to whoever runs the proxy or server.',
    category: 'network',
  },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    title: 'The server\'s certificate is for a different host.',
    cause: 'The certificate does not name the host that was called, often a proxy or a wrong URL.',
    fix: 'Check the URL; if it is right, check your proxy settings.',
    category: 'network',
  },
};

/** The explanation of a known Node network or TLS code, labelled `label` (default: the code). */
export function explainNetworkCode(code: string, description: string | undefined, label: string = code): ErrorExplanation | undefined {
  const entry = NODE[code];
  return entry ? fromEntry(label, entry, description) : undefined;
}

/** The network failure an error carries (code on it, its causes, or its message), explained; undefined when it carries none. */
export function explainNetworkError(error: unknown, label?: (code: string) => string): ErrorExplanation | undefined {
  const message = typeof error === 'string' ? error : messageOf(error);
  const code = findNetworkCode(error) ?? findNetworkCodeInText(message);
  return code ? explainNetworkCode(code, message, label ? label(code) : code) : undefined;
}

/** A service could not be reached and no socket code says why. */
export function unreachable(what: string, description: string | undefined): ErrorExplanation {
  return fromEntry(
    'network',
    {
      title: `${what} could not be reached.`,
      cause: cleanDescription(description) || 'No connection, a proxy in the way, or the host is unreachable.',
      fix: 'Check your network connection and proxy settings (http.proxy), then try again.',
      category: 'network',
    },
    description,
  );
}

/** A known Node code named in a message, e.g. "getaddrinfo ENOTFOUND host". */
export function findNetworkCodeInText(text: string | undefined): string | undefined {
  if (!text) return undefined;
  return Object.keys(NODE).find((code) => new RegExp(`\\b${code}\\b`).test(text));
}

/** A known Node code on the error, its `cause` chain, or an AggregateError's members. */
export function findNetworkCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined;
  const e = error as Record<string, unknown>;
  if (typeof e.code === 'string' && NODE[e.code]) return e.code;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const found = findNetworkCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return findNetworkCode(e.cause, depth + 1);
}

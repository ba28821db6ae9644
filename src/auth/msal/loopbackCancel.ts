import { request } from 'node:http';

/**
 * Stops msal-node's loopback listener of an interactive sign-in that VS Code
 * gave up on (Cancel, time-out). msal-node 7 creates that listener itself
 * (its request no longer takes a custom `loopbackClient`) and closes it only
 * when an answer arrives, so it is sent the answer of a
 * cancelled sign-in (`error=user_cancelled` with the request's own `state`,
 * posted as the form_post response mode does:
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#request-an-authorization-code).
 * msal-node then rejects with `user_cancelled` and closes the server, so a
 * late pick on the still-open page no longer completes a sign-in nobody waits for.
 */
export function cancelLoopback(authCodeUrl: string): Promise<void> {
  let redirect: URL;
  let state: string | null;
  try {
    const url = new URL(authCodeUrl);
    redirect = new URL(url.searchParams.get('redirect_uri') ?? '');
    state = url.searchParams.get('state');
  } catch {
    return Promise.resolve();
  }
  // Only ever our own loopback listener: nothing is posted anywhere else.
  if (!state || redirect.protocol !== 'http:' || !['localhost', '127.0.0.1'].includes(redirect.hostname) || !redirect.port) return Promise.resolve();
  const body = new URLSearchParams({ error: 'user_cancelled', error_description: 'Sign-in was cancelled in VS Code.', state }).toString();
  return new Promise((resolve) => {
    const post = request(
      { host: '127.0.0.1', port: Number(redirect.port), path: '/', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.on('end', () => resolve());
        response.on('error', () => resolve());
      },
    );
    // A listener already gone has nothing to stop.
    post.on('error', () => resolve());
    post.end(body);
  });
}

// The sandbox CA bundle for NODE_EXTRA_CA_CERTS, created on first use. Node reads that
// variable once at start, so scripts call this before they start a Node that talks to the sandbox.
import { execFileSync } from 'node:child_process';

export function sandboxCaBundle() {
  try {
    return execFileSync('npx', ['tsx', 'sandbox/tls.ts', '--ensure'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
  } catch {
    throw new Error('Could not create the sandbox CA (sandbox/tls.ts --ensure); is openssl installed?');
  }
}

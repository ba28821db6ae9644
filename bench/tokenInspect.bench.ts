import { jwtDecode } from 'jwt-decode';
import { inspectToken } from '../src/auth/token/inspect';
import type { BenchCase } from './harness';

// What the inspector adds on top of decoding: claim explanations and every
// check against a connection. Baseline: decoding alone with jwt-decode.
const now = Math.floor(Date.now() / 1000);
const tid = '8f0c9a3e-5b2d-4c1e-9a7f-3d6e2b1c4a50';
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = [
  part({ typ: 'JWT', alg: 'RS256', x5t: 'kid-1', kid: 'kid-1' }),
  part({
    aud: 'https://contoso.crm.dynamics.com', iss: `https://sts.windows.net/${tid}/`, iat: now, nbf: now, exp: now + 4500,
    acr: '1', aio: 'opaque', amr: ['pwd', 'mfa'], appid: '51f81489-12ee-4a9e-aaae-a2591f45987d', appidacr: '0',
    family_name: 'Vance', given_name: 'Adele', ipaddr: '203.0.113.10', name: 'Adele Vance', oid: '11111111-2222-4333-8444-555555555555',
    puid: 'opaque', rh: 'opaque', scp: 'user_impersonation', sub: 'pairwise', tid, unique_name: 'adele@contoso.com', upn: 'adele@contoso.com',
    uti: 'opaque', ver: '1.0', wids: ['b79fbf4d-3ef9-4689-8143-76b194e85509'], xms_cc: ['cp1'],
  }),
  Buffer.from('signature-bytes').toString('base64url'),
].join('.');
const target = { name: 'Contoso', orgUrl: 'https://contoso.crm.dynamics.com', tenantId: tid, clientId: '51f81489-12ee-4a9e-aaae-a2591f45987d', expectsUser: true };

export const tokenInspectCases: BenchCase[] = [
  {
    name: 'inspect a token',
    baseline: { label: 'jwt-decode header + payload', run: () => jwtDecode(token, { header: true }) && jwtDecode(token) },
    subject: { label: 'inspectToken (decode, explain, check)', run: () => inspectToken(token, target, now) },
    opsPerRound: 2_000,
  },
];

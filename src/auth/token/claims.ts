/**
 * Plain-English explanations of the claims of a Microsoft Entra access token
 * (v1 and v2), as the token inspector shows them. Sources: the access token
 * claims reference, https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference,
 * and the optional claims reference, https://learn.microsoft.com/entra/identity-platform/optional-claims-reference
 * (docs/protocol.md#access-tokens).
 */
import type { DecodedToken } from './decode';
import { parseIssuer } from './issuer';

/** The token format: v1 (`sts.windows.net` issuer, as Dataverse tokens are) or v2. */
export type TokenVersion = '1.0' | '2.0' | 'unknown';

/** Whether the token acts for a signed-in person (delegated) or for an app alone. */
export type TokenKind = 'user' | 'app' | 'unknown';

/** One line of the claims table. */
export interface ClaimRow {
  readonly name: string;
  /** Display text; arrays joined with ", ", objects as JSON. */
  readonly value: string;
  /** Plain English; may depend on the value. */
  readonly explanation: string;
  /** False for claims Microsoft Entra does not document (the explanation says so). */
  readonly known: boolean;
  /** Unix seconds for date claims (iat, nbf, exp, auth_time…), so the page can show local and relative time. */
  readonly time?: number;
}

/** Everything the inspector shows about a token. */
export interface TokenDescription {
  readonly version: TokenVersion;
  readonly kind: TokenKind;
  /** Why the kind was decided, e.g. "idtyp is app". */
  readonly kindReason: string;
  readonly header: readonly ClaimRow[];
  readonly payload: readonly ClaimRow[];
  readonly expiresAt?: number;
  readonly notBefore?: number;
  readonly issuedAt?: number;
  /** Who the token is for: the user's name, or the app id for app tokens. */
  readonly subjectLabel?: string;
}

/** The tenant of personal Microsoft accounts (MSA). */
export const CONSUMER_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

/** The application id of the Dataverse (Dynamics CRM) resource in Entra. */
export const DATAVERSE_RESOURCE_APP_ID = '00000007-0000-0000-c000-000000000000';

/** Built-in Entra role template ids whose names are certain (Microsoft's built-in roles reference). */
const ROLE_TEMPLATES: Readonly<Record<string, string>> = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  'b79fbf4d-3ef9-4689-8143-76b194e85509': 'User (the default role every member user has)',
  'f2ef992c-3afb-46b9-b7cf-a126ee74c451': 'Global Reader',
  '44367163-eba1-44c3-98af-f5787879f96a': 'Dynamics 365 Administrator',
  '11648597-926c-4cf3-9c36-bcebb0ba8dcc': 'Power Platform Administrator',
};

/** amr values in Entra's access token claims reference. */
const AMR: Readonly<Record<string, string>> = {
  pwd: 'password',
  rsa: 'proof of an RSA key (for example the Microsoft Authenticator app, Windows Hello or a certificate)',
  otp: 'a one-time passcode sent by email or text message',
  fed: 'a federated identity provider vouched for the user (for example AD FS)',
  wia: 'Windows Integrated Authentication',
  mfa: 'multifactor authentication',
  ngcmfa: 'multifactor authentication with a strong credential, required to register some credentials',
  wiaormfa: 'Windows sign-in or an MFA credential',
  none: 'no authentication was done',
};

/** Further amr values registered by RFC 8176 (not in Entra's list). */
const RFC8176_AMR: Readonly<Record<string, string>> = {
  face: 'face recognition',
  fpt: 'a fingerprint',
  geo: 'geolocation',
  hwk: 'proof of a hardware-protected key',
  iris: 'iris scan',
  kba: 'knowledge-based authentication',
  mca: 'multiple-channel authentication',
  pin: 'a PIN',
  pop: 'proof of possession of a key',
  rba: 'risk-based authentication',
  retina: 'retina scan',
  sc: 'a smart card',
  sms: 'a code sent by text message',
  swk: 'proof of a software-protected key',
  tel: 'a phone call',
  user: 'user presence test',
  vbm: 'voice biometrics',
};

const TIME_CLAIMS = new Set(['iat', 'nbf', 'exp', 'auth_time', 'xms_tcdt']);

interface Context {
  readonly payload: Readonly<Record<string, unknown>>;
  readonly kind: TokenKind;
  readonly version: TokenVersion;
}

type Explain = (value: unknown, ctx: Context) => string;

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Display text of a claim value. */
export function claimValueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))).join(', ');
  return JSON.stringify(value);
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => claimValueText(v));
  if (typeof value === 'string') return value.split(/\s+/).filter((s) => s !== '');
  return [];
}

const clientAuth = (claim: string): Explain => (value) => {
  const how: Record<string, string> = {
    '0': 'it is a public client (no secret or certificate), as with interactive and device-code sign-in',
    '1': 'the app proved itself with a client secret',
    '2': 'the app proved itself with a certificate',
  };
  const text = how[claimValueText(value)];
  return `How the client app authenticated when it got this token (${claim}: 0 public client, 1 client secret, 2 certificate): ${text ?? 'an undocumented value'}.`;
};

const clientId = (claim: string): Explain => () =>
  `The application (client) id of the app that requested the token (${claim}; v1 tokens say appid, v2 tokens azp). For app-only tokens Dataverse finds the application user by this id.`;

const internal: Explain = () => 'Internal, undocumented claim used by Microsoft services; do not rely on it.';

const PAYLOAD: Readonly<Record<string, Explain>> = {
  aud: (value) => {
    const aud = claimValueText(value);
    if (aud.toLowerCase() === DATAVERSE_RESOURCE_APP_ID) {
      return 'Audience: the resource the token is for. This is the application id of Dataverse (Dynamics CRM) itself, not an org URL, so it does not name an environment. Dataverse expects its org URL here.';
    }
    return 'Audience: the resource the token is for. In v1 tokens (as Dataverse tokens are) it is the resource as requested; for Dataverse this must be the environment URL (for example https://org.crm.dynamics.com, with or without a trailing slash), and a token for another org is the most common cause of a 401. In v2 tokens aud is always the client (application) id of the API.';
  },
  iss: (value) => {
    const iss = claimValueText(value);
    const consumer = iss.toLowerCase().includes(CONSUMER_TENANT_ID) ? ' This is the consumer tenant of personal Microsoft accounts, which has no Dataverse environments.' : '';
    return `Issuer: the Security Token Service that signed the token, with the tenant id in its path (v1: https://sts.windows.net/{tenant}/, v2: https://login.microsoftonline.com/{tenant}/v2.0).${consumer}`;
  },
  idp: (value, ctx) =>
    claimValueText(value) === claimValueText(ctx.payload.iss)
      ? 'Identity provider that authenticated the subject; here the same as the issuer (the tenant itself).'
      : 'Identity provider that authenticated the subject. It differs from the issuer for guests and personal Microsoft accounts: the person signed in at their home directory.',
  iat: () => 'Issued at: when the token was issued (Unix seconds). Entra access tokens live 60 to 90 minutes by default, longer with continuous access evaluation.',
  nbf: () => 'Not before: the token is not valid before this time (Unix seconds).',
  exp: () => 'Expires: the token is not accepted after this time (Unix seconds); the client gets a new one, usually silently with its refresh token.',
  aio: () => 'Opaque value Entra uses internally for token reuse; do not rely on it.',
  rh: () => 'Opaque value Entra uses to revalidate tokens; do not rely on it.',
  uti: () => 'Token identifier (similar to jti); opaque, do not rely on it.',
  acr: (value) => {
    const v = claimValueText(value);
    const meaning = v === '0' ? 'the authentication did not meet the requirements of ISO/IEC 29115' : v === '1' ? 'the usual value for an ordinary sign-in' : 'an undocumented value';
    return `Authentication context class (v1 only): ${meaning}.`;
  },
  amr: (value) => {
    const methods = list(value);
    const described = methods.map((m) => {
      if (Object.hasOwn(AMR, m)) return `${m} = ${AMR[m]}`;
      if (Object.hasOwn(RFC8176_AMR, m)) return `${m} = ${RFC8176_AMR[m]} (RFC 8176 value, not in Entra's documented list)`;
      return `${m} = a method not documented by Entra`;
    });
    return `Authentication methods the user signed in with (v1 only)${described.length > 0 ? `: ${described.join('; ')}` : ''}.`;
  },
  appid: clientId('appid'),
  azp: clientId('azp'),
  appidacr: clientAuth('appidacr'),
  azpacr: clientAuth('azpacr'),
  app_displayname: () => 'Display name of the client app. Internal, undocumented claim; do not rely on it.',
  idtyp: (value) => {
    const v = claimValueText(value);
    if (v === 'app') return 'Token type: app. This is an app-only token (client credentials): no person signed in. Entra calls this claim the most accurate way to tell an app token from a user token.';
    if (v === 'user') return 'Token type: user. A person signed in and the app acts on their behalf (delegated token).';
    return 'Token type (optional claim): app for app-only tokens, user for delegated tokens.';
  },
  scp: (value) => {
    const scopes = list(value);
    const dv = scopes.includes('user_impersonation')
      ? 'It includes user_impersonation, the delegated permission Dataverse needs.'
      : 'It does not include user_impersonation, the delegated permission Dataverse needs.';
    return `Delegated permissions (scopes) the user consented to for the client app, separated by spaces. ${dv}`;
  },
  roles: () =>
    'App roles (permissions) granted to the caller by the resource. Dataverse does not use this claim: it authorises app-only callers through the application user and its security roles, so it is often absent.',
  oid: (_value, ctx) =>
    ctx.kind === 'app'
      ? "Object id of the app's service principal (enterprise application) in this tenant; the sub of app tokens. In Dataverse, the application user created for this app stores it as its azureactivedirectoryobjectid."
      : "Object id of the signed-in user in Entra ID, the same for every app. In Dataverse it is systemuser.azureactivedirectoryobjectid, and the value the CallerObjectId header takes to impersonate this user.",
  sub: (value, ctx) =>
    claimValueText(value) === claimValueText(ctx.payload.oid)
      ? 'Subject: here equal to oid, as in app-only tokens.'
      : 'Subject: a pairwise identifier of the user, unique to this user and this client app; another app sees another value. Use oid to identify the user across apps.',
  tid: (value) =>
    claimValueText(value).toLowerCase() === CONSUMER_TENANT_ID
      ? 'Tenant id: this is the consumer tenant of personal Microsoft accounts, which has no Dataverse environments.'
      : 'Tenant id: the Entra ID directory that issued the token. It must be the tenant of the Dataverse environment.',
  upn: () => 'User principal name (sign-in name). For display only: it can change, so Dataverse matches users by oid.',
  unique_name: () => 'A name for the user, usually the sign-in name (v1 only). For display only.',
  preferred_username: () => 'The sign-in name of the user (v2). For display only; it can change.',
  name: () => "The user's display name. For display only.",
  given_name: () => "The user's first name.",
  family_name: () => "The user's last name.",
  email: () => 'Email address of the user, when known. For display only.',
  ipaddr: () => 'The IP address the user signed in from (as Entra saw it).',
  wids: (value) => {
    const ids = list(value);
    const named = ids.map((id) => `${id} = ${ROLE_TEMPLATES[id.toLowerCase()] ?? 'a directory role template id'}`);
    return `Directory (Entra) roles of the user, as role template ids${named.length > 0 ? `: ${named.join('; ')}` : ''}. These are tenant roles, not Dataverse security roles.`;
  },
  groups: () => 'Object ids of the security groups the user belongs to (when the app asks for group claims).',
  hasgroups: () => 'The user is in too many groups to list in the token; the app must read them from Microsoft Graph.',
  _claim_names: () => 'Group overage: the groups did not fit in the token (more than 200); _claim_sources says where to read them.',
  _claim_sources: () => 'Group overage: the Microsoft Graph endpoint where the full list of groups can be read.',
  ver: (value) => `Token format version: ${claimValueText(value)}. Dataverse tokens are v1.0 even when requested from the v2.0 endpoint, because the resource decides the format.`,
  xms_cc: (value) =>
    list(value).includes('cp1')
      ? 'Client capabilities: cp1 means the client can handle claims challenges, so it takes part in continuous access evaluation (CAE) and may get longer-lived tokens.'
      : 'Client capabilities the client app declared.',
  acrs: () => 'Authentication context ids the user satisfied (Conditional Access authentication contexts).',
  xms_pdl: () => "Preferred data location: the geography of the user's data in a multi-geo tenant.",
  xms_pl: () => "The user's preferred language.",
  xms_tpl: () => "The tenant's preferred language.",
  xms_edov: () => 'Whether the domain of the email claim is verified by its owner.',
  ctry: () => "The user's country or region.",
  tenant_ctry: () => "The tenant's country or region.",
  tenant_region_scope: () => "The region of the user's tenant.",
  login_hint: () => 'An opaque login hint that lets the client sign the same account in again without asking.',
  sid: () => "Session id of the user's sign-in session.",
  acct: (value) => {
    const v = claimValueText(value);
    const who = v === '0' ? 'a member of the tenant' : v === '1' ? 'a guest in the tenant' : 'an undocumented value';
    return `Account status in the tenant (0 member, 1 guest): ${who}.`;
  },
  auth_time: () => 'When the user last entered credentials (Unix seconds).',
  pwd_exp: (value) =>
    `Password expiry (optional claim): the password expires ${typeof value === 'number' && Number.isFinite(value) ? `${value} seconds` : 'this many seconds'} after the time in iat. Entra only adds it when the password expires soon (within the notification days of the password policy).`,
  pwd_url: () => 'Change password URL (optional claim): where the user can change their password. Only present when the password expires soon.',
  verified_primary_email: () => "Verified primary email (optional claim), sourced from the user's PrimaryAuthoritativeEmail.",
  verified_secondary_email: () => "Verified secondary email addresses (optional claim), sourced from the user's SecondaryAuthoritativeEmail.",
  in_corp: () => 'Inside the corporate network (optional claim): the client signed in from the corporate network, as defined by the trusted IPs of the MFA settings. Absent otherwise.',
  fwd: () => 'Forwarded IP address (optional claim): the original IPv4 address of the requesting client, when it is inside a virtual network (VNET).',
  vnet: () => 'Virtual network (VNET) specifier information (optional claim).',
  onprem_sid: () => "On-premises security identifier (optional claim): the user's SID in on-premises Active Directory, for synchronised users.",
  ztdid: () => 'Zero-touch deployment id (optional claim): the device identity used for Windows Autopilot.',
  platf: () => 'Device platform (optional claim in earlier versions of Entra\'s optional claims reference); only for managed devices that can verify the device type.',
  enfpolids: () => 'Enforced policy ids (optional claim in earlier versions of Entra\'s optional claims reference): the ids of the policies that were evaluated for the user.',
  nonce: () => 'A value the client sent to tie the token to its request (replay protection).',
  puid: internal,
  email_verified: () => 'Whether the email address was verified.',
  jti: () => 'Unique id of the token.',
  tenant_display_name: () => 'Display name of the tenant.',
};

const HEADER: Readonly<Record<string, Explain>> = {
  typ: (value) => `Media type of the token: ${claimValueText(value)}${claimValueText(value).toUpperCase() === 'JWT' ? ' (a JSON Web Token)' : ''}; Entra access tokens say JWT.`,
  alg: (value) => {
    const alg = claimValueText(value);
    if (alg === 'RS256') return 'Signing algorithm: RS256 (RSA with SHA-256), as Entra signs access tokens.';
    if (alg.toLowerCase() === 'none') return 'Signing algorithm: none. The token is not signed, so anyone could have written it; Entra never issues such tokens and Dataverse refuses them.';
    return `Signing algorithm: ${alg}. Entra signs access tokens with RS256, so this is unexpected.`;
  },
  kid: () => "Key id: the thumbprint of the key that signed the token, to look up in the issuer's published keys (JWKS).",
  x5t: () => 'Thumbprint (SHA-1) of the signing certificate; in v1 tokens a legacy duplicate of kid.',
  'x5t#S256': () => 'Thumbprint (SHA-256) of the signing certificate.',
  cty: () => 'Content type of the payload.',
  enc: () => 'Content encryption algorithm: the token is encrypted (JWE).',
  zip: () => 'The payload is compressed.',
  nonce: () =>
    'A nonce in the header: Microsoft Graph and some first-party resources sign tokens over a hashed nonce, so their signature cannot be checked by others. Dataverse tokens have none.',
};

/** Unix seconds for date claims; pwd_exp counts seconds after iat. */
function timeOf(name: string, value: unknown, payload: Readonly<Record<string, unknown>> | undefined): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (!payload) return undefined;
  if (name === 'pwd_exp') {
    const iat = payload.iat;
    return typeof iat === 'number' && Number.isFinite(iat) ? iat + value : undefined;
  }
  return TIME_CLAIMS.has(name) ? value : undefined;
}

function row(name: string, value: unknown, table: Readonly<Record<string, Explain>>, ctx: Context): ClaimRow {
  const explain = Object.hasOwn(table, name) ? table[name] : undefined;
  const time = timeOf(name, value, table === PAYLOAD ? ctx.payload : undefined);
  let explanation: string;
  let known = true;
  if (explain) explanation = explain(value, ctx);
  else if (name.startsWith('xms_')) explanation = internal(value, ctx);
  else {
    known = false;
    explanation = 'Unknown claim: not documented by Microsoft Entra. It may be added by the app or by a Microsoft service.';
  }
  return time === undefined ? { name, value: claimValueText(value), explanation, known } : { name, value: claimValueText(value), explanation, known, time };
}

/** The version from `ver`, else from the shape of `iss`. */
export function tokenVersion(payload: Readonly<Record<string, unknown>>): TokenVersion {
  const ver = claimValueText(payload.ver);
  if (ver === '1.0' || ver === '2.0') return ver;
  const issuer = parseIssuer(str(payload.iss));
  if (!issuer) return 'unknown';
  return issuer.version === 'v1' ? '1.0' : '2.0';
}

/** User (delegated) or app-only, and why. */
export function tokenKind(payload: Readonly<Record<string, unknown>>): { kind: TokenKind; reason: string } {
  const idtyp = str(payload.idtyp);
  if (idtyp === 'app') return { kind: 'app', reason: 'idtyp is app' };
  if (idtyp === 'user') return { kind: 'user', reason: 'idtyp is user' };
  const hasScp = list(payload.scp).length > 0;
  if (hasScp) return { kind: 'user', reason: 'scp is present: delegated (user) token' };
  if (payload.roles !== undefined) return { kind: 'app', reason: 'roles without scp: application (app-only) token' };
  const oid = str(payload.oid);
  if (oid !== undefined && oid === str(payload.sub)) return { kind: 'app', reason: 'no scp, and sub equals oid: application (app-only) token' };
  return { kind: 'unknown', reason: 'no idtyp, no scp and no roles, and sub differs from oid: cannot tell whether a user signed in' };
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function subjectLabel(payload: Readonly<Record<string, unknown>>, kind: TokenKind): string | undefined {
  if (kind === 'app') {
    const id = str(payload.appid) ?? str(payload.azp);
    const name = str(payload.app_displayname);
    if (id && name) return `${name} (${id})`;
    return id ?? name;
  }
  for (const claim of ['upn', 'unique_name', 'preferred_username', 'name', 'email']) {
    const v = str(payload[claim]);
    if (v) return v;
  }
  return kind === 'unknown' ? (str(payload.appid) ?? str(payload.azp)) : undefined;
}

/** Explains every header field and claim of a decoded token, in token order. */
export function describeToken(token: DecodedToken): TokenDescription {
  const { payload } = token;
  const version = tokenVersion(payload);
  const { kind, reason } = tokenKind(payload);
  const ctx: Context = { payload, kind, version };
  const description: TokenDescription = {
    version,
    kind,
    kindReason: reason,
    header: Object.entries(token.header).map(([name, value]) => row(name, value, HEADER, ctx)),
    payload: Object.entries(payload).map(([name, value]) => row(name, value, PAYLOAD, ctx)),
    expiresAt: num(payload.exp),
    notBefore: num(payload.nbf),
    issuedAt: num(payload.iat),
    subjectLabel: subjectLabel(payload, kind),
  };
  return description;
}

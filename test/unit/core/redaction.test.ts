/**
 * The log's redaction against the shapes a real log carries: registered
 * secrets in each of their forms, and patterns as the second line of
 * defence; the texts a person needs stay readable; and the cost stays linear.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, test } from 'node:test';
import { SecretRegistry, redact, registerSecret, registerToken, secretRegistry } from '../../../src/core/logger';

const b64url = (text: string) => Buffer.from(text).toString('base64url');
const jwt = `${b64url('{"typ":"JWT","alg":"RS256","kid":"k1"}')}.${b64url('{"aud":"https://contoso.crm.dynamics.com","upn":"adele.vance@contoso.onmicrosoft.com","scp":"user_impersonation"}')}.${b64url('signature-bytes-signature-bytes-signature')}`;
const jwe = `${b64url('{"alg":"RSA-OAEP","enc":"A256GCM"}')}.${b64url('encrypted-key-encrypted-key')}.${b64url('initvector12')}.${b64url('ciphertext-ciphertext-ciphertext-ciphertext')}.${b64url('tag-tag-tag-tag!')}`;
const jweDir = `${b64url('{"alg":"dir","enc":"A256GCM"}')}..${b64url('initvector12')}.${b64url('ciphertext-ciphertext-ciphertext')}.${b64url('tag-tag-tag-tag!')}`;
const keyBody = ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj', 'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu', 'NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ'];
const pem = (label: string, lines = keyBody, eol = '\n') => [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`].join(eol);
const SECRET = 'Abc8Q~vGq3.Zk_pL9-wT4rYb2NcE7sHd1FmA6uJo5Xy';
const OPAQUE = '0.AXoAbc123-def456_ghi789.jklMNOpqrSTUvwx';
const wrap = (text: string, width: number, eol: string) => text.match(new RegExp(`.{1,${width}}`, 'g'))!.join(eol);

/** [what, text, the secrets that must not survive]. */
const SHAPES: Array<[string, string, string[]]> = [
  ['client_secret form field', `client_id=abc&client_secret=${SECRET}&scope=x`, [SECRET]],
  ['client_secret JSON member', `{"client_secret":"${SECRET}"}`, [SECRET]],
  ['clientSecret camelCase JSON', `{"clientSecret": "${SECRET}"}`, [SECRET]],
  ['clientSecret: value', `clientSecret: ${SECRET}`, [SECRET]],
  ['CLIENT_SECRET env', `CLIENT_SECRET=${SECRET}`, [SECRET]],
  ['client-secret header', `x-client-secret: ${SECRET}`, [SECRET]],
  ['spaced = separator', `client_secret = ${SECRET}`, [SECRET]],
  ['refresh_token JSON', `{"refresh_token":"${OPAQUE}","token_type":"Bearer"}`, [OPAQUE]],
  ['refreshToken camelCase', `refreshToken: ${OPAQUE}`, [OPAQUE]],
  ['accessToken camelCase JSON', `{"accessToken":"${OPAQUE}"}`, [OPAQUE]],
  ['access_token in a URL fragment', `https://localhost/#access_token=${OPAQUE}&token_type=Bearer`, [OPAQUE]],
  ['id_token form', `id_token=${OPAQUE}`, [OPAQUE]],
  ['idToken camelCase', `idToken=${OPAQUE}`, [OPAQUE]],
  ['token key', `token: ${OPAQUE}`, [OPAQUE]],
  ['deviceCode camelCase', `deviceCode: DAQABAAEAAAD--DLA3VO7QrddgJg7WevrAgoQ`, ['DAQABAAEAAAD--DLA3VO7QrddgJg7WevrAgoQ']],
  ['device_code JSON', `{"user_code":"FGH2JKLM","device_code":"DAQABAAEAAAD--DLA3VO7QrddgJg7WevrAgoQ"}`, ['DAQABAAEAAAD--DLA3VO7QrddgJg7WevrAgoQ']],
  ['device_code form', `grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=DAQABAAEAAAD--DLA3VO7Q`, ['DAQABAAEAAAD--DLA3VO7Q']],
  ['passphrase', `passphrase=open-sesame-42`, ['open-sesame-42']],
  ['pwd in a connection string', `Server=db;User Id=sa;Pwd=Hunter2-Hunter2;Encrypt=true`, ['Hunter2-Hunter2']],
  ['Password in a connection string', `AuthType=ClientSecret;Password=Hunter2-Hunter2;Url=https://contoso.crm.dynamics.com`, ['Hunter2-Hunter2']],
  ['password quoted with spaces', `{"password": "correct horse battery staple"}`, ['correct horse battery staple', 'horse battery']],
  ['password single-quoted with spaces', `{'password': 'correct horse battery staple'}`, ['horse battery']],
  ['passwd', `passwd:letmein-please`, ['letmein-please']],
  ['assertion form', `assertion=${OPAQUE}&requested_token_use=on_behalf_of`, [OPAQUE]],
  ['client_assertion JWT', `client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${jwt}`, [jwt, jwt.split('.')[1]!, jwt.split('.')[2]!]],
  ['clientAssertion camelCase', `clientAssertion: ${OPAQUE}`, [OPAQUE]],
  ['privateKey camelCase', `privateKey=${keyBody[0]}`, [keyBody[0]!]],
  ['private_key JSON', `{"private_key":"${keyBody[1]}"}`, [keyBody[1]!]],
  ['code_verifier', `code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk`, ['dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk']],
  ['codeVerifier camelCase', `codeVerifier: dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk`, ['dBjftJeZ4CVP']],
  ['authorization code in a redirect', `http://localhost:5173/?code=1.AXoAxyz_authcode-123456&state=abc&session_state=def`, ['1.AXoAxyz_authcode-123456']],
  ['authorization code JSON', `{"code":"1.AXoAxyz_authcode-123456"}`, ['1.AXoAxyz_authcode-123456']],
  ['URL-encoded code%3D', `redirect_uri%3Dhttp%253A%252F%252Flocalhost%26code%3D1.AXoAxyz_authcode-123456%26state%3Dabc`, ['1.AXoAxyz_authcode-123456']],
  ['URL-encoded client_secret%3D', `body=client_id%3Dabc%26client_secret%3D${encodeURIComponent(SECRET)}%26scope%3Dx`, [encodeURIComponent(SECRET), 'vGq3']],
  ['api_key', `api_key=sk-live-0123456789abcdef`, ['sk-live-0123456789abcdef']],
  ['AccountKey in a storage connection string', `DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc/def+ghi==;EndpointSuffix=core.windows.net`, ['abc/def+ghi==']],
  ['SAS sig', `https://x.blob.core.windows.net/c?sv=2022-11-02&sig=abcd%2Befgh%3D&se=2026`, ['abcd%2Befgh']],
  ['JSON inside JSON', `{"body":"{\\"client_secret\\":\\"${SECRET}\\",\\"scope\\":\\"x\\"}"}`, [SECRET]],
  ['JSON inside JSON, value with spaces', `{"body":"{\\"password\\":\\"correct horse battery staple\\"}"}`, ['horse battery']],
  ['JSON inside JSON, refresh token', `"{\\"refresh_token\\": \\"${OPAQUE}\\"}"`, [OPAQUE]],
  ['JWT alone', `token was ${jwt} here`, [jwt.split('.')[1]!, jwt.split('.')[2]!]],
  ['JWT header.payload without signature', `${jwt.split('.').slice(0, 2).join('.')}.`, [jwt.split('.')[1]!]],
  ['JWT wrapped across lines at 76', `token:\n${wrap(jwt, 76, '\n')}\nend`, [jwt.split('.')[1]!.slice(20, 60), jwt.split('.')[2]!.slice(-20)]],
  ['JWT wrapped with CRLF and indentation', `token:\r\n    ${wrap(jwt, 64, '\r\n    ')}`, [jwt.split('.')[1]!.slice(70, 110), jwt.split('.')[2]!.slice(-20)]],
  ['JWT wrapped with JSON-escaped newlines', `{"t":"${wrap(jwt, 64, '\\n')}"}`, [jwt.split('.')[1]!.slice(70, 110), jwt.split('.')[2]!.slice(-20)]],
  ['5-part JWE, every part', `got ${jwe} back`, jwe.split('.').slice(1)],
  ['5-part JWE with an empty key part', `got ${jweDir}`, jweDir.split('.').filter((p) => p.length > 8)],
  ['JWT in a query string', `GET /x?access_token=${jwt}&y=1`, [jwt.split('.')[2]!]],
  ['JWT JSON-escaped inside JSON', `{\\"access_token\\":\\"${jwt}\\"}`, [jwt.split('.')[2]!]],
  ['JWT URL-encoded after Bearer%20', `headers=Authorization%3A%20Bearer%20${jwt}%26x`, [jwt.split('.')[1]!, jwt.split('.')[2]!]],
  ['Authorization URL-encoded', `h=Authorization%3A%20Bearer%20${encodeURIComponent(OPAQUE + '+/=')}%26x%3D1`, [OPAQUE]],
  ['Authorization: Bearer opaque', `Authorization: Bearer ${OPAQUE}`, [OPAQUE]],
  ['Authorization: Basic', `Authorization: Basic ${Buffer.from(`app-id:${SECRET}`).toString('base64')}`, [Buffer.from(`app-id:${SECRET}`).toString('base64')]],
  ['Authorization JSON header', `{"headers":{"Authorization":"Bearer ${OPAQUE}"}}`, [OPAQUE]],
  ['authorization lower case', `authorization: bearer ${OPAQUE}`, [OPAQUE]],
  ['Proxy-Authorization: Basic', `Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA==`, ['dXNlcjpwYXNzd29yZA']],
  ['Authorization without a scheme', `Authorization: ${OPAQUE}`, [OPAQUE]],
  ['Bearer credential in prose', `sent Bearer ${OPAQUE} to the org`, [OPAQUE]],
  ['Basic credential in prose', `retried with Basic dXNlcjpwYXNzd29yZA== and failed`, ['dXNlcjpwYXNzd29yZA']],
  ['Cookie header', `Cookie: ESTSAUTH=0.AXoA-session-cookie; buid=0.ARoA-browser-id; x-ms-gateway-slice=estsfd`, ['0.AXoA-session-cookie', '0.ARoA-browser-id']],
  ['Set-Cookie header', `Set-Cookie: ESTSAUTHPERSISTENT=0.AXoA-persistent; path=/; secure; HttpOnly`, ['0.AXoA-persistent']],
  ['Cookie JSON header', `{"cookie":"ESTSAUTH=0.AXoA-session-cookie"}`, ['0.AXoA-session-cookie']],
  ['user:secret@host', `proxy is https://svc-user:${SECRET}@proxy.contoso.com:8080/`, [SECRET]],
  ['token@host', `git clone https://ghp_0123456789abcdefABCDEF@github.com/contoso/x`, ['ghp_0123456789abcdefABCDEF']],
  ['Entra client secret value alone', `the value ${SECRET} was pasted`, [SECRET]],
  ['PEM PRIVATE KEY', `key:\n${pem('PRIVATE KEY')}\nend`, keyBody],
  ['PEM RSA PRIVATE KEY', pem('RSA PRIVATE KEY'), keyBody],
  ['PEM EC PRIVATE KEY', pem('EC PRIVATE KEY'), keyBody],
  ['PEM ENCRYPTED PRIVATE KEY', pem('ENCRYPTED PRIVATE KEY'), keyBody],
  ['PEM RSA key with encryption headers', pem('RSA PRIVATE KEY', ['Proc-Type: 4,ENCRYPTED', 'DEK-Info: AES-256-CBC,1F2E3D4C5B6A79880F1E2D3C4B5A6978', '', ...keyBody]), keyBody],
  ['PEM JSON-escaped as stored', JSON.stringify({ privateKeyPem: pem('PRIVATE KEY'), certificatePem: 'x' }), keyBody],
  ['PEM with CRLF', pem('PRIVATE KEY', keyBody, '\r\n'), keyBody],
  ['PEM cut short (no END)', `${pem('PRIVATE KEY').split('-----END')[0]}`, keyBody],
];

/** Texts a person needs, which must come out exactly as they went in. */
const MUST_SURVIVE: string[] = [
  'error code: 0x80072560',
  'Dataverse answered 403 (error code: 0x80072560): The user is not a member of the organization.',
  '{"error":{"code":"0x80072560","message":"The user is not a member of the organization."}}',
  '{"error":{"code":"0x8006088a","message":"Resource not found for the segment \'acounts\'."}}',
  'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.',
  '{"error":"invalid_grant","error_description":"AADSTS70000: The provided grant has expired.","error_codes":[70000],"trace_id":"0b5c1d2e-aaaa-bbbb-cccc-1234567890ab"}',
  'See https://login.microsoftonline.com/error?code=50076 for details.',
  'code=invalid_grant',
  'GET https://contoso.crm.dynamics.com/api/data/v9.2/WhoAmI 200 in 120 ms',
  'GET https://contoso.api.crm4.dynamics.com/api/data/v9.2/accounts?$select=name,accountnumber&$top=50 200 in 183 ms (page 3 of 12)',
  'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FGH2JKLM to authenticate.',
  '{"user_code":"FGH2JKLM","verification_uri":"https://microsoft.com/devicelogin","expires_in":900}',
  'userCode: FGH2JKLM',
  'To sign in, enter the code FGH2-JKLM at https://microsoft.com/devicelogin',
  'Bearer error="invalid_token", error_description="The access token is expired", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", resource_id="https://contoso.crm.dynamics.com"',
  'WWW-Authenticate: Bearer authorization_uri=https://login.microsoftonline.com/8f0c9a3e-5b2d-4c1e-9a7f-3d6e2b1c4a50/oauth2/authorize, resource_id=https://contoso.crm.dynamics.com/',
  'Connecting to https://contoso.crm.dynamics.com: tenant 72f988bf-86f1-41af-91ab-2d7cd011db47, authority https://login.microsoftonline.com.',
  'Saved connection "Contoso Sales" to https://contoso.crm.dynamics.com (clientSecret).',
  'Basic authentication is not supported by Dataverse.',
  'statusCode: 401',
  'token_type: Bearer, expires_in: 3599',
  'Token cache dataverse.connection.c1.tokenCache could not be read; starting with an empty cache.',
  'HTTP 429 Too Many Requests, Retry-After: 30',
  `-----BEGIN CERTIFICATE-----\n${keyBody[0]}\n-----END CERTIFICATE-----`,
  'Signed in as adele.vance@contoso.onmicrosoft.com (Adele Vance).',
  'Test Connection Contoso Sales: user 0c1d2e3f-aaaa-bbbb-cccc-1234567890ab, business unit contoso, organization Contoso.',
  'Trace ID: 0b5c1d2e-aaaa-bbbb-cccc-1234567890ab Correlation ID: 5d6e7f80-aaaa-bbbb-cccc-1234567890ab Timestamp: 2026-12-01 12:00:00Z',
  'Signing in to https://contoso.crm.dynamics.com (device code).',
  'The client secret of "Contoso Sales" is not stored (signed out?).',
  'MSAL: [Tue, 01 Dec 2026 12:00:00 GMT] : @azure/msal-node@2.16.2 : Warning - Claims-based caching is disabled.',
];

describe('redaction by pattern: every shape', () => {
  test(`the table holds at least 60 shapes (${SHAPES.length})`, () => {
    assert.ok(SHAPES.length >= 60);
  });
  for (const [what, text, secrets] of SHAPES) {
    test(what, () => {
      const out = redact(text);
      for (const secret of secrets) assert.ok(!out.includes(secret), `${what}: "${secret}" survived in ${JSON.stringify(out)}`);
      assert.match(out, /\[redacted/, what);
    });
  }
});

describe('redaction keeps what a person needs', () => {
  for (const text of MUST_SURVIVE) {
    test(text.slice(0, 60), () => {
      assert.equal(redact(text), text);
    });
  }
});

describe('redaction by value: registered secrets in every form', () => {
  afterEach(() => secretRegistry.clear());
  // Values no pattern knows: only registration can hide them.
  const plain = 'plain words but secret 42';
  const pfxPassword = 'Tr0ub4dor&3 "quoted" \\ back';

  const FORMS: Array<[string, () => void, string, string]> = [
    ['verbatim in prose', () => registerSecret(plain), `the value is ${plain}, remember`, plain],
    ['URL-encoded', () => registerSecret(plain), `body=x%3D${encodeURIComponent(plain)}`, encodeURIComponent(plain)],
    ['form-encoded (+ for spaces)', () => registerSecret(plain), `q=${encodeURIComponent(plain).replace(/%20/g, '+')}&x=1`, encodeURIComponent(plain).replace(/%20/g, '+')],
    ['JSON-escaped', () => registerSecret(pfxPassword), `{"note":${JSON.stringify(pfxPassword)}}`, JSON.stringify(pfxPassword).slice(1, -1)],
    ['JSON-escaped twice', () => registerSecret(pfxPassword), JSON.stringify(JSON.stringify({ note: pfxPassword })), JSON.stringify(JSON.stringify(pfxPassword).slice(1, -1)).slice(1, -1)],
    ['base64 at offset 0', () => registerSecret(plain), `blob ${Buffer.from(plain).toString('base64')} end`, Buffer.from(plain).toString('base64').slice(0, 30)],
    ['base64 inside Basic credentials (offset 1)', () => registerSecret(plain), `x ${Buffer.from(`a:${plain}`).toString('base64')}`, Buffer.from(`a:${plain}`).toString('base64').slice(4, 30)],
    ['base64 at offset 2', () => registerSecret(plain), `x ${Buffer.from(`ab${plain}`).toString('base64')}`, Buffer.from(`ab${plain}`).toString('base64').slice(4, 30)],
    ['base64url', () => registerSecret(`${plain}??>>`), `x ${Buffer.from(`${plain}??>>`).toString('base64url')}`, Buffer.from(`${plain}??>>`).toString('base64url').slice(0, 30)],
    ['a token received', () => registerToken('opaque token text 1234567890'), 'got opaque token text 1234567890 from Entra', 'opaque token text 1234567890'],
    ['a token received, its signature alone', () => registerToken(jwt), `sig ${jwt.split('.')[2]} only`, jwt.split('.')[2]!],
    ['a private key, one body line', () => registerSecret(pem('PRIVATE KEY')), `line ${keyBody[1]} alone`, keyBody[1]!],
    ['a private key, body joined', () => registerSecret(pem('PRIVATE KEY')), `der ${keyBody.join('')}`, keyBody.join('')],
  ];
  for (const [what, register, text, leaked] of FORMS) {
    test(what, () => {
      register();
      const out = redact(text);
      assert.ok(!out.includes(leaked), `${what}: ${JSON.stringify(out)}`);
      assert.match(out, /\[redacted\]/);
    });
  }

  test('the same table of shapes, masked by value alone once each secret is registered', () => {
    let rows = 0;
    for (const [what, text, secrets] of SHAPES) {
      // Only rows whose secrets appear as they are: a wrapped token is one value split by line breaks.
      if (!secrets.every((secret) => text.includes(secret))) continue;
      rows++;
      const registry = new SecretRegistry();
      for (const secret of secrets) registry.registerSecret(secret);
      const out = registry.mask(text);
      for (const secret of secrets) assert.ok(!out.includes(secret), `${what}: ${JSON.stringify(out)}`);
    }
    assert.ok(rows >= 60, `${rows} rows`);
  });

  test('values shorter than six characters are not registered; they would hide ordinary words', () => {
    registerSecret('wrong');
    assert.equal(redact('the passphrase may be wrong'), 'the passphrase may be wrong');
    registerSecret('wrong!');
    assert.equal(redact('the passphrase may be wrong!'), 'the passphrase may be [redacted]');
  });

  test('only the newest tokens are kept, every secret stays', () => {
    const registry = new SecretRegistry();
    registry.registerSecret('the-long-lived-client-secret');
    for (let i = 0; i < 200; i++) registry.registerToken(`token-number-${i}-xxxxxxxx`);
    assert.equal(registry.mask('token-number-199-xxxxxxxx'), '[redacted]');
    assert.equal(registry.mask('token-number-0-xxxxxxxx'), 'token-number-0-xxxxxxxx');
    assert.equal(registry.mask('the-long-lived-client-secret'), '[redacted]');
  });
});

describe('redaction stays linear', () => {
  const MB = 1024 * 1024;
  const fill = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  const ADVERSARIAL: Array<[string, string]> = [
    ['eyJ- runs', 'eyJ-'],
    ['eyJ then one long run', 'eyJ' + 'a'.repeat(4096)],
    ['dotted base64url', 'eyJa.'],
    ['BEGIN PRIVATE KEY without END', '-----BEGIN PRIVATE KEY-----\nMIIE'],
    ['BEGIN without a label end', '-----BEGIN '],
    ['secret keys without separators', 'password '],
    ['secret keys with separators', 'password=x&'],
    ['an unterminated quoted value', 'password:"' + 'a'.repeat(4096)],
    ['escaped JSON fragments', '\\"password\\":\\"a\\\\'],
    ['camelCase-like words', 'clientSecretclientSecret'],
    ['word-dash runs', 'a-'],
    ['slashes', '//a'],
    ['user info without @', '//' + 'a'.repeat(4096)],
    ['Bearer runs', 'Bearer '],
    ['Bearer with a challenge-like value', 'Bearer ' + 'a'.repeat(512) + '="'],
    ['percent escapes', 'code%3D%2'],
    ['Authorization headers', 'Authorization: Bearer%20%20a'],
    ['cookies', 'Cookie: a=b; '],
    ['newlines inside a token', 'eyJ' + 'a'.repeat(50) + '.\n'],
    ['control characters', '\n\r\u0000'],
  ];

  function bestOf(runs: number, work: () => void): number {
    let best = Infinity;
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      work();
      best = Math.min(best, performance.now() - start);
    }
    return best;
  }

  // No wall-clock bound: the time for 1 MB is compared with the time for 16 KB of the same text.
  // Linear work grows 64 times (up to some 600 times here, as 16 KB stays in the processor's caches and
  // 1 MB does not); a pattern that backtracks quadratically grows 4,096 times, and takes minutes on 1 MB.
  for (const [what, unit] of ADVERSARIAL) {
    test(`${what}: 1 MB costs a linear multiple of 16 KB`, () => {
      const small = fill(unit, 16 * 1024);
      const large = fill(unit, MB);
      redact(small);
      const tSmall = Math.max(bestOf(7, () => redact(small)), 0.1);
      const tLarge = bestOf(2, () => redact(large));
      assert.ok(tLarge / tSmall < 2048, `${what}: 16 KB took ${tSmall.toFixed(2)} ms, 1 MB took ${tLarge.toFixed(1)} ms`);
    });
  }
});

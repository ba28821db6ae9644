import { allMicrosoftLoginHosts, cloudDefaults, cloudForOrgHost, type CloudId } from './clouds';

/** The result of reading an environment URL that a person typed or pasted. */
export type OrgUrlResult =
  | {
      readonly ok: true;
      /** `https://host[:port]`, lowercase, no path and no trailing slash. */
      readonly url: string;
      /** The host name alone, lowercase. */
      readonly host: string;
      /** Set when the input was changed in a way worth telling the person about. */
      readonly note?: string;
    }
  | {
      readonly ok: false;
      /** One or two sentences: what is wrong with the input and what to type instead. */
      readonly reason: string;
    };

/** Which Dataverse permission a scope asks for. */
export type OrgScopeKind = 'default' | 'user_impersonation';

const WHERE_TO_FIND =
  'Copy it from Power Platform admin center (Environments, then the environment, then Environment URL) or from Settings > Session details in the app.';

// Hosts people paste by mistake: they belong to Microsoft services that sit
// next to Dataverse but are not an environment, so a token for them is useless.
const NOT_AN_ENVIRONMENT: ReadonlyArray<{ test: (host: string) => boolean; what: string }> = [
  { test: (h) => allMicrosoftLoginHosts().includes(h), what: 'the Microsoft Entra sign-in address' },
  { test: (h) => /(^|\.)powerapps\.(com|us|cn)$/.test(h) || (/(^|\.)appsplatform\.us$/.test(h) && !h.includes('.crm.')), what: 'the Power Apps portal' },
  { test: (h) => /(^|\.)powerplatform\.microsoft\.(com|us|cn)$/.test(h), what: 'the Power Platform admin center' },
  { test: (h) => /^(make|flow|admin)\.powerautomate\.com$/.test(h) || /(^|\.)flow\.microsoft\.(com|us)$/.test(h), what: 'the Power Automate portal' },
  { test: (h) => /^globaldisco\.crm\d*\./.test(h), what: 'the Global Discovery Service, which lists environments but is not one' },
  { test: (h) => /^(home|port|admin)\.(crm\d*\.)?dynamics\.com$/.test(h), what: 'a Dynamics 365 portal page' },
  { test: (h) => /^graph\.microsoft\.(com|us)$/.test(h) || h === 'microsoftgraph.chinacloudapi.cn', what: 'Microsoft Graph' },
  { test: (h) => /^(portal|management)\.azure\.(com|us)$/.test(h) || h === 'entra.microsoft.com', what: 'the Azure or Entra portal' },
];

// `org.api.crm4.dynamics.com` is the Web API host of `org.crm4.dynamics.com`:
// the same environment, so one spelling keeps tokens, caches and `sameOrg` in step.
const API_HOST = /^([a-z0-9-]+)\.api\.(crm\d*\.dynamics\.com|crm\.microsoftdynamics\.us|crm\.appsplatform\.us|crm\.dynamics\.cn)$/;
// The regional domain itself, typed without the environment name in front.
const BARE_REGION = /^(crm\d*\.dynamics\.com|crm\.microsoftdynamics\.us|crm\.appsplatform\.us|crm\.dynamics\.cn)$/;
/** How much of the input a message quotes: enough to recognise it, never a whole pasted document. */
const QUOTE_LIMIT = 80;
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Reads an environment URL the way a person writes it and returns the one
 * spelling the extension uses everywhere (`https://host[:port]`), or says
 * what is wrong and how to fix it. `cloud`, when known, tailors suggestions
 * and refuses an environment of a different sovereign cloud.
 */
export function normalizeOrgUrl(input: string, cloud?: CloudId): OrgUrlResult {
  const text = (input ?? '').trim();
  const suffix = cloudDefaults(cloud ?? 'public').defaultOrgHostSuffix;
  const example = `https://contoso${suffix}`;

  if (!text) {
    return fail(`The environment URL is empty. Enter it like ${example}. ${WHERE_TO_FIND}`);
  }
  if (/\s/.test(text)) {
    return fail(`${quoted(text)} contains spaces; an environment URL has none. Enter it like ${example}.`);
  }
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (!schemeMatch && /^[^@/:]+@[^@/]+$/.test(text)) {
    return fail(
      `${quoted(text)} looks like an email address. Enter the environment URL instead, like ${example}; you choose the account when you sign in. ${WHERE_TO_FIND}`,
    );
  }
  if (schemeMatch) {
    const scheme = schemeMatch[1].toLowerCase();
    if (scheme === 'http') {
      const secure = normalizeOrgUrl(text.replace(/^http:\/\//i, 'https://'), cloud);
      // Only a Dataverse host is offered back with https://: for any other host that would suggest it would do.
      const instead = secure.ok && cloudForOrgHost(secure.host) ? `Use ${secure.url} instead.` : `Enter the environment's https:// URL, like ${example}.`;
      return fail(`${quoted(text)} uses http://, but Dataverse only accepts https://. ${instead}`);
    }
    if (scheme !== 'https') {
      return fail(`${quoted(text)} starts with ${scheme.slice(0, 20)}://; an environment URL starts with https://, like ${example}.`);
    }
  }

  if (text.includes('\\')) {
    // The URL parser reads \ as / for https, so "https://evil.com\@contoso..." would quietly become https://evil.com.
    return fail(`${quoted(text)} contains a backslash (\\); an environment URL has none. Enter it like ${example}.`);
  }
  const authority = (schemeMatch ? text.slice(schemeMatch[0].length) : text).split(/[/?#]/, 1)[0] ?? '';
  if (authority.includes('@')) {
    // Even an empty user info (https://@host, https://:@host) hides which host the URL names.
    return fail(`${quoted(text)} contains a user name or password (the part before @); remove it and enter only the environment URL, like ${example}.`);
  }

  let url: URL;
  try {
    url = new URL(schemeMatch ? text : `https://${text}`);
  } catch {
    return fail(`${quoted(text)} is not a valid URL. Enter it like ${example}.`);
  }
  if (url.username || url.password) {
    return fail(`${quoted(text)} contains a user name or password; remove it and enter only the environment URL, like ${example}.`);
  }

  let host = url.hostname.toLowerCase().replace(/\.$/, '');
  const port = url.port; // empty for 443: URL drops the default port.
  let note: string | undefined;

  if (!host) {
    return fail(`${quoted(text)} has no host name. Enter it like ${example}.`);
  }
  const isIp = IPV4.test(host) || host.startsWith('[');
  if (!isIp) {
    if (host !== 'localhost' && !host.includes('.') && DNS_LABEL.test(host)) {
      // localhost is allowed (local stand-ins such as the sandbox); any other dotless name is an environment name typed alone.
      return fail(`${quoted(text)} is not a full URL. If ${quoted(host)} is the environment name, enter https://${host}${suffix}. ${WHERE_TO_FIND}`);
    }
    const labels = host.split('.');
    if (host.length > 253 || !labels.every((l) => DNS_LABEL.test(l))) {
      return fail(`${quoted(host)} is not a valid host name. Enter the environment URL like ${example}.`);
    }
    if (BARE_REGION.test(host)) {
      return fail(`${quoted(host)} is the regional domain without your environment's name. Enter it like https://contoso.${host}, with your environment's name in place of contoso.`);
    }
    const misplaced = NOT_AN_ENVIRONMENT.find((entry) => entry.test(host));
    if (misplaced) {
      return fail(`${quoted(host)} is ${misplaced.what}, not a Dataverse environment. Enter the environment URL instead, like ${example}. ${WHERE_TO_FIND}`);
    }
    const api = API_HOST.exec(host);
    if (api) {
      const webHost = `${api[1]}.${api[2]}`;
      note = `Using https://${webHost}: ${host} is the Web API address of the same environment.`;
      host = webHost;
    }
  }

  if (cloud) {
    const hostCloud = cloudForOrgHost(host);
    if (hostCloud && hostCloud !== cloud) {
      return fail(
        `${host} is an environment of the ${cloudDefaults(hostCloud).displayName} cloud, but this connection is set to ${cloudDefaults(cloud).displayName}. Change the connection's cloud to ${cloudDefaults(hostCloud).displayName}, or check the URL.`,
      );
    }
  }

  const normalized = `https://${host}${port ? `:${port}` : ''}`;
  return note ? { ok: true, url: normalized, host: host.replace(/^\[|\]$/g, ''), note } : { ok: true, url: normalized, host: host.replace(/^\[|\]$/g, '') };
}

/**
 * The scope that asks Entra ID for a Dataverse token: `https://host/.default`
 * or `https://host/user_impersonation`, with exactly one slash. Throws when
 * `url` is not an environment URL, because a wrong scope only surfaces later
 * as AADSTS70011 or AADSTS500011.
 */
export function orgScope(url: string, kind: OrgScopeKind): string {
  const result = normalizeOrgUrl(url);
  if (!result.ok) {
    throw new Error(result.reason);
  }
  return `${result.url}/${kind === 'default' ? '.default' : 'user_impersonation'}`;
}

/** True when both URLs name the same environment (case, path, trailing slash and the `.api.` host aside). */
export function sameOrg(a: string, b: string): boolean {
  const left = normalizeOrgUrl(a);
  const right = normalizeOrgUrl(b);
  return left.ok && right.ok && left.url === right.url;
}

/**
 * The host forms of the cloud's environments, e.g. `*.crm.dynamics.com,
 * *.crm4.dynamics.com, …`: a few regional domains, enough to recognise the
 * pattern (https://learn.microsoft.com/power-platform/admin/new-datacenter-regions).
 */
export function expectedHostForms(cloud: CloudId, limit = 4): string {
  const suffixes = cloudDefaults(cloud).orgHostSuffixes;
  const shown = suffixes.slice(0, limit).map((s) => `*${s}`);
  return suffixes.length > limit ? `${shown.join(', ')} or another regional domain` : shown.join(' or ');
}

/** The input as a message quotes it: its first characters, control characters shown as escapes. */
function quoted(text: string): string {
  const head = text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}… (${text.length} characters)` : text;
  return `"${head.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

function fail(reason: string): OrgUrlResult {
  return { ok: false, reason };
}

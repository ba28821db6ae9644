/**
 * Test helper: plays the person in the browser on the sandbox's sign-in page,
 * over plain HTTP (fetch): opens the authorize URL, picks the user, answers
 * the MFA and consent steps when the page shows them, and delivers the answer
 * to the redirect URI the way a browser would (submits the form_post form, or
 * follows the query redirect). Only understands the sandbox's own markup
 * (sandbox/entra/html.ts).
 */
import type { StepAnswers } from './server';

/** How the person answers the steps after the account pick; by default they approve MFA and accept consent. */
export interface SignInSteps extends StepAnswers {
  /** Sent as the Cookie header (a browser's Entra session), for prompt=none. */
  readonly cookie?: string;
}

/** What the browser ended with. */
export interface SignInResult {
  /** Status of the redirect URI (the app's loopback) answering the delivery. */
  readonly status: number;
  /** Fields delivered to the redirect URI (code or error, state...). */
  readonly fields: Record<string, string>;
  /** The steps the page showed after the account pick, in order. */
  readonly steps: readonly ('mfa' | 'consent')[];
  /** The session cookie the sign-in service set (`name=value`), if any. */
  readonly cookie?: string;
}

function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

function hiddenInputs(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  return fields;
}

function formAction(html: string): string {
  const m = /<form method="post" action="([^"]*)"/.exec(html);
  if (!m) throw new Error(`no form on the page: ${html.slice(0, 300)}`);
  return unescapeHtml(m[1]!);
}

const post = (url: string, fields: Record<string, string>) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });

/** Drives the sign-in page for `authorizeUrl` as `upn` (or presses Cancel when upn is undefined). */
export async function signIn(authorizeUrl: string, upn: string | undefined, options: SignInSteps = {}): Promise<SignInResult> {
  const first = await fetch(authorizeUrl, { redirect: 'manual', headers: options.cookie ? { cookie: options.cookie } : {} });
  let page = await first.text();
  let answer = new Response(page, { status: first.status, headers: first.headers });
  const steps: ('mfa' | 'consent')[] = [];
  let choice: Record<string, string> = upn === undefined ? { cancel: '1' } : { upn };
  while (answer.status === 200 && page.includes('name="request"')) {
    const hidden = hiddenInputs(page);
    if (hidden.step === 'mfa' || hidden.step === 'consent') {
      steps.push(hidden.step);
      choice = hidden.step === 'mfa' ? { mfa: options.mfa ?? 'approve' } : { consent: options.consent ?? 'accept' };
    }
    answer = await post(new URL(formAction(page), authorizeUrl).toString(), { ...hidden, ...choice });
    page = answer.status === 200 ? await answer.text() : '';
  }
  const cookie = /^([^;]+)/.exec(answer.headers.get('set-cookie') ?? '')?.[1];
  if (answer.status === 302) {
    const location = answer.headers.get('location')!;
    const fields = Object.fromEntries(new URL(location).searchParams);
    const delivered = await fetch(location);
    await delivered.arrayBuffer();
    return { status: delivered.status, fields, steps, cookie };
  }
  const html = page || (await answer.text());
  if (answer.status !== 200 || !html.includes('document.forms[0].submit()')) {
    throw new Error(`sign-in page answered ${answer.status}: ${html.replace(/<[^>]+>/g, ' ').slice(0, 400)}`);
  }
  const fields = hiddenInputs(html);
  const delivered = await post(formAction(html), fields);
  await delivered.arrayBuffer();
  return { status: delivered.status, fields, steps, cookie };
}

/**
 * The browser pages at the end of an interactive sign-in say what happened,
 * for which environment and identity, and to return to VS Code; whatever they
 * quote is escaped.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signInErrorPage, signInSuccessPage } from '../../../src/auth/signInPages';

const text = (html: string) => html.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('sign-in pages', () => {
  test('success names the environment and the account, and sends the person back to VS Code', () => {
    const page = text(signInSuccessPage({ orgName: 'Contoso Sales', orgUrl: 'https://contoso.crm.dynamics.com', account: 'adele@contoso.onmicrosoft.com' }));
    assert.match(page, /You are signed in/);
    assert.match(page, /Contoso Sales \(https:\/\/contoso\.crm\.dynamics\.com\) as adele@contoso\.onmicrosoft\.com/);
    assert.match(page, /return to VS Code/);
    assert.doesNotMatch(page, /Auth code|successfully acquired/);
  });

  test('success without a known account says it is the one chosen', () => {
    assert.match(text(signInSuccessPage({ orgName: 'contoso.crm.dynamics.com', orgUrl: 'https://contoso.crm.dynamics.com' })), /with the account you chose/);
  });

  test('the error page says the sign-in did not finish, without msal-node\'s "Error occurred"', () => {
    const page = text(signInErrorPage({ orgName: 'Contoso Sales', orgUrl: 'https://contoso.crm.dynamics.com' }));
    assert.match(page, /Sign-in did not finish/);
    assert.match(page, /Contoso Sales .* was cancelled or refused/);
    assert.match(page, /If you cancelled, there is nothing else to do/);
    assert.match(page, /return to VS Code/);
    assert.doesNotMatch(page, /Error occurred/);
  });

  test('quoted names are escaped, so a connection name cannot add markup', () => {
    const html = signInSuccessPage({ orgName: '<script>alert(1)</script> & "Sales"', orgUrl: 'https://contoso.crm.dynamics.com', account: "o'brien@contoso.com" });
    assert.ok(!html.includes('<script>alert'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Sales&quot;'));
    assert.ok(html.includes('o&#39;brien@contoso.com'));
    assert.match(html, /default-src 'none'/);
  });
});

/**
 * Connecting again for the same org and identity is recognised (so the
 * connection is signed back in, not duplicated), and connections that must
 * differ get labels that differ.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Connection } from '../../../src/auth/connection';
import { distinctName, findSameConnection, isLabelTaken, isSameIdentity } from '../../../src/auth/connectionIdentity';

const adele: Connection = {
  id: 'a',
  name: 'Contoso Sales',
  orgUrl: 'https://contoso.crm.dynamics.com',
  tenantId: 't',
  authorityHost: 'https://login.microsoftonline.com',
  flow: 'interactive',
  clientId: '51f81489-12ee-4a9e-aaae-a2591f45987d',
  accountHint: 'adele@contoso.com',
  accountName: 'Adele Vance',
  homeAccountId: 'oid-adele.t',
  tags: [],
};
const app: Connection = { ...adele, id: 'b', name: 'Contoso Sales (CI)', flow: 'clientSecret', clientId: 'app-1', accountHint: 'app-1', accountName: '# DevKit CI', homeAccountId: undefined };

describe('isSameIdentity', () => {
  const user = { orgUrl: 'https://CONTOSO.crm.dynamics.com/', flow: 'deviceCode' as const, clientId: adele.clientId, homeAccountId: 'oid-adele.t', username: 'ADELE@contoso.com' };
  test('the same person in the same org, by browser or by code, is the same connection', () => {
    assert.equal(isSameIdentity(adele, user), true);
    assert.equal(isSameIdentity({ ...adele, homeAccountId: undefined }, { ...user, homeAccountId: undefined }), true, 'matched by user name when no account id is kept');
  });
  test('another person, another org, another app registration or an app is not', () => {
    assert.equal(isSameIdentity(adele, { ...user, homeAccountId: 'oid-alex.t', username: 'alex@contoso.com' }), false);
    assert.equal(isSameIdentity(adele, { ...user, orgUrl: 'https://contosodev.crm.dynamics.com' }), false);
    assert.equal(isSameIdentity(adele, { ...user, clientId: '11111111-2222-3333-4444-555555555555' }), false);
    assert.equal(isSameIdentity(adele, { orgUrl: adele.orgUrl, flow: 'clientSecret', clientId: adele.clientId }), false);
  });
  test('the same application (secret or certificate) in the same org is the same connection', () => {
    assert.equal(isSameIdentity(app, { orgUrl: app.orgUrl, flow: 'certificate', clientId: 'APP-1' }), true);
  });
  test('findSameConnection picks it out of the list', () => {
    assert.equal(findSameConnection([app, adele], user)?.id, 'a');
    assert.equal(findSameConnection([app], user), undefined);
  });
});

describe('labels that must differ, differ', () => {
  test('a name already shown with the same account is taken; with another account it is not', () => {
    assert.equal(isLabelTaken('contoso sales ', 'Adele Vance', [adele]), true);
    assert.equal(isLabelTaken('Contoso Sales', 'Alex Wilber', [adele]), false);
  });
  test('the name offered is numbered until its label is free', () => {
    assert.equal(distinctName('Contoso Sales', 'Alex Wilber', [adele]), 'Contoso Sales');
    assert.equal(distinctName('Contoso Sales', 'Adele Vance', [adele]), 'Contoso Sales (2)');
    assert.equal(distinctName('Contoso Sales', 'Adele Vance', [adele, { ...adele, id: 'c', name: 'Contoso Sales (2)' }]), 'Contoso Sales (3)');
  });
});

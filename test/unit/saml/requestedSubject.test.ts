// Issue 7, point 6: the <Subject> of an AuthnRequest is read (bounded) and compared with the NameID Gatehouse
// would issue (SAML core §3.4.1, §3.3.4).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SUBJECT_NAMEID_LENGTH, parseAuthnRequest } from '../../../src/saml/parseAuthnRequest.js';
import { matchRequestedSubject } from '../../../src/saml/matchRequestedSubject.js';
import { saml } from '../../../src/saml/samlConstants.js';
import { isGatehouseError } from '../../../src/errors.js';
import { fixture } from './spFixtures.js';

const generic = fixture('generic-sp-authnrequest.xml');
const withSubject = (inner: string) => generic.replace('</saml:Issuer>', `</saml:Issuer><saml:Subject>${inner}</saml:Subject>`);
const { persistent, emailAddress, unspecified } = saml.nameIdFormat;

describe('parseAuthnRequest: Subject', () => {
  it('no Subject, or one without an identifier: no requested subject', () => {
    assert.equal(parseAuthnRequest(generic).subject, undefined);
    assert.equal(parseAuthnRequest(withSubject('<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"/>')).subject, undefined);
  });
  it('reads the NameID value and Format', () => {
    assert.deepEqual(parseAuthnRequest(withSubject(`<saml:NameID Format="${emailAddress}">bob@example.com</saml:NameID>`)).subject, { nameId: 'bob@example.com', format: emailAddress });
    assert.deepEqual(parseAuthnRequest(withSubject('<saml:NameID>u-1</saml:NameID>')).subject, { nameId: 'u-1' });
    assert.deepEqual(parseAuthnRequest(withSubject(`<saml:NameID>${'a'.repeat(MAX_SUBJECT_NAMEID_LENGTH)}</saml:NameID>`)).subject, { nameId: 'a'.repeat(MAX_SUBJECT_NAMEID_LENGTH) });
  });
  it('keeps an identifier it cannot read as unreadable', () => {
    assert.deepEqual(parseAuthnRequest(withSubject('<saml:EncryptedID/>')).subject, { unreadable: 'EncryptedID' });
    assert.deepEqual(parseAuthnRequest(withSubject('<saml:BaseID NameQualifier="x"/>')).subject, { unreadable: 'BaseID' });
  });
  const refused: [string, string][] = [
    ['two Subjects', withSubject('<saml:NameID>a</saml:NameID>').replace('</saml:Subject>', '</saml:Subject><saml:Subject><saml:NameID>b</saml:NameID></saml:Subject>')],
    ['two identifiers', withSubject('<saml:NameID>a</saml:NameID><saml:NameID>b</saml:NameID>')],
    ['an empty NameID', withSubject('<saml:NameID> </saml:NameID>')],
    ['an over-long NameID', withSubject(`<saml:NameID>${'a'.repeat(MAX_SUBJECT_NAMEID_LENGTH + 1)}</saml:NameID>`)],
    ['an over-long Format', withSubject(`<saml:NameID Format="urn:${'x'.repeat(300)}">a</saml:NameID>`)],
    ['elements inside the NameID', withSubject('<saml:NameID><saml:NameID>a</saml:NameID></saml:NameID>')],
  ];
  for (const [name, xml] of refused) it(`refuses ${name}`, () => assert.throws(() => parseAuthnRequest(xml), (e) => isGatehouseError(e, 'saml_request_invalid')));
});

describe('matchRequestedSubject', () => {
  const issuedPersistent = { nameId: 'a1B2-c3', nameIdFormat: persistent };
  const issuedEmail = { nameId: 'Alice@Example.com', nameIdFormat: emailAddress };
  it('the same NameID: with no Format, unspecified, or the same Format', () => {
    for (const format of [undefined, unspecified, persistent]) assert.ok(matchRequestedSubject(format ? { nameId: 'a1B2-c3', format } : { nameId: 'a1B2-c3' }, issuedPersistent));
  });
  it('persistent identifiers compare exactly; emails and usernames without regard to case', () => {
    assert.equal(matchRequestedSubject({ nameId: 'A1B2-C3' }, issuedPersistent), false);
    assert.ok(matchRequestedSubject({ nameId: 'alice@example.com', format: emailAddress }, issuedEmail));
    assert.ok(matchRequestedSubject({ nameId: 'ALICE', format: unspecified }, { nameId: 'alice', nameIdFormat: unspecified }));
  });
  it('another value, another Format, or an identifier that cannot be read: no match', () => {
    assert.equal(matchRequestedSubject({ nameId: 'someone-else' }, issuedPersistent), false);
    assert.equal(matchRequestedSubject({ nameId: 'a1B2-c3', format: emailAddress }, issuedPersistent), false);
    assert.equal(matchRequestedSubject({ nameId: 'a1B2-c3', format: saml.nameIdFormat.transient }, issuedPersistent), false);
    assert.equal(matchRequestedSubject({ nameId: ' a1B2-c3' }, issuedPersistent), false);
    assert.equal(matchRequestedSubject({ unreadable: 'EncryptedID' }, issuedPersistent), false);
    assert.equal(matchRequestedSubject({ unreadable: 'BaseID' }, issuedEmail), false);
  });
});

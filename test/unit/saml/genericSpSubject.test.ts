import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGatehouseError } from '../../../src/errors.js';
import { buildGenericSpSubject } from '../../../src/saml/genericSpSubject.js';
import { saml } from '../../../src/saml/samlConstants.js';

const person = { id: 'u-1', username: 'alice', email: 'alice@example.com', displayName: 'Alice Example' };

describe('buildGenericSpSubject', () => {
  it('persistent by default: the person id, and username, email, displayName, groups', () => {
    const s = buildGenericSpSubject({ spName: 'Wiki', nameIdFormat: null, person, groups: ['devs', 'ops'] });
    assert.equal(s.nameId, 'u-1');
    assert.equal(s.nameIdFormat, saml.nameIdFormat.persistent);
    assert.deepEqual(s.attributes, [
      { name: 'username', values: ['alice'] }, { name: 'email', values: ['alice@example.com'] },
      { name: 'displayName', values: ['Alice Example'] }, { name: 'groups', values: ['devs', 'ops'] },
    ]);
  });

  it('emailAddress → the email; unspecified → the username; an unknown format keeps the id', () => {
    assert.equal(buildGenericSpSubject({ spName: 'W', nameIdFormat: saml.nameIdFormat.emailAddress, person, groups: [] }).nameId, 'alice@example.com');
    assert.equal(buildGenericSpSubject({ spName: 'W', nameIdFormat: saml.nameIdFormat.unspecified, person, groups: [] }).nameId, 'alice');
    const transient = buildGenericSpSubject({ spName: 'W', nameIdFormat: saml.nameIdFormat.transient, person, groups: [] });
    assert.deepEqual([transient.nameId, transient.nameIdFormat], ['u-1', saml.nameIdFormat.transient]);
  });

  it('leaves out empty attributes', () => {
    const s = buildGenericSpSubject({ spName: 'W', nameIdFormat: null, person: { ...person, email: null, displayName: '' }, groups: [] });
    assert.deepEqual(s.attributes, [{ name: 'username', values: ['alice'] }]);
  });

  it('an SP that wants an email address, for a person without one: forbidden, naming the SP', () => {
    assert.throws(() => buildGenericSpSubject({ spName: 'Wiki', nameIdFormat: saml.nameIdFormat.emailAddress, person: { ...person, email: null }, groups: [] }),
      (e) => isGatehouseError(e, 'forbidden') && /^Wiki identifies people by email address/.test(e.message));
  });
});

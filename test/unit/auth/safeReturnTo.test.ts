// Issue 7, point 9: return paths are ASCII (non-ASCII percent-encoded) so the Location header can never fail.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { loginUrl, MAX_RETURN_TO_LENGTH, safeReturnTo } from '../../../src/auth/flow/returnTo.js';

describe('safeReturnTo', () => {
  it('percent-encodes what is not printable ASCII, as UTF-8', () => {
    assert.equal(safeReturnTo('/€'), '/%E2%82%AC');
    assert.equal(safeReturnTo('/café?q=ü ü'), '/caf%C3%A9?q=%C3%BC%20%C3%BC');
    assert.equal(safeReturnTo('/😀'), '/%F0%9F%98%80');
    assert.equal(safeReturnTo('/／evil.com'), '/%EF%BC%8Fevil.com');
  });

  it('keeps ASCII paths as they are, percent-escapes included', () => {
    for (const p of ['/', '/account?done=added', '/saml/resume?r=v1.a-b_c.d', '/%E2%82%AC', '/a%2F%2Fb']) assert.equal(safeReturnTo(p), p);
  });

  it('refuses what is not a local path, lone surrogates and anything too long', () => {
    for (const p of [undefined, 5, ['/a'], '', 'https://evil.com/', '//evil.com', '/\\evil.com', '/a\nb', '/a\u0000', '/a\\b', '/\ud800', `/${'a'.repeat(MAX_RETURN_TO_LENGTH)}`, `/${'€'.repeat(3000)}`]) {
      assert.equal(safeReturnTo(p), '/', JSON.stringify(p)?.slice(0, 40));
    }
  });

  it('any input gives a value Node accepts in a Location header, a local path, unchanged by a second pass', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 64 }).map((s) => '/' + s), (raw) => {
      const out = safeReturnTo(raw);
      assert.doesNotThrow(() => validateHeaderValue('location', out));
      assert.match(out, /^\/(?![/\\])[\x21-\x7e]*$|^\/$/);
      assert.equal(safeReturnTo(out), out);
      assert.equal(new URL(out, 'https://idp.example.com').origin, 'https://idp.example.com');
    }), { numRuns: 2000 });
  });

  it('loginUrl round-trips the encoded path', () => {
    const u = new URL(loginUrl('/€?x=1'), 'https://idp.example.com');
    assert.equal(u.searchParams.get('return_to'), '/%E2%82%AC?x=1');
  });
});

// The browser login's loopback listener over real HTTP: only 127.0.0.1, only /callback with the expected state;
// a stray or forged request is answered and ignored; a cancel in the browser ends the wait with a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLoopbackCallback } from '../../../src/cli/login/loopbackCallback.js';
import { isGatehouseError } from '../../../src/errors.js';

test('a wrong state or path does not end the wait; the right state delivers the code, once', async () => {
  const cb = await startLoopbackCallback({ state: 'expected-state', timeoutMs: 10_000 });
  assert.match(cb.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  const forged = await fetch(`${cb.redirectUri}?code=evil&state=other-state`);
  assert.equal(forged.status, 400);
  assert.match(await forged.text(), /does not belong to the sign-in/);
  assert.equal((await fetch(cb.redirectUri.replace('/callback', '/other'))).status, 404);
  const ok = await fetch(`${cb.redirectUri}?code=the-code&state=expected-state`);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('cache-control'), 'no-store');
  assert.match(ok.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.match(await ok.text(), /You are signed in to the AWS CLI/);
  assert.equal(await cb.code, 'the-code');
  await assert.rejects(fetch(`${cb.redirectUri}?code=again&state=expected-state`), 'the listener is closed after the answer');
});

test('Cancel in the browser (error=access_denied) ends the wait with a message; silence ends it at the timeout', async () => {
  const cb = await startLoopbackCallback({ state: 'expected-state', timeoutMs: 10_000 });
  const res = await fetch(`${cb.redirectUri}?error=access_denied&state=expected-state`);
  assert.match(await res.text(), /Sign-in cancelled/);
  await assert.rejects(cb.code, (e) => isGatehouseError(e, 'forbidden') && e.message === 'the sign-in was cancelled in the browser');
  const slow = await startLoopbackCallback({ state: 'expected-state', timeoutMs: 50 });
  await assert.rejects(slow.code, (e) => isGatehouseError(e, 'flow_expired') && /no answer from the browser/.test(e.message));
});

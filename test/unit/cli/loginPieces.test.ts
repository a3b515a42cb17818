// Small pure pieces of `gatehouse login`: PKCE, the verbose log's redaction, URLs, durations, the lazy command table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { createPkcePair, pkceChallenge } from '../../../src/cli/login/pkce.js';
import { redact, redactUrl } from '../../../src/cli/login/httpLog.js';
import { normaliseGatehouseUrl } from '../../../src/cli/login/gatehouseUrl.js';
import { parseDuration } from '../../../src/cli/login/settings.js';
import { authorizeUrl } from '../../../src/cli/login/browserLogin.js';
import { browserCommand } from '../../../src/cli/login/openBrowser.js';
import { commandModules } from '../../../src/cli/main.js';
import { isGatehouseError } from '../../../src/errors.js';

test('PKCE S256: RFC 7636 appendix B vector; fresh pairs are 43-character base64url', () => {
  assert.equal(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  const a = createPkcePair();
  const b = createPkcePair();
  assert.match(a.verifier, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(a.challenge, pkceChallenge(a.verifier));
  assert.notEqual(a.verifier, b.verifier);
  assert.notEqual(a.state, b.state);
});

test('the authorize URL carries the contract\'s parameters', () => {
  const u = new URL(authorizeUrl('https://idp.example.com/gh', { redirectUri: 'http://127.0.0.1:5000/callback', challenge: 'abc', state: 'xyz', clientName: 'laptop-7', factor: 'webauthn' }));
  assert.equal(u.origin + u.pathname, 'https://idp.example.com/gh/cli/authorize');
  assert.deepEqual(Object.fromEntries(u.searchParams), {
    redirect_uri: 'http://127.0.0.1:5000/callback', code_challenge: 'abc', code_challenge_method: 'S256', state: 'xyz', client_name: 'laptop-7', factor: 'webauthn',
  });
});

test('--verbose hides every secret field, deeply, and secret query parameters', () => {
  const body = {
    flowToken: 'f', username: 'alice', password: 'hunter2', code: '123456', code_verifier: 'v', device_code: 'd',
    token: { accessToken: 'gatehouse_cli_x', username: 'alice' }, samlResponse: 'P'.repeat(5000), roles: ['prod/Admin'],
  };
  const shown = JSON.stringify(redact(body));
  for (const secret of ['hunter2', '123456', 'gatehouse_cli_x', 'PPPP', '"f"', '"v"', '"d"']) assert.ok(!shown.includes(secret), secret);
  assert.match(shown, /"username":"alice"/);
  assert.match(shown, /\[hidden, 5000 characters\]/);
  assert.equal(redactUrl('http://127.0.0.1:1/callback?code=abc&state=s&x=1'), 'http://127.0.0.1:1/callback?code=[hidden]&state=[hidden]&x=1');
});

test('Gatehouse URLs: one form; https except on this computer', () => {
  assert.equal(normaliseGatehouseUrl('https://idp.example.com/'), 'https://idp.example.com');
  assert.equal(normaliseGatehouseUrl('idp.example.com'), 'https://idp.example.com');
  assert.equal(normaliseGatehouseUrl('https://example.com/gatehouse//'), 'https://example.com/gatehouse');
  assert.equal(normaliseGatehouseUrl('http://localhost:8080'), 'http://localhost:8080');
  assert.throws(() => normaliseGatehouseUrl('http://idp.example.com'), (e) => isGatehouseError(e, 'validation_failed') && /https/.test(e.message));
  assert.throws(() => normaliseGatehouseUrl('https://idp.example.com/?x=1'), (e) => isGatehouseError(e, 'validation_failed'));
});

test('durations within AWS\'s 900–43200 seconds', () => {
  assert.equal(parseDuration('900'), 900);
  assert.equal(parseDuration('43200'), 43200);
  for (const bad of ['899', '43201', '1h', '-1', '']) assert.throws(() => parseDuration(bad), (e) => isGatehouseError(e, 'validation_failed'), bad);
});

test('the browser command: GATEHOUSE_BROWSER, then BROWSER, then the platform opener', () => {
  assert.equal(browserCommand({ GATEHOUSE_BROWSER: 'firefox', BROWSER: 'lynx' }, 'linux'), 'firefox');
  assert.equal(browserCommand({ BROWSER: 'lynx' }, 'linux'), 'lynx');
  assert.equal(browserCommand({}, 'linux'), 'xdg-open');
  assert.equal(browserCommand({}, 'darwin'), 'open');
});

test('each lazily loaded command module registers exactly the names main.ts routes to it', async () => {
  const seen = new Set<string>();
  for (const m of commandModules) {
    const program = new Command('gatehouse');
    (await m.load())(program);
    assert.deepEqual(program.commands.map((c) => c.name()).sort(), [...m.names].sort());
    for (const n of m.names) { assert.ok(!seen.has(n), `${n} routed twice`); seen.add(n); }
  }
  for (const n of ['login', 'credential-process', 'exec', 'console', 'configure', 'whoami', 'logout', 'serve', 'user']) assert.ok(seen.has(n), n);
});

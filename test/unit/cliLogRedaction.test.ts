// The CLI's secrets stay out of the request log: device user codes in URLs, tokens and verifiers in bodies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { redactPaths, redactUrl } from '../../src/http/logging.js';

test('user codes and one-time codes in a URL are redacted', () => {
  assert.equal(redactUrl('/cli/device?user_code=BCDF-GHJK'), '/cli/device?user_code=[redacted]');
  assert.equal(redactUrl('/callback?code=abc&state=xyz'), '/callback?code=[redacted]&state=xyz');
});

test('CLI tokens, flow tokens, verifiers and device codes in logged objects are redacted', () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  const log = pino({ redact: { paths: redactPaths, censor: '[redacted]' } }, sink);
  log.info({ body: { flowToken: 'F1', code_verifier: 'V1', device_code: 'D1', code: 'C1' }, token: { accessToken: 'gatehouse_cli_A1' }, grant: { samlResponse: 'S1' } }, 'x');
  assert.doesNotMatch(lines.join(''), /F1|V1|D1|C1|A1|S1/);
});

// Logs are pretty-printed on a terminal and JSON otherwise; secrets are redacted either way.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger, logOptions } from '../../../src/http/logging.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => { text += d.toString(); });
  return { stream, text: () => text };
}

const secretLine = { body: { password: 'hunter2-password', code: '493021' }, res: { headers: { 'set-cookie': 'gatehouse_session=s3cr3t-cookie' } }, link: { token: 't0ken-value' }, device: { secret: 'JBSWY3DPEHPK3PXP' } };

describe('logging', () => {
  for (const pretty of [true, false]) {
    it(`${pretty ? 'pretty (terminal)' : 'JSON'}: passwords, cookies, tokens and TOTP secrets are redacted`, async () => {
      const out = capture();
      const log = createLogger('info', { pretty, destination: out.stream });
      log.info(secretLine, 'a request with secrets');
      await new Promise((r) => setImmediate(r));
      const text = out.text();
      assert.match(text, /a request with secrets/);
      for (const secret of ['hunter2-password', '493021', 's3cr3t-cookie', 't0ken-value', 'JBSWY3DPEHPK3PXP']) assert.ok(!text.includes(secret), `${secret} leaked:\n${text}`);
      assert.match(text, /\[redacted\]/);
      if (pretty) {
        assert.throws(() => JSON.parse(text.trim().split('\n')[0]!), 'a pretty line is not JSON');
        assert.match(text, /INFO/);
      } else {
        const line = JSON.parse(text.trim()) as { msg: string; level: number; body: { password: string } };
        assert.equal(line.msg, 'a request with secrets');
        assert.equal(line.body.password, '[redacted]');
      }
    });
  }

  it('pretty by default only when stdout is a terminal', () => {
    const tty = process.stdout.isTTY;
    try {
      Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
      assert.ok(logOptions('info').stream, 'a terminal gets the pino-pretty stream');
      Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true });
      assert.equal(logOptions('info').stream, undefined, 'anything else gets JSON on stdout');
    } finally {
      Object.defineProperty(process.stdout, 'isTTY', { value: tty, configurable: true });
    }
  });
});

// Interop: the real `oathtool` (OATH Toolkit, Debian package "oathtool") and our TOTP agree.
// The suite needs oathtool installed (test/run.mjs checks for it); it is never skipped.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateTotpSecret, totpCodeAt, totpStep, verifyTotp } from '../../src/auth/totp.js';

function oathtool(secret: string, at?: number): string {
  const args = ['--totp', '-b'];
  if (at !== undefined) args.push('-N', `@${at}`);
  args.push(secret);
  return execFileSync('oathtool', args, { encoding: 'utf8' }).trim();
}

describe('oathtool interop', () => {
  test('our verifier accepts the code oathtool shows now', () => {
    const secret = generateTotpSecret();
    const before = Date.now();
    const code = oathtool(secret);
    const now = Date.now();
    assert.match(code, /^\d{6}$/);
    const { step } = verifyTotp({ secret, code, now, lastStep: null });
    assert.ok(Math.abs(step - totpStep(before)) <= 1);
  });

  test('time-pinned codes match ours (RFC seed and random secrets)', () => {
    const secrets = ['GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'JBSWY3DPEHPK3PXP', generateTotpSecret(), generateTotpSecret()];
    const times = [59, 1111111109, 1111111111, 1234567890, 2000000000, 1700000000, 1700000029, 1700000030];
    for (const secret of secrets) {
      for (const t of times) {
        const theirs = oathtool(secret, t);
        assert.equal(totpCodeAt(secret, totpStep(t * 1000)), theirs, `${secret} @${t}`);
        assert.equal(verifyTotp({ secret, code: theirs, now: t * 1000 }).step, Math.floor(t / 30));
      }
    }
  });

  test('RFC 6238 vectors via oathtool', () => {
    const expected: Record<number, string> = { 59: '287082', 1111111109: '081804', 1111111111: '050471', 1234567890: '005924', 2000000000: '279037' };
    for (const [t, code] of Object.entries(expected)) assert.equal(oathtool('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', Number(t)), code);
  });
});

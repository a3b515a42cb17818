import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isGatehouseError } from '../../../src/errors.js';
import {
  generateTotpSecret, normaliseTotpSecret, totpCodeAt, totpQrSvg, totpStep, totpUri, verifyTotp, verifyTotpEnrollment,
} from '../../../src/auth/totp.js';

// RFC 6238 appendix B: SHA-1 seed "12345678901234567890" (ASCII), 8-digit values; ours are the last 6 digits.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const vectors: [number, string][] = [
  [59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'], [1234567890, '89005924'], [2000000000, '69279037'],
];
const ms = (unix: number) => unix * 1000;

function rejected(code: 'factor_rejected' | 'totp_replayed') {
  return (e: unknown) => { assert.ok(isGatehouseError(e, code), `expected ${code}, got ${String(e)}`); return true; };
}

describe('TOTP secrets and URIs', () => {
  test('the RFC seed is this base32 secret', () => {
    assert.equal(Buffer.from('12345678901234567890').length, 20);
    assert.equal(generateTotpSecret(() => Buffer.from('12345678901234567890')), RFC_SECRET);
  });

  test('one normaliser for pasted secrets: spaces, dashes, padding and case go; 80 to 1280 bits of base32 stay', () => {
    for (const pasted of ['gezd gnbv gy3t qojq gezd gnbv gy3t qojq', 'GEZD-GNBV-GY3T-QOJQ-GEZD-GNBV-GY3T-QOJQ', `${RFC_SECRET}====`, `\t${RFC_SECRET}\n`]) {
      assert.equal(normaliseTotpSecret(pasted), RFC_SECRET);
    }
    assert.equal(normaliseTotpSecret('A'.repeat(16)), 'A'.repeat(16));
    assert.equal(normaliseTotpSecret('A'.repeat(256)), 'A'.repeat(256));
    for (const bad of ['A'.repeat(15), 'A'.repeat(257), 'GEZDGNBVGY3TQOJ1', 'GEZDGNBVGY3TQOJQ_', '', ' '.repeat(2000) + RFC_SECRET]) {
      assert.equal(normaliseTotpSecret(bad), undefined, bad.slice(0, 20));
    }
    // verification reads secrets through the same normaliser
    assert.equal(totpCodeAt('gezd-gnbv-gy3t-qojq-gezd-gnbv-gy3t-qojq', 1), totpCodeAt(RFC_SECRET, 1));
  });

  test('generated secrets are 160-bit base32 and differ', () => {
    const a = generateTotpSecret();
    assert.match(a, /^[A-Z2-7]{32}$/);
    assert.notEqual(a, generateTotpSecret());
  });

  test('otpauth URI: issuer, account, SHA1, 6 digits, 30 s', () => {
    const u = new URL(totpUri({ issuer: 'Gatehouse', account: 'alice@example.com', secret: RFC_SECRET }));
    assert.equal(u.protocol, 'otpauth:');
    assert.equal(u.host, 'totp');
    assert.equal(decodeURIComponent(u.pathname), '/Gatehouse:alice@example.com');
    assert.equal(u.searchParams.get('secret'), RFC_SECRET);
    assert.equal(u.searchParams.get('issuer'), 'Gatehouse');
    assert.equal(u.searchParams.get('algorithm'), 'SHA1');
    assert.equal(u.searchParams.get('digits'), '6');
    assert.equal(u.searchParams.get('period'), '30');
  });

  test('QR code is an SVG string', async () => {
    const svg = await totpQrSvg(totpUri({ issuer: 'Gatehouse', account: 'alice', secret: RFC_SECRET }));
    assert.match(svg, /^<svg[\s>]/);
    assert.match(svg, /<\/svg>\s*$/);
    assert.doesNotMatch(svg, /<script/i);
  });
});

describe('verifyTotp', () => {
  for (const [unix, eight] of vectors) {
    test(`RFC 6238 vector at ${unix}`, () => {
      const six = eight.slice(-6);
      assert.equal(totpCodeAt(RFC_SECRET, totpStep(ms(unix))), six);
      assert.deepEqual(verifyTotp({ secret: RFC_SECRET, code: six, now: ms(unix), lastStep: null }), { step: Math.floor(unix / 30) });
    });
  }

  const now = ms(1111111111);
  const step = totpStep(now);

  test('accepts ±1 step and reports the matched step', () => {
    for (const d of [-1, 0, 1]) {
      assert.equal(verifyTotp({ secret: RFC_SECRET, code: totpCodeAt(RFC_SECRET, step + d), now, lastStep: null }).step, step + d);
    }
  });

  test('rejects ±2 steps', () => {
    for (const d of [-2, 2]) {
      assert.throws(() => verifyTotp({ secret: RFC_SECRET, code: totpCodeAt(RFC_SECRET, step + d), now }), rejected('factor_rejected'));
    }
  });

  test('rejects a wrong code', () => {
    const right = totpCodeAt(RFC_SECRET, step);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    assert.throws(() => verifyTotp({ secret: RFC_SECRET, code: wrong, now }), rejected('factor_rejected'));
  });

  test('rejects a replayed step (step <= lastStep)', () => {
    const code = totpCodeAt(RFC_SECRET, step);
    const { step: used } = verifyTotp({ secret: RFC_SECRET, code, now, lastStep: null });
    assert.throws(() => verifyTotp({ secret: RFC_SECRET, code, now, lastStep: used }), rejected('totp_replayed'));
    // An older code still inside the window is a replay too once a later step was used.
    assert.throws(() => verifyTotp({ secret: RFC_SECRET, code: totpCodeAt(RFC_SECRET, step - 1), now, lastStep: used }), rejected('totp_replayed'));
    // The next step's code is fine.
    assert.equal(verifyTotp({ secret: RFC_SECRET, code: totpCodeAt(RFC_SECRET, step + 1), now, lastStep: used }).step, step + 1);
  });

  test('normalises input: spaces and full-width digits; anything else is rejected', () => {
    const code = totpCodeAt(RFC_SECRET, step);
    assert.equal(verifyTotp({ secret: RFC_SECRET, code: ` ${code.slice(0, 3)} ${code.slice(3)} `, now }).step, step);
    const fullWidth = [...code].map((c) => String.fromCharCode(0xff10 + Number(c))).join('');
    assert.equal(verifyTotp({ secret: RFC_SECRET, code: fullWidth, now }).step, step);
    for (const bad of ['', '12345', '1234567', 'abcdef', `${code}0`, `${code.slice(0, 5)}x`, '12-34-56']) {
      assert.throws(() => verifyTotp({ secret: RFC_SECRET, code: bad, now }), rejected('factor_rejected'), bad);
    }
  });

  test('accepts a lower-case secret with spaces (as pasted)', () => {
    const pasted = 'gezd gnbv gy3t qojq gezd gnbv gy3t qojq';
    assert.equal(verifyTotp({ secret: pasted, code: totpCodeAt(RFC_SECRET, step), now }).step, step);
  });
});

describe('verifyTotpEnrollment', () => {
  const now = ms(1234567890);
  const s = totpStep(now);
  const at = (k: number) => totpCodeAt(RFC_SECRET, k);

  test('two consecutive codes (s-1, s) return the later step', () => {
    assert.deepEqual(verifyTotpEnrollment({ secret: RFC_SECRET, code1: at(s - 1), code2: at(s), now }), { step: s });
    // The app may be one step ahead: (s, s+1).
    assert.deepEqual(verifyTotpEnrollment({ secret: RFC_SECRET, code1: at(s), code2: at(s + 1), now }), { step: s + 1 });
  });

  test('rejects the same code twice', () => {
    assert.throws(() => verifyTotpEnrollment({ secret: RFC_SECRET, code1: at(s), code2: at(s), now }), rejected('factor_rejected'));
  });

  test('rejects non-consecutive codes, reversed order, and codes outside the window', () => {
    for (const [a, b] of [[s - 1, s + 1], [s, s - 1], [s - 2, s - 1], [s + 1, s + 2], [s - 3, s]] as const) {
      assert.throws(() => verifyTotpEnrollment({ secret: RFC_SECRET, code1: at(a), code2: at(b), now }), rejected('factor_rejected'), `${a - s},${b - s}`);
    }
  });

  test('rejects a wrong second code', () => {
    const wrong = String((Number(at(s)) + 1) % 1_000_000).padStart(6, '0');
    assert.throws(() => verifyTotpEnrollment({ secret: RFC_SECRET, code1: at(s - 1), code2: wrong, now }), rejected('factor_rejected'));
  });
});
